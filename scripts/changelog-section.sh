#!/usr/bin/env bash
# scripts/changelog-section.sh VERSION [CHANGELOG.md]: prints the body of the `## [VERSION]`
# section (the release notes); fails if there is none, so a tag without notes is not released.
set -euo pipefail
version="$1"
file="${2:-CHANGELOG.md}"
awk -v v="$version" '
  /^## / { if (inside) exit; if (index($0, "## [" v "]") == 1) { inside = 1; found = 1; next } }
  inside { print }
  END { if (!found) { print "no section ## [" v "] in the changelog" > "/dev/stderr"; exit 1 } }
' "$file"
