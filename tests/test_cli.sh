#!/usr/bin/env bash
# test_cli.sh - the memscope command-line tool on files the test suite wrote (test_binary):
# help and version, a report's sections, --json equal to the library's JSON of the loaded
# file, --html written, OUT "-" (standard output), and clear errors with exit status 1 for
# every bad input, outputs that would overwrite the input, each other or a special file
# refused before anything is written. M=path/to/memscope tests another build.
set -u
cd "$(dirname "$0")/.."
M=$(realpath "${M:-build/memscope}")
OUT=$PWD/build/test-out/cli
rm -rf "$OUT"; mkdir -p "$OUT"
pass=0; failed=0
check() { # name, condition (0 = ok)
  if [ "$2" = 0 ]; then pass=$((pass + 1)); echo "ok   $1"; else failed=$((failed + 1)); echo "FAIL $1"; fi
}
MSB=$PWD/build/test-out/tests/test_binary/msb/threads.msb
# the files of the test_binary built now (another version writes other JSON)
[ -f "$MSB" ] && [ "$MSB" -nt build/tests/test_binary ] ||
  MEMSCOPE_TEST_OUT=build/test-out/tests/test_binary build/tests/test_binary >/dev/null 2>&1

$M --help > "$OUT/help.txt"; check "--help exits 0" $?
grep -q "memscope report FILE.msb" "$OUT/help.txt"; check "--help shows the report usage" $?
$M --version | grep -q "^memscope [0-9]"; check "--version" $?

$M report "$MSB" --as-recorded --top 3 --json "$OUT/r.json" --html "$OUT/r.html" > "$OUT/report.txt" 2> "$OUT/err.txt"; check "report exits 0" $?
for s in "HOTSPOTS" "LIVE AT THE END" "THREADS (4)" "SYSTEM (" "allocations 3000"; do
  grep -q "$s" "$OUT/report.txt"; check "report shows '$s'" $?
done
[ ! -s "$OUT/err.txt" ]; check "report writes nothing on stderr" $?
python3 tests/json_same.py "$OUT/r.json" build/test-out/tests/test_binary/msb/threads.loaded.json >/dev/null; check "--as-recorded --json equals the library's JSON of the loaded file" $?
python3 tests/check_html.py "$OUT/r.html" "$OUT/r.json" >/dev/null; check "--html agrees with --json" $?

err() { # name, expected stderr text, command...
  local name=$1 text=$2; shift 2
  "$@" > /dev/null 2> "$OUT/e.txt"; local rc=$?
  [ $rc = 1 ] && [ "$(wc -l < "$OUT/e.txt")" = 1 ] && grep -q -- "$text" "$OUT/e.txt"
  r=$?; check "$name: exit 1, one line: $(head -c 100 "$OUT/e.txt")" $r
}
err "missing file" "cannot open" $M report "$OUT/none.msb"
head -c 100 "$MSB" > "$OUT/cut.msb"
err "file cut before its META section" "offset" $M report "$OUT/cut.msb"
# cut inside the events: reported from what is complete, with one warning line
CHURN=build/test-out/tests/test_binary/msb/churn.msb  # 150 000 events in 3 blocks
head -c $(( $(stat -c %s "$CHURN") * 2 / 3 )) "$CHURN" > "$OUT/cut2.msb"
$M report "$OUT/cut2.msb" --json "$OUT/cut2.json" > "$OUT/cut2.txt" 2> "$OUT/e.txt"; check "truncated file: exit 0" $?
[ "$(wc -l < "$OUT/e.txt")" = 1 ] && grep -q "warning: .*truncated after section [0-9]* at offset [0-9]*.*recomputed from the [0-9]* events kept" "$OUT/e.txt"
r=$?; check "truncated file: one warning line: $(head -c 120 "$OUT/e.txt")" $r
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

# outputs that cannot be written are refused before anything is: exit 1, one line, no text
# report, the target as it was (run in a folder of its own: a build that takes "-" for a
# file name writes it there)
mkdir -p "$OUT/cwd"
refused() { # name, expected stderr text, report arguments...
  local name=$1 text=$2; shift 2
  ( cd "$OUT/cwd" && timeout 10 "$M" report "$@" > "$OUT/o.txt" 2> "$OUT/e.txt" ); local rc=$?
  [ $rc = 1 ] && [ "$(wc -l < "$OUT/e.txt")" = 1 ] && grep -q -- "$text" "$OUT/e.txt" && [ ! -s "$OUT/o.txt" ] &&
    ! grep -q "errno holds" "$OUT/e.txt"
  r=$?; check "$name: exit 1, one line, nothing written: $(head -c 160 "$OUT/e.txt")" $r
}
mkfifo "$OUT/fifo.json"
refused "--json FIFO" "fifo.json: a FIFO, not a regular file" "$MSB" --json "$OUT/fifo.json"
[ -p "$OUT/fifo.json" ]; check "the FIFO is still a FIFO" $?
ln -s /dev/null "$OUT/null-link.json"
refused "--json symlink to /dev/null" "null-link.json: a symbolic link to a character device" "$MSB" --json "$OUT/null-link.json"
[ -L "$OUT/null-link.json" ] && [ "$(readlink "$OUT/null-link.json")" = /dev/null ]; check "the link still points to /dev/null" $?
if mknod "$OUT/null.json" c 1 3 2>/dev/null; then
  refused "--json copy of /dev/null" "null.json: a character device, not a regular file" "$MSB" --json "$OUT/null.json"
  [ -c "$OUT/null.json" ]; check "the device is still a device" $?
else
  echo "skip --json copy of /dev/null (mknod not permitted here)"
fi
# each from a fresh copy of the input, with a hard link and a symbolic link to it
into_input() { # name, expected stderr text, option, the input by another name (relative to $OUT)
  rm -f "$OUT/in.msb" "$OUT/in-hardlink.msb" "$OUT/in-symlink.msb"
  cp "$MSB" "$OUT/in.msb"; ln "$OUT/in.msb" "$OUT/in-hardlink.msb"; ln -s in.msb "$OUT/in-symlink.msb"
  refused "$1" "$2" "$OUT/in.msb" "$3" "$OUT/$4"
  cmp -s "$MSB" "$OUT/in.msb"; check "$1: the input is unchanged" $?
}
into_input "--json INPUT" "in.msb: the input file itself" --json in.msb
into_input "--msb INPUT by another path" "the input file itself" --msb ../cli/./in.msb
into_input "--msb a hard link of INPUT" "in-hardlink.msb: the input file itself" --msb in-hardlink.msb
into_input "--folded a symbolic link to INPUT" "in-symlink.msb: the input file itself" --folded in-symlink.msb
refused "--json and --html to one new file" "the same file" "$MSB" --json "$OUT/same.out" --html "$OUT/../cli/same.out"
[ ! -e "$OUT/same.out" ]; check "... and it was not made" $?
refused "two OUT -" "one output at most can be -" "$MSB" --json - --html -
mkfifo "$OUT/fifo.msb"
refused "report of a FIFO" "fifo.msb: a FIFO, not a regular file" "$OUT/fifo.msb"
touch "$OUT/afile"
$M report "$MSB" --json "$OUT/afile/r.json" > /dev/null 2> "$OUT/e.txt"
[ $? = 1 ] && [ "$(wc -l < "$OUT/e.txt")" = 1 ] && grep -q "^memscope: --json .*afile/r.json: Not a directory$" "$OUT/e.txt"
r=$?; check "an I/O failure names the cause: $(cat "$OUT/e.txt")" $r

# OUT "-": the report on standard output, the same bytes as in a file, nothing left behind
mkdir -p "$OUT/tmp"
for f in json folded pprof msb; do
  ( cd "$OUT/cwd" && TMPDIR=$OUT/tmp "$M" report "$MSB" --$f - > "$OUT/stdout.$f" 2> "$OUT/e.txt" ); rc=$?
  $M report "$MSB" --$f "$OUT/file.$f" > /dev/null 2>&1
  if [ $f = msb ]; then # a .msb says when it was written: compared by what it holds
    $M report "$OUT/stdout.$f" --json "$OUT/stdout.msb.json" > /dev/null 2>&1 &&
      $M report "$OUT/file.$f" --json "$OUT/file.msb.json" > /dev/null 2>&1 && cmp -s "$OUT/stdout.msb.json" "$OUT/file.msb.json"
  else
    [ -s "$OUT/file.$f" ] && cmp -s "$OUT/stdout.$f" "$OUT/file.$f"
  fi
  [ $? = 0 ] && [ $rc = 0 ] && [ ! -s "$OUT/e.txt" ] && [ -z "$(ls -A "$OUT/tmp")" ]; r=$?
  check "--$f - writes what --$f FILE writes ($(wc -c < "$OUT/stdout.$f") bytes), no text report, no temporary file left" $r
done

echo "$pass passed, $failed failed"
[ "$failed" = 0 ]
