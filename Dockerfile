# The viscan container image: the static (musl) release binary on an empty base, run as an
# unprivileged user. Built by .github/workflows/release.yml from the release archive:
#   docker build --build-arg BIN=viscan-x86_64-unknown-linux-musl/viscan -t viscan .
# Use: docker run --rm --user "$(id -u):$(id -g)" -v "$PWD:/src" ghcr.io/OWNER/viscan scan .
FROM scratch
ARG BIN=viscan
COPY ${BIN} /viscan
USER 65534:65534
WORKDIR /src
ENTRYPOINT ["/viscan"]
CMD ["scan", "."]
