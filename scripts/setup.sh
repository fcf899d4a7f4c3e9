#!/usr/bin/env bash
# Installs, once per machine, every tool the build and the tests need; skips what is already there
# at the right version. Called by scripts/run.sh and scripts/test.sh; safe to run by hand.
# Pins and work-arounds are explained in README.md, "Toolchain notes".
set -euo pipefail

CARGO_LEPTOS_VERSION=0.3.11
WASM_BINDGEN_VERSION=0.2.130 # must equal the wasm-bindgen pin in Cargo.toml
BINARYEN_VERSION=132.0.0     # Debian's wasm-opt (108) silently breaks hydration
TOOLS_DIR="${LETUSCHAT_TOOLS_DIR:-$HOME/.cache/letuschat/tools}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WANT="${1:-all}" # "build": only what building the app needs; "all": also the test tools

say() { printf '\033[1;34m==> %s\033[0m\n' "$*" >&2; }
export PATH="$HOME/.cargo/bin:$TOOLS_DIR/node_modules/.bin:$PATH"

# Some crates.io releases need a newer rustc than the pinned one; install from an unpacked copy
# of the crate with one dependency moved back to a version that builds.
install_crate_with_pin() { # crate version dep dep_version
  local crate=$1 version=$2 dep=$3 dep_version=$4 src work
  src=$(ls -d "$HOME"/.cargo/registry/src/*/"$crate-$version" 2>/dev/null | head -n 1 || true)
  if [ -z "$src" ]; then
    # A failing locked install still downloads and unpacks the source, which is all we need.
    cargo install "$crate" --version "$version" --locked >/dev/null 2>&1 || true
    src=$(ls -d "$HOME"/.cargo/registry/src/*/"$crate-$version" 2>/dev/null | head -n 1 || true)
  fi
  [ -n "$src" ] || { echo "could not download $crate $version from crates.io" >&2; exit 1; }
  work=$(mktemp -d)
  cp -r "$src" "$work/src"
  (cd "$work/src" && cargo update -p "$dep" --precise "$dep_version" &&
    CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
      cargo install --path . --locked --force)
  rm -rf "$work"
}

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the Rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(cargo leptos --version 2>/dev/null | awk '{print $2}')" != "$CARGO_LEPTOS_VERSION" ]; then
  say "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 12 minutes, once)"
  install_crate_with_pin cargo-leptos "$CARGO_LEPTOS_VERSION" cargo-util-schemas 0.14.1
fi

if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 4 minutes, once)"
  install_crate_with_pin wasm-bindgen-cli "$WASM_BINDGEN_VERSION" webpki-roots 1.0.10
fi

if [ "$(wasm-opt --version 2>/dev/null | awk '{print $3}')" != "${BINARYEN_VERSION%%.*}" ] ||
  [ "$(command -v wasm-opt)" != "$TOOLS_DIR/node_modules/.bin/wasm-opt" ]; then
  say "installing wasm-opt (binaryen $BINARYEN_VERSION from npm) into $TOOLS_DIR"
  mkdir -p "$TOOLS_DIR"
  (cd "$TOOLS_DIR" && npm install --no-audit --no-fund --silent "binaryen@$BINARYEN_VERSION")
fi

[ "$WANT" = build ] && exit 0

apt_install() { # package...
  say "installing $* from Debian"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  fi
}

command -v chromium >/dev/null || apt_install chromium
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || apt_install postgresql

if [ ! -x "$ROOT/end2end/node_modules/.bin/playwright" ]; then
  say "installing the browser-test runner (Playwright, without its own browsers)"
  (cd "$ROOT/end2end" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent)
fi
