#!/usr/bin/env bash
# scripts/release-archive.sh TARGET BIN_DIR OUT_DIR: packs the viscan binary built for TARGET
# (BIN_DIR/viscan or viscan.exe) with the README, the licences and the changelog into
# OUT_DIR/viscan-TARGET.tar.gz (OUT_DIR/viscan-TARGET.zip for Windows), one top-level folder
# viscan-TARGET/. The action's `version: vX.Y.Z` downloads exactly these names.
set -euo pipefail

target="$1"
bin_dir="$2"
out_dir="$3"
root="$(cd "$(dirname "$0")/.." && pwd)"
name="viscan-$target"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/$name" "$out_dir"
out_dir="$(cd "$out_dir" && pwd)"
exe=viscan
[ -f "$bin_dir/viscan.exe" ] && exe=viscan.exe
cp "$bin_dir/$exe" "$stage/$name/"
cp "$root/README.md" "$root/CHANGELOG.md" "$root/LICENSE-MIT" "$root/LICENSE-APACHE" "$stage/$name/"
case "$target" in
  *windows*)
    (cd "$stage" && if command -v 7z >/dev/null 2>&1; then 7z a -tzip -bso0 "$out_dir/$name.zip" "$name"; else zip -qr "$out_dir/$name.zip" "$name"; fi)
    echo "$out_dir/$name.zip"
    ;;
  *)
    tar -C "$stage" -czf "$out_dir/$name.tar.gz" "$name"
    echo "$out_dir/$name.tar.gz"
    ;;
esac
