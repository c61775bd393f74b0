#!/bin/sh
# Runs one unit-test binary with its output shown as it goes and kept in a log.
# When it fails, the last lines printed say which test, which case and what the
# sanitizer (or cmocka) reported, so that a log's tail alone tells the failure.
# Usage: tests/run_unit.sh SUITE BINARY OUTDIR [VAR=VALUE ...] [-- PREFIX...]
suite=$1; bin=$2; out=$3; shift 3
log=$out.log
rm -rf "$out" "$log" "$log.rc"; mkdir -p "$out"
{ env MEMSCOPE_TEST_OUT="$out" "$@" "$bin" 2>&1; echo $? > "$log.rc"; } | tee "$log"
rc=$(cat "$log.rc" 2>/dev/null || echo 1)
rm -f "$log.rc"
[ "$rc" = 0 ] && exit 0
echo "== FAILED: $suite: $(basename "$bin") (exit $rc); whole output in $log"
last=$(grep '^\[ RUN      \]' "$log" | tail -n 1)
[ -n "$last" ] && echo "   last case started: ${last#*] }"
grep -n -E '^\[  (FAILED|ERROR) |(ERROR|WARNING): (Address|Leak|Thread|Memory)Sanitizer|runtime error:|^SUMMARY:' "$log" | head -n 8 | sed 's/^/   /'
# the first report's stacks, frames only (the shadow-byte legend says nothing here)
awk '/(ERROR|WARNING): (Address|Leak|Thread)Sanitizer|runtime error:/ { on = 1 }
     on && /^ *#[0-9]+ |(READ|WRITE) of size|freed by thread|allocated by thread|is located|Previous (read|write)|created by/ {
       print "   " $0; if (++n >= 30) exit }
     on && /^SUMMARY:/ { exit }' "$log"
exit "$rc"
