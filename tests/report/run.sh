#!/bin/bash
# tests/report/run.sh - reports that point at the problem, on a program that knows nothing of
# memscope (leak_prog.c: a leak in a static strdup wrapper called through an inlined helper,
# a leak in a static qsort comparator, temporary allocations, glibc's stdio buffer):
#   1. the where frame: the text report, the JSON, pprof (go tool pprof -top), folded stacks
#      of each cost and memscope_print_summary all put label_copy at its line first;
#   2. leaks grouped by stack with exact counts, bytes and the allocation time range;
#   3. suppressions: built-in ones (glibc's stdio buffer) apart, a file hiding exactly the
#      comparator's leak, --no-builtin-suppressions listing them again;
#   4. memscope diff of a run whose leak doubles: that stack first, with the exact growth (text,
#      --folded, and --html's JSON);
#   5. context (command line, working directory, pid) and the CLI's help and range checks.
# Run from anywhere; needs gcc, python3, go (go tool pprof).
set -u
cd "$(dirname "$0")/../.."
M=build/memscope
O=build/test-out/report
T=tests/report
rm -rf "$O"; mkdir -p "$O"
ABS="$PWD/$O"
pass=0; failed=0
check() { # name, condition (0 = ok)
  if [ "$2" = 0 ]; then pass=$((pass + 1)); echo "ok   $1"; else failed=$((failed + 1)); echo "FAIL $1"; fi
}
summary() { echo "$pass passed, $failed failed"; [ "$failed" = 0 ]; exit $?; }

if ! command -v go >/dev/null 2>&1; then # go tool pprof reads the pprof export
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== installing golang-go (go tool pprof) =="
    { DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends golang-go; } >/dev/null ||
      { echo "$0: apt-get install golang-go failed" >&2; exit 2; }
  else
    echo "$0: go is missing; install it with: sudo apt-get install -y golang-go" >&2; exit 2
  fi
fi
gcc -O2 -g -fno-omit-frame-pointer -Wall -Wextra -Werror -o "$O/leak_prog" "$T/leak_prog.c" 2> "$O/build.log" &&
gcc -std=c11 -O1 -g -Wall -Wextra -Werror -I. -o "$O/summary" "$T/summary.c" -pthread -ldl 2>> "$O/build.log"
check "leak_prog and summary built" $?
[ "$failed" = 0 ] || { cat "$O/build.log"; summary; }
LINE=$(grep -n 'LEAK-LINE' "$T/leak_prog.c" | cut -d: -f1)
CMPLINE=$(grep -n 'CMP-LINE' "$T/leak_prog.c" | cut -d: -f1)

for k in 1 2; do
  (cd "$O" && ../../memscope run -o "r$k.msb" -- ./leak_prog $k) > "$O/run$k.out" 2> "$O/run$k.err"
  rc=$?; [ $rc = 0 ] && [ -s "$O/r$k.msb" ]; check "memscope run -o r$k.msb -- leak_prog $k (status $rc)" $?
done

# ---- 1 and 2: the text report ----
$M report "$O/r1.msb" --top 20 > "$O/r1.txt" 2> "$O/r1.err"
rc=$?; check "memscope report r1.msb: status $rc" $rc
first_where=$(sed -n '/^LEAKS (live at the end), by call stack/,/^$/p' "$O/r1.txt" | grep -m1 '^    where: ')
[ "$first_where" = "    where: label_copy ($ABS/../../../tests/report/leak_prog.c:$LINE) in leak_prog" ] ||
  [[ "$first_where" == "    where: label_copy ("*"/tests/report/leak_prog.c:$LINE) in leak_prog" ]]
check "text: the largest leak's where frame is label_copy at leak_prog.c:$LINE (got '$first_where')" $?
first_leak=$(sed -n '/^LEAKS (live at the end), by call stack/,/^$/p' "$O/r1.txt" | sed -n 2p)
[[ "$first_leak" == "  8.8 KiB leaked in 30 allocations (11.8 KiB allocated in all), allocated from "*" s to "*" s" ]]
check "text: it holds 30 allocations, 8.8 KiB of 11.8 KiB allocated (got '$first_leak')" $?
sed -n '/^LEAKS (live at the end), by call stack/,/^$/p' "$O/r1.txt" | grep -q "        at make_label (.*leak_prog.c:[0-9]*) in leak_prog (inlined)"
check "text: the inlined make_label is a frame of its own" $?
top_where=$(sed -n '/^WHERE THE PROGRAM ALLOCATES/,/^$/p' "$O/r1.txt" | sed -n 3p)
[[ "$top_where" == *" label_copy ("*"leak_prog.c:$LINE) in leak_prog" ]] && [[ "$top_where" == *"8.8 KiB"* ]]
check "text: WHERE THE PROGRAM ALLOCATES starts with label_copy, 8.8 KiB leaked (got '$top_where')" $?
grep -q "^  suppressed: 4.0 KiB in 1 allocations from 1 stacks the C library keeps" "$O/r1.txt"
check "text: glibc's stdio buffer is suppressed apart (built-in)" $?
! sed -n '/^LEAKS (live at the end), by call stack/,/^$/p' "$O/r1.txt" | grep -q "_IO_file_doallocate"
check "text: ... and not among the leaks" $?
grep -q "^ALLOCATION FUNCTIONS" "$O/r1.txt" && ! grep -q "malloc () at ?" "$O/r1.txt"
check "text: allocation functions by name, no 'malloc () at ?' site" $?

# ---- the JSON: exact per-stack costs and the where frame ----
$M report "$O/r1.msb" --json "$O/r1.json" > /dev/null 2>&1
python3 - "$O/r1.json" "$LINE" "$CMPLINE" > "$O/json.log" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); line = int(sys.argv[2]); cmpline = int(sys.argv[3])
st = [s for s in d["stacks"] if s["leaked_count"] and not s["suppressed"]]
st.sort(key=lambda s: -s["leaked_bytes"])
top = st[0]; w = top["frames"][top["where"]]
ok = lambda c, m: print(("ok   " if c else "FAIL ") + m)
ok(w["function"] == "label_copy" and w["line"] == line and w["file"].endswith("leak_prog.c"),
   "json: the largest leak's where frame is label_copy at line %d (got %s:%s)" % (line, w["function"], w["line"]))
ok(top["leaked_count"] == 30 and top["leaked_bytes"] == 9030 and top["allocations"] == 40 and top["allocated_bytes"] == 12040,
   "json: 30 of 40 leaked, 9030 of 12040 bytes (got %d/%d, %d/%d)" % (top["leaked_count"], top["allocations"], top["leaked_bytes"], top["allocated_bytes"]))
ok(0 < top["first_leak_ns"] <= top["last_leak_ns"] <= d["duration_sec"] * 1e9,
   "json: first_leak_ns <= last_leak_ns within the run (%d, %d)" % (top["first_leak_ns"], top["last_leak_ns"]))
fr = [f["function"] for f in top["frames"][:top["where"] + 3]]
ok("make_label" in fr and top["frames"][fr.index("make_label")].get("inlined") is True,
   "json: make_label is an inlined frame of the stack (%s)" % fr)
cmp = [s for s in st if s["frames"][s["where"]]["function"] == "cmp_remember"]
ok(len(cmp) >= 1 and sum(s["leaked_count"] for s in cmp) == 5 and sum(s["leaked_bytes"] for s in cmp) == 120
   and all(s["frames"][s["where"]]["line"] == cmpline for s in cmp),
   "json: cmp_remember's leak: 5 blocks, 120 bytes, where frame at line %d" % cmpline)
sup = [s for s in d["stacks"] if s["suppressed"]]
ok(len(sup) == 1 and sup[0]["suppressed"] == "builtin" and sup[0]["leaked_count"] == 1 and
   any(f["function"] == "_IO_file_doallocate" for f in sup[0]["frames"]), "json: one suppressed stack, glibc's stdio buffer (builtin)")
temp = sum(s["temporary"] for s in d["stacks"])
ok(temp >= 100 + 20, "json: temporary allocations counted (%d: scratch's 100 and the comparator's)" % temp)
c = d["context"]
ok(c["mode"] == "whole-program" and c["command_line"] == "./leak_prog 1" and c["cwd"].endswith("build/test-out/report") and c["pid"] > 0 and c["ppid"] > 0,
   "json: context %s" % c)
PY
while read -r l; do case "$l" in ok*) check "${l#ok   }" 0;; FAIL*) check "${l#FAIL }" 1;; *) echo "$l";; esac; done < "$O/json.log"

# ---- pprof: go tool pprof -top names label_copy first (the allocator's frames dropped) ----
$M report "$O/r1.msb" --pprof "$O/r1.pb.gz" > /dev/null 2>&1
go tool pprof -top -sample_index=inuse_space "$O/r1.pb.gz" > "$O/pprof.txt" 2> "$O/pprof.err"
rc=$?; check "go tool pprof -top r1.pb.gz: status $rc" $rc
top_pprof=$(awk '/flat%/{getline; print; exit}' "$O/pprof.txt")
[[ "$top_pprof" == *" label_copy" ]] && [[ "$top_pprof" == "    8.82kB "* ]]
check "pprof -top (inuse_space): label_copy first with 8.82kB (got '$top_pprof')" $?
go tool pprof -top -lines -sample_index=inuse_space "$O/r1.pb.gz" 2>/dev/null | awk '/flat%/{getline; print; exit}' | grep -q "label_copy .*leak_prog.c:$LINE"
check "pprof -top -lines: label_copy at leak_prog.c:$LINE" $?

# ---- folded stacks of each cost ----
for cost in allocated allocations leaked leaked-allocations peak temporary; do
  $M report "$O/r1.msb" --folded "$O/r1.$cost.folded" --folded-cost "$cost" > /dev/null 2>&1 || echo "folded $cost failed"
done
got=$(head -1 "$O/r1.leaked.folded")
[[ "$got" == *";main;make_label;label_copy;__strdup;malloc 9030" ]]
check "folded --folded-cost leaked: the top line is ...;main;make_label;label_copy;__strdup;malloc 9030 (got '$got')" $?
! grep -q "_IO_file_doallocate" "$O/r1.leaked.folded"; check "folded leaked: the suppressed stdio buffer left out" $?
got=$(head -1 "$O/r1.leaked-allocations.folded")
[[ "$got" == *";label_copy;__strdup;malloc 30" ]]; check "folded leaked-allocations: label_copy 30 (got '$got')" $?
grep -q ";scratch;malloc 100$" "$O/r1.temporary.folded"; check "folded temporary: scratch's 100" $?
sumf() { awk '{s += $NF} END {print s}' "$1"; }
[ "$(sumf "$O/r1.allocated.folded")" = "$(python3 -c "import json; print(json.load(open('$O/r1.json'))['total_allocated_bytes'])")" ]
check "folded allocated: the lines sum to total_allocated_bytes" $?
$M report "$O/r1.msb" --folded /dev/null --folded-cost bogus > /dev/null 2> "$O/fc.err"
[ $? = 1 ] && grep -q "folded-cost bogus: not allocated" "$O/fc.err"; check "--folded-cost bogus: refused with the choices" $?

# ---- memscope_print_summary ----
"$O/summary" "$O/r1.msb" > "$O/summary.txt" 2>&1
rc=$?; check "memscope_print_summary of r1.msb: status $rc" $rc
sed -n '/^leaks (live at the end) by where/,$p' "$O/summary.txt" | sed -n 2p | grep -q "8.8 KiB in      30 blocks       label_copy (leak_prog.c:$LINE)"
check "summary: the first leak is label_copy (leak_prog.c:$LINE), 30 blocks" $?
grep -q "4.0 KiB in 1 blocks the C library keeps for the whole run: suppressed" "$O/summary.txt"; check "summary: the suppressed buffer apart" $?

# ---- 3. suppressions ----
printf '# the comparator keeps its first notes on purpose\nleak:cmp_remember\n' > "$O/supp.txt"
$M report "$O/r1.msb" --top 20 --suppressions "$O/supp.txt" > "$O/supp.out" 2>&1
sed -n '/^LEAKS (live at the end), by call stack/,/^$/p' "$O/supp.out" > "$O/supp.leaks"
! grep -q "cmp_remember" "$O/supp.leaks" && grep -q "label_copy" "$O/supp.leaks"
check "--suppressions leak:cmp_remember: its leak leaves the list, label_copy's stays" $?
grep -q "^  suppressed: 120 B in 5 allocations from [0-9]* stacks (--suppressions)" "$O/supp.out"
check "--suppressions: '120 B in 5 allocations' shown apart" $?
MEMSCOPE_SUPPRESSIONS="$O/supp.txt" $M report "$O/r1.msb" --json - 2>/dev/null | python3 -c "
import json, sys
d = json.load(sys.stdin)
f = [s for s in d['stacks'] if s['suppressed'] == 'file']
print(len(f), sum(s['leaked_count'] for s in f), all(s['frames'][s['where']]['function'] == 'cmp_remember' for s in f))" > "$O/supp.json.txt"
read -r nf nl allcmp < "$O/supp.json.txt"
[ "$nl" = 5 ] && [ "$allcmp" = True ]; check "MEMSCOPE_SUPPRESSIONS: exactly the comparator's stacks are suppressed (file) in the JSON ($nf stacks, $nl blocks)" $?
$M report "$O/r1.msb" --top 20 --no-builtin-suppressions > "$O/nob.out" 2>&1
sed -n '/^LEAKS (live at the end), by call stack/,/^$/p' "$O/nob.out" | grep -Eq "at _IO_file_doallocate( \([^)]*\))? in libc.so.6"
check "--no-builtin-suppressions: glibc's buffer listed among the leaks" $?
! grep -q "^  suppressed:" "$O/nob.out"; check "--no-builtin-suppressions: nothing suppressed" $?
$M report "$O/r1.msb" --suppressions "$O/missing.txt" > /dev/null 2> "$O/supp-missing.err"
[ $? = 1 ] && grep -q "suppressions .*missing.txt: No such file" "$O/supp-missing.err"; check "--suppressions of a missing file: status 1 and why" $?

# ---- 4. memscope diff: the doubled leak first, with the exact growth ----
$M diff "$O/r1.msb" "$O/r2.msb" > "$O/diff.txt" 2> "$O/diff.err"
rc=$?; check "memscope diff r1.msb r2.msb: status $rc" $rc
got=$(sed -n '/^LEAKED/,/^$/p' "$O/diff.txt" | sed -n 2p)
[ "$got" = "  +8.8 KiB (9030 -> 18060 bytes; allocations 40 -> 80)" ]
check "diff: the first leaked growth is +8.8 KiB, exactly 9030 -> 18060 bytes, 40 -> 80 allocations: $got" $?
sed -n '/^LEAKED/,/^$/p' "$O/diff.txt" | sed -n 3,6p | grep -q "at label_copy (.*leak_prog.c:$LINE) in leak_prog"
check "diff: ... its stack has label_copy at line $LINE" $?
$M diff "$O/r1.msb" "$O/r2.msb" --folded "$O/diff.folded" > /dev/null 2>&1
grep -q ";main;make_label;label_copy;__strdup 12040 24080$" "$O/diff.folded"
check "diff --folded: 'stack BASE NEW' with the exact bytes (12040 -> 24080)" $?
$M diff "$O/r1.msb" "$O/r2.msb" --html "$O/diff.html" > "$O/diff-html.out" 2>&1
rc=$?; [ $rc = 0 ] && [ ! -s "$O/diff-html.out" ] && head -c 15 "$O/diff.html" | grep -q "<!DOCTYPE html>"
check "diff --html: status 0, a page written, nothing printed" $?
python3 - "$O/diff.html" "$LINE" > "$O/diff-html.log" 2>&1 <<'PY'
import json, re, sys
t = open(sys.argv[1], encoding="utf-8").read(); line = int(sys.argv[2])
m = re.search(r'<script type="application/json" id="memscope-diff">(.*?)</script>', t, re.S)
d = json.loads(m.group(1))
rows = [r for r in d["rows"] if r["where"] is not None and r["frames"][r["where"]]["name"] == "label_copy"]
ok = len(rows) == 1 and rows[0]["frames"][rows[0]["where"]]["line"] == line and rows[0]["base"] == {"alloc": 12040, "count": 40, "leak": 9030, "peak": 9030} \
    and rows[0]["new"] == {"alloc": 24080, "count": 80, "leak": 18060, "peak": 18060} and all(r["stack"][0] and r["stack"][1] for r in d["rows"])
print(("ok   " if ok else "FAIL ") + "diff --html: its JSON has label_copy's stack (line %d) 12040/40/9030/9030 -> 24080/80/18060/18060, every stack in both runs" % line)
print(("ok   " if t.count("</script>") == 2 else "FAIL ") + "diff --html: two script elements, no other </script>")
PY
while read -r l; do case "$l" in ok*) check "${l#ok   }" 0;; FAIL*) check "${l#FAIL }" 1;; *) echo "$l";; esac; done < "$O/diff-html.log"
cp "$O/r1.msb" "$O/r1-copy.msb"
$M diff "$O/r1.msb" "$O/r2.msb" --html "$O/r1.msb" > /dev/null 2> "$O/diff-over.err"
[ $? = 1 ] && grep -q "an output would overwrite this input" "$O/diff-over.err" && cmp -s "$O/r1.msb" "$O/r1-copy.msb"
check "diff --html naming an input: status 1, the input untouched" $?
$M diff -h 2>&1 | grep -q "^  diff BASE NEW .*" && $M diff -h 2>&1 | grep -q -- "--html OUT a self-contained page"
check "memscope diff -h: describes --html OUT" $?
$M diff "$O/r1.msb" > /dev/null 2> "$O/diff1.err"; [ $? = 1 ] && grep -q "diff needs two files" "$O/diff1.err"
check "diff with one file: status 1 and why" $?

# ---- 5. context and the CLI ----
grep -q "^  command: ./leak_prog 1$" "$O/r1.txt" && grep -Eq "^  in $ABS, pid [0-9]+ \(parent [0-9]+\), started 20[0-9-]+ [0-9:]+; whole program \(memscope run\)(; exit status 0)?$" "$O/r1.txt"
check "text: the command line, directory, pid, parent, start time and mode" $?
grep -q "^  in $ABS, pid [0-9]* (parent [0-9]*), started .*; whole program (memscope run); exit status 0$" "$O/r1.txt"
check "text: exit status 0" $?
(cd "$O" && ../../memscope run -o st.msb -- ./leak_prog 0) > /dev/null 2>&1; rc=$?
$M report "$O/st.msb" > "$O/st.txt" 2>&1
[ $rc = 2 ] && grep -q "; exit status 2$" "$O/st.txt"; check "a run that exits with status 2: status 2, and the report says so" $?
(cd "$O" && ../../memscope run -o term.msb -- ./leak_prog term) > /dev/null 2>&1; rc=$?
$M report "$O/term.msb" > "$O/term.txt" 2>&1
$M report "$O/term.msb" --json - 2>/dev/null | python3 -c "import json,sys; c=json.load(sys.stdin)['context']; sys.exit(0 if c['exit_signal'] == 15 and c['exit_status'] is None else 1)"
jrc=$?
[ $rc = 143 ] && grep -q "; ended by signal 15 (Terminated)$" "$O/term.txt" && [ $jrc = 0 ]
check "a run ended by SIGTERM: status 143, the report and the JSON (exit_signal 15) say so" $?
for cmd in "help" "--help" "report --help" "run --help" "diff -h"; do
  $M $cmd > "$O/help.txt" 2>&1; rc=$?
  [ $rc = 0 ] && grep -q "^usage: memscope report" "$O/help.txt"; check "memscope $cmd: the usage, status 0" $?
done
$M run --depth 100 -- true > /dev/null 2> "$O/depth.err"
[ $? = 1 ] && grep -q -- "--depth 100: not a number from 0 to 64" "$O/depth.err"; check "memscope run --depth 100: refused with the range" $?

summary
