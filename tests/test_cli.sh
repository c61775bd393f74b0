#!/usr/bin/env bash
# test_cli.sh - the memscope command-line tool on files the test suite wrote (test_binary):
# help and version, a report's sections, --json equal to the library's JSON of the loaded
# file, --html written, and clear errors with exit status 1 for every bad input.
set -u
cd "$(dirname "$0")/.."
M=build/memscope
OUT=build/test-out/cli
rm -rf "$OUT"; mkdir -p "$OUT"
pass=0; failed=0
check() { # name, condition (0 = ok)
  if [ "$2" = 0 ]; then pass=$((pass + 1)); echo "ok   $1"; else failed=$((failed + 1)); echo "FAIL $1"; fi
}
MSB=build/test-out/tests/test_binary/msb/threads.msb
[ -f "$MSB" ] || MEMSCOPE_TEST_OUT=build/test-out/tests/test_binary build/tests/test_binary >/dev/null 2>&1

$M --help > "$OUT/help.txt"; check "--help exits 0" $?
grep -q "memscope report FILE.msb" "$OUT/help.txt"; check "--help shows the report usage" $?
$M --version | grep -q "^memscope [0-9]"; check "--version" $?

$M report "$MSB" --top 3 --json "$OUT/r.json" --html "$OUT/r.html" > "$OUT/report.txt" 2> "$OUT/err.txt"; check "report exits 0" $?
for s in "HOTSPOTS" "LIVE AT THE END" "THREADS (4)" "SYSTEM (" "allocations 3000"; do
  grep -q "$s" "$OUT/report.txt"; check "report shows '$s'" $?
done
[ ! -s "$OUT/err.txt" ]; check "report writes nothing on stderr" $?
python3 tests/json_same.py "$OUT/r.json" build/test-out/tests/test_binary/msb/threads.loaded.json >/dev/null; check "--json equals the library's JSON of the loaded file" $?
python3 tests/check_html.py "$OUT/r.html" "$OUT/r.json" >/dev/null; check "--html agrees with --json" $?

err() { # name, expected stderr text, command...
  local name=$1 text=$2; shift 2
  "$@" > /dev/null 2> "$OUT/e.txt"; local rc=$?
  [ $rc = 1 ] && [ "$(wc -l < "$OUT/e.txt")" = 1 ] && grep -q -- "$text" "$OUT/e.txt"
  check "$name: exit 1, one line: $(head -c 100 "$OUT/e.txt")" $?
}
err "missing file" "cannot open" $M report "$OUT/none.msb"
head -c 100 "$MSB" > "$OUT/cut.msb"
err "file cut before its META section" "offset" $M report "$OUT/cut.msb"
# cut inside the events: reported from what is complete, with one warning line
CHURN=build/test-out/tests/test_binary/msb/churn.msb  # 150 000 events in 3 blocks
head -c $(( $(stat -c %s "$CHURN") * 2 / 3 )) "$CHURN" > "$OUT/cut2.msb"
$M report "$OUT/cut2.msb" --json "$OUT/cut2.json" > "$OUT/cut2.txt" 2> "$OUT/e.txt"; check "truncated file: exit 0" $?
[ "$(wc -l < "$OUT/e.txt")" = 1 ] && grep -q "warning: .*truncated after section [0-9]* at offset [0-9]*.*recomputed from the [0-9]* events kept" "$OUT/e.txt"
check "truncated file: one warning line: $(head -c 120 "$OUT/e.txt")" $?
grep -q "HOTSPOTS" "$OUT/cut2.txt" && python3 -c "import json,sys; d=json.load(open(sys.argv[1])); e=d['events']; assert len(e) in (65536, 131072) and d['total_allocations'] + d['total_deallocations'] == len(e), len(e)" "$OUT/cut2.json"
check "truncated file: report and JSON of the kept events" $?
err "truncated file with --strict" "truncated.*--strict" $M report "$OUT/cut2.msb" --strict
printf 'not a memscope file at all' > "$OUT/junk.msb"
err "not an .msb" "bad magic" $M report "$OUT/junk.msb"
err "no command" "unknown command" $M frobnicate
err "no file" "needs a FILE" $M report
err "bad --top" "--top" $M report "$MSB" --top 0
err "unknown option" "unknown option" $M report "$MSB" --bogus
err "unwritable --json" "r.json" $M report "$MSB" --json /proc/memscope-nope/r.json
$M > /dev/null 2>&1; [ $? = 1 ]; check "no arguments: exit 1" $?

echo "$pass passed, $failed failed"
[ "$failed" = 0 ]
