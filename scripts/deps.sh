#!/usr/bin/env bash
# Installs what tutanak's build and tests need and is not there yet.
# Idempotent and quiet when everything is installed. Usage: scripts/deps.sh [build|test]
set -euo pipefail
want=${1:-build}

debs=(libtesseract-dev libleptonica-dev tesseract-ocr-eng tesseract-ocr-tur libturbojpeg0-dev gcc pkg-config curl)
if [ "$want" = test ] && ! command -v pg_isready >/dev/null 2>&1; then
  debs+=(postgresql-client)
fi
if [ "$want" = test ]; then
  # pdftotext checks that evidence summaries open; the browser tests drive
  # Debian's Chromium with playwright-core under Node.
  debs+=(poppler-utils chromium)
  command -v node >/dev/null 2>&1 || debs+=(nodejs)
  command -v npm >/dev/null 2>&1 || debs+=(npm)
fi

missing=()
for p in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

go mod download

if [ "$want" = test ]; then
  # playwright-core for the browser tests, exactly as locked; it downloads no browser.
  browser_dir="$(cd "$(dirname "$0")/../tests/browser" && pwd)"
  if [ ! -f "$browser_dir/node_modules/playwright-core/package.json" ] ||
     [ "$browser_dir/package-lock.json" -nt "$browser_dir/node_modules/.package-lock.json" ]; then
    echo "deps: npm ci in tests/browser"
    (cd "$browser_dir" && npm ci --no-audit --no-fund --silent)
  fi
  # The S3 integration tests run a real MinIO server, built from source once and cached.
  minio_version=v0.0.0-20260212201848-7aac2a2c5b7c
  bin="$(go env GOPATH)/bin/minio"
  if [ ! -x "$bin" ]; then
    echo "deps: building MinIO $minio_version (a few minutes, once)"
    (cd "$(mktemp -d)" && GOFLAGS=-buildvcs=false go install "github.com/minio/minio@$minio_version")
  fi
fi
