#!/usr/bin/env bash
# run.sh - every writer for other tools, checked by that tool or by the format's documented
# grammar, with totals equal to memscope's own report:
#   pprof        go tool pprof (-raw sums and -top totals, 4 sample types)   golang-go
#   folded       the grammar of flamegraph.pl's input; values sum to the bytes allocated;
#                speedscope (npm) imports it in headless Chromium and shows that total
#   trace        the Trace Event Format; the "live bytes" counter peaks at the report's peak
#   prometheus   promtool check metrics                                       prometheus
#   massif       ms_print; its peak snapshot's total is the report's peak     valgrind
#   dhat         Valgrind's dh_view.html in headless Chromium: its totals     valgrind, chromium
# on the files of tests/test_formats.c (two threads, stacks, named sites, leaks) and on a
# whole-program run of sqlite3 (deep stacks from a program nobody here wrote). Missing tools
# are installed by the checkers (as root) or named with the command that installs them.
set -u
cd "$(dirname "$0")/../.."
OUT=build/test-out/formats-run
rm -rf "$OUT"; mkdir -p "$OUT"
pass=0; failed=0
check() { local name=$1; shift; if out=$("$@" 2>&1); then pass=$((pass + 1)); echo "ok   $name: $(echo "$out" | tail -1)"; else failed=$((failed + 1)); echo "FAIL $name: $(echo "$out" | tail -3)"; fi; }
command -v ms_print >/dev/null || { [ "$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null; }
[ -d build/npm/node_modules/playwright-core ] && [ -x /usr/bin/chromium ] || tests/browser/run.sh --install-only
tests/formats/install_speedscope.sh

one_set() { # DIR EXPECTED.json LABEL
  local d=$1 e=$2 l=$3
  local space peak threads objects
  space=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['alloc_space'])" "$e")
  objects=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['alloc_objects'])" "$e")
  peak=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['peak'])" "$e")
  threads=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['threads'])" "$e")
  check "$l pprof" bash tests/formats/check_pprof.sh "$d"/*.pb.gz "$e"
  check "$l folded" python3 tests/formats/check_folded.py "$d"/*.folded "$space"
  check "$l folded in speedscope" node tests/formats/check_speedscope.mjs "$d"/*.folded --expect-total "$space"
  check "$l trace" python3 tests/formats/check_trace.py "$d"/*.trace.json --expect-peak "$peak" --expect-threads "$threads"
  check "$l prometheus" bash tests/formats/check_prom.sh "$d"/*.prom
  check "$l massif" python3 tests/formats/check_massif.py "$d"/*.massif "$peak"
  check "$l dhat" node tests/formats/check_dhat.mjs "$d"/*.dhat.json "$space" "$objects"
}

# 1. the library's test state (written by build/tests/test_formats)
T=$OUT/tracker
MEMSCOPE_TEST_OUT=$T build/tests/test_formats > "$OUT/test_formats.log" 2>&1 || { echo "FAIL test_formats: $(tail -3 "$OUT/test_formats.log")"; exit 1; }
one_set "$T/formats/live" "$T/formats/expected.json" "tracker"

# 2. a whole-program run of sqlite3, converted by memscope report
if command -v sqlite3 >/dev/null; then
  W=$OUT/sqlite3; mkdir -p "$W"
  build/memscope run -o "$W/run.msb" -- sqlite3 :memory: < tests/peer/script.sql > /dev/null 2>&1
  build/memscope report "$W/run.msb" --json "$W/report.json" --pprof "$W/run.pb.gz" --folded "$W/run.folded" \
    --trace "$W/run.trace.json" --prom "$W/run.prom" --massif "$W/run.massif" --dhat "$W/run.dhat.json" > /dev/null
  python3 - "$W/report.json" "$W/expected.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
json.dump({"alloc_objects": d["total_allocations"], "alloc_space": d["total_allocated_bytes"],
           "inuse_objects": d["active_allocations"], "inuse_space": d["current_memory_bytes"],
           "peak": d["peak_memory_bytes"], "threads": len(d["threads"])}, open(sys.argv[2], "w"))
PY
  one_set "$W" "$W/expected.json" "sqlite3"
fi
# 3. the same program under valgrind's own massif and DHAT and under memscope run: the peak,
#    the totals and what is live at the peak and at the end are the same numbers
if command -v valgrind >/dev/null; then
  V=$OUT/valgrind; mkdir -p "$V"
  cc -O0 -g tests/formats/samples/valgrind_demo.c -o "$V/demo"
  valgrind -q --tool=massif --heap-admin=0 --peak-inaccuracy=0.0 --massif-out-file="$V/vg.massif" "$V/demo"
  valgrind --tool=dhat --dhat-out-file="$V/vg.dhat.json" "$V/demo" 2> "$V/dhat.err"
  build/memscope run -o "$V/ms.msb" -- "$V/demo" 2>/dev/null
  build/memscope report "$V/ms.msb" --massif "$V/ms.massif" --dhat "$V/ms.dhat.json" > /dev/null
  vpeak=$(awk -F= '/^mem_heap_B=/{h=$2} /^heap_tree=peak/{print h}' "$V/vg.massif")
  num() { sed -n "s/.*$1 *\([0-9,]*\) [a-z]* in \([0-9,]*\) .*/\1 \2/p" "$2" | tr -d ,; }
  read -r TB TBK < <(num 'Total:' "$V/dhat.err"); read -r GB GBK < <(num 'At t-gmax:' "$V/dhat.err")
  read -r EB EBK < <(num 'At t-end:' "$V/dhat.err")
  check "massif: memscope's peak = valgrind massif's ($vpeak B)" python3 tests/formats/check_massif.py "$V/ms.massif" "$vpeak"
  check "dhat: memscope's totals = valgrind DHAT's ($TB B in $TBK blocks, t-gmax $GB/$GBK, t-end $EB/$EBK)" \
    node tests/formats/check_dhat.mjs "$V/ms.dhat.json" "$TB" "$TBK" --at-tgmax "$GB:$GBK" --at-tend "$EB:$EBK"
fi
echo "$pass passed, $failed failed"
[ $failed = 0 ]
