#!/usr/bin/env bash
# peer_bench.sh - cost of memscope's whole-program mode and of heaptrack on the same
# unmodified programs (bench/churn.c, two small workloads and a Python script,
# bench/alloc_script.py), against the bare program.
#
#   bench/peer_bench.sh [PAIRS]        PAIRS per run, default 10000000
#   REPS=7 bench/peer_bench.sh         runs per configuration (median), default 5; the
#                                      configurations take turns, one run each per round
#   LONG=1 bench/peer_bench.sh         also one memscope run at 10 x PAIRS (minutes), for
#                                      the growth of its peak RSS with the run's length
#   MODES="shallow" bench/...          churn modes of the per-mode tables (default
#                                      "shallow deep threads2"; "" skips those tables)
#   PARTS="a e" bench/peer_bench.sh    which parts run (default "1 a b c d e": all; 1 is part
#                                      1, a .. e those of part 2; b also needs LONG=1);
#                                      PARTS=e runs the Python script alone
#   MEMSCOPE=path HEAPTRACK=path CC=cc override the tools (also HEAPTRACK_PRINT=path, and
#                                      PYTHON=path for part e: default python3.11, else python3)
#   MS_OPTS="--unwind fp"              extra options for the memscope runs of the
#                                      per-mode tables (not for the whole-process tables)
#   RUN_TIMEOUT=300                    seconds after which a run counts as failed (hung)
#
# Part 1, per-mode tables. For each churn mode (shallow, deep, threads2) it runs churn
# bare, under `memscope run -o X.msb -- churn ...` (full capture), under `memscope run
# --sample-bytes 524288` and under `heaptrack -o X churn ...`, REPS times each, and prints
# two tables of medians:
#   in-process     the ns/pair churn itself measures around its loops (CLOCK_MONOTONIC)
#   whole-process  wall time of the whole command / PAIRS, measured here (date +%s%N):
#                  start-up, writing the output file at exit and, for heaptrack, its
#                  out-of-process interpreter, which runs concurrently on another core
#                  and which the program waits for when the pipe to it is full
# "+added" is the configuration's figure minus bare; "ht/ms" is heaptrack's added cost
# divided by memscope's (full capture); "<=1/10" says whether memscope adds at most a
# tenth of what heaptrack adds. The memscope files of the first round are loaded with
# `memscope report` (a failure line is printed when one does not load).
#
# heaptrack 1.4's interpreter (heaptrack_interpret) can exhaust memory when a program
# makes many distinct (size, call stack) pairs (KDE bug 477018: its set of allocation
# infos grows without bound); churn deep does that. Each heaptrack run is therefore made
# under a 4 GiB address-space limit; when it fails, that mode is measured with
# `heaptrack -r` (raw capture, no interpreter; its output is compressed with zstd) and
# the row is marked "raw".
#
# Part 2, whole-process tables: the cost of the whole command (start-up, the run, exit)
# with memscope's default capture, which streams every event into the .msb while the
# program runs. REPS rounds, configurations taking turns, medians of:
#   a. churn shallow PAIRS bare, under `memscope run --depth 16 -o X.msb` and under
#      heaptrack: wall time (s) and the added time over bare, with the ratio
#      memscope-added / heaptrack-added (budget <= 0.25, aim 0.10); peak RSS (KB; budget:
#      memscope's <= half of heaptrack's); output file size (memscope's .msb, heaptrack's
#      .zst/.gz) and memscope's bytes per event (budget: <= heaptrack's file). Every
#      memscope file is loaded with `memscope report`, which also gives the event count
#      (allocations + frees; 2 x PAIRS + the few of start-up); a file that does not load
#      or holds fewer than PAIRS allocations or frees gets a FAILURE line
#   b. with LONG=1: memscope's peak RSS at 10 x PAIRS (one run) against its median at
#      PAIRS (budget: grows by <= 8 MB)
#   c. many processes: bash -c 'for i in $(seq 300); do echo $i | cat > /dev/null; done'
#      (about 600 processes) bare, under `memscope run -o DIR/o.msb` (one file per
#      process, each loaded with memscope report) and under heaptrack; budget: memscope's
#      wall <= heaptrack's
#   d. 1000 threads alive at once, each making 100 malloc/free pairs of 4242 bytes (a
#      small C program built in the temp dir): wall and peak RSS bare / memscope /
#      heaptrack; budgets: memscope's wall <= heaptrack's, memscope's RSS - bare's <= 32 MB
#   e. a Python script: PYTHONMALLOC=malloc python3.11 bench/alloc_script.py (python3 when
#      there is no python3.11; the line printed says which, and the binary run is the
#      interpreter's own, sys.executable, not a wrapper such as a pyenv shim), a
#      deterministic allocation-heavy workload (about 2 million mallocs, a peak of about
#      225000 live blocks; about 0.5 s bare), bare, under `memscope run -o DIR/py.msb`
#      (default settings: every allocation kept) and under `heaptrack -o DIR/py`: wall time
#      of the whole command and the added time over bare, with the ratio memscope-added /
#      heaptrack-added (budget <= 0.5, aim 0.25: MET or MISSED); peak RSS; output file size
#      (.msb; heaptrack's .zst/.gz); the allocations each tool counted (memscope report's
#      allocations line, heaptrack_print's "calls to allocation functions"), which show that
#      both recorded the same run. Every .msb is loaded with `memscope report` (a FAILURE
#      line when one does not load)
# Peak RSS is /usr/bin/time -f %M (n/a when it is missing): the largest single process
# the command waited for, not the sum over its processes (see the footnote printed).
# The load average (/proc/loadavg) is printed at the start and at the end.
#
# Runtime at the default size: about 6-7 minutes on a 2-core machine (part 1 about 4, half
# of it heaptrack at 300-1000 ns per pair; parts a-d about 1, with a couple of seconds to
# load each 10000000-pair .msb; part e 15-25 s a round, most of it memscope's run); LONG=1
# adds a 10 x PAIRS run and its check. Lower PAIRS for a quick look; below about 1000000
# start-up and exit dominate the whole-process figures (PAIRS does not change part e).
set -u

PAIRS=${1:-10000000}
REPS=${REPS:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=$ROOT/build
MEMSCOPE=${MEMSCOPE:-$B/memscope}
HEAPTRACK=${HEAPTRACK:-heaptrack}
CHURN=$B/churn
HT_VMEM_KB=4194304
SAMPLE_BYTES=524288
MODES=${MODES-shallow deep threads2}
PARTS=${PARTS-1 a b c d e}      # which parts run: 1 (the per-mode tables), a .. e (part 2)
MS_DEPTH=16                     # call stack depth of the whole-process runs
# shellcheck disable=SC2016 # expanded by the bash it is given to
MP_SCRIPT='for i in $(seq 300); do echo $i | cat > /dev/null; done'
T_THREADS=1000 T_PAIRS=100 T_SIZE=4242
TIME_BIN=/usr/bin/time          # peak RSS (%M); n/a when missing
[ -x "$TIME_BIN" ] || TIME_BIN=
# memscope report loads a file into memory: bound it to half the machine's memory, so that
# a file it cannot hold fails the check instead of pushing the machine into swap or OOM
REPORT_VMEM_KB=$(awk '/^MemTotal:/ { print int($2 / 2) }' /proc/meminfo 2>/dev/null)
[ -n "$REPORT_VMEM_KB" ] || REPORT_VMEM_KB=8388608

case $PAIRS in ''|*[!0-9]*|0) echo "usage: $0 [PAIRS]  (a positive integer)" >&2; exit 2;; esac
for p in $PARTS; do
    case $p in 1|a|b|c|d|e) ;; *) echo "PARTS: unknown part '$p' (the parts are 1 a b c d e)" >&2; exit 2;; esac
done
# want PART: whether PARTS names PART
want() { local p; for p in $PARTS; do [ "$p" = "$1" ] && return 0; done; return 1; }
want 1 || MODES=

mkdir -p "$B"
if { want 1 || want a || want b; } && { [ ! -x "$CHURN" ] || [ "$ROOT/bench/churn.c" -nt "$CHURN" ]; }; then
    ${CC:-cc} -std=c11 -O2 -fno-omit-frame-pointer -pthread "$ROOT/bench/churn.c" -o "$CHURN" \
        || { echo "cannot build $CHURN" >&2; exit 2; }
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/peer_bench.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT
: > "$TMP/problems"

# problem LINE: a failure or warning, shown on stderr now and under the next table
problem() { echo "$*" >> "$TMP/problems"; echo "  $*" >&2; }
# show_problems: prints and forgets the lines problem collected
show_problems() { [ -s "$TMP/problems" ] && cat "$TMP/problems"; : > "$TMP/problems"; }

# check_msb FILE WANT [LABEL]: loads FILE with `memscope report` (memory bounded) and prints its
# "ALLOCATIONS FREES"; a problem line when it does not load, when report warns, or when
# it holds fewer than WANT allocations or frees (WANT 0: no count check); LABEL names the run
check_msb() {
    local f=$1 want=$2 counts a fr
    local what="${f#"$TMP"/}${3:+ ($3)}"
    if ! ( ulimit -v "$REPORT_VMEM_KB"; exec "$MEMSCOPE" report "$f" ) > "$TMP/rep" 2> "$TMP/rep_err"
    then
        problem "FAILURE: memscope report cannot load $what: $(head -n 2 "$TMP/rep_err" | tr '\n' ' ')"
        return 1
    fi
    [ -s "$TMP/rep_err" ] &&
        problem "WARNING: memscope report on $what said: $(head -n 2 "$TMP/rep_err" | tr '\n' ' ')"
    counts=$(sed -n 's/^ *allocations \([0-9][0-9]*\) .*frees \([0-9][0-9]*\),.*/\1 \2/p' "$TMP/rep" | head -n 1)
    if [ -z "$counts" ]; then
        problem "FAILURE: memscope report on $what: no 'allocations N ... frees M' line"
        return 1
    fi
    a=${counts% *} fr=${counts#* }
    if [ "$a" -lt "$want" ] || [ "$fr" -lt "$want" ]; then
        problem "FAILURE: $what holds $a allocations and $fr frees; the program made $want of each"
    fi
    echo "$counts"
}

# run_one CMD... -> "INPROC_NS WALL_NS_PER_PAIR" on stdout; fails when churn's line is missing
run_one() {
    local s e out rc ns
    s=$(date +%s%N)
    out=$("$@" 2>&1)
    rc=$?
    e=$(date +%s%N)
    ns=$(printf '%s\n' "$out" | sed -n 's/.*ns_per_pair=\([0-9.]*\).*/\1/p' | tail -n 1)
    if [ $rc -ne 0 ] || [ -z "$ns" ]; then
        printf '%s\n' "$out" | tail -n 5 > "$TMP/last_error"
        return 1
    fi
    awk -v ns="$ns" -v w="$((e - s))" -v p="$PAIRS" 'BEGIN { printf "%s %.2f\n", ns, w / p }'
}

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "";
    else if (NR % 2) print a[(NR + 1) / 2]; else printf "%.2f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# add NAME CMD... : one run, its figures appended to NAME's lists (fails when churn fails)
add() {
    local name=$1 r
    shift
    r=$(run_one "$@") || return 1
    eval "ins_$name=\"\${ins_$name:-} ${r% *}\"; walls_$name=\"\${walls_$name:-} ${r#* }\""
    # CHECK_MSB=WANT: load the memscope file of this run (see check_msb)
    if [ -n "${CHECK_MSB:-}" ] && [ -f "$TMP/x.msb" ]; then check_msb "$TMP/x.msb" "$CHECK_MSB" "$name" > /dev/null; fi
    rm -f "$TMP"/x.msb "$TMP"/x.*.msb "$TMP"/ht.* 2>/dev/null
}
# finish NAME: sets in_NAME and wall_NAME to the medians of its runs (empty when none)
finish() {
    local name=$1 ins walls
    eval "ins=\${ins_$name:-}; walls=\${walls_$name:-}"
    eval "in_$name=$(printf '%s\n' $ins | median)"
    eval "wall_$name=$(printf '%s\n' $walls | median)"
}

heaptrack_capped() { ( ulimit -v $HT_VMEM_KB; "$HEAPTRACK" "$@" ); }

CPU_MODEL=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo 2>/dev/null | head -n 1)
MACHINE="$(nproc 2>/dev/null || echo '?') cpus (nproc), ${CPU_MODEL:-CPU model unknown}"
loadavg() { cut -d ' ' -f 1-3 /proc/loadavg 2>/dev/null || echo '?'; }
CHURN_NOTE=
if want 1 || want a || want b; then CHURN_NOTE="churn MODE $PAIRS, "; fi
echo "peer_bench: $CHURN_NOTE$REPS runs each, median; $(nproc 2>/dev/null || echo '?') cpus${MS_OPTS:+; memscope options: $MS_OPTS}; parts: $PARTS"
echo "machine: $MACHINE; load average at the start: $(loadavg)"

HAVE_MS=0
if [ ! -x "$MEMSCOPE" ]; then
    echo "NOTE: $MEMSCOPE not found: memscope columns are skipped (build it with make)"
elif "$MEMSCOPE" run -o "$TMP/x.msb" -- true > "$TMP/ms_check" 2>&1 && [ -s "$TMP/x.msb" ]; then
    HAVE_MS=1
else
    echo "NOTE: '$MEMSCOPE run' does not work yet (whole-program mode not built?):" \
         "memscope columns are skipped. It said: $(head -n 2 "$TMP/ms_check" | tr '\n' ' ')"
fi
rm -f "$TMP/x.msb"
HAVE_HT=0
if command -v "$HEAPTRACK" > /dev/null 2>&1; then
    HAVE_HT=1
    echo "heaptrack: $("$HEAPTRACK" --version 2>/dev/null | head -n 1)"
else
    echo "NOTE: $HEAPTRACK not found: heaptrack columns are skipped"
fi

# The configurations take turns, one run each per round, so that a machine getting
# slower or faster during the benchmark shifts all of them alike.
for m in $MODES; do
    echo "  running $m ..." >&2
    eval "HTRAW_$m="
    ms_ok=$HAVE_MS mss_ok=$HAVE_MS ht_ok=$HAVE_HT
    for round in $(seq "$REPS"); do
        add bare_$m "$CHURN" "$m" "$PAIRS" || { echo "churn $m failed: $(cat "$TMP/last_error")" >&2; exit 1; }
        if [ "$ms_ok" = 1 ]; then
            # full capture keeps every event: the first round's file must hold all pairs
            [ "$round" = 1 ] && CHECK_MSB=$PAIRS
            # shellcheck disable=SC2086 # MS_OPTS is a list of options
            add ms_$m "$MEMSCOPE" run -o "$TMP/x.msb" ${MS_OPTS:-} -- "$CHURN" "$m" "$PAIRS" ||
                { ms_ok=0; problem "FAILURE: memscope run failed on $m: $(cat "$TMP/last_error")"; }
            CHECK_MSB=
        fi
        if [ "$mss_ok" = 1 ]; then
            [ "$round" = 1 ] && CHECK_MSB=0
            # shellcheck disable=SC2086
            add mss_$m "$MEMSCOPE" run -o "$TMP/x.msb" --sample-bytes $SAMPLE_BYTES ${MS_OPTS:-} -- \
                "$CHURN" "$m" "$PAIRS" ||
                { mss_ok=0; problem "FAILURE: memscope run --sample-bytes failed on $m: $(cat "$TMP/last_error")"; }
            CHECK_MSB=
        fi
        if [ "$ht_ok" = 1 ]; then
            eval "raw=\${HTRAW_$m:-}"
            if [ -z "$raw" ] && ! add ht_$m heaptrack_capped -o "$TMP/ht.$m" "$CHURN" "$m" "$PAIRS"; then
                echo "  heaptrack failed on $m ($(grep -m1 -o 'std::bad_alloc' "$TMP/last_error" ||
                    echo 'see below')); measuring it with heaptrack -r" >&2
                eval "HTRAW_$m=raw; ins_ht_$m=; walls_ht_$m="
                raw=raw
            fi
            if [ -n "$raw" ]; then
                add ht_$m heaptrack_capped -r -o "$TMP/ht.$m" "$CHURN" "$m" "$PAIRS" ||
                    { ht_ok=0; echo "heaptrack -r failed on $m: $(cat "$TMP/last_error")" >&2; }
            fi
        fi
    done
    for c in bare ms mss ht; do finish ${c}_$m; done
    [ "$ms_ok" = 1 ] || eval "in_ms_$m=; wall_ms_$m="
    [ "$mss_ok" = 1 ] || eval "in_mss_$m=; wall_mss_$m="
    [ "$ht_ok" = 1 ] || eval "in_ht_$m=; wall_ht_$m="
done

table() {
    local kind=$1 m b ms mss ht raw
    echo
    echo "$2"
    printf '%-9s %10s %22s %22s %24s %8s %7s\n' mode bare "memscope (+added)" \
        "ms sampled (+added)" "heaptrack (+added)" "ht/ms" "<=1/10"
    for m in $MODES; do
        eval "b=\${${kind}_bare_$m:-}; ms=\${${kind}_ms_$m:-}; mss=\${${kind}_mss_$m:-}; ht=\${${kind}_ht_$m:-}"
        eval "raw=\${HTRAW_$m:-}"
        awk -v m="$m" -v b="$b" -v ms="$ms" -v mss="$mss" -v ht="$ht" -v raw="$raw" '
            function c(v) { return v == "" ? "n/a" : sprintf("%.2f (%+.2f)", v, v - b) }
            BEGIN {
                r = "n/a"; ok = "n/a"
                if (ms != "" && ht != "") {
                    ma = ms - b; ha = ht - b
                    if (ma <= 0) { r = "inf"; ok = "yes" }
                    else { r = sprintf("%.1f", ha / ma); ok = (ma <= ha / 10) ? "yes" : "NO" }
                }
                h = c(ht); if (raw != "" && ht != "") h = h " raw"
                printf "%-9s %10.2f %22s %22s %24s %8s %7s\n", m, b, c(ms), c(mss), h, r, ok
            }'
    done
}

if [ -n "$MODES" ]; then
    table in "in-process ns/pair (churn's own timer around its loops)"
    table wall "whole-process ns/pair (wall time of the command / PAIRS, incl. start-up, exit, output)"
    for m in $MODES; do
        eval "raw=\${HTRAW_$m:-}"
        [ -n "$raw" ] && echo "raw: heaptrack's interpreter failed on $m (KDE bug 477018);" \
            "measured with heaptrack -r, so its whole-process figure leaves the interpreter out"
    done
    show_problems
fi

# ---- part 2: whole-process cost of the default (streamed) capture ----

# lappend VAR VALUE: appends VALUE to the space-separated list VAR
lappend() { eval "$1=\"\${$1:-} \$2\""; }
# lmed VAR: the median of list VAR (%.3f), empty when the list is
lmed() {
    local v
    eval "v=\${$1:-}"
    # shellcheck disable=SC2086 # v is a list
    printf '%s\n' $v | sort -g | awk 'NF { a[++n] = $1 } END { if (n == 0) print "";
        else if (n % 2) printf "%.3f\n", a[(n + 1) / 2]; else printf "%.3f\n", (a[n / 2] + a[n / 2 + 1]) / 2 }'
}
# measure NAME CMD...: runs CMD once, its output in $TMP/out; appends its wall time (s,
# date +%s%N around the whole command) to w_NAME and its peak RSS (KB) to r_NAME. Fails,
# with the output's tail in $TMP/last_error, when CMD fails
measure() {
    local name=$1 s e rc
    shift
    rm -f "$TMP/rss"
    s=$(date +%s%N)
    # a run that hangs (heaptrack has, on the many-process script) fails after RUN_TIMEOUT s
    if [ -n "$TIME_BIN" ]; then
        timeout -k 5 "${RUN_TIMEOUT:-300}" "$TIME_BIN" -o "$TMP/rss" -f %M "$@" > "$TMP/out" 2>&1
    else
        timeout -k 5 "${RUN_TIMEOUT:-300}" "$@" > "$TMP/out" 2>&1
    fi
    rc=$?
    [ $rc -eq 124 ] && echo "(timed out after ${RUN_TIMEOUT:-300} s)" >> "$TMP/out"
    e=$(date +%s%N)
    if [ $rc -ne 0 ]; then
        { echo "exit status $rc;"; tail -n 5 "$TMP/out"; } | tr '\n' ' ' > "$TMP/last_error"
        return 1
    fi
    lappend "w_$name" "$(awk -v w=$((e - s)) 'BEGIN { printf "%.4f", w / 1e9 }')"
    if [ -n "$TIME_BIN" ] && [ -s "$TMP/rss" ]; then lappend "r_$name" "$(tail -n 1 "$TMP/rss")"; fi
    return 0
}
# htfile BASE: the file heaptrack -o BASE wrote (BASE.zst or BASE.gz), empty when none
htfile() { local f; for f in "$1".zst "$1".gz "$1"; do [ -f "$f" ] && { echo "$f"; return; }; done; }

TITLE_TAIL="median of $REPS rounds; $MACHINE"
SH_MS="memscope run --depth $MS_DEPTH -o X.msb (every event, streamed)"

# -- a. churn shallow: wall, peak RSS, file size --
if want a; then
    echo "  running shallow, whole process (wall, peak RSS, file size) ..." >&2
    ms_ok=$HAVE_MS ht_ok=$HAVE_HT
    for _ in $(seq "$REPS"); do
        measure s_bare "$CHURN" shallow "$PAIRS" ||
            { echo "churn shallow failed: $(cat "$TMP/last_error")" >&2; exit 1; }
        if [ "$ms_ok" = 1 ]; then
            rm -f "$TMP"/s*.msb
            if measure s_ms "$MEMSCOPE" run --depth "$MS_DEPTH" -o "$TMP/s.msb" -- "$CHURN" shallow "$PAIRS"; then
                if [ -f "$TMP/s.msb" ]; then
                    # the size of a file that does not load says nothing: only loaded ones count
                    if c=$(check_msb "$TMP/s.msb" "$PAIRS" shallow); then
                        lappend f_s_ms "$(stat -c %s "$TMP/s.msb")"
                        lappend e_s_ms "$(( ${c% *} + ${c#* } ))"
                    fi
                else
                    problem "FAILURE: memscope run wrote no s.msb"
                fi
            else
                ms_ok=0; problem "FAILURE: memscope run failed on shallow: $(cat "$TMP/last_error")"
            fi
            rm -f "$TMP"/s*.msb
        fi
        if [ "$ht_ok" = 1 ]; then
            rm -f "$TMP"/hts*
            if measure s_ht "$HEAPTRACK" -o "$TMP/hts" "$CHURN" shallow "$PAIRS"; then
                f=$(htfile "$TMP/hts")
                if [ -n "$f" ]; then lappend f_s_ht "$(stat -c %s "$f")"
                else problem "FAILURE: heaptrack wrote no hts.zst/.gz"; fi
            else
                ht_ok=0; problem "FAILURE: heaptrack failed on shallow: $(cat "$TMP/last_error")"
            fi
            rm -f "$TMP"/hts*
        fi
    done
    sb=$(lmed w_s_bare) sm=$(lmed w_s_ms) sh=$(lmed w_s_ht)
    rb=$(lmed r_s_bare) rm_=$(lmed r_s_ms) rh=$(lmed r_s_ht)
    fm=$(lmed f_s_ms) fh=$(lmed f_s_ht) ev=$(lmed e_s_ms)

    echo
    echo "whole-process wall time (s), churn shallow $PAIRS pairs, $SH_MS vs heaptrack; $TITLE_TAIL"
    printf '%-9s %8s %20s %20s %12s %20s %12s\n' mode bare "memscope (+added)" "heaptrack (+added)" \
        "ms/ht added" budget ok
    awk -v b="$sb" -v ms="$sm" -v ht="$sh" '
        function c(v) { return v == "" ? "n/a" : sprintf("%.2f (%+.2f)", v, v - b) }
        BEGIN {
            r = "n/a"; ok = "n/a"
            if (ms != "" && ht != "" && ht - b > 0) {
                x = (ms - b) / (ht - b); r = sprintf("%.3f", x)
                ok = x <= 0.10 ? "yes, aim met" : x <= 0.25 ? "yes" : "NO"
            }
            printf "%-9s %8.2f %20s %20s %12s %20s %12s\n", "shallow", b, c(ms), c(ht), r, "<= 0.25 (aim 0.10)", ok
        }'

    echo
    echo "peak RSS (KB, /usr/bin/time %M), churn shallow $PAIRS pairs, $SH_MS vs heaptrack; $TITLE_TAIL"
    printf '%-9s %9s %20s %20s %7s %23s %4s\n' mode bare "memscope (+added)" "heaptrack (+added)" \
        "ms/ht" budget ok
    awk -v b="$rb" -v ms="$rm_" -v ht="$rh" '
        function c(v) { return v == "" ? "n/a" : b == "" ? sprintf("%d", v) : sprintf("%d (%+d)", v, v - b) }
        BEGIN {
            r = "n/a"; ok = "n/a"
            if (ms != "" && ht != "" && ht > 0) { r = sprintf("%.3f", ms / ht); ok = ms <= ht / 2 ? "yes" : "NO" }
            printf "%-9s %9s %20s %20s %7s %23s %4s\n", "shallow", b == "" ? "n/a" : sprintf("%d", b),
                c(ms), c(ht), r, "<= half of heaptrack'"'"'s", ok
        }'

    echo
    echo "output file size (bytes), churn shallow $PAIRS pairs, $SH_MS vs heaptrack; $TITLE_TAIL"
    printf '%-9s %10s %12s %9s %12s %7s %20s %4s\n' mode events "memscope" "B/event" "heaptrack" \
        "ms/ht" budget ok
    awk -v ev="$ev" -v ms="$fm" -v ht="$fh" '
        function n(v) { return v == "" ? "n/a" : sprintf("%d", v) }
        BEGIN {
            bpe = (ms != "" && ev != "" && ev > 0) ? sprintf("%.3f", ms / ev) : "n/a"
            r = "n/a"; ok = "n/a"
            if (ms != "" && ht != "" && ht > 0) { r = sprintf("%.3f", ms / ht); ok = ms <= ht ? "yes" : "NO" }
            printf "%-9s %10s %12s %9s %12s %7s %20s %4s\n", "shallow", n(ev), n(ms), bpe, n(ht), r,
                "<= heaptrack'"'"'s file", ok
        }'
    echo "events: allocations + frees in memscope report of the .msb (2 x $PAIRS + start-up's);" \
        "heaptrack's file: its -o FILE.zst (or .gz)"
    echo "peak RSS: %M is the largest single process the command waited for, not the sum: for" \
        "heaptrack, the larger of the program (with its preload library) and heaptrack_interpret," \
        "which runs beside it; for memscope, the program (its writer thread included)"
    show_problems
fi

# -- b. LONG=1: memscope's peak RSS at 10 x PAIRS --
if want b && [ "${LONG:-0}" = 1 ]; then
    LP=$((PAIRS * 10))
    echo "  running shallow at $LP pairs under memscope (LONG=1) ..." >&2
    if [ "$HAVE_MS" = 1 ]; then
        rm -f "$TMP"/l*.msb
        if measure l_ms "$MEMSCOPE" run --depth "$MS_DEPTH" -o "$TMP/l.msb" -- "$CHURN" shallow "$LP"; then
            [ -f "$TMP/l.msb" ] && lappend f_l_ms "$(stat -c %s "$TMP/l.msb")"
            check_msb "$TMP/l.msb" "$LP" "shallow $LP" > /dev/null
        else
            problem "FAILURE: memscope run failed on shallow $LP: $(cat "$TMP/last_error")"
        fi
        rm -f "$TMP"/l*.msb
    fi
    echo
    echo "memscope peak RSS (KB) against the run's length, churn shallow, $SH_MS;" \
        "$PAIRS: median of $REPS runs, $LP: one run; $MACHINE"
    printf '%-9s %14s %14s %18s %10s %4s %8s %12s\n' mode "RSS $PAIRS" "RSS $LP" "difference" budget ok \
        "wall s" "file bytes"
    awk -v a="$rm_" -v l="$(lmed r_l_ms)" -v w="$(lmed w_l_ms)" -v f="$(lmed f_l_ms)" '
        BEGIN {
            d = "n/a"; ok = "n/a"
            if (a != "" && l != "") { d = sprintf("%+d (%+.1f MB)", l - a, (l - a) / 1024); ok = l - a <= 8192 ? "yes" : "NO" }
            printf "%-9s %14s %14s %18s %10s %4s %8s %12s\n", "shallow", a == "" ? "n/a" : sprintf("%d", a),
                l == "" ? "n/a" : sprintf("%d", l), d, "<= 8 MB", ok,
                w == "" ? "n/a" : sprintf("%.2f", w), f == "" ? "n/a" : sprintf("%d", f)
        }'
    show_problems
fi

# -- c. many processes --
if want c; then
    echo "  running many processes (300 x echo | cat) ..." >&2
    ms_ok=$HAVE_MS ht_ok=$HAVE_HT
    for _ in $(seq "$REPS"); do
        measure p_bare bash -c "$MP_SCRIPT" || { echo "bash -c '$MP_SCRIPT' failed" >&2; exit 1; }
        if [ "$ms_ok" = 1 ]; then
            rm -rf "$TMP/mp"; mkdir "$TMP/mp"
            if measure p_ms "$MEMSCOPE" run -o "$TMP/mp/o.msb" -- bash -c "$MP_SCRIPT"; then
                # check_msb's lines for each file could be hundreds: one line for the run instead
                cp "$TMP/problems" "$TMP/problems.keep"
                nf=0 bad=0
                for f in "$TMP"/mp/*; do
                    [ -e "$f" ] || continue
                    nf=$((nf + 1))
                    n0=$(wc -l < "$TMP/problems")
                    check_msb "$f" 0 > /dev/null 2>&1
                    [ "$(wc -l < "$TMP/problems")" = "$n0" ] || bad=$((bad + 1))
                done
                first=$(tail -n +"$(( $(wc -l < "$TMP/problems.keep") + 1 ))" "$TMP/problems" | head -n 1)
                first=${first#FAILURE: }
                mv "$TMP/problems.keep" "$TMP/problems"
                lappend n_p_ms "$nf"
                [ "$bad" = 0 ] || problem "FAILURE: $bad of the $nf memscope files of a many-process run" \
                    "failed the check (first: $first)"
            else
                ms_ok=0; problem "FAILURE: memscope run failed on the many-process script: $(cat "$TMP/last_error")"
            fi
            rm -rf "$TMP/mp"
        fi
        if [ "$ht_ok" = 1 ]; then
            rm -f "$TMP"/htp*
            measure p_ht "$HEAPTRACK" -o "$TMP/htp" bash -c "$MP_SCRIPT" ||
                { ht_ok=0; problem "FAILURE: heaptrack failed on the many-process script: $(cat "$TMP/last_error")"; }
            rm -f "$TMP"/htp*
        fi
    done
fi

# -- d. 1000 threads alive at once --
cat > "$TMP/threads.c" <<EOF_C
/* $T_THREADS threads alive at once, each making $T_PAIRS malloc/free pairs of $T_SIZE bytes */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
static pthread_barrier_t go, done;
static void *work(void *arg) {
    pthread_barrier_wait(&go);
    for (int i = 0; i < $T_PAIRS; i++) {
        char *p = malloc($T_SIZE);
        if (!p) abort();
        p[0] = (char)i;
        __asm__ __volatile__("" : : "r"(p) : "memory");
        free(p);
    }
    pthread_barrier_wait(&done); /* none ends before all have made their pairs */
    return arg;
}
int main(void) {
    static pthread_t th[$T_THREADS];
    if (pthread_barrier_init(&go, NULL, $T_THREADS + 1) || pthread_barrier_init(&done, NULL, $T_THREADS + 1))
        return 1;
    for (int i = 0; i < $T_THREADS; i++)
        if (pthread_create(&th[i], NULL, work, NULL)) { fprintf(stderr, "thread %d: cannot start\n", i); return 1; }
    pthread_barrier_wait(&go);
    pthread_barrier_wait(&done);
    for (int i = 0; i < $T_THREADS; i++) pthread_join(th[i], NULL);
    printf("threads=%d pairs=%d\n", $T_THREADS, $T_THREADS * $T_PAIRS);
    return 0;
}
EOF_C
if want d; then
    T1000=$TMP/threads$T_THREADS
    ${CC:-cc} -std=c11 -O2 -fno-omit-frame-pointer -pthread "$TMP/threads.c" -o "$T1000" ||
        { echo "cannot build $T1000" >&2; exit 1; }
    echo "  running $T_THREADS threads ..." >&2
    ms_ok=$HAVE_MS ht_ok=$HAVE_HT
    for _ in $(seq "$REPS"); do
        measure t_bare "$T1000" || { echo "$T1000 failed: $(cat "$TMP/last_error")" >&2; exit 1; }
        if [ "$ms_ok" = 1 ]; then
            rm -f "$TMP"/t*.msb
            if measure t_ms "$MEMSCOPE" run -o "$TMP/t.msb" -- "$T1000"; then
                check_msb "$TMP/t.msb" $((T_THREADS * T_PAIRS)) "$T_THREADS threads" > /dev/null
            else
                ms_ok=0; problem "FAILURE: memscope run failed on $T_THREADS threads: $(cat "$TMP/last_error")"
            fi
            rm -f "$TMP"/t*.msb
        fi
        if [ "$ht_ok" = 1 ]; then
            rm -f "$TMP"/htt*
            measure t_ht "$HEAPTRACK" -o "$TMP/htt" "$T1000" ||
                { ht_ok=0; problem "FAILURE: heaptrack failed on $T_THREADS threads: $(cat "$TMP/last_error")"; }
            rm -f "$TMP"/htt*
        fi
    done
fi

if want c || want d; then
    echo
    echo "whole-process wall time (s), many processes and $T_THREADS threads, memscope run -o X.msb" \
        "vs heaptrack; $TITLE_TAIL"
    printf '%-22s %8s %20s %20s %22s %4s\n' workload bare "memscope (+added)" "heaptrack (+added)" budget ok
    for w in p t; do
        case $w in
            p) want c || continue; label="600 processes (c)" ;;
            t) want d || continue; label="$T_THREADS threads (d)" ;;
        esac
        awk -v l="$label" -v b="$(lmed w_${w}_bare)" -v ms="$(lmed w_${w}_ms)" -v ht="$(lmed w_${w}_ht)" '
            function c(v) { return v == "" ? "n/a" : sprintf("%.2f (%+.2f)", v, v - b) }
            BEGIN {
                ok = (ms != "" && ht != "") ? (ms <= ht ? "yes" : "NO") : "n/a"
                printf "%-22s %8.2f %20s %20s %22s %4s\n", l, b, c(ms), c(ht), "memscope <= heaptrack", ok
            }'
    done
    want c && echo "(c) bash -c '$MP_SCRIPT'; memscope wrote $(lmed n_p_ms | sed 's/\.000$//') files per run" \
        "(median), one per process, each loaded with memscope report; heaptrack records only the" \
        "first process (bash): the processes it starts run untraced (each says it cannot lock" \
        "heaptrack's output), so its figure is not the cost of tracking 600 processes"
    want d && echo "(d) $T_THREADS threads alive at once, each $T_PAIRS malloc/free pairs of $T_SIZE bytes" \
        "(a C program built in the temp dir); memscope run with its default depth"
fi
if want d; then
    echo
    echo "peak RSS (KB, /usr/bin/time %M), $T_THREADS threads, memscope run -o X.msb vs heaptrack;" \
        "$TITLE_TAIL"
    printf '%-22s %8s %20s %20s %30s %4s\n' workload bare "memscope (+added)" "heaptrack (+added)" budget ok
    awk -v l="$T_THREADS threads (d)" -v b="$(lmed r_t_bare)" -v ms="$(lmed r_t_ms)" -v ht="$(lmed r_t_ht)" '
        function c(v) { return v == "" ? "n/a" : b == "" ? sprintf("%d", v) : sprintf("%d (%+d)", v, v - b) }
        BEGIN {
            ok = (ms != "" && b != "") ? (ms - b <= 32768 ? "yes" : "NO") : "n/a"
            printf "%-22s %8s %20s %20s %30s %4s\n", l, b == "" ? "n/a" : sprintf("%d", b), c(ms), c(ht),
                "memscope - bare <= 32 MB", ok
        }'
fi
if want c || want d; then show_problems; fi

# -- e. a Python script --
# lcount VAR: the median of list VAR as an integer, with " (MIN..MAX)" when the runs differ;
# n/a when the list is empty
lcount() {
    local v
    eval "v=\${$1:-}"
    # shellcheck disable=SC2086 # v is a list
    printf '%s\n' $v | sort -g | awk 'NF { a[++n] = $1 } END { if (n == 0) { print "n/a"; exit }
        m = (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
        s = sprintf("%d", m); if (a[1] != a[n]) s = s sprintf(" (%d..%d)", a[1], a[n]); print s }'
}
if want e; then
    PY_SCRIPT=$ROOT/bench/alloc_script.py
    if [ -n "${PYTHON:-}" ]; then py=$PYTHON
    elif command -v python3.11 > /dev/null 2>&1; then py=python3.11
    else py=python3; fi
    # the interpreter's own binary (sys.executable), not what PATH finds: a pyenv shim is a
    # bash script, which heaptrack would record instead of Python, and whose processes
    # memscope would each write a file for
    PY=
    if command -v "$py" > /dev/null 2>&1; then
        PY=$("$py" -c 'import sys; print(sys.executable)' 2>/dev/null)
        [ -n "$PY" ] && [ -x "$PY" ] || PY=$(command -v "$py")
        PY_VER=$("$PY" -c 'import platform; print(platform.python_version())' 2>/dev/null)
    fi
    # heaptrack_print: beside heaptrack, else on PATH; HEAPTRACK_PRINT=path overrides
    HT_PRINT=${HEAPTRACK_PRINT:-}
    if [ -z "$HT_PRINT" ] && [ "$HAVE_HT" = 1 ]; then
        HT_PRINT=$(dirname "$(command -v "$HEAPTRACK")")/heaptrack_print
        [ -x "$HT_PRINT" ] || HT_PRINT=heaptrack_print
    fi
    if [ "$HAVE_HT" = 1 ] && ! command -v "$HT_PRINT" > /dev/null 2>&1; then
        problem "NOTE: $HT_PRINT not found: heaptrack's allocation count is n/a"
        HT_PRINT=
    fi
    PY_CMD="PYTHONMALLOC=malloc $py bench/alloc_script.py"
    ms_ok=$HAVE_MS ht_ok=$HAVE_HT
    if [ -z "$PY" ]; then
        echo
        echo "NOTE: $py not found: part e (the Python script) is skipped"
    else
        echo "  running $PY_CMD ($PY) ..." >&2
        for _ in $(seq "$REPS"); do
            rm -f "$TMP"/py.*
            measure y_bare env PYTHONMALLOC=malloc "$PY" "$PY_SCRIPT" ||
                { echo "$PY_CMD failed: $(cat "$TMP/last_error")" >&2; exit 1; }
            if [ "$ms_ok" = 1 ]; then
                if measure y_ms env PYTHONMALLOC=malloc "$MEMSCOPE" run -o "$TMP/py.msb" -- "$PY" "$PY_SCRIPT"
                then
                    if [ -f "$TMP/py.msb" ]; then
                        # only files that load count (size and allocations)
                        if c=$(check_msb "$TMP/py.msb" 0 python); then
                            lappend f_y_ms "$(stat -c %s "$TMP/py.msb")"
                            lappend a_y_ms "${c% *}"
                        fi
                    else
                        problem "FAILURE: memscope run wrote no py.msb"
                    fi
                else
                    ms_ok=0; problem "FAILURE: memscope run failed on $PY_CMD: $(cat "$TMP/last_error")"
                fi
                rm -f "$TMP"/py.*
            fi
            if [ "$ht_ok" = 1 ]; then
                if measure y_ht env PYTHONMALLOC=malloc "$HEAPTRACK" -o "$TMP/py" "$PY" "$PY_SCRIPT"; then
                    f=$(htfile "$TMP/py")
                    if [ -z "$f" ]; then
                        problem "FAILURE: heaptrack wrote no py.zst/.gz"
                    else
                        lappend f_y_ht "$(stat -c %s "$f")"
                        if [ -n "$HT_PRINT" ]; then
                            n=$("$HT_PRINT" -f "$f" -p 0 -a 0 -T 0 -l 0 2> "$TMP/htp_err" |
                                sed -n 's/^calls to allocation functions: \([0-9][0-9]*\).*/\1/p' | head -n 1)
                            if [ -n "$n" ]; then lappend a_y_ht "$n"
                            else problem "FAILURE: heaptrack_print on ${f#"$TMP"/}: no 'calls to allocation" \
                                "functions' line: $(head -n 2 "$TMP/htp_err" | tr '\n' ' ')"; fi
                        fi
                    fi
                else
                    ht_ok=0; problem "FAILURE: heaptrack failed on $PY_CMD: $(cat "$TMP/last_error")"
                fi
                rm -f "$TMP"/py.*
            fi
        done
        yb=$(lmed w_y_bare)

        echo
        echo "whole-command wall time (s), $PY_CMD, memscope run -o X.msb (default: every" \
            "allocation, streamed) vs heaptrack; $TITLE_TAIL"
        printf '%-9s %8s %20s %20s %12s %20s %12s\n' workload bare "memscope (+added)" \
            "heaptrack (+added)" "ms/ht added" budget ok
        awk -v b="$yb" -v ms="$(lmed w_y_ms)" -v ht="$(lmed w_y_ht)" '
            function c(v) { return v == "" ? "n/a" : sprintf("%.2f (%+.2f)", v, v - b) }
            BEGIN {
                r = "n/a"; ok = "n/a"
                if (ms != "" && ht != "" && ht - b > 0) {
                    x = (ms - b) / (ht - b); r = sprintf("%.3f", x)
                    ok = x <= 0.25 ? "MET, aim met" : x <= 0.5 ? "MET" : "MISSED"
                }
                printf "%-9s %8.2f %20s %20s %12s %20s %12s\n", "python", b, c(ms), c(ht), r,
                    "<= 0.5 (aim 0.25)", ok
            }'

        echo
        echo "peak RSS (KB, /usr/bin/time %M), output file (bytes) and allocations recorded," \
            "$PY_CMD; $TITLE_TAIL"
        printf '%-10s %18s %12s %12s  %s\n' run "peak RSS (+added)" "file bytes" allocations "counted by"
        rb=$(lmed r_y_bare)
        for t in bare ms ht; do
            case $t in
                bare) label=bare file=- count=- by=- ;;
                ms) label=memscope file=$(lmed f_y_ms) count=$(lcount a_y_ms)
                    by="memscope report: allocations N" ;;
                ht) label=heaptrack file=$(lmed f_y_ht) count=$(lcount a_y_ht)
                    by="heaptrack_print: calls to allocation functions: N" ;;
            esac
            awk -v l="$label" -v b="$rb" -v r="$(lmed r_y_$t)" -v t="$t" -v f="$file" -v n="$count" -v by="$by" '
                BEGIN {
                    rs = r == "" ? "n/a" : (t == "bare" || b == "") ? sprintf("%d", r) : sprintf("%d (%+d)", r, r - b)
                    fs = f == "" ? "n/a" : f == "-" ? "-" : sprintf("%d", f)
                    printf "%-10s %18s %12s %12s  %s\n", l, rs, fs, n, by
                }'
        done
        echo "python: $py is $PY (Python ${PY_VER:-?}), run as that binary; bench/alloc_script.py is" \
            "deterministic (the same allocations every run, to within a few of start-up's); PYTHONMALLOC=malloc sends each of its" \
            "objects to malloc. memscope: run -o DIR/py.msb with its default settings, each file" \
            "loaded with memscope report; heaptrack: -o DIR/py, which writes DIR/py.zst (or .gz)"
        echo "file bytes and allocations: medians (allocations: (MIN..MAX) after it when the runs" \
            "differ); peak RSS: the largest single process the command waited for: for heaptrack the" \
            "larger of Python (with its preload library) and heaptrack_interpret, for memscope Python" \
            "(its writer thread included)"
    fi
    show_problems
fi

echo
[ $HAVE_MS = 1 ] || echo "memscope: not measured (see NOTE above)"
echo "load average at the end: $(loadavg)"
exit 0
