#!/usr/bin/env bash
# test_run.sh - `memscope run` on programs that know nothing of memscope: exact counts of
# known blocks, the program's exit status passed through, a report written at exit, after
# atexit handlers, on SIGINT/SIGTERM from inside and outside and on abort, separate files
# for children of fork and exec, threads; then real programs from Debian packages.
set -u
cd "$(dirname "$0")/../.."
M=build/memscope
P=build/hook/prog
OUT=build/test-out/hook-run
rm -rf "$OUT"; mkdir -p "$OUT"
pass=0; failed=0
# a check whose name runs a command takes the status first: `cmd; rc=$?; check "... $(...)" $rc`
check() { # name, condition (0 = ok)
  if [ "$2" = 0 ]; then pass=$((pass + 1)); echo "ok   $1"; else failed=$((failed + 1)); echo "FAIL $1"; fi
}
# count KIND SIZE FILE.msb: events of that kind and size in the file
count() {
  $M report "$3" --json "$3.json" > /dev/null 2>&1 || { echo -1; return; }
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(sum(1 for e in d['events'] if e['kind']==sys.argv[2] and e['size']==int(sys.argv[3])))" "$3.json" "$1" "$2"
}
live() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(d['active_allocations'], d['current_memory_bytes'])" "$1.json"; }

$M run -o "$OUT/leak.msb" -- $P leak 5 2> "$OUT/leak.err"; check "leak: exit 0" $?
[ "$(count alloc 12345 "$OUT/leak.msb")" = 5 ] && [ "$(count free 12345 "$OUT/leak.msb")" = 0 ]; check "leak: 5 blocks of 12345 recorded, none freed" $?
grep -q "memscope: $OUT/leak.msb: .* allocations, peak .* live at exit" "$OUT/leak.err"; rc=$?; check "run prints where the report is: $(head -c 150 "$OUT/leak.err")" $rc

$M run -o "$OUT/exit.msb" -- $P exit 7 2>/dev/null; rc=$?
[ $rc = 7 ] && [ "$(count alloc 12345 "$OUT/exit.msb")" = 1 ]; check "exit(7): status 7 passed through, report written ($rc)" $?

$M run -o "$OUT/atexit.msb" -- $P atexit 2>/dev/null
[ "$(count alloc 12345 "$OUT/atexit.msb")" = 2 ] && [ "$(count free 12345 "$OUT/atexit.msb")" = 1 ]; check "a free in an atexit handler is in the report" $?

for sig in 2 15; do
  $M run -o "$OUT/raise$sig.msb" -- $P raise $sig 2>/dev/null; rc=$?
  [ $rc = $((128 + sig)) ] && [ "$(count alloc 12345 "$OUT/raise$sig.msb")" = 3 ]; check "raise($sig): report written, status $rc = 128+$sig" $?
done
$M run -o "$OUT/abort.msb" -- $P abort 2>/dev/null; rc=$?
[ $rc = 134 ] && [ "$(count alloc 12345 "$OUT/abort.msb")" = 2 ]; check "abort(): report written, status $rc" $?

rm -f "$OUT/pid"
$M run -o "$OUT/wait.msb" -- $P wait "$OUT/pid" 2>/dev/null & runner=$!
for i in $(seq 100); do [ -s "$OUT/pid" ] && break; sleep 0.05; done
kill -TERM "$(cat "$OUT/pid")"; wait $runner; rc=$?
[ $rc = 143 ] && [ "$(count alloc 12345 "$OUT/wait.msb")" = 4 ]; check "SIGTERM from another process: report written, status $rc" $?

# SIGHUP and SIGUSR1 from another process, SIGPIPE from a reader that went away: the report
# is written, then the program dies of the signal as it would have
for sig in 1 10; do  # not 2 or 3: a shell without job control starts background jobs with them ignored
  rm -f "$OUT/pid"
  $M run -o "$OUT/wait$sig.msb" -- $P wait "$OUT/pid" 2>/dev/null & runner=$!
  for i in $(seq 100); do [ -s "$OUT/pid" ] && break; sleep 0.05; done
  kill -$sig "$(cat "$OUT/pid")"; wait $runner 2>/dev/null; rc=$?
  [ $rc = $((128 + sig)) ] && [ "$(count alloc 12345 "$OUT/wait$sig.msb")" = 4 ]
  rc2=$?; check "signal $sig (SIG$(kill -l $sig)) from another process: report written, status $rc" $rc2
done
$M run -o "$OUT/pipe.msb" -- seq 1 100000000 2>"$OUT/pipe.err" | head -1 > /dev/null; st=("${PIPESTATUS[@]}")
$M report "$OUT/pipe.msb" --json "$OUT/pipe.json" > /dev/null 2>&1 && python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['total_allocations'] > 0" "$OUT/pipe.json"
rc=$?; check "SIGPIPE (seq | head -1): report written and loads, memscope's status ${st[0]} = 141" $(( rc || ${st[0]} != 141 ))

$M run -o "$OUT/fork.%p.msb" -- $P fork 2>/dev/null
files=$(ls "$OUT"/fork.*.msb 2>/dev/null | wc -l)
tot=0; for f in "$OUT"/fork.*.msb; do tot=$((tot + $(count alloc 12345 "$f"))); done
[ "$files" = 2 ] && [ $tot = 3 ]; check "fork: the child writes its own file, from the fork on ($files files; parent 1 + child 2 markers = $tot)" $?
# forked children one after another, each allocating through two functions built without frame
# pointers (the walk needs their call-frame information), which the parent called once before
# (its writer named them): each child walks with the rules its parent and earlier children
# found (shared rule cache) and names the frames from the names its parent found (inherited name
# cache); the middle child loads a library first (its modules change: it moves to a rule table
# of its own). Every child's stack must read chain_b, chain_a, main (a frame-pointer walk stops
# after chain_b).
rm -rf "$OUT/chain"; mkdir -p "$OUT/chain"
$M run -o "$OUT/chain/c.msb" -- $P forkchain 6 > /dev/null 2>&1; rc=$?
good=0; n=0
for f in "$OUT"/chain/c.*.msb; do
  n=$((n + 1))
  $M report "$f" --json "$f.json" > /dev/null 2>&1 && python3 -c "
import json, sys
d = json.load(open(sys.argv[1])); st = {s['id']: s for s in d['stacks']}
ev = [e for e in d['events'] if e['kind'] == 'alloc' and e['size'] == 23456]
fns = [(f['function'] or '').split('.')[0] for f in st[ev[0]['stack']]['frames']] if len(ev) == 1 else []
sys.exit(0 if fns[:3] == ['chain_b', 'chain_a', 'main'] else 1)" "$f.json" && good=$((good + 1))
done
check "fork children in turn: every child's stack reads chain_b, chain_a, main ($good of $n files; 6 children; status $rc)" $([ $rc = 0 ] && [ $n = 6 ] && [ $good = 6 ]; echo $?)
# forks while other threads intern new stacks and start threads: every child finishes (a lock
# of the tracker held by another thread at the fork would leave the child waiting forever)
mkdir -p "$OUT/forks"
timeout 120 $M run -o "$OUT/forks/f.%p.msb" -- $P forks 100 2>/dev/null; rc=$?
n=$(ls "$OUT/forks" | wc -l)
[ $rc = 0 ] && [ "$n" -ge 90 ]; check "100 forks from a busy multi-threaded program: every child exits and writes its report (status $rc, $n files)" $?

$M run -o "$OUT/exec.%p.msb" -- bash -c "$P leak 2; $P leak 3; true" 2>/dev/null
n2=0; n3=0; for f in "$OUT"/exec.*.msb; do c=$(count alloc 12345 "$f"); [ "$c" = 2 ] && n2=1; [ "$c" = 3 ] && n3=1; done
# (a forked bash that runs long enough before its exec leaves its part in NAME.exec-N.msb: not counted)
[ $n2 = 1 ] && [ $n3 = 1 ] && [ "$(ls "$OUT"/exec.*.msb | grep -vc '\.exec-[0-9]*\.msb$')" = 3 ]; check "exec: bash and each program it starts write their own files" $?
# the same without %p: the path as given is bash's (the process memscope run started); each
# program bash starts inserts its pid, so none replaces another's file
$M run -o "$OUT/execfix.msb" -- bash -c "$P leak 2; $P leak 3; true" 2>/dev/null
n2=0; n3=0; for f in "$OUT"/execfix.[0-9]*.msb; do c=$(count alloc 12345 "$f"); [ "$c" = 2 ] && n2=1; [ "$c" = 3 ] && n3=1; done
[ $n2 = 1 ] && [ $n3 = 1 ] && [ "$(count alloc 12345 "$OUT/execfix.msb")" = 0 ] && [ "$(ls "$OUT"/execfix.*msb | grep 'msb$' | grep -vc '\.exec-[0-9]*\.msb$')" = 3 ]
rc=$?
check "exec, -o without %p: bash writes execfix.msb, each program execfix.PID.msb ($(cd "$OUT" && ls execfix.*msb | grep 'msb$' | tr '\n' ' '))" $rc

$M run -o "$OUT/threads.msb" -- $P threads 1000 2>/dev/null
[ "$(count alloc 12345 "$OUT/threads.msb")" = 4004 ] && [ "$(count free 12345 "$OUT/threads.msb")" = 4000 ]; check "4 threads x 1000 malloc/free pairs + 1 leak each: exact" $?
$M report "$OUT/threads.msb" > "$OUT/threads.txt"
for s in "MOST CALLS TO ALLOCATION FUNCTIONS" "PEAK MEMORY CONSUMERS" "MOST TEMPORARY ALLOCATIONS" "LEAKS (live at the end)" "at worker (.*prog.c:[0-9]*) in prog" "at pthread_create.* in libc.so.6" "THREADS (5)"; do
  grep -q "$s" "$OUT/threads.txt"; check "report by call stack shows '$s'" $?
done
$M report "$OUT/threads.msb" --json "$OUT/threads.html.json" --html "$OUT/threads.html" > /dev/null
python3 tests/check_html.py "$OUT/threads.html" "$OUT/threads.html.json" > "$OUT/html.txt" && grep -q "stacks" "$OUT/html.txt"
rc=$?
check "the HTML dashboard of a whole-program run agrees with its JSON, stacks included: $(tail -c 100 "$OUT/html.txt")" $rc
# temporary = freed before any other allocation of the process: on one thread (threads interleave,
# which makes the count depend on scheduling), every one of the 1000 pairs is
$M run -o "$OUT/churn.msb" -- $P churn 1000 2>/dev/null
$M report "$OUT/churn.msb" > "$OUT/churn.txt"
grep -A1 "MOST TEMPORARY" "$OUT/churn.txt" | grep -q "^  1000 temporary of 1000 calls$"; check "1000 malloc/free pairs on one thread: 1000 temporary allocations" $?

$M run --sample-bytes 100000 -o "$OUT/sampled.msb" -- $P threads 5000 2>/dev/null
python3 - "$OUT/sampled.msb" <<'PY'; check "--sample-bytes: fewer recorded, estimates within 20 % of the 20 000+ allocations" $?
import json, subprocess, sys
subprocess.run(["build/memscope", "report", sys.argv[1], "--json", sys.argv[1] + ".json"], check=True, stdout=subprocess.DEVNULL)
d = json.load(open(sys.argv[1] + ".json"))
print("   sampled: recorded %d, estimated %.0f allocations, %.0f bytes" % (d["total_allocations"], d["estimated_total_allocations"], d["estimated_total_bytes"]))
n = 4 * 5001
sys.exit(0 if d["total_allocations"] < n / 5 and abs(d["estimated_total_bytes"] / (n * 12345) - 1) < 0.2
         and d["sampling"]["sample_bytes"] == 100000 else 1)
PY

$M report "$OUT/sampled.msb" | grep -q "byte sampling: about one allocation recorded per 97.7 KiB allocated"; check "report says byte sampling was on" $?
$M run --no-stacks -o "$OUT/nostacks.msb" -- $P leak 1 2>/dev/null
$M report "$OUT/nostacks.msb" | grep -q "MOST CALLS"; [ $? = 1 ]; check "--no-stacks: no stack sections" $?
$M run --bogus -- true 2>/dev/null; [ $? = 1 ]; check "unknown option: exit 1" $?
$M run 2>/dev/null; [ $? = 1 ]; check "no program: exit 1" $?
$M run -- /nonexistent/prog 2>/dev/null; [ $? = 127 ]; check "missing program: exit 127" $?

# real programs nobody here wrote
# log mode (the default for full capture) against the live table (--live-table): the same
# figures, on four threads and on sqlite3 (one thread: the peak too)
figures() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(*[d[k] for k in sys.argv[2:]])" "$@"; }
for mode in log table; do
  opt=; [ $mode = table ] && opt=--live-table
  $M run $opt -o "$OUT/mode_$mode.msb" -- $P threads 20000 2>/dev/null
  $M report "$OUT/mode_$mode.msb" --json "$OUT/mode_$mode.json" > /dev/null 2>&1
done
a=$(figures "$OUT/mode_log.json" total_allocations total_deallocations current_memory_bytes)
b=$(figures "$OUT/mode_table.json" total_allocations total_deallocations current_memory_bytes)
[ -n "$a" ] && [ "$a" = "$b" ] && [ "$(count free 12345 "$OUT/mode_log.msb")" = 80000 ]
check "4 threads, log mode = live table: allocations, frees, live bytes ($a / $b)" $?
if command -v sqlite3 >/dev/null; then
  for mode in log table; do
    opt=; [ $mode = table ] && opt=--live-table
    $M run $opt -o "$OUT/sq_$mode.msb" -- sqlite3 :memory: < tests/peer/script.sql > /dev/null 2>&1
    $M report "$OUT/sq_$mode.msb" --json "$OUT/sq_$mode.json" > /dev/null 2>&1
  done
  a=$(figures "$OUT/sq_log.json" total_allocations total_deallocations total_allocated_bytes current_memory_bytes peak_memory_bytes)
  b=$(figures "$OUT/sq_table.json" total_allocations total_deallocations total_allocated_bytes current_memory_bytes peak_memory_bytes)
  [ -n "$a" ] && [ "$a" = "$b" ]; check "sqlite3, log mode = live table: allocations, frees, bytes, live, peak ($a)" $?
fi

if command -v sqlite3 >/dev/null && command -v jq >/dev/null; then
  $M run -o "$OUT/sqlite3.msb" -- sqlite3 :memory: "create table t(a); insert into t select value from generate_series(1,20000); select count(*), sum(a) from t;" > "$OUT/sqlite.out" 2>/dev/null
  grep -q "^20000|200010000$" "$OUT/sqlite.out" && [ -s "$OUT/sqlite3.msb" ]; check "sqlite3 under memscope run: same output, report written" $?
  echo '{"a":[1,2,3],"b":{"c":"d"}}' | $M run -o "$OUT/jq.msb" -- jq -c '.a | map(. * 2)' > "$OUT/jq.out" 2>/dev/null
  grep -q '^\[2,4,6\]$' "$OUT/jq.out" && [ -s "$OUT/jq.msb" ]; check "jq under memscope run: same output, report written" $?
fi
echo "$pass passed, $failed failed"
[ $failed = 0 ]
