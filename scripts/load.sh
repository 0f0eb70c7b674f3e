#!/usr/bin/env bash
# Runs tutanak loadgen against both stacks of BENCHMARKS.md "Load" on this
# machine: SQLite + disk (one serve), then PostgreSQL + MinIO (serve and two
# workers, one reader each), and prints each run's JSON line with the CPU
# seconds every process used. Usage: scripts/load.sh [uploads] [photo size]
# (defaults 300 and 3000x4000). Needs `make test`'s set-up (scripts/deps.sh
# test) and PostgreSQL on 127.0.0.1:5432; works in a temporary directory.
set -euo pipefail
n=${1:-300}
size=${2:-3000x4000}
cd "$(dirname "$0")/.."
bash scripts/deps.sh test
bash scripts/postgres.sh
go build -o bin/tutanak ./cmd/tutanak
export OMP_THREAD_LIMIT=1
work=$(mktemp -d)
pids=()
cleanup() {
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  psql -q -h 127.0.0.1 -U postgres -d test -c 'DROP SCHEMA IF EXISTS load_bench CASCADE' >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
cpu() { ps -o cputimes= -p "$1" | tr -d ' '; }
load() { uptime | sed 's/.*load average: //'; }
wait_http() { for _ in $(seq 1 60); do curl -fs "$1/healthz" >/dev/null 2>&1 && return; sleep 0.5; done; }

echo "== SQLite + disk, $(date -u +%FT%TZ), load average $(load)"
bin/tutanak serve --data "$work/sqlite" --listen 127.0.0.1:18080 >"$work/serve-sqlite.log" 2>&1 &
serve=$!; pids+=("$serve")
wait_http http://127.0.0.1:18080
token=$(bin/tutanak users add --data "$work/sqlite" --name load --role observer | tail -1)
bin/tutanak loadgen --server http://127.0.0.1:18080 --token "$token" --n "$n" --concurrency 32 --pool 8 --size "$size" 2>"$work/loadgen-sqlite.log"
echo "cpu seconds: serve $(cpu "$serve"); load average $(load); store $(du -sm "$work/sqlite" | cut -f1) MB"
kill "$serve"; wait "$serve" 2>/dev/null || true

echo "== PostgreSQL + MinIO, $(date -u +%FT%TZ), load average $(load)"
PGOPTIONS='--client-min-messages=warning' psql -q -h 127.0.0.1 -U postgres -d test -c 'DROP SCHEMA IF EXISTS load_bench CASCADE; CREATE SCHEMA load_bench' >/dev/null
MINIO_ROOT_USER=loadbench MINIO_ROOT_PASSWORD=loadbench-secret "$(go env GOPATH)/bin/minio" server "$work/minio" \
  --address 127.0.0.1:19000 --console-address 127.0.0.1:19001 >"$work/minio.log" 2>&1 &
minio=$!; pids+=("$minio")
for _ in $(seq 1 60); do curl -fs http://127.0.0.1:19000/minio/health/live >/dev/null 2>&1 && break; sleep 0.5; done
export TUTANAK_DB='postgres://postgres@127.0.0.1:5432/test?sslmode=disable&search_path=load_bench'
export TUTANAK_S3='http://loadbench:loadbench-secret@127.0.0.1:19000/originals'
bin/tutanak serve --data "$work/pg" --listen 127.0.0.1:18081 --workers 1 >"$work/serve-pg.log" 2>&1 &
serve=$!; pids+=("$serve")
wait_http http://127.0.0.1:18081
bin/tutanak worker --data "$work/pg" --workers 1 >"$work/worker-1.log" 2>&1 &
w1=$!; pids+=("$w1")
bin/tutanak worker --data "$work/pg" --workers 1 >"$work/worker-2.log" 2>&1 &
w2=$!; pids+=("$w2")
token=$(bin/tutanak users add --data "$work/pg" --name load --role observer | tail -1)
bin/tutanak loadgen --server http://127.0.0.1:18081 --token "$token" --n "$n" --concurrency 32 --pool 8 --size "$size" 2>"$work/loadgen-pg.log"
echo "cpu seconds: serve $(cpu "$serve"), workers $(cpu "$w1") + $(cpu "$w2"), MinIO $(cpu "$minio"); load average $(load); MinIO $(du -sm "$work/minio" | cut -f1) MB"
for f in serve-pg worker-1 worker-2; do
  echo "sheets read by $f: $(grep -c 'msg="sheet read"' "$work/$f.log" || true)"
done
