#!/usr/bin/env bash
# Prints what a browser downloads on first load (WASM, JS and CSS), raw and brotli-compressed,
# from the release site that `cargo leptos build --release --precompress` leaves in target/site.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PKG="${LEPTOS_SITE_ROOT:-$ROOT/target/site}/pkg"
ls "$PKG"/*.wasm.br >/dev/null 2>&1 || { echo "no precompressed release build in $PKG; run: cargo leptos build --release --precompress" >&2; exit 1; }
total_raw=0 total_br=0
printf '%-8s %12s %12s\n' file raw brotli
for ext in wasm js css; do
  for f in "$PKG"/*."$ext"; do
    raw=$(stat -c %s "$f") br=$(stat -c %s "$f.br")
    total_raw=$((total_raw + raw)) total_br=$((total_br + br))
    printf '%-8s %12d %12d\n' "$ext" "$raw" "$br"
  done
done
printf '%-8s %12d %12d\n' total "$total_raw" "$total_br"
