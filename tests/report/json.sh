#!/bin/bash
# tests/report/json.sh - memscope report reads memscope's JSON report as it reads a .msb:
#   1. TRACK programs (every example: threads, call stacks with inlined calls, sampling, the
#      monitor) write FILE.json and FILE.msb of one instant (memscope_export_many):
#      `memscope report FILE.json` prints what `memscope report FILE.msb` prints, and every
#      conversion (--json --html --pprof --folded --trace --prom --massif --dhat) of the JSON
#      is the conversion of the .msb byte for byte; the JSON of the JSON is the JSON;
#   2. a whole-program run (memscope run on tests/report/leak_prog.c): its .msb and the JSON
#      of it, the same; a JSON written by memscope run -o X.json itself reports and converts;
#      a capped run (--max-events) says in both that events were not retained, and so does
#      the report of a JSON whose events were cut short;
#   3. malformed JSON (the refused seeds of tests/fuzz/corpus: cut off, wrong types, huge
#      numbers, deep nesting, bad escapes, invalid UTF-8, ...): exit status 1, one line on
#      stderr naming the offset, nothing on stdout;
#   4. the same under ASan+UBSan (a build of memscope of its own): no error, no leak.
# Run from anywhere; needs gcc and the examples, memscope and libmemscope.so built (make).
set -u
cd "$(dirname "$0")/../.."
M=build/memscope
O=build/test-out/report-json
T=tests/report
rm -rf "$O"; mkdir -p "$O/examples"
pass=0; failed=0
check() { # name, condition (0 = ok)
  if [ "$2" = 0 ]; then pass=$((pass + 1)); echo "ok   $1"; else failed=$((failed + 1)); echo "FAIL $1"; fi
}
summary() { echo "$pass passed, $failed failed"; [ "$failed" = 0 ]; exit $?; }
# same_report A B [OPTION]: the text reports of A and B, but for their first line (the file's
# name). An export's pair is compared --as-recorded: the report of a .msb adds names and
# source lines from the module files its MODULES section names by build id, at report time;
# a JSON has no build ids, so its report shows what the export wrote.
same_report() {
  $M report "$1" --top 20 ${3:-} > "$1.txt" 2> "$1.err" && $M report "$2" --top 20 ${3:-} > "$2.txt" 2> "$2.err" &&
    diff <(tail -n +2 "$1.txt") <(tail -n +2 "$2.txt") > "$1.diff"
}
FORMATS="html:html pprof:pb.gz folded:folded trace:trace.json prom:prom massif:massif dhat:dhat.json"
# same_conversions A B [OPTION]: each format of A is that of B, byte for byte
same_conversions() {
  local bad="" f e
  for fe in $FORMATS; do
    f=${fe%%:*}; e=${fe#*:}
    $M report "$1" ${3:-} --$f "$1.conv.$e" > /dev/null 2>&1 && $M report "$2" ${3:-} --$f "$2.conv.$e" > /dev/null 2>&1 &&
      cmp -s "$1.conv.$e" "$2.conv.$e" || bad="$bad $f"
  done
  [ -z "$bad" ] || echo "    differ:$bad"
  [ -z "$bad" ]
}

# ---- 1. TRACK programs ----
n=0
for e in build/examples/*; do (cd "$O/examples" && "../../../../$e" > /dev/null 2>&1); done
for m in "$O"/examples/output/*.msb; do
  j=${m%.msb}.json; b=$(basename "$j")
  same_report "$j" "$m" --as-recorded; rc=$?
  check "$b: memscope report of the JSON prints what the .msb's does" $rc
  [ $rc = 0 ] || head -20 "$j.diff" "$j.err"
  $M report "$j" --as-recorded --json "$j.again.json" > /dev/null 2>&1 && cmp -s "$j" "$j.again.json"
  check "$b: its JSON again is the JSON byte for byte" $?
  same_conversions "$j" "$m" --as-recorded
  check "$b: HTML, pprof, folded, trace, Prometheus, massif and DHAT from the JSON are those from the .msb (as recorded)" $?
  $M report "$j" --as-recorded --msb "$j.msb" > /dev/null 2>&1 && $M report "$j.msb" --as-recorded --json "$j.msb.json" > /dev/null 2>&1 &&
    cmp -s "$j" "$j.msb.json"
  check "$b: JSON -> .msb -> JSON gives the JSON back" $?
  n=$((n + 1))
done
[ $n -ge 6 ]; check "$n examples compared" $?

# ---- 2. a whole-program run ----
gcc -O2 -g -fno-omit-frame-pointer -Wall -Wextra -Werror -o "$O/leak_prog" "$T/leak_prog.c" 2> "$O/build.log"
check "leak_prog built" $?
(cd "$O" && ../../memscope run -o w.msb -- ./leak_prog 1) > /dev/null 2>&1
rc=$?; [ $rc = 0 ] && [ -s "$O/w.msb" ]; check "memscope run -o w.msb -- leak_prog 1 (status $rc)" $?
$M report "$O/w.msb" --json "$O/w.json" > /dev/null 2>&1; check "its JSON: memscope report w.msb --json w.json" $?
same_report "$O/w.json" "$O/w.msb"; rc=$?
check "whole program: memscope report w.json prints what w.msb's does" $rc
[ $rc = 0 ] || head -20 "$O/w.json.diff" "$O/w.json.err"
grep -q "; whole program (memscope run); exit status 0$" "$O/w.json.txt" && grep -q "^LEAKS (live at the end), by call stack" "$O/w.json.txt" &&
  grep -q "(inlined)$" "$O/w.json.txt"
check "whole program: the JSON's report has the mode, the exit status, leaks by stack and inlined frames" $?
same_conversions "$O/w.json" "$O/w.msb"
check "whole program: every conversion of the JSON is that of the .msb" $?
(cd "$O" && ../../memscope run -o w2.json -- ./leak_prog 1) > /dev/null 2>&1
$M report "$O/w2.json" --html "$O/w2.html" --pprof "$O/w2.pb.gz" > "$O/w2.txt" 2> "$O/w2.err"; rc=$?
[ $rc = 0 ] && [ ! -s "$O/w2.err" ] && [ -s "$O/w2.html" ] && [ -s "$O/w2.pb.gz" ] && grep -q "whole program (memscope run)" "$O/w2.txt" &&
  gzip -t "$O/w2.pb.gz"
check "a JSON written by memscope run -o w2.json: reported, --html and --pprof written (status $rc)" $?
if command -v go > /dev/null 2>&1; then
  go tool pprof -top "$O/w2.pb.gz" > "$O/w2.pprof.txt" 2>&1 && grep -q "label_copy" "$O/w2.pprof.txt"
  check "go tool pprof reads the pprof of the JSON (label_copy in its top)" $?
fi
(cd "$O" && ../../memscope run --max-events 50 -o cap.msb -- ./leak_prog 1) > /dev/null 2>&1
$M report "$O/cap.msb" --json "$O/cap.json" > /dev/null 2>&1
same_report "$O/cap.json" "$O/cap.msb"; rc=$?
check "capped run (--max-events 50): the JSON's report is the .msb's" $rc
grep -q "events were not retained (the event bound, or --max-events)" "$O/cap.json.txt" &&
  grep -q "events were not retained (the event bound, or --max-events)" "$O/cap.msb.txt"
check "capped run: both say that events were not retained" $?
python3 -c "
import json, sys
d = json.load(open(sys.argv[1])); d['events'] = d['events'][:100]
json.dump(d, open(sys.argv[2], 'w'))" "$O/w.json" "$O/trimmed.json"
$M report "$O/trimmed.json" > "$O/trimmed.txt" 2> "$O/trimmed.err"; rc=$?
want=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(d['total_allocations'] + d['total_deallocations'] - d['dropped_events'] - 100)" "$O/w.json")
[ $rc = 0 ] && grep -q "^  $want events were not retained (the event bound, or --max-events)" "$O/trimmed.txt"
check "a JSON whose events were cut to 100: the report says the other $want were not retained" $?

# ---- 3. malformed JSON ----
bad=0; nbad=0
for s in tests/fuzz/corpus/json-*.json; do
  case $s in *-valid.json|*-escapes.json|*-no-totals.json|*-dashboard-block.json) continue;; esac
  $M report "$s" > "$O/bad.out" 2> "$O/bad.err"; rc=$?
  nbad=$((nbad + 1))
  if [ $rc != 1 ] || [ -s "$O/bad.out" ] || [ "$(wc -l < "$O/bad.err")" != 1 ] || ! grep -q "offset [0-9]* in the JSON report: " "$O/bad.err"; then
    bad=$((bad + 1)); echo "    $s: status $rc: $(head -c 300 "$O/bad.err")"
  fi
done
[ $bad = 0 ] && [ $nbad -ge 15 ]; check "$nbad malformed JSON reports: status 1, one line naming the offset, nothing on stdout" $?
printf '{"format":"memscope","x":%s}' "$(printf '[%.0s' $(seq 1 5000))" > "$O/deep.json"
$M report "$O/deep.json" > /dev/null 2> "$O/deep.err"; rc=$?
[ $rc = 1 ] && grep -q "nested deeper than 64 levels" "$O/deep.err"; check "5000 nested arrays: refused (status $rc)" $?
$M report tests/fuzz/corpus/json-no-totals.json > "$O/nt.txt" 2> "$O/nt.err"; rc=$?
[ $rc = 0 ] && grep -q "warning: .*lacks some of its totals.*recomputed from its 4 events" "$O/nt.err"
check "a JSON report without its totals: reported, with a warning" $?
$M report tests/fuzz/corpus/json-no-totals.json --strict > /dev/null 2>&1
[ $? = 1 ]; check "... and refused with --strict" $?

# ---- 4. ASan+UBSan ----
S="$O/memscope-san"
gcc -std=c11 -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined -I. tools/memscope.c -o "$S" -pthread 2> "$O/san-build.log"
check "memscope built with ASan+UBSan" $?
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1
san_bad=0
for s in tests/fuzz/corpus/json-*.json "$O/deep.json" "$O/w.json" "$O"/examples/output/threads.json; do
  [ -f "$s" ] || continue
  "$S" report "$s" --top 5 --html "$O/san.html" --pprof "$O/san.pb.gz" --dhat "$O/san.dhat.json" > /dev/null 2> "$O/san.err"
  rc=$?
  if [ $rc -gt 1 ] || grep -qE "ERROR: (Address|Leak)Sanitizer|runtime error:" "$O/san.err"; then
    san_bad=$((san_bad + 1)); echo "    $s: status $rc"; grep -E "ERROR|runtime error|SUMMARY|^    #[0-9] " "$O/san.err" | head -12
  fi
done
[ $san_bad = 0 ]; check "under ASan+UBSan: every JSON above loads or is refused, without an error or a leak" $?

summary
