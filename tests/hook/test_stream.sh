#!/usr/bin/env bash
# test_stream.sh - `memscope run` with a .msb output writes the file while the program runs
# (complete sections every ~20 ms). What is on disk when the program is killed, crashes, calls
# _exit, execs or runs out of memory (and how it ended, which memscope run records in a file
# without END: an EXIT section); a file read while it is still being written; the cap on
# the events written; many processes; 1000 threads; memory that does not grow with the run.
# TRACK naming blocks the hooks recorded (compiled-in hooks) in a streamed file.
# The program logs "i realtime_ns" (write(2)) after malloc returns block i of 100000+i bytes,
# so the test knows which blocks must be in the file: every one returned 100 ms before the end.
set -u
cd "$(dirname "$0")/../.."
M=build/memscope
P=build/hook/prog
OUT=build/test-out/hook-stream
rm -rf "$OUT"; mkdir -p "$OUT"
pass=0; failed=0; skipped=0
# a check whose name runs a command takes the status first: `cmd; rc=$?; check "... $(...)" $rc`
check() { # name, condition (0 = ok)
  if [ "$2" = 0 ]; then pass=$((pass + 1)); echo "ok   $1"; else failed=$((failed + 1)); echo "FAIL $1"; fi
}
skip() { skipped=$((skipped + 1)); echo "skip $1"; }
now_ns() { date +%s%N; }
# load F.msb: memscope report F.msb, the text to F.msb.txt, JSON to F.msb.json, stderr to F.msb.err
load() { $M report "$1" --json "$1.json" > "$1.txt" 2> "$1.err"; }
# warned F.msb: its report's stderr is exactly one line, the warning of a run that did not end normally
warned() { [ "$(wc -l < "$1.err")" = 1 ] && [[ "$(cat "$1.err")" == "memscope: warning: $1: the run did not end normally ("* ]]; }
# ctx F.msb: "exit_status exit_signal" of the JSON report's context (after load; null: None)
ctx() { python3 -c "import json,sys; c=json.load(open(sys.argv[1]))['context']; print(c['exit_status'], c['exit_signal'])" "$1.json" 2>/dev/null || echo "? ?"; }
# dexit F.msb: the independent decoder's EXIT section, "how exit_status exit_signal" (None None
# None: none), "? ? ?" when it does not decode the file
dexit() {
  python3 tests/msb_decode.py "$1" --json 2>/dev/null | python3 -c "
import json, sys
e = json.load(sys.stdin).get('exit') or {}
print(e.get('how'), e.get('exit_status'), e.get('exit_signal'))" 2>/dev/null || echo "? ? ?"
}
# count KIND SIZE F.msb: events of that kind and size in F.msb.json (after load)
count() {
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(sum(1 for e in d['events'] if e['kind']==sys.argv[2] and e['size']==int(sys.argv[3])))" "$3.json" "$1" "$2" 2>/dev/null || echo -1
}
# blocks F.msb LOG BASE CUT_NS [KILL_NS]: which of the logged blocks (BASE+i bytes) are in the file:
#   "need_in need before_in before in_file stray"
#   need: logged at or before CUT_NS; before: logged before KILL_NS (default: every one logged);
#   stray: blocks in the file that the log does not account for (beyond the one whose malloc
#   had returned and not yet been logged), or that are in it twice
blocks() {
  python3 - "$1.json" "$2" "$3" "$4" "${5:-}" <<'PY' 2>/dev/null || echo "-1 -1 -1 -1 -1 -1"
import json, sys
d = json.load(open(sys.argv[1]))
log = []
for line in open(sys.argv[2]):
    f = line.split()
    if len(f) == 2 and f[0].isdigit() and f[1].isdigit():
        log.append((int(f[0]), int(f[1])))
base, cut = int(sys.argv[3]), int(sys.argv[4])
kill = int(sys.argv[5]) if sys.argv[5] else None
got = [e["size"] - base for e in d["events"] if e["kind"] == "alloc" and base <= e["size"] < base + 65536]
have = set(got)
need = [i for i, ns in log if ns <= cut]
before = [i for i, ns in log if kill is None or ns < kill]
last = max((i for i, _ in log), default=-1)
stray = len(got) - len(have) + sum(1 for i in have if i > last + 1)
print(sum(1 for i in need if i in have), len(need), sum(1 for i in before if i in have), len(before), len(got), stray)
PY
}
# wait_file F [N]: until F exists and has at least N lines (5 s at most)
wait_file() {
  for _ in $(seq 500); do [ -s "$1" ] && [ "$(wc -l < "$1")" -ge "${2:-1}" ] && return 0; sleep 0.01; done
  return 1
}
if [ -x /usr/bin/time ]; then TIME=/usr/bin/time; else TIME=; fi

# ---- 1. SIGKILL at an arbitrary moment while the program allocates
F=$OUT/kill.msb; L=$OUT/kill.log
$M run -o "$F" -- $P progress 3000 "$L" 2> "$OUT/kill.run.err" & runner=$!
wait_file "$L.pid"; sleep 0.6
kill_ns=$(now_ns); kill -9 "$(cat "$L.pid")"; wait $runner 2>/dev/null; rc=$?
check "SIGKILL: memscope run dies of the same signal (status $rc = 137)" $(( rc != 137 ))
load "$F"; rc=$?
warned "$F"; w=$?
check "SIGKILL: memscope report exits 0 ($rc) with one warning line: $(head -c 90 "$F.err")" $(( rc || w ))
read -r need_in need before_in before in_file stray <<< "$(blocks "$F" "$L" 100000 $((kill_ns - 100000000)) "$kill_ns")"
[ "$need" -gt 100 ] && [ "$need_in" = "$need" ] && [ "$stray" = 0 ]
check "SIGKILL: every block returned >= 100 ms before the kill is in the file ($need_in of $need); of the $before returned before the kill, $before_in are in ($in_file blocks in the file, $stray unaccounted for)" $?
python3 tests/msb_decode.py "$F" --json 2>/dev/null | python3 -c "
import json, sys
d = json.load(sys.stdin); m = json.load(open(sys.argv[1]))
sizes = lambda evs: sorted(e['size'] for e in evs if e['kind'] == 'alloc')
sys.exit(0 if d.get('end') is None and d['events'] and sizes(d['events']) == sizes(m['events']) else 1)" "$F.json" 2>/dev/null
check "SIGKILL: the independent decoder reads the same allocations from the file (no END section)" $?
# memscope run saw the program die of SIGKILL and recorded it in the file (EXIT)
grep -q "^memscope: warning: $F: the run did not end normally (memscope run recorded: killed by signal 9 (SIGKILL)): " "$F.err"
check "SIGKILL: the report's warning names how the run ended: $(grep -o "(memscope run recorded: [^:]*)" "$F.err")" $?
grep -q "; ended by signal 9 (.*)$" "$F.txt" && grep -q "^  the run did not end normally (killed by signal 9 (SIGKILL)): " "$F.txt"
check "SIGKILL: the report's context line and its note say signal 9" $?
c=$(ctx "$F"); check "SIGKILL: JSON context exit_status null, exit_signal 9 ($c)" $([ "$c" = "None 9" ]; echo $?)
d=$(dexit "$F"); check "SIGKILL: the independent decoder reads the EXIT section, how 265 = signal 9 ($d)" $([ "$d" = "265 None 9" ]; echo $?)
$M report "$F" --html "$F.html" > /dev/null 2>&1 && grep -q '"exit_status":null,"exit_signal":9}' "$F.html"
check "SIGKILL: the HTML export's report holds exit_signal 9" $?
# the JSON report of a run cut short, read back (memscope_load), is still one
J=$OUT/kill.again.json; $M report "$F.json" --json "$J" > /dev/null 2> "$J.err"; rc=$?
c=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['context']['complete'])" "$J" 2>/dev/null)
[ $rc = 0 ] && [ "$c" = False ] && [ "$(wc -l < "$J.err")" = 1 ] &&
  grep -q "^memscope: warning: $F.json: the report says the run did not end normally (killed by signal 9 (SIGKILL)): " "$J.err"
check "SIGKILL: its JSON report read back is still a run cut short (exit $rc, complete $c, one warning: $(head -c 100 "$J.err"))" $?

# ---- 2. SIGSEGV: 300 blocks, 150 ms, then a write through a null pointer
F=$OUT/segv.msb; L=$OUT/segv.log
{ $M run -o "$F" -- $P progress 300 "$L" segv 2> "$OUT/segv.run.err"; } 2>/dev/null; rc=$?
check "SIGSEGV: memscope run dies of the same signal (status $rc = 139)" $(( rc != 139 ))
load "$F"; rc=$?
warned "$F"; w=$?
check "SIGSEGV: memscope report exits 0 ($rc) with one warning line: $(head -c 90 "$F.err")" $(( rc || w ))
read -r need_in need before_in before in_file stray <<< "$(blocks "$F" "$L" 100000 99999999999999999999)"
[ "$need" = 300 ] && [ "$need_in" = 300 ] && [ "$in_file" = 300 ] && [ "$stray" = 0 ]
check "SIGSEGV: all 300 blocks (returned >= 150 ms before the crash) are in the file ($need_in of $need logged, $in_file in the file)" $?
grep -q "^memscope: warning: $F: the run did not end normally (memscope run recorded: killed by signal 11 (SIGSEGV)): " "$F.err"
check "SIGSEGV: the report's warning names how the run ended: $(grep -o "(memscope run recorded: [^:]*)" "$F.err")" $?
c=$(ctx "$F"); d=$(dexit "$F")
check "SIGSEGV: JSON context exit_status null, exit_signal 11 ($c); EXIT how 267 for the decoder ($d)" $([ "$c" = "None 11" ] && [ "$d" = "267 None 11" ]; echo $?)

# ---- 3. _exit(3): 300 blocks, 150 ms, then _exit (no exit handlers, no atexit report)
F=$OUT/uexit.msb; L=$OUT/uexit.log
$M run -o "$F" -- $P progress 300 "$L" _exit3 2> "$OUT/uexit.run.err"; rc=$?
check "_exit(3): status 3 passed through ($rc)" $(( rc != 3 ))
load "$F"; rc=$?
warned "$F"; w=$?
check "_exit(3): memscope report exits 0 ($rc), nothing on stderr but the warning ($(wc -l < "$F.err") lines)" $(( rc || w ))
read -r need_in need before_in before in_file stray <<< "$(blocks "$F" "$L" 100000 99999999999999999999)"
[ "$need" = 300 ] && [ "$in_file" = 300 ] && [ "$stray" = 0 ]
check "_exit(3): all 300 blocks are in the file ($in_file)" $?
grep -q "^memscope: warning: $F: the run did not end normally (memscope run recorded: exit status 3, without memscope's end of the run: _exit or exec): " "$F.err" &&
  grep -q "; exit status 3$" "$F.txt"
check "_exit(3): the warning and the context line say exit status 3: $(grep -o "(memscope run recorded: [^:]*" "$F.err")" $?
c=$(ctx "$F"); d=$(dexit "$F")
check "_exit(3): JSON context exit_status 3, exit_signal null ($c); EXIT how 4 for the decoder ($d)" $([ "$c" = "3 None" ] && [ "$d" = "4 3 None" ]; echo $?)

# ---- 4. SIGHUP from another process: the hooks write the complete report (END, no warning)
F=$OUT/hup.msb; L=$OUT/hup.log
timeout 30 $M run -o "$F" -- $P progress 50 "$L" pause 2>/dev/null & runner=$!
wait_file "$L" 50; sleep 0.1
kill -HUP "$(cat "$L.pid")"; wait $runner 2>/dev/null; rc=$?
load "$F"; rc2=$?
[ $rc = 129 ] && [ $rc2 = 0 ] && [ ! -s "$F.err" ] && [ "$(blocks "$F" "$L" 100000 99999999999999999999 | cut -d' ' -f1,2,5,6)" = "50 50 50 0" ]
ok=$?; check "SIGHUP to a streamed run: status $rc = 129, the file is complete (no warning: $(wc -l < "$F.err") lines) with all 50 blocks" $ok
# memscope's own handler recorded the signal (META 18) and wrote END: memscope run adds nothing
c=$(ctx "$F"); d=$(dexit "$F"); last=$(python3 tests/msb_decode.py "$F" 2>/dev/null | grep -o "HOTSPOTS 1 ([0-9]* B), END 1 ([0-9]* B); ")
check "SIGHUP: the file's own exit_signal 1 ($c), no EXIT section ($d), END its last section (${last:-?})" \
  $([ "$c" = "None 1" ] && [ "$d" = "None None None" ] && [ -n "$last" ]; echo $?)
# SIGABRT: the same (memscope's handler writes END), the file left exactly as the program wrote it
# (under strace where it can trace: memscope run itself, not the program, may open the file
# only to read it)
F=$OUT/abrt.msb
if command -v strace > /dev/null && strace -o /dev/null true 2> /dev/null; then ST="strace -o $OUT/abrt.strace -e trace=open,openat,truncate,ftruncate"; else ST=; fi
{ $ST $M run -o "$F" -- $P abort 2> "$OUT/abrt.run.err"; } 2> /dev/null; rc=$?
load "$F"; rc2=$?
c=$(ctx "$F"); d=$(dexit "$F")
check "SIGABRT: status $rc = 134, the file complete (report $rc2, $(wc -l < "$F.err") warning lines) with its own exit_signal 6 ($c) and no EXIT ($d)" \
  $([ $rc = 134 ] && [ $rc2 = 0 ] && [ ! -s "$F.err" ] && [ "$c" = "None 6" ] && [ "$d" = "None None None" ]; echo $?)
if [ -n "$ST" ]; then
  FA=$PWD/$F
  reads=$(grep -c "open.*\"$FA\", O_RDONLY" "$OUT/abrt.strace"); writes=$(grep -c "open.*\"$FA\", O_\(WRONLY\|RDWR\)\|truncate(\"$FA\"" "$OUT/abrt.strace")
  check "SIGABRT: memscope run opened the complete file only to read it ($reads reads, $writes opens for writing or truncations)" $([ "$reads" -ge 1 ] && [ "$writes" = 0 ]; echo $?)
else
  skip "SIGABRT: memscope run never writes to a complete file (no strace that can trace here)"
fi

# ---- 5. ulimit -v: the program takes 1 MiB blocks until malloc fails, then returns normally;
# memscope then has to write the rest of the file in what address space is left. Limits 8 MiB
# apart: what is left after the last block differs from one to the next.
bad=; nok=0; limits="48 56 64 72 80 88 96 104 112 120 128 256"
for mb in $limits; do
  F=$OUT/vm$mb.msb
  ( ulimit -v $((mb * 1024)); $M run -o "$F" -- $P vmlimit > "$F.out" 2> "$F.run.err" ); rc=$?
  got=$(cat "$F.out"); load "$F"; rc2=$?
  n=$(count alloc 1048576 "$F")
  if [ $rc = 0 ] && [ $rc2 = 0 ] && [ ! -s "$F.err" ] && [ -n "$got" ] && [ "$n" = "$got" ]; then nok=$((nok + 1))
  else bad="$bad; $mb MiB: got ${got:-?}, status $rc, report $rc2, counted $n: $(cat "$F.err" "$F.run.err" | grep -v 'allocations, peak' | head -1 | cut -c1-90)"; fi
done
check "ulimit -v: the report loads, complete, with exactly the blocks the program got, at $nok of $(echo $limits | wc -w) limits (48..128, 256 MiB)${bad:+ - not at}$bad" $(( nok != $(echo $limits | wc -w) ))

# ---- 6. the OOM killer: a memory cgroup of 64 MiB, no swap; the program fills 1 MiB blocks
# until it is killed (needs root and a usable memory controller, v2 or v1)
cg=
cg_try() { # DIR: a new cgroup there with a 64 MiB limit, or nothing
  local d=$1/memscope-stream-$$
  mkdir "$d" 2>/dev/null || return 1
  if [ -e "$d/memory.max" ]; then
    echo $((64 << 20)) > "$d/memory.max" 2>/dev/null && { [ ! -e "$d/memory.swap.max" ] || echo 0 > "$d/memory.swap.max"; } && cg=$d && return 0
  elif [ -e "$d/memory.limit_in_bytes" ]; then
    echo $((64 << 20)) > "$d/memory.limit_in_bytes" 2>/dev/null &&
      { [ ! -e "$d/memory.memsw.limit_in_bytes" ] || echo $((64 << 20)) > "$d/memory.memsw.limit_in_bytes"; } && cg=$d && return 0
  fi
  rmdir "$d" 2>/dev/null; return 1
}
cg_clean() { [ -n "$cg" ] && for _ in $(seq 50); do rmdir "$cg" 2>/dev/null && break; sleep 0.1; done; cg=; }
trap cg_clean EXIT
if [ "$(id -u)" != 0 ]; then
  skip "OOM killer: not root"
else
  if [ -r /sys/fs/cgroup/cgroup.controllers ] && grep -qw memory /sys/fs/cgroup/cgroup.controllers; then
    own=$(sed -n 's/^0:://p' /proc/self/cgroup)
    cg_try "/sys/fs/cgroup$own" || cg_try /sys/fs/cgroup
  elif [ -d /sys/fs/cgroup/memory ]; then
    own=$(sed -n 's/^[0-9]*:memory://p' /proc/self/cgroup)
    cg_try "/sys/fs/cgroup/memory$own" || cg_try /sys/fs/cgroup/memory
  fi
  if [ -z "$cg" ]; then
    skip "OOM killer: no memory cgroup controller (v2 or v1) where a 64 MiB group can be made"
  else
    F=$OUT/oom.msb; L=$OUT/oom.log
    { ( echo $BASHPID > "$cg/cgroup.procs" || exit 99; exec $M run -o "$F" -- $P oom "$L" ) 2> "$F.run.err"; } 2>/dev/null; rc=$?
    kills=$(sed -n 's/^oom_kill //p' "$cg/memory.events" "$cg/memory.oom_control" 2>/dev/null | head -1)
    cg_clean
    grep -q "killed by signal 9" "$F.run.err"
    check "OOM killer: the program died of SIGKILL (memscope run status $rc = 137, the group's oom_kill count ${kills:-?})" $(( rc != 137 || $? ))
    load "$F"; rc=$?
    warned "$F"; w=$?
    check "OOM killer: memscope report exits 0 ($rc) with one warning line: $(head -c 90 "$F.err")" $(( rc || w ))
    grep -q "the run did not end normally (memscope run recorded: killed by signal 9 (SIGKILL)): " "$F.err"
    check "OOM killer: the warning names how the run ended: $(grep -o "(memscope run recorded: [^:]*)" "$F.err")" $?
    last=$(tail -1 "$L" | cut -d' ' -f2)
    read -r need_in need before_in before in_file stray <<< "$(blocks "$F" "$L" 1048576 $((last - 100000000)))"
    [ "$need" -gt 0 ] && [ "$need_in" = "$need" ] && [ "$stray" = 0 ]
    check "OOM killer: every block logged >= 100 ms before the last one is in the file ($need_in of $need); of the $before logged, $before_in are in" $?
  fi
fi

# ---- 7. exec: 3 blocks, 100 ms, then exec of `prog leak 2`: the new image writes the name
# given, the first image's file moves to NAME.exec-1.msb
F=$OUT/exec.msb; L=$OUT/exec.log
$M run -o "$F" -- $P progress 3 "$L" exec 2> "$OUT/exec.run.err"; rc=$?
load "$F"; rc2=$?
[ $rc = 0 ] && [ $rc2 = 0 ] && [ ! -s "$F.err" ] && [ "$(count alloc 12345 "$F")" = 2 ] && [ "$(blocks "$F" "$L" 100000 0 | cut -d' ' -f5)" = 0 ]
check "exec: exec.msb holds the new image, complete: 2 blocks of 12345, none of the first image's (status $rc, report $rc2)" $?
E=$OUT/exec.exec-1.msb
load "$E"; rc=$?
warned "$E"; rc2=$?
[ $rc = 0 ] && [ $rc2 = 0 ] && [ "$(blocks "$E" "$L" 100000 99999999999999999999 | cut -d' ' -f1,2,5,6)" = "3 3 3 0" ] && [ "$(count alloc 12345 "$E")" = 0 ]
ok=$?; check "exec: exec.exec-1.msb holds the first image's 3 blocks and loads with the warning (report $rc: $(head -c 70 "$E.err"))" $ok
n=$(ls "$OUT" | grep -c '^exec.*\.msb$')
check "exec: two files, exec.msb and exec.exec-1.msb ($(cd "$OUT" && ls exec*.msb | tr '\n' ' '))" $(( n != 2 ))

# ---- 8. posix_spawn and vfork+exec of `prog leak 2`
D=$OUT/spawn; mkdir -p "$D"
$M run -o "$D/s.msb" -- $P spawn > "$D/pids" 2> "$D/run.err"; rc=$?
sp=$(sed -n 's/^spawn //p' "$D/pids"); vf=$(sed -n 's/^vfork //p' "$D/pids")
ok=0
for f in "$D/s.msb" "$D/s.$sp.msb" "$D/s.$vf.msb"; do load "$f" && [ ! -s "$f.err" ] || ok=1; done
[ $rc = 0 ] && [ $ok = 0 ] && [ "$(count alloc 12345 "$D/s.msb")" = 0 ]
ok=$?; check "posix_spawn, vfork: the parent's file and both children's load, complete (status $rc; $(cd "$D" && ls *.msb | tr '\n' ' '))" $ok
[ "$(count alloc 12345 "$D/s.$sp.msb")" = 2 ] && [ "$(count alloc 12345 "$D/s.$vf.msb")" = 2 ]
ok=$?; check "posix_spawn, vfork: each child's file holds its 2 blocks of 12345 (spawned $(count alloc 12345 "$D/s.$sp.msb"), vforked $(count alloc 12345 "$D/s.$vf.msb"))" $ok
n=$(ls "$D" | grep -c '\.msb$')
check "posix_spawn, vfork: no other file ($n files)" $(( n != 3 ))

# ---- 8b. a child that outlives the program: the index says it still runs (not that it did not
# end normally); its file is complete once it ends
D=$OUT/outlive; mkdir -p "$D"
$M run -o "$D/o.%p.msb" -- $P outlive 1500 > "$D/pids" 2> "$D/run.err"; rc=$?
ch=$(sed -n 's/^child //p' "$D/pids")
grep -q "^  .*/o\.$ch\.msb  prog $ch (parent [0-9]*), still running (its file grows until it ends)$" "$D/run.err" &&
  grep -q "^memscope: 1 of these processes outlived the program and still run; " "$D/run.err" &&
  ! grep -q "did not end normally" "$D/run.err"
ok=$?; check "outliving child: the index names its file as still running (status $rc; $(grep -c 'still running' "$D/run.err") such lines)" $ok
for i in $(seq 100); do [ -d "/proc/$ch" ] || break; sleep 0.05; done
load "$D/o.$ch.msb"; rc=$?
[ $rc = 0 ] && [ ! -s "$D/o.$ch.msb.err" ] && [ "$(count alloc 12345 "$D/o.$ch.msb")" = 3 ]
ok=$?; check "outliving child: once it ended, its file is complete with its 3 blocks (report $rc, $(count alloc 12345 "$D/o.$ch.msb") blocks)" $ok
# the same child exec'd first: the image before the exec ended (its file is not "still running"),
# the image after it runs on
D=$OUT/outlive-exec; mkdir -p "$D"
$M run -o "$D/o.%p.msb" -- $P outlive 1500 exec > "$D/pids" 2> "$D/run.err"; rc=$?
ch=$(sed -n 's/^child //p' "$D/pids")
grep -q "^  .*/o\.$ch\.exec-1\.msb  prog $ch (parent [0-9]*), did not end normally (killed, crashed, _exit or exec)$" "$D/run.err" &&
  grep -q "^  .*/o\.$ch\.msb  prog $ch (parent [0-9]*), still running (its file grows until it ends)$" "$D/run.err" &&
  grep -q "^memscope: 1 of these processes outlived the program and still run; " "$D/run.err"
ok=$?; check "outliving child that exec'd: the image before the exec is not named as running, the one after it is (status $rc)" $ok
[ "$(grep -c ', still running' "$D/run.err")" = 1 ]
ok=$?; check "outliving child that exec'd: one file named as running ($(grep -c ', still running' "$D/run.err"))" $ok
for i in $(seq 100); do [ -d "/proc/$ch" ] || break; sleep 0.05; done

# ---- 9. a file read while the program still writes it, then complete at its end
F=$OUT/grow.msb; L=$OUT/grow.log
$M run -o "$F" -- $P progress 1500 "$L" 2> "$OUT/grow.run.err" & runner=$!
wait_file "$L.pid"; sleep 0.5
read_ns=$(now_ns)
load "$F"; rc=$?
running=$(kill -0 "$(cat "$L.pid")" 2>/dev/null && echo yes || echo no)
warned "$F"; w=$?
check "growing file: memscope report exits 0 ($rc) with one warning line while the program runs ($running): $(head -c 90 "$F.err")" $(( rc || w ))
read -r need_in need before_in before in_file stray <<< "$(blocks "$F" "$L" 100000 $((read_ns - 100000000)) "$read_ns")"
[ "$need" -gt 100 ] && [ "$need_in" = "$need" ] && [ "$stray" = 0 ]
check "growing file: every block returned >= 100 ms before the read is in it ($need_in of $need; $before_in of the $before returned before it)" $?
wait $runner; rc=$?
load "$F"; rc2=$?
[ $rc = 0 ] && [ $rc2 = 0 ] && [ ! -s "$F.err" ] && [ "$(blocks "$F" "$L" 100000 99999999999999999999 | cut -d' ' -f1,2,5,6)" = "1500 1500 1500 0" ]
check "growing file: at the end it is complete (no warning) with all 1500 blocks (status $rc, report $rc2)" $?

# ---- 10. the cap on the events written: 1000 of the 10001 (5001 malloc, 5000 free)
F=$OUT/cap.msb
$M run --max-events 1000 -o "$F" -- $P churn 5000 2>/dev/null; rc=$?
load "$F"; rc2=$?
fig=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(len(d['events']), d['total_allocations'], d['total_deallocations'], d['dropped_events'])" "$F.json" 2>/dev/null)
[ $rc = 0 ] && [ $rc2 = 0 ] && [ ! -s "$F.err" ] && [ "$fig" = "1000 5001 5000 9001" ]
check "--max-events 1000: 1000 events in the file, totals exact (events, allocations, frees, not retained: $fig)" $?
grep -q "^  allocations 5001 (.*), frees 5000, " "$F.txt" && grep -q "^  9001 events were not retained" "$F.txt"
check "--max-events 1000: the report says 9001 events were not retained, totals 5001 / 5000" $?
python3 tests/msb_decode.py "$F" --json 2>/dev/null | python3 -c "
import json, sys
d = json.load(sys.stdin)
sys.exit(0 if len(d['events']) == 1000 and d['end']['total_allocations'] == 5001 and d['end']['dropped_events'] == 9001 else 1)" 2>/dev/null
check "--max-events 1000: the independent decoder agrees (1000 events, 5001 allocations, 9001 not retained)" $?

# ---- 11. many processes: about 600 forks (and 300 execs of cat)
D=$OUT/many; mkdir -p "$D"
loop='for i in $(seq 300); do echo $i | cat > /dev/null; done'
t0=$(now_ns); bash -c "$loop"; t1=$(now_ns)
timeout 60 $M run -o "$D/p.msb" -- bash -c "$loop" 2> "$D/run.err"; rc=$?; t2=$(now_ns)
bare_ms=$(( (t1 - t0) / 1000000 )); run_ms=$(( (t2 - t1) / 1000000 ))
echo "     300 x (echo | cat): bare $bare_ms ms, under memscope run $run_ms ms"
check "many processes: memscope run finishes within 20 s (status $rc, $run_ms ms)" $(( rc != 0 || run_ms > 20000 ))
n=0; bad=0; warn=0
for f in "$D"/*.msb; do
  n=$((n + 1)); $M report "$f" > /dev/null 2> "$f.err" || bad=$((bad + 1))
  case $f in *.exec-[0-9]*.msb) ;; *) [ -s "$f.err" ] && warn=$((warn + 1));; esac
done
check "many processes: every one of the $n files loads ($bad do not)" $(( n < 300 || bad != 0 ))
nfail=$(grep -c '^memscope: .* failed' "$D/run.err"); errs=$(grep -v '^memscope: \|^  /' "$D/run.err" | head -2 | tr '\n' ' ')
check "many processes: every file but those of images that exec'd is complete ($warn are not); memscope says $nfail writes failed; the program's errors: ${errs:-none}" $(( warn != 0 || nfail != 0 || ${#errs} != 0 ))
# the program's own output through its pipes is the same as without memscope (twice: the
# descriptor the writer opens must never be one the program uses)
for k in 1 2; do
  timeout 60 $M run -o "$D/out$k.msb" -- bash -c 'for i in $(seq 300); do echo $i | cat; done' > "$D/out$k.txt" 2> "$D/out$k.err"
  seq 300 | cmp -s - "$D/out$k.txt"; ok=$?
  check "many processes, run $k: the program's output is unchanged ($(wc -l < "$D/out$k.txt") of 300 lines; $(grep -v '^memscope: [^w]\|^  /' "$D/out$k.err" | head -2 | tr '\n' ' ' | cut -c1-160))" $ok
done

# ---- 12. 1000 threads alive together, each 100 malloc/free pairs of 4242 bytes
F=$OUT/threads.msb
t0=$(now_ns)
if [ -n "$TIME" ]; then timeout 120 $TIME -f %M -o "$F.rss" $M run -o "$F" -- $P barrier 1000 100 2>/dev/null; rc=$?
else timeout 120 $M run -o "$F" -- $P barrier 1000 100 2>/dev/null; rc=$?; fi
t1=$(now_ns)
if [ -n "$TIME" ]; then $TIME -f %M -o "$F.bare.rss" $P barrier 1000 100; else $P barrier 1000 100; fi
t2=$(now_ns)
echo "     1000 threads: under memscope run $(( (t1 - t0) / 1000000 )) ms$([ -n "$TIME" ] && echo ", peak RSS $(tail -1 "$F.rss") KB"); bare $(( (t2 - t1) / 1000000 )) ms$([ -n "$TIME" ] && echo ", peak RSS $(tail -1 "$F.bare.rss") KB")"
load "$F"; rc2=$?
a=$(count alloc 4242 "$F"); f=$(count free 4242 "$F")
[ $rc = 0 ] && [ $rc2 = 0 ] && [ "$a" = 100000 ] && [ "$f" = 100000 ]
check "1000 threads: exact counts, 100000 allocations and 100000 frees of 4242 ($a, $f; status $rc)" $?

# ---- 13. memory does not grow with the run: 2 000 000 against 20 000 000 malloc/free pairs
if [ -z "$TIME" ]; then
  skip "bounded memory: no /usr/bin/time to measure peak RSS"
else
  for n in 2000000 20000000; do
    t0=$(now_ns)
    timeout 120 $TIME -f %M -o "$OUT/churn$n.rss" $M run -o "$OUT/churn$n.msb" -- $P churn $n 2>/dev/null
    echo "     churn $n under memscope run: peak RSS $(tail -1 "$OUT/churn$n.rss") KB, $(( ($(now_ns) - t0) / 1000000 )) ms, file $(( $(stat -c %s "$OUT/churn$n.msb" 2>/dev/null || echo 0) / 1024 )) KiB"
  done
  r1=$(tail -1 "$OUT/churn2000000.rss"); r2=$(tail -1 "$OUT/churn20000000.rss")
  check "bounded memory: peak RSS for 20M pairs - for 2M pairs = $((r2 - r1)) KB <= 8192 KB" $(( r2 - r1 > 8192 ))
  # reading back: the reader decodes the events again for each pass instead of holding them,
  # so 40 000 001 events are reported in bounded memory, the text report and every export but
  # --json (which writes each event: 5.6 GB here) in one command (the budget: 512 MB for 100 M
  # events; make bench's LONG=1 run does 100 M). The dashboard of a run of more than 1 M events
  # is binned: its page stays small and its timeline's peak is the run's.
  for n in 2000000 20000000; do
    $TIME -f %M -o "$OUT/report$n.rss" $M report "$OUT/churn$n.msb" --html "$OUT/churn$n.html" --pprof "$OUT/churn$n.pb.gz" \
      --folded "$OUT/churn$n.folded" --massif "$OUT/churn$n.massif" --dhat "$OUT/churn$n.dhat" --trace "$OUT/churn$n.trace.json" \
      > "$OUT/churn$n.txt" 2> "$OUT/churn$n.err"; rc=$?
    grep -q "^  allocations $((n + 1)) (.*), frees $n, live at the end 1 " "$OUT/churn$n.txt"; ok=$?
    rss=$(tail -1 "$OUT/report$n.rss")
    check "churn $n: memscope report reads it with exact totals, $((n + 1)) allocations and $n frees, and writes --html, --pprof, --folded, --massif, --dhat and --trace, in $rss KB <= 524288 KB (report $rc: $(head -c 100 "$OUT/churn$n.err"))" $(( rc || ok || rss > 524288 ))
    page=$(python3 - "$OUT/churn$n.html" $((2 * n + 1)) <<'PY'
import json, re, sys
h = open(sys.argv[1], encoding="utf-8").read()
r = json.loads(re.search(r'<script[^>]*id="memscope-report"[^>]*>(.*?)</script>', h, re.S).group(1))
tl = r.get("timeline") or {}
ok = (tl.get("events") == int(sys.argv[2]) == r["events_total"] and max(tl["live_max"]) == r["peak_memory_bytes"]
      and r["event_count"] == r["active_allocations"] and len(h) < 2000000)
print("ok" if ok else "bad", len(h), tl.get("bins"), tl.get("bin_ns"), max(tl.get("live_max") or [0]), r["peak_memory_bytes"])
PY
)
    check "churn $n: the dashboard is binned: $page (the page's size, bins, ns per bin, highest bin, peak)" $([ "${page%% *}" = ok ]; echo $?)
  done
  r1=$(tail -1 "$OUT/report2000000.rss"); r2=$(tail -1 "$OUT/report20000000.rss")
  check "bounded memory: reports of 40 M events - of 4 M events = $((r2 - r1)) KB <= 8192 KB" $(( r2 - r1 > 8192 ))
fi

# ---- 14. TRACK naming hooked blocks in a streamed file: until a process's first TRACK of a
# hooked block the writer hands events to the encoder at once; from it on it holds them 30 ms
# for a TRACK to name. A program with the hooks compiled in TRACKs each block right after its
# malloc (100 of them, 1 ms apart, the first included) and one block 200 ms after its malloc:
# every one of the 100 allocation events in the file carries its variable's site; the late
# one's event keeps malloc's (written before the TRACK), its hotspot has the name.
cat > "$OUT/named.c" <<'C'
#define MEMSCOPE_IMPLEMENTATION
#define MEMSCOPE_HOOK_MALLOC
#include "memscope.h"
#include <stdlib.h>
#include <time.h>
static void pause_ms(long ms) { struct timespec ts = {0, ms * 1000000L}; nanosleep(&ts, NULL); }
int main(void) {
    memscope_tracker *g = memscope_global();
    static char *keep[100];
    for (int i = 0; i < 100; i++) {
        char *named_buf = malloc(7000 + (size_t)i);
        TRACK(g, named_buf);
        keep[i] = named_buf;
        pause_ms(1);
    }
    char *late_buf = malloc(7777);
    pause_ms(200);
    TRACK(g, late_buf);
    for (int i = 0; i < 50; i++) free(keep[i]);
    free(late_buf);
    return 0;
}
C
if ${CC:-cc} -std=c11 -O1 -g -fno-omit-frame-pointer -I. "$OUT/named.c" -o "$OUT/named" -pthread -ldl 2> "$OUT/named.cc.err"; then
  MEMSCOPE_OUTPUT="$OUT/named.msb" "$OUT/named"; rc=$?
  load "$OUT/named.msb"
  got=$(python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
site = {s['id']: s.get('var_name') for s in d['sites']}
ev = [e for e in d['events'] if e['kind'] == 'alloc']
named = sum(1 for e in ev if 7000 <= e['size'] < 7100 and site.get(e['site']) == 'named_buf')
late = [site.get(e['site']) for e in ev if e['size'] == 7777]
hot = [h['var_name'] for h in d['hotspots'] if h['total_size'] == 7777]
print(named, late[0] if late else None, hot[0] if hot else None)" "$OUT/named.msb.json" 2>/dev/null || echo "? ? ?")
  set -- $got
  check "TRACK names hooked blocks in a streamed file: $1 of 100 allocation events named (the first included), status $rc" $(( rc != 0 || ${1/\?/-1} != 100 ))
  check "... a TRACK 200 ms after its malloc: the event keeps $2, the hotspot says ${3:-?}" $([ "$2" = malloc ] && [ "${3:-}" = late_buf ]; echo $?)
else
  check "the TRACK-naming program builds: $(head -c 200 "$OUT/named.cc.err")" 1
fi

# ---- 15. addresses in allocation order, times in microseconds (a 1.3 file: EVENTS flags 4 and 8) against a 1.1 file (MEMSCOPE_COMPRESS=0)
# of the same deterministic program: 64 slots, each step frees a random slot and allocates a
# random size (1..700 bytes) into it. The heap's base differs from run to run, so addresses are
# compared by the order in which each is first seen; kinds and sizes exactly. The independent
# decoder must read the 1.3 file to the same events as memscope's reader.
cat > "$OUT/mix.c" <<'C'
#include <stdlib.h>
int main(void) {
    static void *slot[64];
    unsigned x = 12345u;
    for (int i = 0; i < 30000; i++) {
        x = x * 1103515245u + 12345u;
        unsigned k = (x >> 8) & 63u;
        free(slot[k]);
        x = x * 1103515245u + 12345u;
        slot[k] = malloc(1u + (x >> 8) % 700u);
    }
    for (int k = 0; k < 32; k++) free(slot[k]);
    return 0;
}
C
if ${CC:-cc} -std=c11 -O1 -o "$OUT/mix" "$OUT/mix.c" 2> "$OUT/mix.cc.err"; then
  $M run -o "$OUT/mix12.msb" -- "$OUT/mix" 2>/dev/null; rc1=$?
  MEMSCOPE_COMPRESS=0 $M run -o "$OUT/mix11.msb" -- "$OUT/mix" 2>/dev/null; rc2=$?
  load "$OUT/mix12.msb"; l1=$?; load "$OUT/mix11.msb"; l2=$?
  got=$(python3 - "$OUT/mix12.msb" "$OUT/mix11.msb" <<'PY' 2>&1
import json, struct, sys
def flags(path):
    data = open(path, "rb").read()
    minor = struct.unpack_from("<H", data, 10)[0]
    pos, fl = 16, set()
    while pos + 20 <= len(data):
        t, f, n = struct.unpack_from("<IIQ", data, pos)
        if t == 5:
            fl.add(f)
        pos += 20 + n
    return minor, sorted(fl)
def events(path):
    d = json.load(open(path + ".json"))
    seen = {}
    return [(e["kind"], e["size"], seen.setdefault(e["address"], len(seen))) for e in d["events"]], d
(m12, f12), (m11, f11) = flags(sys.argv[1]), flags(sys.argv[2])
e12, d12 = events(sys.argv[1])
e11, d11 = events(sys.argv[2])
mix12 = [e for e in e12 if e[1] <= 700]
mix11 = [e for e in e11 if e[1] <= 700]
same = mix12 == mix11 and len(mix12) >= 59000
print(m12, "/".join(map(str, f12)), m11, "/".join(map(str, f11)), len(e12), len(e11), "same" if same else "differ",
      d12["peak_memory_bytes"] == d11["peak_memory_bytes"] and d12["total_allocations"] == d11["total_allocations"])
PY
)
  set -- $got
  [ $rc1 = 0 ] && [ $rc2 = 0 ] && [ $l1 = 0 ] && [ $l2 = 0 ] && [ "$1" = 4 ] && [[ "$2" =~ ^(28|29|28/29)$ ]] &&
    [ "$3" = 1 ] && [ "${4:-}" = 0 ]
  check "addresses in allocation order: the default file is 1.$1 with EVENTS flags $2, MEMSCOPE_COMPRESS=0 1.$3 with flags ${4:-?} (runs $rc1 $rc2, reports $l1 $l2)" $?
  [ "${7:-}" = same ] && [ "${8:-}" = True ]
  check "addresses in allocation order: both files hold the same $5 / $6 events (kinds, sizes, addresses by first use), peak and totals equal ($7 $8)" $?
  python3 tests/msb_decode.py "$OUT/mix12.msb" --json 2>"$OUT/mix12.dec.err" | python3 -c "
import json, sys
d = json.load(sys.stdin)
c = json.load(open(sys.argv[1]))
num = lambda a: int(a, 16) if isinstance(a, str) else a
a = [(e['kind'], e['size'], num(e['address'])) for e in d['events']]
b = [(e['kind'], e['size'], num(e['address'])) for e in c['events']]
sys.exit(0 if a == b and len(a) >= 59000 else 1)" "$OUT/mix12.msb.json" 2>/dev/null; rc=$?
  check "addresses in allocation order: the independent decoder reads the 1.4 file to memscope's events, address for address $(head -c 120 "$OUT/mix12.dec.err")" $rc
else
  check "the mixed-size program builds: $(head -c 200 "$OUT/mix.cc.err")" 1
fi
# files of the versions before (1.1, 1.2: addresses predicted by size class; 1.3) and 1.4 files the
# independent encoder wrote still load: memscope's reader gives the events the independent
# decoder gives, event for event
for f in stream-complete stream-predict stream-predict-zstd stream-order stream-order-zstd stream-order-usec stream-cols; do
  $M report "tests/fuzz/corpus/$f.msb" --as-recorded --json "$OUT/old-$f.json" > /dev/null 2>&1; l=$?
  python3 tests/msb_decode.py "tests/fuzz/corpus/$f.msb" --json 2> "$OUT/old-$f.err" | python3 -c "
import json, sys
d = json.load(sys.stdin)
c = json.load(open(sys.argv[1]))
num = lambda a: int(a, 16) if isinstance(a, str) else a
key = lambda e: (e['kind'], e['timestamp_ns'], num(e['address']), e['size'], e['thread_id'], e['alloc_thread_id'])
a, b = [key(e) for e in d['events']], [key(e) for e in c['events']]
print(len(a))
sys.exit(0 if a == b and len(a) >= 10 else 1)" "$OUT/old-$f.json" > "$OUT/old-$f.n" 2>&1; rc=$?
  [ $l = 0 ] && [ $rc = 0 ]; ok=$?
  check "$f.msb ($(head -c 3 "$OUT/old-$f.n") events) loads (rc $l) to the events the independent decoder reads $(head -c 100 "$OUT/old-$f.err")" $ok
done
# a 1.4 file whose columns are damaged (CRCs kept valid): memscope's reader refuses each with
# the reason, as the independent decoder does, and a 1.3 file may not use flag 16
python3 - "$OUT" <<'PY' > "$OUT/cols-bad.list" 2>&1
import sys
sys.path.insert(0, "tests")
import msb_decode as M
good = open("tests/fuzz/corpus/stream-cols.msb", "rb").read()
ev = [x for x in M.raw_sections(good) if x[0] == M.EVENTS][0][1]
flags, n = M.U32.unpack_from(good, ev + 4)[0], M.U64S.unpack_from(good, ev + 8)[0]
pl = good[ev + 16:ev + 16 + n]
if flags & M.FLAG_ZSTD:
    pl = bytes(M.zstd_decompress(pl, 0, "seed"))
flags &= ~M.FLAG_ZSTD
def with_payload(p):
    return good[:ev] + M.enc_section(M.EVENTS, p, flags=flags) + good[ev + 16 + n + 4:]
cases = {"past": with_payload(pl[:1] + b"\x7f" + pl[2:]), "left": with_payload(pl + b"\x00"),
         "cut": with_payload(pl[:-1]), "minor3": good[:10] + b"\x03\x00" + good[12:]}
for name, data in cases.items():
    open("%s/cols-%s.msb" % (sys.argv[1], name), "wb").write(data)
    try:
        M.decode(data)
        print(name, "decoded")
    except M.MsbError as exc:
        print(name, "refused")
PY
nbad=0; why=
for c in past:"column runs past the end" left:"bytes left over in an EVENTS column" cut:"varint runs past" minor3:"flag 16 (columns) outside"; do
  name=${c%%:*}; want=${c#*:}
  $M report "$OUT/cols-$name.msb" > /dev/null 2> "$OUT/cols-$name.err"; l=$?
  if [ $l = 1 ] && grep -q "$want" "$OUT/cols-$name.err" && grep -q "^$name refused" "$OUT/cols-bad.list"; then nbad=$((nbad + 1)); else why="$why $name: rc $l $(head -c 100 "$OUT/cols-$name.err")"; fi
done
[ $nbad = 4 ]; check "damaged 1.4 columns: memscope report and the independent decoder refuse each, with the reason ($nbad of 4)$why" $?
# ... and in a 1.2 or later file the STACKS sections are zstd frames too (flag 1) where that is smaller:
# Python's allocations come from a thousand call stacks; the independent decoder must read the
# file to what memscope's reader exports as recorded (--compare: stacks and frames included)
$M run -o "$OUT/py12.msb" -- python3 -c "import json; x = [json.dumps({'k': str(i)}) for i in range(20000)]" 2>/dev/null; rc=$?
$M report "$OUT/py12.msb" --as-recorded --json "$OUT/py12.rec.json" > /dev/null 2>&1; l=$?
python3 tests/msb_decode.py "$OUT/py12.msb" --compare "$OUT/py12.rec.json" > "$OUT/py12.cmp" 2>&1; cmp=$?
got=$(python3 -c "
import json, struct, sys
c = json.load(open(sys.argv[1]))
data = open(sys.argv[2], 'rb').read()
pos, fl = 16, []
while pos + 20 <= len(data):
    t, f, n = struct.unpack_from('<IIQ', data, pos)
    if t == 4:
        fl.append(f)
    pos += 20 + n
print(len(c['stacks']), sum(1 for f in fl if f & 1), len(fl))" "$OUT/py12.rec.json" "$OUT/py12.msb" 2>&1)
set -- $got
[ $rc = 0 ] && [ $l = 0 ] && [ $cmp = 0 ] && [ "${2:-0}" -ge 1 ] && [ "${1:-0}" -ge 50 ]; ok=$?
check "compressed STACKS (1.2): python3's run has $1 stacks, ${2:-?} of ${3:-?} STACKS sections zstd, the independent decoder agrees (--compare $cmp: $(head -c 100 "$OUT/py12.cmp"))" $ok

# ---- 16. a TRACK tracker that auto-exports to a .msb streams it (no hooks): no event bound,
# memory that does not grow with the run, what was written survives SIGKILL, a forked child
# records from the fork on into NAME.PID.msb, other auto-export paths are written from the file
TS=$OUT/track_stream
if ${CC:-cc} -std=c11 -O2 -g -Wall -Wextra -I. tests/hook/track_stream.c -o "$TS" -pthread -ldl -lm 2> "$OUT/ts.cc.err"; then
  # more events than the default bound (4 194 304): 2 200 000 pairs, every 1000th block kept
  for n in 220000 2200000; do
    if [ -n "$TIME" ]; then $TIME -f %M -o "$OUT/ts$n.rss" "$TS" "$OUT/ts$n.msb" $n 1000; else "$TS" "$OUT/ts$n.msb" $n 1000; fi
  done
  kept=2200; want=$((2200000 + 2200000 - kept))
  dec=$(python3 tests/msb_decode.py "$OUT/ts2200000.msb" 2>&1); d=$?
  $M report "$OUT/ts2200000.msb" > "$OUT/ts2200000.txt" 2> "$OUT/ts2200000.err"; rc=$?
  grep -q "^  allocations 2200000 (.*), frees $((2200000 - kept)), live at the end $kept " "$OUT/ts2200000.txt" &&
    ! grep -q "not retained" "$OUT/ts2200000.txt" && [[ "$dec" == *"streamed"*"; $want events;"* ]] && [ $d = 0 ] && [ $rc = 0 ]; ok=$?
  check "TRACK stream: all $want events of 2 200 000 pairs are in the file, past the default bound of 4 194 304 (decoder: $(echo "$dec" | grep -o '[0-9]* events;'), report $rc)" $ok
  if [ -n "$TIME" ]; then
    r1=$(tail -1 "$OUT/ts220000.rss"); r2=$(tail -1 "$OUT/ts2200000.rss")
    check "TRACK stream: peak RSS for 2 200 000 pairs - for 220 000 = $((r2 - r1)) KB <= 8192 KB ($r2 KB)" $(( r2 - r1 > 8192 ))
  fi
  # SIGKILL: every block kept and logged 100 ms before the kill is in the file; paced (the
  # writer keeps up) and unpaced (the program records faster than the writer writes: the
  # brake holds the lag, in memory and in time)
  for pace in pace nopace; do
    F=$OUT/ts-kill-$pace.msb
    "$TS" "$F" 100000000 1000 $pace > "$F.log" & pid=$!
    sleep 1.2; kill -9 $pid; kill_ns=$(now_ns); wait $pid 2>/dev/null
    $M report "$F" > "$F.txt" 2> "$F.err" # (no JSON: the unpaced file holds about 30 M events)
    got=$(python3 -c "
import re, sys
kill = int(sys.argv[2]); need = 0
for line in open(sys.argv[1]):
      i, t = map(int, line.split())
      if t <= kill - 100000000: need = i + 1
m = re.search(r'^  allocations (\d+) ', open(sys.argv[3]).read(), re.M)
print(need, m.group(1) if m else -1)" "$F.log" "$kill_ns" "$F.txt" 2>&1)
    set -- $got
    warned "$F" && [ "${1:-x}" -gt 100000 ] && [ "${2:--1}" -ge "${1:-x}" ]; ok=$?
    check "TRACK stream ($pace), SIGKILL after 1.2 s: the file loads with the one warning and holds ${2:-?} allocations, >= the ${1:-?} that returned 100 ms before the kill" $ok
  done
  # fork: the child's file holds the child's only
  F=$OUT/ts-fork.msb
  rm -f "$OUT"/ts-fork*.msb
  "$TS" "$F" fork 100000; rc=$?
  child=$(ls "$OUT"/ts-fork.[0-9]*.msb 2>/dev/null | head -1)
  $M report "$F" > "$F.txt" 2>&1; a=$?
  $M report "$child" > "$child.txt" 2>&1; b=$?
  [ $rc = 0 ] && [ $a = 0 ] && [ $b = 0 ] && grep -q "^  allocations 200000 (.*), frees 200000, live at the end 0 " "$F.txt" &&
    grep -q "^  allocations 100000 (.*), frees 90000, live at the end 10000 " "$child.txt"; ok=$?
  check "TRACK stream, fork: the parent's file has its 200 000 pairs, the child's ($(basename "$child")) its 100 000 allocations from the fork on (10 000 live)" $ok
  # a second auto-export path: written from the streamed file, as memscope report writes it
  F=$OUT/ts-also.msb
  "$TS" "$F" also "$OUT/ts-also.json"; rc=$?
  $M report "$F" --json "$OUT/ts-also.report.json" > /dev/null 2>&1
  [ $rc = 0 ] && cmp -s "$OUT/ts-also.json" "$OUT/ts-also.report.json"; ok=$?
  check "TRACK stream, a .json auto-export beside it: the same as memscope report --json of the file" $ok
  # MEMSCOPE_STREAM=0: the file is written at the end, with the event bound
  MEMSCOPE_STREAM=0 "$TS" "$OUT/ts-nostream.msb" 2200000 1000; rc=$?
  $M report "$OUT/ts-nostream.msb" > "$OUT/ts-nostream.txt" 2>&1
  [ $rc = 0 ] && grep -q "events were not retained" "$OUT/ts-nostream.txt" && [ "$(python3 tests/msb_decode.py "$OUT/ts-nostream.msb" | grep -c streamed)" = 0 ]; ok=$?
  check "MEMSCOPE_STREAM=0: a TRACK tracker's .msb is written at the end, past the bound events are dropped and the report says so" $ok
else
  check "track_stream.c builds: $(head -c 200 "$OUT/ts.cc.err")" 1
fi

echo "$pass passed, $failed failed, $skipped skipped"
[ $failed = 0 ]
