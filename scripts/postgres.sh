#!/usr/bin/env bash
# Makes sure PostgreSQL answers on 127.0.0.1:5432, starting the local cluster
# if it is down. Fails (never skips) when it cannot.
set -euo pipefail
ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
ready && exit 0
if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
fi
for _ in $(seq 1 30); do ready && exit 0; sleep 1; done
echo "postgres: not reachable on 127.0.0.1:5432 and could not be started" >&2
exit 1
