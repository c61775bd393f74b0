#!/usr/bin/env bash
# test_run_cli.sh - `memscope run` around the program it starts: signals sent to memscope
# reach the program; the summary speaks of this run's report only, never of an older file at
# the same path; -o is checked and made absolute before the program starts (a refused one
# starts nothing); option values out of range are refused; a fixed -o is the program's own
# file, its forked children write theirs beside it.
# M=path/to/memscope MEMSCOPE_PRELOAD_LIB=path/to/libmemscope.so test another build.
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
M=$(realpath "${M:-build/memscope}")
MEMSCOPE_PRELOAD_LIB=$(realpath "${MEMSCOPE_PRELOAD_LIB:-build/libmemscope.so}")
export MEMSCOPE_PRELOAD_LIB
A=$ROOT/build/cli/alloc
OUT=$ROOT/build/test-out/run-cli
rm -rf "$OUT"; mkdir -p "$OUT"
pass=0; failed=0
check() { # name, condition (0 = ok)
  if [ "$2" = 0 ]; then pass=$((pass + 1)); echo "ok   $1"; else failed=$((failed + 1)); echo "FAIL $1"; fi
}
# alive PID: running (a zombie is not)
alive() { [ -e "/proc/$1" ] && ! grep -q '^[0-9]* (.*) Z' "/proc/$1/stat" 2>/dev/null; }
# poll TENTHS COMMAND...: until COMMAND succeeds, at most TENTHS tenths of a second
poll() { local n=$1; shift; while [ "$n" -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done; "$@"; }
dead() { ! alive "$1"; }
# events of SIZE bytes allocated in FILE.msb (-1: the file does not load)
count() {
  "$M" report "$2" --json "$2.json" > /dev/null 2>&1 || { echo -1; return; }
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(sum(1 for e in d['events'] if e['kind']=='alloc' and e['size']==int(sys.argv[2])))" "$2.json" "$1"
}
# start_loop NAME RUN-OPTIONS...: `memscope run OPTIONS -- alloc loop` in the background;
# sets mp (memscope's pid) and pp (the program's, once it has started). A subshell waits
# for memscope, so that bash says nothing of the signal it dies of.
start_loop() {
  local name=$1; shift
  rm -f "$OUT/$name.pid" "$OUT/$name.mpid" "$OUT/$name.rc"
  ( "$M" run "$@" -- "$A" loop "$OUT/$name.pid" 2> "$OUT/$name.err" & echo $! > "$OUT/$name.mpid"
    wait $!; echo $? > "$OUT/$name.rc" ) 2> /dev/null & wp=$!
  poll 200 test -s "$OUT/$name.mpid"; mp=$(cat "$OUT/$name.mpid")
  poll 200 test -s "$OUT/$name.pid"; pp=$(cat "$OUT/$name.pid" 2>/dev/null || echo 0)
  rcfile=$OUT/$name.rc
}
# finish: wait for memscope and the program; ended=0 when both ended within 10 s (else they
# are killed, not left running), rc = memscope's status
finish() {
  poll 100 dead "$mp"; ended=$?
  poll 50 dead "$pp" || { ended=1; kill -9 "$pp" 2>/dev/null; }
  poll 100 dead "$mp" || { ended=1; kill -9 "$mp" 2>/dev/null; }
  wait "$wp"; rc=$(cat "$rcfile")
}

# ---- 1. signals sent to memscope go on to the program ----
start_loop term -o "$OUT/term.msb"
kill -TERM "$mp"; finish
[ $ended = 0 ] && [ $rc = 143 ]
check "kill -TERM memscope: memscope and the program end, status $rc = 143" $?
"$M" report "$OUT/term.msb" > /dev/null 2>&1; check "kill -TERM memscope: the program's report is written and loads" $?
grep -q "term.msb: [0-9]* allocations" "$OUT/term.err"; r=$?; check "kill -TERM memscope: summary: $(head -c 120 "$OUT/term.err")" $r

start_loop hup -o "$OUT/hup.msb"
kill -HUP "$mp"; finish
[ $ended = 0 ] && [ $rc = 129 ] && "$M" report "$OUT/hup.msb" > /dev/null 2>&1
check "kill -HUP memscope: the program writes its report and dies of it, memscope too: status $rc = 129" $?
[ "$(wc -l < "$OUT/hup.err")" = 1 ] && grep -q "hup.msb: [0-9]* allocations" "$OUT/hup.err"
r=$?; check "kill -HUP memscope: one line: $(cat "$OUT/hup.err")" $r

# ---- 2. the summary never shows an older file's totals ----
( cd "$OUT" && "$M" run -o s.msb -- "$A" small 100 2> small.err ); check "run -o s.msb -- small 100: exit 0" $?
grep -q "s.msb: 100 allocations" "$OUT/small.err"; r=$?; check "small 100: $(cat "$OUT/small.err")" $r
cp "$OUT/s.msb" "$OUT/s.before"
# killed by -9: the file streamed so far replaces the older one and the line says the run
# did not end normally (never the older file's totals)
cd "$OUT" || exit 1; start_loop stale -o s.msb; cd "$ROOT" || exit 1
sleep 0.3; kill -9 "$pp"; finish
[ $rc = 137 ] && [ "$(wc -l < "$OUT/stale.err")" = 1 ] && ! grep -q "100 allocations" "$OUT/stale.err" &&
  grep -q "did not end normally (it was killed by signal 9.*): s.msb holds the run up to then" "$OUT/stale.err"
r=$?; check "loop killed by -9, s.msb of an earlier run there: status $rc, one line, no old totals: $(cat "$OUT/stale.err")" $r
"$M" report "$OUT/s.msb" > "$OUT/s.txt" 2> "$OUT/s.warn"; r=$?
[ $r = 0 ] && [ "$(wc -l < "$OUT/s.warn")" = 1 ] && grep -q "did not end normally" "$OUT/s.warn" && ! cmp -s "$OUT/s.msb" "$OUT/s.before"
r=$?; check "the killed run's s.msb replaced the older one and loads, with one warning: $(head -c 120 "$OUT/s.warn")" $r
grep -q "the run did not end normally (memscope run recorded: killed by signal 9 (SIGKILL)): " "$OUT/s.warn" &&
  grep -q "; ended by signal 9 (.*)$" "$OUT/s.txt"
r=$?; check "the killed run's s.msb says how it ended, which memscope run recorded: $(grep -o "(memscope run recorded: [^:]*)" "$OUT/s.warn")" $r
start_loop gone -o "$OUT/none.msb"
sleep 0.3; kill -9 "$pp"; finish
[ "$(wc -l < "$OUT/gone.err")" = 1 ] && grep -q "did not end normally.*none.msb holds the run up to then" "$OUT/gone.err"
r=$?; check "loop killed by -9, nothing at the path before: one line: $(cat "$OUT/gone.err")" $r
# the report cannot be written (a FIFO put at the path while the program ran): said in one
# line, the summary does not wait for a writer on the FIFO
mkdir -p "$OUT/swap"; cp "$OUT/s.before" "$OUT/swap/x.msb"
start_loop swap -o "$OUT/swap/x.msb"
rm "$OUT/swap/x.msb"; mkfifo "$OUT/swap/x.msb"
kill -TERM "$mp"; finish
[ $ended = 0 ] && [ $rc = 143 ] && [ -p "$OUT/swap/x.msb" ] && [ "$(grep -c "^memscope: .*alloc wrote no report to .*x.msb this run.*: a FIFO is there now$" "$OUT/swap.err")" = 1 ] &&
  ! grep -q "allocations" "$OUT/swap.err"
r=$?; check "the path made a FIFO during the run: status $rc, no hang, no totals: $(grep -v "writing .* failed" "$OUT/swap.err")" $r

# ---- 3 and 5. refused before the program starts: exit 1, one line, nothing run ----
# refused NAME TEXT RUN-OPTIONS...: the program would create $OUT/ran. Run in a folder of
# its own: a relative OUT that a build lets through is written there.
mkdir -p "$OUT/cwd"
refused() {
  local name=$1 text=$2; shift 2
  rm -f "$OUT/ran"
  ( cd "$OUT/cwd" && timeout 60 "$M" run "$@" -- touch "$OUT/ran" > /dev/null 2> "$OUT/e.txt" ); local rc=$?
  [ $rc = 1 ] && [ "$(wc -l < "$OUT/e.txt")" = 1 ] && grep -q -- "$text" "$OUT/e.txt" && [ ! -e "$OUT/ran" ]
  r=$?; check "$name: exit 1, one line, not run: $(head -c 160 "$OUT/e.txt")" $r
}
refused "-o out.txt" "out.txt: not the name of a report" -o "$OUT/out.txt"
refused "-o report (no extension)" "report: not the name of a report" -o report
refused "-o %" "-o %: a % must be followed by p" -o %
refused "-o %x" "-o %x: a % must be followed by p" -o %x
refused "-o a%.msb" "-o a%.msb: a % must be followed by p" -o a%.msb
LONG=$(python3 -c "import sys; b=sys.argv[1]+'/long/'; n=5005-len(b)-4; print(b + '/'.join('d'*199 for _ in range(n//200)) + '/' + 'f'*(n-200*(n//200)) + '.msb')" "$OUT")
[ ${#LONG} = 5005 ]; check "a path of 5005 characters is made (${#LONG})" $?
refused "-o of 5005 characters" "the path is 5005 characters long, more than the limit of 4000" -o "$LONG"
# 4000 characters, 4100 once each of its 20 %p is a 7-digit process id
refused "-o of 4000 characters, 20 %p" "the path is 4100 characters long with a 7-digit process id for %p, more than the limit of 4095" \
  -o "$(python3 -c "import sys; b=sys.argv[1]+'/'; n=4000-len(b)-44; print(b + 'd'*200 + '/' + 'f'*(n-201) + '%p'*20 + '.msb')" "$OUT")"
touch "$OUT/afile"
refused "-o under a regular file" "afile is not a directory" -o "$OUT/afile/sub/x.msb"
if [ "$(id -u)" != 0 ]; then
  mkdir -p "$OUT/ro"; chmod 555 "$OUT/ro"
  refused "-o in a directory without write permission" "cannot write in .*ro" -o "$OUT/ro/new/x.msb"
  chmod 755 "$OUT/ro"
else
  echo "skip -o in a directory without write permission (root may write anywhere)"
fi
mkfifo "$OUT/fifo.msb"
refused "-o FIFO" "a FIFO, not a regular file" -o "$OUT/fifo.msb"
[ -p "$OUT/fifo.msb" ]; check "the FIFO is still a FIFO" $?
ln -s /dev/null "$OUT/devlink.msb"
refused "-o symlink to /dev/null" "a symbolic link to a character device" -o "$OUT/devlink.msb"
[ "$(readlink "$OUT/devlink.msb")" = /dev/null ]; check "the link is still a link to /dev/null" $?
if mknod "$OUT/null.msb" c 1 3 2>/dev/null; then
  refused "-o copy of /dev/null" "a character device, not a regular file" -o "$OUT/null.msb"
  [ -c "$OUT/null.msb" ]; check "the device is still a device" $?
else
  echo "skip -o copy of /dev/null (mknod not permitted here)"
fi
for r in nan inf -0.1 1.5 -0 " 0.5" 1e-999; do refused "--rate $r" "--rate $r: not a number from 0 to 1$" --rate "$r"; done
for v in -5 99999999999999999999 1099511627777 1e3; do
  refused "--sample-bytes $v" "--sample-bytes $v: not a number from 0 to 1099511627776" --sample-bytes "$v"
done
MAXD=$(sed -n 's/^#define MEMSCOPE_MAX_STACK_DEPTH \([0-9]*\).*/\1/p' memscope.h)
for d in -1 $((MAXD + 1)) x; do refused "--depth $d" "--depth $d: not a number from 0 to $MAXD$" --depth "$d"; done
for v in -1 abc 1099511627777; do
  refused "--max-events $v" "--max-events $v: not a number from 0 to 1099511627776" --max-events "$v"
done
# the ends of each range are accepted
accepted() { # name, run options...
  local name=$1; shift
  rm -f "$OUT/ran"
  ( cd "$OUT/cwd" && timeout 60 "$M" run -o "$OUT/acc.msb" "$@" -- touch "$OUT/ran" > /dev/null 2> "$OUT/e.txt" ); local rc=$?
  [ $rc = 0 ] && [ -e "$OUT/ran" ]; check "$name: accepted, the program ran (status $rc)" $?
}
accepted "--rate 0 --depth 0" --rate 0 --depth 0
accepted "--rate 1 --depth $MAXD" --rate 1 --depth "$MAXD"
accepted "--sample-bytes 1099511627776" --sample-bytes 1099511627776
accepted "--max-events 1099511627776" --max-events 1099511627776
"$M" --help | grep -q "0 = counters only"; check "--help: --max-events 0 means counters only" $?
"$M" --help | grep -q "0\.\.$MAXD)"; check "--help: --depth 0..$MAXD" $?
timeout 60 "$M" run -o "$OUT/counters.msb" --max-events 0 -- "$A" small 5 2> /dev/null
"$M" report "$OUT/counters.msb" --json "$OUT/counters.json" > /dev/null 2>&1 &&
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['total_allocations'] >= 5 and not d['events'], (d['total_allocations'], len(d['events']))" "$OUT/counters.json"
check "--max-events 0: counters only (the 5 allocations counted, no event kept)" $?

# ---- 3. -o made absolute before the program starts ----
mkdir -p "$OUT/here" "$OUT/there"
( cd "$OUT/here" && timeout 60 "$M" run -o rel.msb -- "$A" chdir ../there 4 2> ../chdir.err ); rc=$?
[ $rc = 0 ] && [ "$(count 12345 "$OUT/here/rel.msb")" = 4 ] && [ ! -e "$OUT/there/rel.msb" ]
check "-o rel.msb, the program changes directory: the report is where memscope ran (status $rc)" $?
grep -q "rel.msb: [0-9]* allocations" "$OUT/chdir.err"; r=$?; check "... and the summary is printed: $(cat "$OUT/chdir.err")" $r
mkdir -p "$OUT/here2" "$OUT/there2"
( cd "$OUT/here2" && timeout 60 "$M" run -- "$A" chdir ../there2 3 2> /dev/null )
n=$(ls "$OUT/here2"/memscope.alloc.*.msb 2>/dev/null | wc -l)
[ "$n" = 1 ] && [ -z "$(ls "$OUT/there2")" ]; check "default name: in the directory memscope ran in ($n file)" $?
timeout 60 "$M" run -o "$OUT/pct%%.msb" -- "$A" small 2 2> "$OUT/pct.err"
[ -e "$OUT/pct%.msb" ] && grep -q "pct%.msb: [0-9]* allocations" "$OUT/pct.err"; r=$?; check "-o pct%%.msb writes pct%.msb: $(cat "$OUT/pct.err")" $r

# ---- 6. a fixed -o: the program's file; a forked child's beside it, with its pid ----
mkdir -p "$OUT/fork"
timeout 60 "$M" run -o "$OUT/fork/f.msb" -- "$A" fork 7 11 "$OUT/fork/child.pid" 2> "$OUT/fork.err"; rc=$?
cpid=$(cat "$OUT/fork/child.pid" 2>/dev/null || echo 0)
poll 200 dead "$cpid"
[ $rc = 0 ] && [ "$cpid" != 0 ] && dead "$cpid"; check "fork: the program exits 0, its child (pid $cpid) after it" $?
[ "$(count 11111 "$OUT/fork/f.msb")" = 7 ] && [ "$(count 22222 "$OUT/fork/f.msb")" = 0 ]
r=$?; check "fork: f.msb holds the program's 7 blocks, none of the child's ($(count 11111 "$OUT/fork/f.msb"), $(count 22222 "$OUT/fork/f.msb"))" $r
[ "$(count 22222 "$OUT/fork/f.$cpid.msb")" = 11 ]
r=$?; check "fork: f.$cpid.msb holds the child's 11 blocks ($(count 22222 "$OUT/fork/f.$cpid.msb"); files: $(cd "$OUT/fork" && ls *.msb | tr '\n' ' '))" $r

# ---- 7. a process that allocates nothing is still a whole-program run (META whole_program) ----
timeout 60 "$M" run -o "$OUT/none.msb" -- /bin/true 2> /dev/null
"$M" report "$OUT/none.msb" > "$OUT/none.txt" 2>&1 && grep -q "; whole program (memscope run); exit status 0$" "$OUT/none.txt" &&
  grep -q "allocations 0 " "$OUT/none.txt"
r=$?; check "no allocation (/bin/true): the report says whole program, 0 allocations ($(sed -n 3p "$OUT/none.txt"))" $r
"$M" report "$OUT/none.msb" --json "$OUT/none.json" > /dev/null 2>&1 &&
  python3 -c 'import json, sys; sys.exit(json.load(open(sys.argv[1]))["context"]["mode"] != "whole-program")' "$OUT/none.json" &&
  python3 "$(dirname "$0")/msb_decode.py" "$OUT/none.msb" --json 2> /dev/null |
  python3 -c 'import json, sys; sys.exit(json.load(sys.stdin)["meta"]["whole_program"] != 1)'
r=$?; check "no allocation: its JSON's context.mode is whole-program; the independent decoder reads META whole_program 1" $r

echo "$pass passed, $failed failed"
[ "$failed" = 0 ]
