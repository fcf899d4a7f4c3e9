#!/usr/bin/env bash
# Prints what a browser downloads on first load (WASM, JS and CSS), raw and brotli-compressed, as
# the release binary that `cargo leptos build --release --precompress` made serves them: it is
# started in an empty folder, and the files its sign-in page loads are fetched from it.
#   scripts/bundle-size.sh               the first-load bytes
#   scripts/bundle-size.sh --by-crate    also where the WASM's code goes, per crate: the release
#                                        WASM again through wasm-bindgen and wasm-opt -Oz, with
#                                        function names kept (needs python3 and the build tools)
#   scripts/bundle-size.sh --budget N    fails when the brotli total is over N bytes (the tests
#                                        use it to keep the first load within 250 KB)
# LETUSCHAT_SERVER_BIN names another binary.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${LETUSCHAT_SERVER_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/server}"
[ -x "$BIN" ] || { echo "no release binary at $BIN; run: cargo leptos build --release --precompress" >&2; exit 1; }
RUN=$(mktemp -d)
server=""
stop() { [ -z "$server" ] || kill "$server" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$RUN"; }
trap stop EXIT
(cd "$RUN" && LETUSCHAT_ADDR=127.0.0.1:0 RUST_LOG=info exec "$BIN" >log 2>&1) &
server=$!
url=""
for _ in $(seq 300); do
  url=$(sed 's/\x1b\[[0-9;]*m//g' "$RUN/log" | grep -o 'listening on http://[0-9.:]*' | head -n 1 | cut -d' ' -f3) || true
  [ -n "$url" ] && break
  kill -0 "$server" 2>/dev/null || break
  sleep 0.1
done
[ -n "$url" ] || { cat "$RUN/log" >&2; echo "the server at $BIN did not start" >&2; exit 1; }
files=$(curl -fsS "$url/login" | grep -o '"/pkg/[^"]*"' | tr -d '"' | sort -u)
[ -n "$files" ] || { echo "the sign-in page loads no files from /pkg" >&2; exit 1; }

# The bytes of one download of $1 asking for encoding $2; fails when it comes in another one.
size() {
  local bytes got
  bytes=$(curl -fsS -H "accept-encoding: $2" -o /dev/null -D "$RUN/headers" -w '%{size_download}' "$url$1")
  got=$(tr -d '\r' <"$RUN/headers" | awk -F': ' 'tolower($1) == "content-encoding" { print $2 }')
  [ "${got:-identity}" = "$2" ] || { echo "$1 came as ${got:-identity}, not $2: build with --precompress" >&2; return 1; }
  echo "$bytes"
}

total_raw=0 total_br=0
printf '%-8s %12s %12s\n' file raw brotli
for ext in wasm js css; do
  for f in $(printf '%s\n' $files | grep "\.$ext\$"); do
    raw=$(size "$f" identity)
    br=$(size "$f" br)
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
