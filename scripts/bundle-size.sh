#!/usr/bin/env bash
# Prints what a browser downloads on first load (WASM, JS and CSS), raw and brotli-compressed,
# from the release site that `cargo leptos build --release --precompress` leaves in target/site.
#   scripts/bundle-size.sh               the first-load bytes
#   scripts/bundle-size.sh --by-crate    also where the WASM's code goes, per crate: the release
#                                        WASM again through wasm-bindgen and wasm-opt -Oz, with
#                                        function names kept (needs python3 and the build tools)
#   scripts/bundle-size.sh --budget N    fails when the brotli total is over N bytes (the tests
#                                        use it to keep the first load within 250 KB)
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

if [ "${1:-}" = --budget ]; then
  budget=${2:?--budget needs a number of bytes}
  if [ "$total_br" -gt "$budget" ]; then
    echo "the first load is $total_br bytes (brotli), over the budget of $budget" >&2
    exit 1
  fi
  echo "within the budget of $budget bytes"
  exit 0
fi
[ "${1:-}" = --by-crate ] || exit 0
export PATH="${LETUSCHAT_TOOLS_DIR:-$HOME/.cache/letuschat/tools}/node_modules/.bin:$HOME/.cargo/bin:$PATH"
WASM="${CARGO_TARGET_DIR:-$ROOT/target}/front/wasm32-unknown-unknown/wasm-release/frontend.wasm"
[ -f "$WASM" ] || { echo "no release WASM at $WASM" >&2; exit 1; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
wasm-bindgen --target=web --out-name=named --out-dir="$WORK" "$WASM"
wasm-opt -Oz -g --enable-bulk-memory --enable-nontrapping-float-to-int "$WORK/named_bg.wasm" -o "$WORK/named.wasm"
python3 - "$WORK/named.wasm" <<'PY'
# Code bytes per function, from the code section and the function names, summed per crate.
import collections, re, sys

def leb(b, i):
    r = s = 0
    while True:
        x = b[i]; i += 1
        r |= (x & 0x7f) << s; s += 7
        if x < 0x80:
            return r, i

b = open(sys.argv[1], 'rb').read()
i, imported, sizes, names = 8, 0, [], {}
while i < len(b):
    sid = b[i]; size, i = leb(b, i + 1); end = i + size
    if sid == 2:  # imports: functions among them come first in the index space
        count, j = leb(b, i)
        for _ in range(count):
            n, j = leb(b, j); j += n
            n, j = leb(b, j); j += n
            kind = b[j]; j += 1
            if kind == 0:
                _, j = leb(b, j); imported += 1
            elif kind in (1, 2):
                j += 1 if kind == 1 else 0
                flags = b[j]; j += 1; _, j = leb(b, j)
                if flags & 1:
                    _, j = leb(b, j)
            else:
                j += 2
    elif sid == 10:
        count, j = leb(b, i)
        for _ in range(count):
            n, j = leb(b, j); sizes.append(n); j += n
    elif sid == 0:
        n, j = leb(b, i)
        if b[j:j + n] == b'name':
            j += n
            while j < end:
                sub = b[j]; n, j = leb(b, j + 1); sub_end = j + n
                if sub == 1:
                    count, k = leb(b, j)
                    for _ in range(count):
                        idx, k = leb(b, k); n, k = leb(b, k)
                        names[idx] = b[k:k + n].decode('utf8', 'replace'); k += n
                j = sub_end
    i = end

def crate(name):
    m = re.match(r'[<&*( ]*(?:dyn |mut |const )?([A-Za-z_][A-Za-z0-9_]*)', name)
    return m.group(1) if m else '(slices, arrays, other)'

per = collections.Counter()
for k, n in enumerate(sizes):
    per[crate(names.get(imported + k, '?'))] += n
total = sum(sizes)
print(f'\nWASM code by crate ({total} bytes in {len(sizes)} functions; single letters are blanket impls):')
for c, n in per.most_common(25):
    print(f'{n:9d} {100 * n / total:5.1f}%  {c}')
PY
