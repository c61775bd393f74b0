#!/usr/bin/env bash
# tests/browser/run.sh - browser tests of the page memscope_export_html writes.
#
#   tests/browser/run.sh           install what is missing, build the exports, test them in
#                                  headless Chromium; the last line is "N passed, N failed"
#   tests/browser/run.sh --bench   a 1,000,000-event export: file size, page shell size, export
#                                  time, navigation -> window.memscopeReady (best and median of 3)
#
# Run from the repository root (it changes there itself). Needs Debian's chromium
# (/usr/bin/chromium), node and npm, cc, make, python3; as root it installs the missing ones with
# apt-get, and playwright-core into build/npm with npm. Otherwise it prints the commands.
#
# Exports, each NAME.json and NAME.html of the same tracker (build/test-out/browser/):
#   small    two named threads for ~300 ms, call stacks, system monitor, 257 leaks
#   odd      hostile names (script/comment terminators, quotes, newline, U+2028, bad UTF-8...)
#   odd-control  the same shape with plain names (element counts of the page itself)
#   empty    no events, no stacks, no monitor
#   sampled  sample rate 0.25, no stacks
#   large    `memscope run -- large` (tests/browser/large.c): about 1.52 M events, more than a
#            page holds (MEMSCOPE_HTML_MAX_EVENTS, 1,000,000), so the page is binned; written by
#            `memscope report large.msb --html large.html --json large.json` (the .json holds
#            every event)
#   wholeprog  `memscope run -- wholeprog` (tests/browser/wholeprog.c): known leaks in static
#            functions (a strdup wrapper, qsort's comparator), glibc's stdio buffer (suppressed)
#   killed   `memscope run -- sh -c 'wholeprog && sleep 0.3 && kill -9 $$'`: a file without END
#   diff     `memscope diff --html` of two runs of tests/report/leak_prog.c (the leak doubled),
#            the same reversed (diff-rev), and with an odd BASE path (diff-odd)
# Screenshots land next to them (NAME.png, small-dark.png).
set -euo pipefail
cd "$(dirname "$0")/../.."

MODE="test"
case "${1:-}" in
  "") ;;
  --bench) MODE=bench ;;
  --install-only) MODE=install ;;
  -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
  *) echo "usage: tests/browser/run.sh [--bench|--install-only]" >&2; exit 2 ;;
esac

CC=${CC:-cc}
B=build
BIN=$B/browser
OUT=$B/test-out/browser
NPM=$B/npm
CFLAGS=(-std=c11 -O2 -g -fno-omit-frame-pointer -rdynamic -Wall -Wextra -I.)
export DEBIAN_FRONTEND=noninteractive

# ---- dependencies ----
# playwright-core >= 1.62 needs node >= 20; Debian 12 ships node 18, which 1.61 still supports.
playwright_pkg() {
  local major
  major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  if [ "$major" -ge 20 ]; then echo playwright-core; else echo playwright-core@1.61; fi
}

apt_missing=()
[ -x /usr/bin/chromium ] || apt_missing+=(chromium)
command -v node >/dev/null 2>&1 || apt_missing+=(nodejs)
command -v npm >/dev/null 2>&1 || apt_missing+=(npm)
command -v "$CC" >/dev/null 2>&1 || apt_missing+=(gcc libc6-dev)
command -v make >/dev/null 2>&1 || apt_missing+=(make)
command -v python3 >/dev/null 2>&1 || apt_missing+=(python3)
npm_missing=0
[ -d "$NPM/node_modules/playwright-core" ] || npm_missing=1

if [ ${#apt_missing[@]} -gt 0 ] || [ $npm_missing = 1 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "browser tests: missing$([ ${#apt_missing[@]} -gt 0 ] && printf ' %s' "${apt_missing[@]}")$([ $npm_missing = 1 ] && echo " playwright-core (in $NPM)"); install with:"
    if [ ${#apt_missing[@]} -gt 0 ]; then
      echo "    sudo apt-get update && sudo apt-get install -y ${apt_missing[*]}"
    fi
    if [ $npm_missing = 1 ]; then
      if command -v node >/dev/null 2>&1; then pkg=$(playwright_pkg); else pkg=playwright-core; fi
      echo "    npm install --prefix $NPM --no-audit --no-fund $pkg"
      [ "$pkg" = playwright-core ] && ! command -v node >/dev/null 2>&1 &&
        echo "    (with node older than 20, install playwright-core@1.61 instead)"
    fi
    exit 1
  fi
  if [ ${#apt_missing[@]} -gt 0 ]; then
    echo "== installing: ${apt_missing[*]} =="
    apt-get update -qq </dev/null
    apt-get install -y -qq "${apt_missing[@]}" </dev/null >/dev/null
  fi
  if [ $npm_missing = 1 ]; then
    pkg=$(playwright_pkg)
    echo "== installing: $pkg into $NPM =="
    mkdir -p "$NPM"
    npm install --prefix "$NPM" --no-audit --no-fund "$pkg" </dev/null
  fi
fi
if [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 18 ]; then
  echo "browser tests: node $(node --version) is too old; playwright-core needs node 18 or newer" >&2
  exit 1
fi
[ $MODE = install ] && exit 0 # what other browser checks need (tests/formats/check_dhat.mjs)

# ---- the programs that write the exports ----
build() { # build NAME: BIN/NAME from tests/browser/NAME.c, when missing or older than its sources
  local src=tests/browser/$1.c exe=$BIN/$1
  if [ ! -x "$exe" ] || [ "$src" -nt "$exe" ] || [ memscope.h -nt "$exe" ] || [ tests/browser/common.h -nt "$exe" ]; then
    echo "$CC ${CFLAGS[*]} $src -o $exe -pthread"
    $CC "${CFLAGS[@]}" "$src" -o "$exe" -pthread
  fi
}
mkdir -p "$BIN"
STALE=0
if ! python3 tools/embed_dashboard.py --check >/dev/null 2>&1; then
  STALE=1
  echo "note: tools/dashboard/ differs from the page embedded in memscope.h (make embed); testing the embedded page"
fi

if [ $MODE = bench ]; then
  build bench
  BOUT=$B/test-out/browser-bench
  rm -rf "$BOUT"
  mkdir -p "$BOUT"
  echo "== writing a 1,000,000-event export =="
  res=$("$BIN/bench" "$BOUT/bench")
  export_ms=$(sed -n 's/^export_ms=//p' <<<"$res")
  events=$(sed -n 's/^events=//p' <<<"$res")
  dropped=$(sed -n 's/^dropped=//p' <<<"$res")
  html_bytes=$(stat -c %s "$BOUT/bench.html")
  shell_bytes=$(python3 tools/embed_dashboard.py --size)
  echo "== loading $BOUT/bench.html 3 times in headless Chromium =="
  nav=$(node tests/browser/dashboard.test.mjs --bench "$BOUT/bench.html" 3)
  echo "$nav"
  best=$(sed -n 's/^best_ms=//p' <<<"$nav")
  median=$(sed -n 's/^median_ms=//p' <<<"$nav")
  verdict() { # verdict VALUE LIMIT: ok or MISSED (a timeout misses)
    awk -v v="$1" -v l="$2" 'BEGIN { if (v == "timeout" || v + 0 > l + 0) print "MISSED"; else print "ok" }'
  }
  mib=$(awk -v b="$html_bytes" 'BEGIN { printf "%.1f", b / 1048576 }')
  ms() { [ "$1" = timeout ] && echo "no ready in 120 s" || echo "$1 ms"; }
  echo
  echo "| measure | value | budget |"
  echo "| --- | --- | --- |"
  echo "| events in the export | $events (dropped $dropped) | |"
  echo "| HTML file size | $html_bytes B ($mib MiB) | |"
  echo "| page shell (embed_dashboard.py --size) | $shell_bytes B | <= 150 KB (150000 B): $(verdict "$shell_bytes" 150000) |"
  echo "| export time (memscope_export_html) | $export_ms ms | |"
  echo "| navigation start -> memscopeReady, best of 3 | $(ms "$best") | <= 3 s: $(verdict "$best" 3000) |"
  echo "| navigation start -> memscopeReady, median of 3 | $(ms "$median") | <= 3 s: $(verdict "$median" 3000) |"
  if [ $STALE = 1 ]; then
    echo
    echo "(the shell size is of tools/dashboard/, the load times are of the older page embedded in memscope.h)"
  fi
  exit 0
fi

pids=()
for p in small odd empty sampled; do build $p & pids+=($!); done
for pid in "${pids[@]}"; do wait "$pid"; done
rm -rf "$OUT"
mkdir -p "$OUT"
echo "== writing the exports into $OUT =="
for p in small odd empty sampled; do
  "$BIN/$p" "$OUT/$p"
done
# large: a whole-program run of more events than a page holds
ms_now() { date +%s%3N; }
t_large=$(ms_now)
make --no-print-directory "$B/memscope" "$B/libmemscope.so"
if [ ! -x "$BIN/large" ] || [ tests/browser/large.c -nt "$BIN/large" ]; then
  echo "$CC -std=c11 -O2 -g -fno-omit-frame-pointer -D_GNU_SOURCE tests/browser/large.c -o $BIN/large -pthread"
  $CC -std=c11 -O2 -g -fno-omit-frame-pointer -D_GNU_SOURCE -Wall -Wextra tests/browser/large.c -o "$BIN/large" -pthread
fi
t_run=$(ms_now)
"$B/memscope" run -o "$OUT/large.msb" -- "$BIN/large" >"$OUT/large.out.txt"
t_report=$(ms_now)
"$B/memscope" report "$OUT/large.msb" --html "$OUT/large.html" --json "$OUT/large.json" >"$OUT/large.txt"
t_done=$(ms_now)
echo "large: build $((t_run - t_large)) ms, memscope run $((t_report - t_run)) ms," \
  "memscope report (--html, --json) $((t_done - t_report)) ms;" \
  "large.html $(stat -c %s "$OUT/large.html") B, large.json $(stat -c %s "$OUT/large.json") B"
# wholeprog: a plain program recorded by `memscope run` (whole-program attribution, leaks by
# stack, the cost views of the flame graph); -g for file:line of its static functions
if [ ! -x "$BIN/wholeprog" ] || [ tests/browser/wholeprog.c -nt "$BIN/wholeprog" ]; then
  echo "$CC -std=c11 -O2 -g -fno-omit-frame-pointer tests/browser/wholeprog.c -o $BIN/wholeprog"
  $CC -std=c11 -O2 -g -fno-omit-frame-pointer -Wall -Wextra tests/browser/wholeprog.c -o "$BIN/wholeprog"
fi
"$B/memscope" run -o "$OUT/wholeprog.msb" -- "$BIN/wholeprog" >"$OUT/wholeprog.out.txt"
"$B/memscope" report "$OUT/wholeprog.msb" --html "$OUT/wholeprog.html" --json "$OUT/wholeprog.json" >"$OUT/wholeprog.txt"
# killed: the same program killed by SIGKILL once it has allocated (a file without END): the
# page says the run did not end normally and calls its live blocks "live when it stopped"
rm -f "$OUT/killed.msb"
( "$B/memscope" run -o "$OUT/killed.msb" -- sh -c '"$0" && sleep 0.3 && kill -9 $$' "$BIN/wholeprog" >"$OUT/killed.out.txt" 2>&1 ) 2>/dev/null || true
"$B/memscope" report "$OUT/killed.msb" --html "$OUT/killed.html" --json "$OUT/killed.json" >"$OUT/killed.txt" 2>&1
# diff: `memscope diff --html` of two runs of tests/report/leak_prog.c (its leak doubles with
# argument 2), the other way round, and with a BASE path of quotes, '&', a byte that is not
# UTF-8 and "</script>"; each run's JSON report beside them
if [ ! -x "$BIN/leak_prog" ] || [ tests/report/leak_prog.c -nt "$BIN/leak_prog" ]; then
  echo "$CC -O2 -g -fno-omit-frame-pointer tests/report/leak_prog.c -o $BIN/leak_prog"
  $CC -O2 -g -fno-omit-frame-pointer -Wall -Wextra tests/report/leak_prog.c -o "$BIN/leak_prog"
fi
for k in 1 2; do
  "$B/memscope" run -o "$OUT/diff-r$k.msb" -- "$BIN/leak_prog" $k >/dev/null
  "$B/memscope" report "$OUT/diff-r$k.msb" --json "$OUT/diff-r$k.json" >/dev/null
done
"$B/memscope" diff "$OUT/diff-r1.msb" "$OUT/diff-r2.msb" --html "$OUT/diff.html"
"$B/memscope" diff "$OUT/diff-r2.msb" "$OUT/diff-r1.msb" --html "$OUT/diff-rev.html"
odd="$OUT/q\"'&"$'\xff'" x<"
mkdir -p "$odd"
cp "$OUT/diff-r1.msb" "$odd/script>.msb"
"$B/memscope" diff "$odd/script>.msb" "$OUT/diff-r2.msb" --html "$OUT/diff-odd.html"
echo "== testing them in headless Chromium =="
exec node tests/browser/dashboard.test.mjs
