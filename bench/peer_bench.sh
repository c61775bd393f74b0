#!/usr/bin/env bash
# peer_bench.sh - cost per malloc/free pair of memscope's whole-program mode and of
# heaptrack, on the same unmodified program (bench/churn.c), against the bare program.
#
#   bench/peer_bench.sh [PAIRS]        PAIRS per run, default 10000000
#   REPS=7 bench/peer_bench.sh         runs per configuration (median), default 5; the
#                                      configurations take turns, one run each per round
#   MEMSCOPE=path HEAPTRACK=path CC=cc override the tools
#   MS_OPTS="--max-events 40000000"   extra options for both memscope runs
#
# For each churn mode (shallow, deep, threads2) it runs churn bare, under
# `memscope run -o X.msb -- churn ...` (full capture), under `memscope run
# --sample-bytes 524288` and under `heaptrack -o X churn ...`, REPS times each, and prints
# two tables of medians:
#   in-process     the ns/pair churn itself measures around its loops (CLOCK_MONOTONIC)
#   whole-process  wall time of the whole command / PAIRS, measured here (date +%s%N):
#                  start-up, writing the output file at exit and, for heaptrack, its
#                  out-of-process interpreter, which runs concurrently on another core
#                  and which the program waits for when the pipe to it is full
# "+added" is the configuration's figure minus bare; "ht/ms" is heaptrack's added cost
# divided by memscope's (full capture); "<=1/10" says whether memscope adds at most a
# tenth of what heaptrack adds.
#
# heaptrack 1.4's interpreter (heaptrack_interpret) can exhaust memory when a program
# makes many distinct (size, call stack) pairs (KDE bug 477018: its set of allocation
# infos grows without bound); churn deep does that. Each heaptrack run is therefore made
# under a 4 GiB address-space limit; when it fails, that mode is measured with
# `heaptrack -r` (raw capture, no interpreter; its output is compressed with zstd) and
# the row is marked "raw".
#
# Runtime at the default size: about 5 minutes on a 2-core machine, half of it heaptrack
# (300-1000 ns per pair). Lower PAIRS for a quick look; below about 1000000 start-up and
# exit dominate the whole-process figures.
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
MODES="shallow deep threads2"

case $PAIRS in ''|*[!0-9]*|0) echo "usage: $0 [PAIRS]  (a positive integer)" >&2; exit 2;; esac

mkdir -p "$B"
if [ ! -x "$CHURN" ] || [ "$ROOT/bench/churn.c" -nt "$CHURN" ]; then
    ${CC:-cc} -std=c11 -O2 -fno-omit-frame-pointer -pthread "$ROOT/bench/churn.c" -o "$CHURN" \
        || { echo "cannot build $CHURN" >&2; exit 2; }
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/peer_bench.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT

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

echo "peer_bench: churn MODE $PAIRS, $REPS runs each, median; $(nproc 2>/dev/null || echo '?') cpus${MS_OPTS:+; memscope options: $MS_OPTS}"

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
    for _ in $(seq "$REPS"); do
        add bare_$m "$CHURN" "$m" "$PAIRS" || { echo "churn $m failed: $(cat "$TMP/last_error")" >&2; exit 1; }
        if [ "$ms_ok" = 1 ]; then
            # shellcheck disable=SC2086 # MS_OPTS is a list of options
            add ms_$m "$MEMSCOPE" run -o "$TMP/x.msb" ${MS_OPTS:-} -- "$CHURN" "$m" "$PAIRS" ||
                { ms_ok=0; echo "memscope run failed on $m: $(cat "$TMP/last_error")" >&2; }
        fi
        if [ "$mss_ok" = 1 ]; then
            # shellcheck disable=SC2086
            add mss_$m "$MEMSCOPE" run -o "$TMP/x.msb" --sample-bytes $SAMPLE_BYTES ${MS_OPTS:-} -- \
                "$CHURN" "$m" "$PAIRS" ||
                { mss_ok=0; echo "memscope run --sample-bytes failed on $m: $(cat "$TMP/last_error")" >&2; }
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

table in "in-process ns/pair (churn's own timer around its loops)"
table wall "whole-process ns/pair (wall time of the command / PAIRS, incl. start-up, exit, output)"
for m in $MODES; do
    eval "raw=\${HTRAW_$m:-}"
    [ -n "$raw" ] && echo "raw: heaptrack's interpreter failed on $m (KDE bug 477018);" \
        "measured with heaptrack -r, so its whole-process figure leaves the interpreter out"
done
[ $HAVE_MS = 1 ] || echo "memscope: not measured (see NOTE above)"
exit 0
