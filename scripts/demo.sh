#!/usr/bin/env bash
# The main job on one machine: the service on SQLite + local disk, an
# observer uploading photographed sheets with the figures typed for them,
# and the verdicts the OCR workers reach. Usage: scripts/demo.sh BIN DIR
set -euo pipefail
bin=$1
dir=$2
addr=127.0.0.1:${DEMO_PORT:-8080}

rm -rf "$dir"
mkdir -p "$dir"
echo "== generating 8 photographed sheets (half of them with typing errors) into $dir/sheets"
"$bin" gen --form cb-2023 --out "$dir/sheets" --n 8 --seed 7 --errors 0.5 2>/dev/null

echo "== starting tutanak serve on http://$addr (SQLite + disk under $dir/data)"
"$bin" serve --data "$dir/data" --listen "$addr" >"$dir/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -fsS "http://$addr/readyz" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { cat "$dir/serve.log"; exit 1; }
  sleep 0.2
done
curl -fsS "http://$addr/readyz" >/dev/null

token=$("$bin" users add --data "$dir/data" --name demo-gozlemci --role observer | tail -1)
echo "== uploading as an observer; waiting for the verdicts"
"$bin" upload --server "http://$addr" --token "$token" --dir "$dir/sheets"

echo
echo "== the truth behind those sheets (typing errors injected by the generator):"
"$bin" eval --form cb-2023 --dir "$dir/sheets" --table | sed -n '1,10p'
echo "== custody log:"
"$bin" custody verify --data "$dir/data"
echo
echo "Server log: $dir/serve.log. Run it yourself: $bin serve --data $dir/data"
