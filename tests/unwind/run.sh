#!/usr/bin/env bash
# tests/unwind/run.sh - memscope.h's DWARF call-frame-information unwinder (the >>unwind
# section: ms__cfi_walk, ms__cfi_here, ms__cfi_flush, ms__cfi_fork_child) against glibc's
# backtrace(), then end to end through `memscope run`.
#
# 1. test_unwind.c compiles memscope.h's own copy of the unwinder (MEMSCOPE_IMPLEMENTATION)
#    and compares its stacks with backtrace()'s frame by frame (see the alignment rule at the
#    top of test_unwind.c) on random call trees of many frame shapes: the program itself
#    (basic, DRAP and hand-written asm frames included), a linked shared library (lib), the
#    hooks' call convention {fp[1], fp + 2, fp[0]} from a frame-pointer wrapper (fp), no
#    .eh_frame_hdr tables (linear), C++ catch blocks and destructors during unwinding (cxx), a
#    signal handler (signal, sigslow), fork while another thread holds the lock (fork), 8
#    threads (threads), dlopen/dlclose while walking (dl, dlflush), garbage registers
#    (garbage), and no malloc call inside a walk (nomalloc, through an interposer).
#    Builds: gcc and clang x -O2 -fomit-frame-pointer / -O2 -fno-omit-frame-pointer, all of
#    those; clang ASan+UBSan (gcc where there is no clang), all but nomalloc; gcc TSan,
#    threads dl dlflush (with tests/unwind/tsan.supp). Libraries and C++ are built with the
#    same flags; fp_wrapper.c always with frame pointers, as libmemscope.so is.
# 2. e2e_prog.c + e2e_lib.c (-O2 -fomit-frame-pointer -g, gcc and clang) under
#    `memscope run -o X.json` with the default unwinder, --unwind dwarf and --unwind fp:
#    e2e_check.py checks the marker allocations' stacks (whole chain down to main, nothing of
#    memscope's, default = dwarf, fp shorter).
# 3. replay_prog.c (gcc and clang, as 2) under `memscope run`: the hooks replay a thread's last
#    walk when malloc is called again from the same state, and a walk joins the previous one
#    where it reaches one of its frames in the same state; the program makes that state repeat
#    under other callers (once with only the start's rbp different, which a walk that computed
#    a CFA from it must compare; once with only an rbp saved in the first frame different,
#    which a later step computed a CFA from), and replay_check.py checks every allocation's
#    stack.
# Everything is built into build/test-out/unwind/; two builds run at a time (UNWIND_JOBS).
# Prints "ok   ..." / "FAIL ..." lines (and "note: ..."), then "N passed, M failed"; exits
# nonzero on any failure. Run from anywhere. Needs gcc, g++, clang, clang++, python3, make.
set -u
cd "$(dirname "$0")/../.." || exit 1
T=tests/unwind
O=build/test-out/unwind
rm -rf "$O"; mkdir -p "$O"
ABS="$PWD/$O"
TABS="$PWD/$T"
J=${UNWIND_JOBS:-2}
T0=$(date +%s%N)
pass=0; failed=0

W="-std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wconversion -Werror"
WXX="-Wall -Wextra -Werror"
OMIT=-fomit-frame-pointer
KEEP=-fno-omit-frame-pointer
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
ALL="basic lib fp linear cxx signal sigslow bounds fork threads dl dlflush garbage"

export ASAN_OPTIONS=detect_leaks=0:abort_on_error=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export TSAN_OPTIONS="halt_on_error=1:report_signal_unsafe=0:suppressions=$TABS/tsan.supp"
# TSan needs a fixed memory layout on kernels with high mmap randomisation (as make tsan)
NORAND=""
setarch "$(uname -m)" -R true 2>/dev/null && NORAND="setarch $(uname -m) -R"

# ---- one build configuration of test_unwind: build, then run each test in its own process ----
# config LABEL CC CXX "FLAGS" "SANFLAGS" SCALE TIME TESTS...   (SCALE, TIME: percent of the
# standalone run's iterations and durations; see test_unwind.c)
config() {
  local label=$1 cc=$2 cxx=$3 flags=$4 san=$5 scale=$6 tm=$7; shift 7
  local d="$ABS/$label" common="-O2 -g -fno-plt $san" count="" run="" t rc
  mkdir -p "$d"
  case "$san" in *thread*) run=$NORAND ;; esac
  if [ -z "$san" ]; then count="-L$d -lcount_malloc"; fi
  if ! {
    { [ -n "$san" ] || $cc $W -O2 -fPIC -shared "$T/count_malloc.c" -o "$d/libcount_malloc.so"; } &&
    $cc $W $common $flags -fPIC -shared "$T/test_lib.c" -o "$d/libtest_lib.so" &&
    $cc $W $common $flags -fPIC -shared "$T/test_dl.c" -o "$d/libtest_dlA.so" &&
    $cc $W $common $flags -fPIC -shared -DVARIANT_B "$T/test_dl.c" -o "$d/libtest_dlB.so" &&
    $cc $W $common $KEEP -c "$T/fp_wrapper.c" -o "$d/fp_wrapper.o" &&
    $cc $W $common $flags -I. -DBUILD_LABEL="\"$label\"" -c "$T/test_unwind.c" -o "$d/test_unwind.o" &&
    $cc $common -c "$T/test_asm.S" -o "$d/test_asm.o" &&
    $cxx $WXX $common $flags -c "$T/test_cxx.cpp" -o "$d/test_cxx.o" &&
    $cxx $common $flags "$d/test_unwind.o" "$d/fp_wrapper.o" "$d/test_cxx.o" "$d/test_asm.o" $count \
      -L"$d" -ltest_lib -Wl,-rpath,"$d" -ldl -lpthread -o "$d/test_unwind"
  } > "$d/build.log" 2>&1; then
    echo "FAIL build [$label]: $cc $common $flags (see $d/build.log)"
    sed 's/^/       /' "$d/build.log" | head -40
    return
  fi
  for t in "$@"; do
    CFI_SCALE=$scale CFI_TIME=$tm timeout 120 $run "$d/test_unwind" "$t" > "$d/$t.out" 2>&1; rc=$?
    grep -E "^(ok  |FAIL|note:)" "$d/$t.out"
    if [ $rc != 0 ]; then
      echo "FAIL $t [$label]: exit status $rc$([ $rc = 124 ] && echo ' (timed out)') (see $d/$t.out)"
      grep -v -E "^(ok  |FAIL|note:)" "$d/$t.out" | head -40 | sed 's/^/       /'
    elif ! grep -q -E "^(ok  |FAIL)" "$d/$t.out"; then
      echo "FAIL $t [$label]: no result line (see $d/$t.out)"
    fi
  done
}

# ---- end to end: memscope run on a program without frame pointers ----
# e2e CC
e2e() {
  local cc=$1 d="$ABS/e2e-$1" m rc
  local L="e2e $cc"
  mkdir -p "$d"
  if [ "$MADE" != 0 ]; then echo "FAIL $L: build/memscope and build/libmemscope.so not built (see $O/make.log)"; return; fi
  local CF="-std=c11 -O2 -g -fomit-frame-pointer -Wall -Wextra -Werror"
  if ! { $cc $CF -fPIC -shared "$T/e2e_lib.c" -o "$d/libe2e.so" &&
         $cc $CF "$T/e2e_prog.c" -L"$d" -le2e -Wl,-rpath,"$d" -pthread -o "$d/e2e_prog"; } > "$d/build.log" 2>&1; then
    echo "FAIL $L: build of e2e_prog and libe2e.so (see $d/build.log)"; sed 's/^/       /' "$d/build.log" | head -40
    return
  fi
  echo "ok   $L: e2e_prog and libe2e.so built ($cc $CF)"
  for m in auto dwarf fp; do
    local opt="--unwind $m"; [ $m = auto ] && opt=""
    # shellcheck disable=SC2086
    build/memscope run -o "$d/$m.json" $opt -- "$d/e2e_prog" "$d/markers-$m.txt" > "$d/$m.out" 2> "$d/$m.err"; rc=$?
    if [ $rc = 0 ] && [ -s "$d/$m.json" ] && [ -s "$d/markers-$m.txt" ]; then
      echo "ok   $L: memscope run -o $m.json ${opt:-(default unwinder)} -- e2e_prog: status 0, report written"
    else
      echo "FAIL $L: memscope run -o $m.json $opt -- e2e_prog: status $rc (see $d/$m.err)"; sed 's/^/       /' "$d/$m.err" | tail -20
      return
    fi
  done
  python3 "$T/e2e_check.py" --label "$L" --markers "$d/markers-auto.txt" \
    --auto "$d/auto.json" --dwarf "$d/dwarf.json" --fp "$d/fp.json" > "$d/check.log" 2>&1; rc=$?
  cat "$d/check.log"
  [ $rc = 0 ] || echo "FAIL $L: e2e_check.py ran to the end (status $rc, see $d/check.log)"
}

# ---- the hooks' replay of a walk: the same start state under other callers ----
# replay CC: tests/unwind/replay_prog.c under memscope run; every allocation's stack checked
replay() {
  local cc=$1 d="$ABS/replay-$1" rc
  local L="replay $cc"
  mkdir -p "$d"
  if [ "$MADE" != 0 ]; then echo "FAIL $L: build/memscope and build/libmemscope.so not built (see $O/make.log)"; return; fi
  if ! $cc -std=c11 -O2 -g -fomit-frame-pointer -Wall -Wextra -Werror "$T/replay_prog.c" -o "$d/replay_prog" > "$d/build.log" 2>&1; then
    echo "FAIL $L: build of replay_prog (see $d/build.log)"; sed 's/^/       /' "$d/build.log" | head -20
    return
  fi
  build/memscope run -o "$d/replay.json" -- "$d/replay_prog" > "$d/run.out" 2> "$d/run.err"; rc=$?
  if [ $rc != 0 ]; then echo "FAIL $L: memscope run -- replay_prog: status $rc (see $d/run.err)"; return; fi
  # fpx's calls under qb must start from qa's state (else the rbp case tests nothing)
  local same; same=$(sed -n 's/.*fpx under qb from the same state as under qa: \([0-9]*\).*/\1/p' "$d/run.out")
  if [ "${same:-0}" -lt 1000 ]; then
    echo "FAIL $L: fpx under qb started from qa's state ${same:-0} times of 2000 (see $d/run.out)"
  else
    echo "ok   $L: fpx under qb started from qa's state $same times of 2000 (only the start's rbp differs)"
  fi
  # and leafy's under qd from qc's (else the saved-rbp case tests nothing)
  same=$(sed -n 's/.*leafy under qd from the same state as under qc: \([0-9]*\).*/\1/p' "$d/run.out")
  if [ "${same:-0}" -lt 1000 ]; then
    echo "FAIL $L: leafy under qd started from qc's state ${same:-0} times of 2000 (see $d/run.out)"
  else
    echo "ok   $L: leafy under qd started from qc's state $same times of 2000 (only the rbp leafy saved differs)"
  fi
  python3 "$T/replay_check.py" "$d/replay.json" 2000 "$L: pa/pb, xa/xb, rec's, via's, qa/qb's and qc/qd's allocations each have their own stack"
}

# the product, for the end-to-end test (nothing to do under `make unwind-test`); before the
# jobs, so that the two e2e jobs never run make at the same time
make -s build/memscope build/libmemscope.so > "$O/make.log" 2>&1; MADE=$?
[ $MADE = 0 ] || { echo "FAIL make build/memscope build/libmemscope.so (see $O/make.log)"; tail -20 "$O/make.log" | sed 's/^/       /'; }
[ $MADE = 0 ] || failed=$((failed + 1))

# ---- the jobs, J at a time (longest first), their lines printed in this order ----
logs=()
job() { # NAME FUNCTION ARGS...
  local name=$1; shift
  while [ "$(jobs -rp | wc -l)" -ge "$J" ]; do wait -n 2>/dev/null || sleep 0.1; done
  { local t0; t0=$(date +%s%N); "$@"; echo "note: $name: $(( ($(date +%s%N) - t0) / 1000000 )) ms (build and run)"; } \
    > "$O/$name.log" 2>&1 &
  logs+=("$O/$name.log")
}
if command -v clang >/dev/null 2>&1 && command -v clang++ >/dev/null 2>&1; then
  job clang-asan-ubsan config clang-asan-ubsan clang clang++ "$OMIT" "$SAN" 20 40 $ALL
else
  echo "note: clang not found: clang builds skipped, ASan+UBSan with gcc" > "$O/noclang.log"; logs+=("$O/noclang.log")
  job gcc-asan-ubsan   config gcc-asan-ubsan gcc g++ "$OMIT" "$SAN" 20 40 $ALL
fi
job gcc-tsan         config gcc-tsan gcc g++ "$OMIT" "-fsanitize=thread" 10 40 threads dl dlflush
job gcc-omitfp       config gcc-omitfp gcc g++ "$OMIT" "" 50 40 $ALL nomalloc
job gcc-fp           config gcc-fp gcc g++ "$KEEP" "" 50 40 $ALL nomalloc
if command -v clang >/dev/null 2>&1 && command -v clang++ >/dev/null 2>&1; then
  job clang-omitfp     config clang-omitfp clang clang++ "$OMIT" "" 50 40 $ALL nomalloc
  job clang-fp         config clang-fp clang clang++ "$KEEP" "" 50 40 $ALL nomalloc
fi
job e2e-gcc          e2e gcc
command -v clang >/dev/null 2>&1 && job e2e-clang e2e clang
job replay-gcc       replay gcc
command -v clang >/dev/null 2>&1 && job replay-clang replay clang
wait

stacks=0; frames=0
for log in "${logs[@]}"; do
  while IFS= read -r line; do
    echo "$line"
    case "$line" in
      "ok   "*) pass=$((pass + 1))
        s=$(echo "$line" | sed -n 's/.*stacks compared=\([0-9]*\).*frames compared=\([0-9]*\).*/\1 \2/p')
        if [ -n "$s" ]; then stacks=$((stacks + ${s% *})); frames=$((frames + ${s#* })); fi ;;
      "FAIL "*) failed=$((failed + 1)) ;;
    esac
  done < "$log"
done
T1=$(date +%s%N)
echo "note: unwind tests: $stacks stacks and $frames frames compared with backtrace() in all; $(( (T1 - T0) / 1000000 )) ms"
echo "$pass passed, $failed failed"
[ "$failed" = 0 ] && [ "$pass" -gt 0 ]
