#!/usr/bin/env bash
# Runs every load-generator scenario against a release server, on SQLite and on PostgreSQL, and
# keeps each result as JSON in target/bench/. The figures are reported, not judged: see
# docs/BENCHMARKS.md for what they mean and the latest ones.
#
#   bash scripts/bench.sh [--pin] [sqlite|postgres ...] [-- extra loadgen options]
#
# --pin runs the server on CPU 0 and the load generator on CPU 1 (taskset), so that the server's
# CPU per operation is measured on one core of its own, not shared with the generator.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/letuschat/target}"
PG_ADMIN="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
PORT="${BENCH_PORT:-3900}"

databases=() extra=() server_cpu=() loadgen_cpu=()
while (($#)); do
  case "$1" in
    --pin) server_cpu=(taskset -c 0) loadgen_cpu=(taskset -c 1); shift ;;
    --) shift; extra=("$@"); break ;;
    *) databases+=("$1"); shift ;;
  esac
done
((${#databases[@]})) || databases=(sqlite postgres)

# The server as it is deployed, one binary with the site in it (the `start` scenario also runs
# it, with no site folder at hand); then the load generator beside it.
export PATH="$HOME/.cargo/bin:${LETUSCHAT_TOOLS_DIR:-$HOME/.cache/letuschat/tools}/node_modules/.bin:$PATH"
bash "$ROOT/scripts/setup.sh" build
(cd "$ROOT" && cargo leptos build --release --precompress)
cargo build --release -p loadgen
BIN="$CARGO_TARGET_DIR/release"
OUT="$ROOT/target/bench"
mkdir -p "$OUT"

for db in "${databases[@]}"; do
  work="$(mktemp -d)"
  case "$db" in
    sqlite) unset DATABASE_URL ;;
    postgres)
      psql "$PG_ADMIN" -q -c "DROP DATABASE IF EXISTS letuschat_bench" -c "CREATE DATABASE letuschat_bench"
      export DATABASE_URL="${PG_ADMIN%/*}/letuschat_bench" ;;
    *) echo "unknown database $db (sqlite or postgres)" >&2; exit 2 ;;
  esac
  echo "== $db (server and load generator in $work)" >&2
  # Run from one folder: `seed-users` must find the server's SQLite file.
  (cd "$work" && LETUSCHAT_ADDR="127.0.0.1:$PORT" \
    LETUSCHAT_SIGNUPS_PER_HOUR=1000000 LETUSCHAT_WS_PER_USER=100000 \
    RUST_LOG=warn exec "${server_cpu[@]}" "$BIN/server" >server.log 2>&1) &
  server=$!
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done
  kill -0 "$server" 2>/dev/null || { cat "$work/server.log" >&2; echo "the server did not start (port $PORT taken? set BENCH_PORT)" >&2; exit 1; }
  status=0
  (cd "$work" && "${loadgen_cpu[@]}" "$BIN/loadgen" --url "http://127.0.0.1:$PORT" --json all "${extra[@]}") \
    >"$OUT/$db.json" || status=$?
  kill "$server"; wait "$server" || true
  echo "$db: $(cat "$OUT/$db.json")" >&2
  rm -rf "$work"
  ((status == 0)) || { echo "loadgen failed on $db (exit $status)" >&2; exit "$status"; }
done
