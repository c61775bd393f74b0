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
# the JSON converted from that same .msb, and the two runs against each other. Last, plugins
# loaded where an unloaded plugin was (reload_*.c, check_reload.py): through the TRACK API
# (stacks named at export) and under `memscope run` (a streamed .msb), each allocation's
# stack must name the plugin that made it, never the one unloaded before. And the TRACK sites of
# a plugin dlclosed before the export (reload_site_*.c, check_reload_site.py): the next plugin
# kept off its old base, the export must not crash and must name the site from its own copy.
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
  tally "$log"
  [ $rc = 0 ] || check "check.py $1 ran to the end (status $rc, see $log)" 1
}
# rchecker LOG ARGS...: the same for check_reload.py (section 5)
rchecker() {
  local log=$1; shift
  python3 "$T/check_reload.py" "$@" > "$log" 2>&1; local rc=$?
  tally "$log"
  [ $rc = 0 ] || check "check_reload.py $2 ran to the end (status $rc, see $log)" 1
}
tally() { # prints a checker's lines, counts its ok/FAIL lines
  while IFS= read -r line; do
    echo "$line"
    case "$line" in "ok   "*) pass=$((pass + 1));; "FAIL "*) failed=$((failed + 1));; esac
  done < "$1"
}
summary() { echo "$pass passed, $failed failed"; [ "$failed" = 0 ]; exit $?; }

# section 5's TRACK host holds the whole implementation (MEMSCOPE_IMPLEMENTATION, some seconds to
# compile at -O2 -g): compiled meanwhile, waited for there
gcc -rdynamic -fno-omit-frame-pointer -O2 -g -pthread -Wall -Wextra -Werror -I. -o "$O/reload_host" "$T/reload_host.c" -ldl \
  > "$O/reload-host-build.log" 2>&1 &
RELOAD_HOST_PID=$!
# and section 5c's (the same, -O0: its code is not what is checked, and it compiles in a second)
gcc -rdynamic -fno-omit-frame-pointer -O0 -g -pthread -Wall -Wextra -Werror -I. -o "$O/reload_site_host" "$T/reload_site_host.c" -ldl \
  > "$O/reload-site-host-build.log" 2>&1 &
RELOAD_SITE_HOST_PID=$!

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

STATIC_PROG=chain_leaf,chain_mid,chain_top,prog_callback,thread_leaf,thread_body,inline_host
STATIC_LIB=lib_static_alloc,lib_dispatch
EXPORTED_PROG=main,prog_exported_alloc
EXPORTED_LIB=names_lib_alloc,names_lib_run
SHAPES=(--shape chain_leaf,chain_mid,chain_top,main --shape chain_mid,chain_top,main --shape chain_top,main
        --shape prog_exported_alloc,main --shape names_lib_alloc,main --shape lib_static_alloc,names_lib_run,main
        --shape prog_callback,lib_dispatch,names_lib_run,main --shape lib_dispatch,names_lib_run,main
        --shape thread_leaf,thread_body --shape thread_body --shape inline_leaf,inline_mid,inline_host,main)

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
  grep -qx "        at $f ([^)]*names_prog.c:[0-9]*) in names_prog" "$O/report.txt"; check "text report: 'at $f in names_prog' (static)" $?
done
for f in ${STATIC_LIB//,/ }; do
  grep -qx "        at $f ([^)]*names_lib.c:[0-9]*) in libnames.so" "$O/report.txt"; check "text report: 'at $f in libnames.so' (static, in the library)" $?
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

# ---- 5. a library loaded where an unloaded one was is named after itself ----
# Two plugins built from one source (the same code layout, different names and sizes); the
# second is usually mapped at the address the first one had, its frames at the very return
# addresses of the first one's. Only meaningful when it lands there ("same base" below), but
# the checks hold either way.
PF=(-O2 -g -fno-omit-frame-pointer -Wall -Wextra -Werror -fPIC -shared)
# 5a. the TRACK API: a tracker in the host (MEMSCOPE_IMPLEMENTATION), TRACK in the plugins;
# stacks named at export: t1.json while alpha is loaded, t2.json after alpha out, beta in
gcc "${PF[@]}" -I. -DPFX=alpha -DSIZE=3000 -o "$O/libtalpha.so" "$T/reload_plugin.c" 2> "$O/reload-build.log" &&
gcc "${PF[@]}" -I. -DPFX=beta -DSIZE=5000 -o "$O/libtbeta.so" "$T/reload_plugin.c" 2>> "$O/reload-build.log"
rc=$?; wait $RELOAD_HOST_PID; hrc=$?; cat "$O/reload-host-build.log" >> "$O/reload-build.log"
[ $rc = 0 ] && [ $hrc = 0 ]; rc=$?
check "reload (TRACK): libtalpha.so, libtbeta.so (TRACK, no MEMSCOPE_IMPLEMENTATION) and reload_host (-rdynamic -O2 -g, MEMSCOPE_IMPLEMENTATION) built" $rc
[ $rc = 0 ] || cat "$O/reload-build.log"
if [ $rc = 0 ]; then
  (cd "$O" && ./reload_host "$ABS/libtalpha.so" alpha_entry t1.json "$ABS/libtbeta.so" beta_entry t2.json reload.bases) > "$O/reload.out" 2> "$O/reload.err"
  rc=$?; [ $rc = 0 ] && [ -s "$O/t1.json" ] && [ -s "$O/t2.json" ]
  check "reload (TRACK): reload_host ran, t1.json and t2.json written (status $rc, see $O/reload.err)" $?
  sed 's/^/note: reload (TRACK): /' "$O/reload.out"
  rchecker "$O/check-reload-t1.log" --label "reload t1.json" --json "$O/t1.json" \
    --bases "$O/reload.bases" --size 3007-3031 --module "$O/libtalpha.so" --shape alpha_static,alpha_entry,run_plugin,main \
    --forbid-prefix beta_ --forbid-module "$O/libtbeta.so"
  rchecker "$O/check-reload-t2.log" --label "reload t2.json" --json "$O/t2.json" \
    --bases "$O/reload.bases" --size 5007-5031 --module "$O/libtbeta.so" --shape beta_static,beta_entry,run_plugin,main \
    --forbid-prefix alpha_ --forbid-module "$O/libtalpha.so" --same-as 3007-3031
fi
# 5c. TRACK sites of an unloaded plugin: the host dlopens A (TRACK(t, alpha_buf)), calls it,
# dlcloses it, maps a page at A's old base (so B lands elsewhere and A's old data stays
# unmapped), dlopens B (TRACK(t, beta_buf)), calls it, exports t.json, destroys the tracker.
# A site table that pointed at the memscope_site in A's static data read unmapped memory there
# (a crash, status 139, in the export).
gcc "${PF[@]}" -I. -DALPHA -DSIZE=4000 -o "$O/libsalpha.so" "$T/reload_site_plugin.c" 2> "$O/reload-site-build.log" &&
gcc "${PF[@]}" -I. -DSIZE=6000 -o "$O/libsbeta.so" "$T/reload_site_plugin.c" 2>> "$O/reload-site-build.log"
rc=$?; wait $RELOAD_SITE_HOST_PID; hrc=$?; cat "$O/reload-site-host-build.log" >> "$O/reload-site-build.log"
[ $rc = 0 ] && [ $hrc = 0 ]; rc=$?
check "reload (sites): libsalpha.so, libsbeta.so (TRACK, no MEMSCOPE_IMPLEMENTATION) and reload_site_host (MEMSCOPE_IMPLEMENTATION) built" $rc
[ $rc = 0 ] || cat "$O/reload-site-build.log"
if [ $rc = 0 ]; then
  (cd "$O" && ./reload_site_host "$ABS/libsalpha.so" alpha_site_entry "$ABS/libsbeta.so" beta_site_entry t.json) \
    > "$O/reload-site.out" 2> "$O/reload-site.err"
  rc=$?
  check "reload (sites): reload_site_host ran (A unloaded, a page at its base, B loaded, export, destroy): status $rc, see $O/reload-site.err" $rc
  sed 's/^/note: reload (sites): /' "$O/reload-site.out"
  grep -q "different bases" "$O/reload-site.out"
  check "reload (sites): the page was mapped at A's old base and B landed elsewhere" $?
  python3 "$T/check_reload_site.py" --label "reload-site t.json" --json "$O/t.json" --source "$T/reload_site_plugin.c" \
    --site alpha_buf:4007-4031 --site beta_buf:6007-6031 > "$O/check-reload-site.log" 2>&1; rc=$?
  tally "$O/check-reload-site.log"
  [ $rc = 0 ] || check "check_reload_site.py ran to the end (status $rc, see $O/check-reload-site.log)" 1
fi
# 5b. the whole program (memscope run, a .msb streamed while it runs, then report --json): a host
# without memscope.h, plain malloc in the plugins; entries called from one call site
# (same-site: B's allocation has the return addresses of A's), then from two
gcc "${PF[@]}" -DPFX=walpha -DSIZE=6000 -o "$O/libwalpha.so" "$T/reload_wplugin.c" 2> "$O/reload-wbuild.log" &&
gcc "${PF[@]}" -DPFX=wbeta -DSIZE=8000 -o "$O/libwbeta.so" "$T/reload_wplugin.c" 2>> "$O/reload-wbuild.log" &&
gcc -O2 -g -fno-omit-frame-pointer -Wall -Wextra -Werror -o "$O/reload_whost" "$T/reload_whost.c" -ldl 2>> "$O/reload-wbuild.log"
rc=$?; check "reload (whole program): libwalpha.so, libwbeta.so and reload_whost built" $rc
[ $rc = 0 ] || cat "$O/reload-wbuild.log"
if [ $rc = 0 ]; then
  for mode in same-site two-sites; do
    $M run -o "$O/reload-$mode.msb" -- "$O/reload_whost" $mode "$ABS/libwalpha.so" walpha_entry "$ABS/libwbeta.so" wbeta_entry \
      "$O/reload-$mode.bases" > "$O/reload-$mode.out" 2> "$O/reload-$mode.err"
    rc=$?; [ $rc = 0 ] && [ -s "$O/reload-$mode.msb" ]
    check "reload ($mode): memscope run -o reload-$mode.msb (status $rc, see $O/reload-$mode.err)" $?
    sed "s/^/note: reload ($mode): /" "$O/reload-$mode.out"
    $M report "$O/reload-$mode.msb" --json "$O/reload-$mode.json" > /dev/null 2> "$O/reload-$mode-json.err"
    rc=$?; [ $rc = 0 ] && [ -s "$O/reload-$mode.json" ]
    check "reload ($mode): memscope report reload-$mode.msb --json (status $rc)" $?
    rchecker "$O/check-reload-$mode-a.log" --label "reload-$mode.json A" \
      --json "$O/reload-$mode.json" --bases "$O/reload-$mode.bases" --size 6007 --module "$O/libwalpha.so" \
      --shape walpha_static,walpha_entry,run_plugin,main --forbid-prefix wbeta_ --forbid-module "$O/libwbeta.so"
    rchecker "$O/check-reload-$mode-b.log" --label "reload-$mode.json B" \
      --json "$O/reload-$mode.json" --bases "$O/reload-$mode.bases" --size 8007 --module "$O/libwbeta.so" \
      --shape wbeta_static,wbeta_entry,run_plugin,main --forbid-prefix walpha_ --forbid-module "$O/libwalpha.so" --same-as 6007
  done
fi

# ---- 6. file:line from a separate debug file found by .gnu_debuglink ----
# debuglink_prog.c built -O2 -g, its DWARF moved out (objcopy --only-keep-debug, strip -g keeps
# .symtab, objcopy --add-gnu-debuglink): one copy with the debug file next to it (dl/next), one
# with it in .debug/ next to it (dl/sub), one without it (dl/none: the function still named,
# file and line null). The frame of debuglink_alloc must carry the malloc call's line, as
# grep -n finds it in the source and as addr2line reads it from the debug file.
D="$O/dl"; MABS="$PWD/$M"; mkdir -p "$D/next" "$D/sub/.debug" "$D/none"
DL_LINE=$(grep -n 'KEEP(malloc(4321' "$T/debuglink_prog.c" | cut -d: -f1)
gcc "${CF[@]}" -o "$D/debuglink_prog" "$T/debuglink_prog.c" 2> "$D/build.log" &&
objcopy --only-keep-debug "$D/debuglink_prog" "$D/debuglink_prog.debug" 2>> "$D/build.log" &&
strip -g "$D/debuglink_prog" 2>> "$D/build.log" &&
objcopy --add-gnu-debuglink="$D/debuglink_prog.debug" "$D/debuglink_prog" 2>> "$D/build.log"
rc=$?; check "debuglink: debuglink_prog built -O2 -g, debug file split off (--only-keep-debug, strip -g, --add-gnu-debuglink)" $rc
[ $rc = 0 ] || cat "$D/build.log"
if [ $rc = 0 ]; then
  readelf -S -W "$D/debuglink_prog" > "$D/sections.txt" 2>&1
  ! grep -q '\.debug_line' "$D/sections.txt" && grep -q '\.gnu_debuglink' "$D/sections.txt" && grep -q '\.symtab' "$D/sections.txt"
  check "debuglink: the program has no .debug_line, has .gnu_debuglink and .symtab (readelf -S)" $?
  readelf -S -W "$D/debuglink_prog.debug" 2>&1 | grep -q '\.debug_line'
  check "debuglink: debuglink_prog.debug has .debug_line" $?
  cp "$D/debuglink_prog" "$D/next/" && cp "$D/debuglink_prog.debug" "$D/next/" &&
  cp "$D/debuglink_prog" "$D/sub/" && cp "$D/debuglink_prog.debug" "$D/sub/.debug/" &&
  cp "$D/debuglink_prog" "$D/none/"
  check "debuglink: copies laid out (next/: debug file beside, sub/: in .debug/, none/: no debug file)" $?
  # the line addr2line reads from the debug file at the malloc call's return address - 1
  # (debuglink_alloc's symbol value + the frame's offset - 1, a link-time address)
  DL_SYM=$(readelf -s -W "$D/debuglink_prog" | awk '$8 == "debuglink_alloc" { print $2; exit }')
  dl_frame() { # JSON: debuglink_alloc's frame as "FUNCTION|MODULE|OFFSET|FILE|LINE" (the first one)
    python3 -c '
import json, sys
for s in json.load(open(sys.argv[1]))["stacks"]:
    for fr in s["frames"]:
        if fr["function"] == "debuglink_alloc":
            print("%s|%s|%s|%s|%s" % (fr["function"], fr["module"], fr["offset"], fr["file"], fr["line"])); sys.exit(0)
' "$1" 2>/dev/null
  }
  for where in next sub none; do
    (cd "$D/$where" && "$MABS" run -o run.json -- ./debuglink_prog) > "$D/$where.out" 2> "$D/$where.err"
    rc=$?; [ $rc = 0 ] && [ -s "$D/$where/run.json" ]
    check "debuglink ($where): memscope run -o run.json -- ./debuglink_prog (status $rc, see $D/$where.err)" $?
    fr=$(dl_frame "$D/$where/run.json"); IFS='|' read -r fn mod off file line <<< "$fr"
    [ "$fn" = debuglink_alloc ] && [ "$(realpath "$mod" 2>/dev/null)" = "$(realpath "$D/$where/debuglink_prog")" ]
    check "debuglink ($where): a frame named debuglink_alloc in $D/$where/debuglink_prog (got '$fr')" $?
    if [ "$where" = none ]; then
      [ -n "$fr" ] && [ "$file" = None ] && [ "$line" = None ]
      check "debuglink (none): no debug file: file null, line null (got file $file, line $line)" $?
      continue
    fi
    case "$file" in */debuglink_prog.c) rc=0;; *) rc=1;; esac
    check "debuglink ($where): file ends in debuglink_prog.c (got $file)" $rc
    [ -n "$DL_LINE" ] && [ "$line" = "$DL_LINE" ]
    check "debuglink ($where): line $line is the malloc call's (grep -n: $DL_LINE)" $?
    want=""
    if [ -n "$DL_SYM" ] && [ -n "$off" ] && [ "$off" != None ]; then
      want=$(addr2line -e "$D/debuglink_prog.debug" "$(printf '%#x' $((0x$DL_SYM + off - 1)))" | cut -d' ' -f1)
    fi
    [ -n "$want" ] && [ "$file:$line" = "$want" ]
    check "debuglink ($where): file:line $file:$line equals addr2line -e debuglink_prog.debug's ($want)" $?
  done
  # all/: stripped of .symtab too (as distributions ship binaries: strip --strip-all), the debug
  # file beside it. debuglink_alloc is static, so no table of the program names it: its name
  # comes from the debug file's .symtab, and its line from the debug file's DWARF.
  mkdir -p "$D/all" && objcopy --strip-all "$D/debuglink_prog" "$D/all/debuglink_prog" &&
    objcopy --add-gnu-debuglink="$D/debuglink_prog.debug" "$D/all/debuglink_prog" &&
    cp "$D/debuglink_prog.debug" "$D/all/" && ! readelf -S -W "$D/all/debuglink_prog" | grep -q '\.symtab'
  check "debuglink (all): a copy without .symtab (objcopy --strip-all), the debug file beside it" $?
  (cd "$D/all" && "$MABS" run -o run.json -- ./debuglink_prog) > "$D/all.out" 2> "$D/all.err"
  rc=$?; [ $rc = 0 ] && [ -s "$D/all/run.json" ]
  check "debuglink (all): memscope run -o run.json -- ./debuglink_prog (status $rc, see $D/all.err)" $?
  fr=$(dl_frame "$D/all/run.json"); IFS='|' read -r fn mod off file line <<< "$fr"
  [ "$fn" = debuglink_alloc ] && [ "$(realpath "$mod" 2>/dev/null)" = "$(realpath "$D/all/debuglink_prog")" ] &&
    [ "$line" = "$DL_LINE" ]
  check "debuglink (all): the frame is named debuglink_alloc (from the debug file's .symtab), line $DL_LINE (got '$fr')" $?
  "$MABS" run -o "$D/all/run.msb" -- "$D/all/debuglink_prog" > /dev/null 2>&1 &&
    "$MABS" report "$D/all/run.msb" > "$D/all/report.txt" 2>&1 && grep -q "at debuglink_alloc (.*debuglink_prog.c:$DL_LINE)" "$D/all/report.txt"
  check "debuglink (all): memscope report of its .msb reads 'at debuglink_alloc (...debuglink_prog.c:$DL_LINE)'" $?
fi


# ---- 8. names given after the run: --names offline, build ids, --sysroot ----
# The .msb of an offline run holds modules and offsets only; memscope report names its frames
# from the module files, which must carry the build id the MODULES section recorded. A module
# rebuilt since is reported and not used; --sysroot finds the recorded files under a directory.
NAMES_BASES="$O/off.bases" $M run --names offline -o "$O/off.msb" -- "$O/names_prog" > "$O/off.out" 2> "$O/off.err"
rc=$?; [ $rc = 0 ] && [ -s "$O/off.msb" ]; check "memscope run --names offline -o off.msb: written (status $rc)" $?
python3 - "$O/off.msb" > "$O/off.raw" 2>&1 <<'PY'
import sys; sys.path.insert(0, "tests")
import msb_decode as d
f = d.decode(open(sys.argv[1], "rb").read())
named = sum(1 for s in f.stacks.values() for fr in s if fr[1])
mods = f.modules
print("named", named, "modules", len(mods))
for m in mods: print("module", m["path"], m["build_id"])
PY
grep -q "^named 0 modules" "$O/off.raw"; check "off.msb: no frame named in the process (got: $(head -1 "$O/off.raw"))" $?
for m in names_prog libnames.so; do
  want=$(readelf -n "$O/$m" | sed -n 's/.*Build ID: //p')
  grep -qx "module $ABS/$m $want" "$O/off.raw"; check "off.msb: MODULES lists $m with its build id ($want)" $?
done
$M report "$O/off.msb" --json "$O/off.json" > /dev/null 2> "$O/off-json.err"
rc=$?; [ $rc = 0 ] && [ -s "$O/off.json" ] && [ ! -s "$O/off-json.err" ]; check "memscope report off.msb --json: written, nothing on stderr (status $rc)" $?
checker "$O/check-off.log" frames --label "off.json" --json "$O/off.json" --bases "$O/off.bases" \
  --module "$O/names_prog" --module "$O/libnames.so" --min-frames 27 \
  --addr2line "$STATIC_PROG,$STATIC_LIB,prog_exported_alloc,$EXPORTED_LIB" \
  --require "$STATIC_PROG,$STATIC_LIB,$EXPORTED_PROG,$EXPORTED_LIB" "${SHAPES[@]}"
checker "$O/check-off-same.log" same --label "msb.json vs off.json" --a "$O/msb.json" --b "$O/off.json" \
  --module names_prog --module libnames.so --min-stacks 10
# the program moved to a sysroot, a different build in its place
R="$O/sysroot"
mkdir -p "$R$ABS" && cp "$O/names_prog" "$O/libnames.so" "$R$ABS/" && cp "$O/names_prog" "$O/names_prog.orig" &&
gcc -O1 -g -fno-omit-frame-pointer -o "$O/names_prog" "$T/names_prog.c" -L"$O" -lnames -Wl,-rpath,"$ABS" -pthread 2>> "$O/build.log"
check "sysroot copies made, names_prog rebuilt at -O1" $?
$M report "$O/off.msb" --top 100000 > "$O/changed.txt" 2> "$O/changed.err"
rc=$?; check "memscope report off.msb with names_prog rebuilt: status $rc" $rc
grep -q "warning: $ABS/names_prog has changed since the recording (build id [0-9a-f]* there, another now)" "$O/changed.err"
check "a rebuilt names_prog is named on stderr as changed" $?
! grep -q "libnames.so has changed" "$O/changed.err"; check "libnames.so, unchanged, is not" $?
! grep -q " at chain_leaf\| at main " "$O/changed.txt" && grep -q " at names_prog+0x" "$O/changed.txt" && grep -q " at lib_static_alloc " "$O/changed.txt"
check "changed module: its frames stay module+offset, the unchanged library's are named" $?
$M report "$O/off.msb" --top 100000 --sysroot "$R" > "$O/sysroot.txt" 2> "$O/sysroot.err"
rc=$?; check "memscope report off.msb --sysroot: status $rc" $rc
! grep -q "changed since" "$O/sysroot.err"; check "--sysroot: no module reported as changed" $?
grep -q "note: .* modules recorded are not on this machine under $R" "$O/sysroot.err"; check "--sysroot: libc's absence under it is one note" $?
grep -qx "        at chain_leaf ([^)]*names_prog.c:[0-9]*) in names_prog" "$O/sysroot.txt"; check "--sysroot: frames named from the recorded build, with lines" $?
cp "$O/names_prog.orig" "$O/names_prog"
$M report "$O/off.msb" --sysroot "$O/nonexistent" > /dev/null 2> "$O/sysroot-bad.err"
rc=$?; [ $rc = 1 ] && grep -q "sysroot .*not a directory" "$O/sysroot-bad.err"; check "--sysroot to no directory: status 1 and why (got $rc)" $?


# ---- 9. C++: demangled names, an inlined member function, a template, a lambda ----
# built with frame pointers (cxx) and without (cxx-nofp: the call-frame information unwinds it)
for v in cxx:-fno-omit-frame-pointer cxx-nofp:-fomit-frame-pointer; do
  name=${v%%:*}; fpflag=${v#*:}; bin="$O/names_$(echo "$name" | tr - _)"
  g++ -O2 -g "$fpflag" -Wall -Wextra -Werror -o "$bin" "$T/names_cxx.cpp" 2>> "$O/build.log"
  check "C++ test program built ($bin, -O2 -g $fpflag)" $?
  NAMES_BASES="$O/$name.bases" $M run -o "$O/$name.json" -- "$bin" > "$O/$name.out" 2> "$O/$name.err"
  rc=$?; [ $rc = 0 ] && [ -s "$O/$name.json" ]; check "memscope run -o $name.json -- $(basename "$bin"): written (status $rc)" $?
  checker "$O/check-$name.log" frames --label "$name.json" --json "$O/$name.json" --bases "$O/$name.bases" \
    --module "$bin" --min-frames 5 --addr2line main \
    --require "shapes::Box::grow(int),shapes::Box::fill(int),main" \
    --shape "operator new(unsigned long),shapes::Box::grow(int),main" \
    --shape "operator new(unsigned long),shapes::Box::add(int),shapes::Box::fill(int),main" \
    --shape "operator new(unsigned long),long* make_many<long>(unsigned long),main" \
    --shape "operator new(unsigned long),main::{lambda(int)#1}::operator()(int) const,main"
done
# the same names offline: memscope report (a C program) demangles with the libstdc++ it loads
NAMES_BASES="$O/cxx-off.bases" $M run --names offline -o "$O/cxx-off.msb" -- "$O/names_cxx" > "$O/cxx-off.out" 2> "$O/cxx-off.err"
rc=$?; check "memscope run --names offline -- names_cxx: status $rc" $rc
$M report "$O/cxx-off.msb" --json "$O/cxx-off.json" > /dev/null 2> "$O/cxx-off-json.err"
rc=$?; check "memscope report cxx-off.msb --json: status $rc" $rc
checker "$O/check-cxx-same.log" same --label "cxx.json vs cxx-off.json" --a "$O/cxx.json" --b "$O/cxx-off.json" \
  --module names_cxx --min-stacks 4


# ---- 10. compressed debug sections (SHF_COMPRESSED: gcc -gz=zlib, objcopy zstd) ----
# read by memscope report (zlib and libzstd looked up at run time), as frames the recording
# left without a line
for z in zlib zstd; do
  mkdir -p "$O/gz-$z"
  if [ $z = zlib ]; then
    gcc "${CF[@]}" -gz=zlib -o "$O/gz-$z/names_prog" "$T/names_prog.c" -L"$O" -lnames -Wl,-rpath,"$ABS" -pthread 2>> "$O/build.log"
  else
    objcopy --compress-debug-sections=zstd "$O/names_prog" "$O/gz-$z/names_prog" 2>> "$O/build.log"
  fi
  rc=$?
  if [ $rc != 0 ]; then echo "note: no $z-compressed build here (status $rc): skipped"; continue; fi
  readelf -SW "$O/gz-$z/names_prog" | grep -q '\.debug_info .* C ' ; check "gz-$z: .debug_info is compressed (readelf flag C)" $?
  # the traced process leaves compressed sections alone; memscope report reads them
  NAMES_BASES="$O/gz-$z.bases" $M run -o "$O/gz-$z.msb" -- "$O/gz-$z/names_prog" > "$O/gz-$z.out" 2> "$O/gz-$z.err"
  rc=$?; [ $rc = 0 ] && [ -s "$O/gz-$z.msb" ]; check "memscope run of the $z-compressed program: written (status $rc)" $?
  $M report "$O/gz-$z.msb" --json "$O/gz-$z.json" > /dev/null 2> "$O/gz-$z-json.err"
  rc=$?; [ $rc = 0 ] && [ -s "$O/gz-$z.json" ]; check "memscope report gz-$z.msb --json (status $rc)" $?
  checker "$O/check-gz-$z.log" frames --label "gz-$z.json" --json "$O/gz-$z.json" --bases "$O/gz-$z.bases" \
    --module "$O/gz-$z/names_prog" --module "$O/libnames.so" --min-frames 27 \
    --addr2line "$STATIC_PROG,$STATIC_LIB,prog_exported_alloc,$EXPORTED_LIB" \
    --require "$STATIC_PROG,$STATIC_LIB,$EXPORTED_PROG,$EXPORTED_LIB" "${SHAPES[@]}"
done


# ---- 11. TRACK in code without frame pointers: whole stacks from the call-frame information ----
#      (nofp_leaf has a VLA: its frame is found from rbp, which memscope must leave intact)
for cc in gcc clang; do
    command -v $cc > /dev/null 2>&1 || { echo "SKIP: $cc not installed"; continue; }
    $cc -O2 -g -fomit-frame-pointer -Wall -Wextra -Werror -I. -o "$O/track_nofp-$cc" "$T/track_nofp.c" -pthread -ldl 2>> "$O/build.log"
    check "track_nofp built ($cc -O2 -fomit-frame-pointer, TRACK)" $?
    "$O/track_nofp-$cc" "$O/track_nofp-$cc.json" > /dev/null 2>&1
    rc=$?; [ $rc = 0 ] && [ -s "$O/track_nofp-$cc.json" ]; check "track_nofp ($cc) wrote its JSON (status $rc)" $?
    python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
got = [[f['function'] for f in s['frames'][:4]] for s in d['stacks']]
sys.exit(0 if ['nofp_leaf', 'nofp_mid', 'nofp_top', 'main'] in got else 1)" "$O/track_nofp-$cc.json"
    check "track_nofp ($cc): the TRACK's stack is nofp_leaf <- nofp_mid <- nofp_top <- main" $?
done

summary
