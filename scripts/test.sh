#!/usr/bin/env bash
# Runs every test LetUsChat has: the Rust unit and integration tests (each storage and API test on
# SQLite and on PostgreSQL), then the browser tests in Chromium against a release build.
# Installs what is missing first. PostgreSQL comes from TEST_DATABASE_URL (default: the server on
# 127.0.0.1:5432, user postgres); when none answers, a throwaway one is started and removed after.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
say() { printf '\033[1;34m==> %s\033[0m\n' "$*" >&2; }

# Builds are shared between clones and runs; an empty folder works too, only slower.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/letuschat/target}"
export PATH="$HOME/.cargo/bin:${LETUSCHAT_TOOLS_DIR:-$HOME/.cache/letuschat/tools}/node_modules/.bin:$PATH"

say "checking the tools (installs what is missing)"
bash scripts/setup.sh all

# --- PostgreSQL -------------------------------------------------------------------------------
export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
PG_TMP=""
cleanup() {
  if [ -n "$PG_TMP" ]; then
    say "stopping the throwaway PostgreSQL"
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_TMP"
  fi
}
trap cleanup EXIT
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if psql "$TEST_DATABASE_URL" -Atqc 'select 1' >/dev/null 2>&1; then
  say "using PostgreSQL at ${TEST_DATABASE_URL%%\?*}"
else
  PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [ -x "$PG_BIN/initdb" ] || { echo "PostgreSQL is required and none could be found or installed" >&2; exit 1; }
  PG_TMP="$(mktemp -d /tmp/letuschat-pg.XXXXXX)"
  PG_PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  say "no PostgreSQL answered at $TEST_DATABASE_URL; starting a throwaway one on port $PG_PORT"
  [ "$(id -u)" = 0 ] && chown postgres "$PG_TMP"
  as_postgres "$PG_BIN/initdb" -D "$PG_TMP/data" -U postgres --auth=trust -E UTF8 >/dev/null
  as_postgres "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/log" -w \
    -o "-p $PG_PORT -k $PG_TMP -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
  export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
  psql "$TEST_DATABASE_URL" -Atqc 'select 1' >/dev/null
fi

# --- Rust ---------------------------------------------------------------------------------------
say "formatting check"
cargo fmt --all --check

# `cargo test --workspace` would build `app` with ssr and hydrate together; the WASM crate is
# tested in the browser instead.
say "Rust tests (unit, storage and API, on SQLite and PostgreSQL)"
cargo test --workspace --exclude frontend

say "nothing server-only in the WASM's dependencies"
server_only=$(cargo tree -p frontend --target wasm32-unknown-unknown -e normal --prefix none |
  grep -E '^(sqlx|tokio|bcrypt|jsonwebtoken|axum|hyper|image) ' | sort -u || true)
[ -z "$server_only" ] || { echo "the WASM build depends on: $server_only" >&2; exit 1; }

# --- Browser ------------------------------------------------------------------------------------
say "release build of the site and server"
cargo leptos build --release --precompress
say "first-load size (brotli) within 250 KB"
bash scripts/bundle-size.sh --budget 250000
# The binary carries the site: the tests run it as it is deployed, with no site folder.
export LETUSCHAT_SERVER_BIN="$CARGO_TARGET_DIR/release/server"

say "browser tests in Chromium"
(cd end2end && npx playwright test)
