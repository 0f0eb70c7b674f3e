#!/usr/bin/env bash
# Runs every fuzz target of the module for a while each, one at a time, and
# fails if any fails. A failing input lands in testdata/fuzz/<FuzzName>/ next
# to its package: check it in once the bug is fixed.
# Usage: scripts/fuzz.sh [FUZZTIME]   (default 10000x, or $FUZZTIME)
# The default is a count of inputs, not a duration: Go 1.26's fuzzer can fail
# a target that found nothing with "context deadline exceeded" when a
# duration runs out (golang.org/issue/75804, fixed in Go 1.27), and it did,
# twice in a row, in CI. A count has no deadline. 10000 inputs take 1.5 to
# 13 s a target on a 2-core machine (about 45 s in all, as 5 s each did).
# FUZZPARALLEL sets the workers per target (default 1: CI machines are
# shared); FUZZMINIMIZETIME bounds the minimising of each new input (default
# 100x: large seeds such as an evidence bundle otherwise take the whole time).
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${1:-${FUZZTIME:-10000x}}
parallel=${FUZZPARALLEL:-1}
minimize=${FUZZMINIMIZETIME:-100x}
GO=${GO:-go}
export OMP_THREAD_LIMIT=${OMP_THREAD_LIMIT:-1}

# Every "func FuzzX(f *testing.F)" in a test file, as "dir name".
targets=$(grep -rEo --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*\(f \*testing\.F\)' . |
  sed -E 's#^\./(.*)/[^/]*_test\.go:func (Fuzz[A-Za-z0-9_]*)\(.*#\1 \2#' | sort -u)
if [ -z "$targets" ]; then
  echo "fuzz: no fuzz targets found" >&2
  exit 1
fi

failed=()
while read -r dir name; do
  echo "== fuzz $name ./$dir ($fuzztime)"
  # With a duration (scripts/fuzz.sh 8m), Go's fuzzer can end a run with
  # "context deadline exceeded" when the time runs out (above); it found
  # nothing (a real failure writes its input under testdata/fuzz), so such a
  # run is tried once more.
  for try in 1 2; do
    if out=$($GO test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" -fuzzminimizetime "$minimize" \
      -parallel "$parallel" "./$dir" 2>&1); then
      echo "$out"
      break
    fi
    echo "$out"
    if [ "$try" = 1 ] && grep -q "context deadline exceeded" <<<"$out" && ! grep -q "Failing input written" <<<"$out"; then
      echo "fuzz: $name stopped mid-input at the deadline, running it again"
      continue
    fi
    failed+=("$name (./$dir)")
    break
  done
done <<<"$targets"

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: every target passed"
