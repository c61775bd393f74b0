#!/usr/bin/env bash
# tests/names/run.sh - names of call-stack frames in whole-program mode (`memscope run`), read
# from each module's own .symtab and .dynsym. A program of the test (names_prog.c: a chain of
# static functions, an exported function, a callback, a thread) and a shared library of the
# test (names_lib.c: an exported and a static function, the call back into the program) are
# run under `memscope run`; every frame in the test's own modules is named independently from
# readelf's symbol tables, at the load bias the program wrote itself, and compared with the
# JSON report (function, module, offset), and with addr2line for the noipa functions. Then
# stripped copies (only .dynsym left: static functions unnamed, exported ones still named),
# the text report of a .msb (`at FN in MODULE`, --frames 2 cuts with '... K more frames'),
# the JSON converted from that same .msb, and the two runs against each other.
# Run from anywhere; it works from the repository root. Needs gcc, binutils, python3.
set -u
cd "$(dirname "$0")/../.."
M=build/memscope
O=build/test-out/names
T=tests/names
rm -rf "$O"; mkdir -p "$O/rdyn" "$O/stripped"
ABS="$PWD/$O"
pass=0; failed=0
check() { # name, condition (0 = ok)
  if [ "$2" = 0 ]; then pass=$((pass + 1)); echo "ok   $1"; else failed=$((failed + 1)); echo "FAIL $1"; fi
}
# checker LOG ARGS...: runs check.py, prints its lines and counts its ok/FAIL lines
checker() {
  local log=$1; shift
  python3 "$T/check.py" "$@" > "$log" 2>&1; local rc=$?
  while IFS= read -r line; do
    echo "$line"
    case "$line" in "ok   "*) pass=$((pass + 1));; "FAIL "*) failed=$((failed + 1));; esac
  done < "$log"
  [ $rc = 0 ] || check "check.py $1 ran to the end (status $rc, see $log)" 1
}
summary() { echo "$pass passed, $failed failed"; [ "$failed" = 0 ]; exit $?; }

make -s build/memscope build/libmemscope.so > "$O/make.log" 2>&1; rc=$?
check "memscope and libmemscope.so built" $rc
[ $rc = 0 ] || summary

# ---- builds: everything under $O ----
CF=(-O2 -g -fno-omit-frame-pointer -Wall -Wextra -Werror)
gcc "${CF[@]}" -fPIC -shared -o "$O/libnames.so" "$T/names_lib.c" 2> "$O/build.log" &&
gcc "${CF[@]}" -o "$O/names_prog" "$T/names_prog.c" -L"$O" -lnames -Wl,-rpath,"$ABS" -pthread 2>> "$O/build.log"
check "test program and library built ($O/names_prog, $O/libnames.so, -O2 -g -fno-omit-frame-pointer)" $?
# the stripped variant: the program with -rdynamic (its exported functions in .dynsym), linked
# against a stripped copy of the library; both then keep only .dynsym
gcc "${CF[@]}" -rdynamic -o "$O/rdyn/names_prog" "$T/names_prog.c" -L"$O" -lnames -Wl,-rpath,"$ABS/stripped" -pthread 2>> "$O/build.log" &&
strip -s -o "$O/stripped/names_prog" "$O/rdyn/names_prog" && strip -s -o "$O/stripped/libnames.so" "$O/libnames.so"
check "stripped copies built (strip -s; program linked -rdynamic)" $?
[ "$failed" = 0 ] || { cat "$O/build.log"; summary; }

STATIC_PROG=chain_leaf,chain_mid,chain_top,prog_callback,thread_leaf,thread_body
STATIC_LIB=lib_static_alloc,lib_dispatch
EXPORTED_PROG=main,prog_exported_alloc
EXPORTED_LIB=names_lib_alloc,names_lib_run
SHAPES=(--shape chain_leaf,chain_mid,chain_top,main --shape chain_mid,chain_top,main --shape chain_top,main
        --shape prog_exported_alloc,main --shape names_lib_alloc,main --shape lib_static_alloc,names_lib_run,main
        --shape prog_callback,lib_dispatch,names_lib_run,main --shape lib_dispatch,names_lib_run,main
        --shape thread_leaf,thread_body --shape thread_body)

# ---- 1. JSON of a run: every frame in the program and its library ----
# (at least 27 frames: those of the 11 malloc sites of names_prog.c and names_lib.c, which the
# --shape checks require; the stacks of libc's own allocations add a few more)
NAMES_BASES="$O/json.bases" $M run -o "$O/run.json" -- "$O/names_prog" > "$O/run.out" 2> "$O/run.err"
rc=$?; [ $rc = 0 ] && [ -s "$O/run.json" ]; check "memscope run -o run.json: report written (status $rc)" $?
checker "$O/check-json.log" frames --label "run.json" --json "$O/run.json" --bases "$O/json.bases" \
  --module "$O/names_prog" --module "$O/libnames.so" --min-frames 27 \
  --addr2line "$STATIC_PROG,$STATIC_LIB,prog_exported_alloc,$EXPORTED_LIB" \
  --require "$STATIC_PROG,$STATIC_LIB,$EXPORTED_PROG,$EXPORTED_LIB" "${SHAPES[@]}"

# ---- 2. stripped copies: static functions unnamed, exported ones named from .dynsym ----
NAMES_BASES="$O/stripped.bases" $M run -o "$O/stripped.json" -- "$O/stripped/names_prog" > "$O/stripped.out" 2> "$O/stripped.err"
rc=$?; [ $rc = 0 ] && [ -s "$O/stripped.json" ]; check "memscope run of the stripped program: report written (status $rc)" $?
grep -qF "$(printf '\t%s' "$ABS/stripped/libnames.so")" "$O/stripped.bases"; check "the stripped program loaded the stripped library" $?
checker "$O/check-stripped.log" frames --label "stripped.json" --json "$O/stripped.json" --bases "$O/stripped.bases" \
  --module "$O/stripped/names_prog=$O/rdyn/names_prog" --module "$O/stripped/libnames.so=$O/libnames.so" --min-frames 27 \
  --static "$STATIC_PROG,$STATIC_LIB" --exported "$EXPORTED_PROG,$EXPORTED_LIB"

# ---- 3. the text report of a .msb ----
NAMES_BASES="$O/msb.bases" $M run -o "$O/run.msb" -- "$O/names_prog" > "$O/msb.out" 2> "$O/msb.err"
rc=$?; [ $rc = 0 ] && [ -s "$O/run.msb" ]; check "memscope run -o run.msb: file written (status $rc)" $?
$M report "$O/run.msb" --top 100000 > "$O/report.txt" 2> "$O/report.err"
check "memscope report run.msb: status 0" $?
$M report "$O/run.msb" --top 100000 --frames 2 > "$O/report2.txt" 2> "$O/report2.err"
check "memscope report run.msb --frames 2: status 0" $?
for f in ${STATIC_PROG//,/ }; do
  grep -qx "        at $f in names_prog" "$O/report.txt"; check "text report: 'at $f in names_prog' (static)" $?
done
for f in ${STATIC_LIB//,/ }; do
  grep -qx "        at $f in libnames.so" "$O/report.txt"; check "text report: 'at $f in libnames.so' (static, in the library)" $?
done
! grep -q "at names_prog+0x\|at libnames.so+0x" "$O/report.txt"; check "text report: no unnamed frame in the test's modules" $?

# ---- 4. the JSON of that same .msb: the frames as step 1 expects them, and the text report's stacks ----
$M report "$O/run.msb" --json "$O/msb.json" > /dev/null 2> "$O/msb-json.err"
rc=$?; [ $rc = 0 ] && [ -s "$O/msb.json" ]; check "memscope report run.msb --json msb.json: written (status $rc)" $?
checker "$O/check-msb.log" frames --label "msb.json" --json "$O/msb.json" --bases "$O/msb.bases" \
  --module "$O/names_prog" --module "$O/libnames.so" --min-frames 27 \
  --addr2line "$STATIC_PROG,$STATIC_LIB,prog_exported_alloc,$EXPORTED_LIB" \
  --require "$STATIC_PROG,$STATIC_LIB,$EXPORTED_PROG,$EXPORTED_LIB" "${SHAPES[@]}"
checker "$O/check-text.log" text --label "report.txt" --json "$O/msb.json" --full "$O/report.txt" \
  --cut "$O/report2.txt" --frames 2 --min-stacks 10
# the two runs (JSON written at exit, .msb streamed): the same stacks for the test's allocations
checker "$O/check-same.log" same --label "run.json vs msb.json" --a "$O/run.json" --b "$O/msb.json" \
  --module names_prog --module libnames.so --min-stacks 10

summary
