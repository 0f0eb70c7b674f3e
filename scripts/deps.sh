#!/usr/bin/env bash
# Installs what tutanak's build and tests need and is not there yet.
# Idempotent and quiet when everything is installed. Usage: scripts/deps.sh [build|test]
set -euo pipefail
want=${1:-build}

debs=(libtesseract-dev libleptonica-dev tesseract-ocr-eng tesseract-ocr-tur libturbojpeg0-dev gcc pkg-config curl)
if [ "$want" = test ] && ! command -v pg_isready >/dev/null 2>&1; then
  debs+=(postgresql-client)
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
  # The S3 integration tests run a real MinIO server, built from source once and cached.
  minio_version=v0.0.0-20260212201848-7aac2a2c5b7c
  bin="$(go env GOPATH)/bin/minio"
  if [ ! -x "$bin" ]; then
    echo "deps: building MinIO $minio_version (a few minutes, once)"
    (cd "$(mktemp -d)" && GOFLAGS=-buildvcs=false go install "github.com/minio/minio@$minio_version")
  fi
fi
