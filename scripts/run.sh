#!/usr/bin/env bash
# Builds LetUsChat (release) and serves it on http://127.0.0.1:3000 with SQLite under data/.
# Installs what is missing first (the Rust WASM target, cargo-leptos, wasm-bindgen, wasm-opt).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# The same build folder as scripts/test.sh: running the tests first (or the app first) means the
# other finds the release build already made.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/letuschat/target}"
export PATH="$HOME/.cargo/bin:${LETUSCHAT_TOOLS_DIR:-$HOME/.cache/letuschat/tools}/node_modules/.bin:$PATH"

bash scripts/setup.sh build
printf '\033[1;34m==> %s\033[0m\n' "building and serving on http://127.0.0.1:3000 (Ctrl-C stops)" >&2
exec cargo leptos serve --release --precompress
