#!/bin/sh
# run.sh - a set-user-ID or set-group-ID program built with memscope ignores every MEMSCOPE_*
# variable: otherwise any user could make it create or replace a file of their choice with
# its privileges (MEMSCOPE_OUTPUT names the report the program writes at exit).
#
#   tests/setuid/run.sh [DIR]    DIR: where the memscope.h to test is (default: this checkout)
#
# track.c is built plain and in whole-program mode (-DMEMSCOPE_HOOK_MALLOC), installed
# root:root 4755 and root:0 2755, and run as uid/gid 65534 with umask 0 and MEMSCOPE_OUTPUT
# naming a file in a directory only root (or only group 0) may write, or a relative name in a
# world-writable working directory. Each run must exit 0, create nothing, and say once on
# stderr that the settings were ignored. Control: the same programs without the bits, same
# user, do write their report. Needs root, setpriv and gcc, and a filesystem that honours
# set-user-ID bits; otherwise it says "skipped: <why>" and exits 0.

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
inc=$(cd "${1:-$repo}" && pwd) || exit 2
NOBODY=65534
GROUP=0 # the set-group-ID programs' group: one the user (groups cleared) is not in

skip() { echo "setuid-test skipped: $*"; exit 0; }
[ "$(id -u)" = 0 ] || skip "not root (installing set-user-ID root programs needs root)"
command -v setpriv >/dev/null 2>&1 || skip "setpriv not found (util-linux)"
command -v gcc >/dev/null 2>&1 || skip "gcc not found"
[ -f "$inc/memscope.h" ] || { echo "setuid-test: no memscope.h in $inc" >&2; exit 2; }

CFLAGS="-std=c11 -Wall -Wextra -Werror -pthread"

# as_nobody DIR PROGRAM [VAR=VALUE...]: runs PROGRAM as uid/gid 65534 without supplementary
# groups, with umask 0, in DIR, with only the given variables (and PATH)
as_nobody() {
    dir=$1; prog=$2; shift 2
    setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups \
        env -i PATH=/usr/bin:/bin "$@" sh -c 'umask 0; cd "$0" && exec "$1"' "$dir" "$prog"
}

# A directory whose filesystem honours set-user-ID bits and that uid 65534 can reach: /tmp
# unless it is mounted nosuid (or otherwise ignores the bit), then the next candidate.
D=
d=
why=
trap 'rm -rf ${d:+"$d"} ${D:+"$D"}' EXIT
trap 'exit 1' HUP INT PIPE TERM
for base in /tmp /var/tmp "$repo/build"; do
    [ -d "$base" ] || continue
    if command -v findmnt >/dev/null 2>&1 &&
        findmnt -n -o OPTIONS -T "$base" 2>/dev/null | tr , '\n' | grep -qx nosuid; then
        why="$why $base: mounted nosuid;"
        continue
    fi
    d=$(mktemp -d "$base/memscope-setuid.XXXXXX") || continue
    chmod 755 "$d"
    if gcc -std=c11 -Wall -Wextra -Werror "$here/whoami.c" -o "$d/whoami" &&
        chown root:root "$d/whoami" && chmod 4755 "$d/whoami"; then
        ids=$(as_nobody / "$d/whoami")
        if [ "$ids" = "$NOBODY 0 $NOBODY $NOBODY" ]; then D=$d; break; fi
        why="$why $base: a set-user-ID root program runs as '${ids:-nothing}' (ruid euid rgid egid);"
    else
        why="$why $base: cannot build or install the probe;"
    fi
    rm -rf "$d"
    d=
done
[ -n "$D" ] || skip "the set-user-ID bit is not honoured here:$why"
[ -z "$why" ] || echo "setuid-test: using $(dirname "$D") (not honoured in:$why)"

mkdir "$D/bin" "$D/root" "$D/group" "$D/pub"
chmod 755 "$D/bin"
chown root:root "$D/root" && chmod 700 "$D/root"          # only root may write here
chown root:$GROUP "$D/group" && chmod 070 "$D/group"      # only group 0 may write here
chmod 1777 "$D/pub"                                        # anyone may write here

for mode in track hook; do
    extra=
    [ $mode = hook ] && extra=-DMEMSCOPE_HOOK_MALLOC
    gcc $CFLAGS $extra -I"$inc" "$here/track.c" -o "$D/bin/$mode" || { echo "setuid-test: build failed" >&2; exit 1; }
    chown root:root "$D/bin/$mode" && chmod 755 "$D/bin/$mode"
    cp "$D/bin/$mode" "$D/bin/$mode-suid" && chown root:root "$D/bin/$mode-suid" && chmod 4755 "$D/bin/$mode-suid"
    cp "$D/bin/$mode" "$D/bin/$mode-sgid" && chown root:$GROUP "$D/bin/$mode-sgid" && chmod 2755 "$D/bin/$mode-sgid"
done

pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
# what directory $1 holds, one line each; then empties it
created() { find "$1" -mindepth 1 -printf '    %M %u:%g %p\n'; find "$1" -mindepth 1 -delete; }
show_err() { if [ -s "$D/err" ]; then sed 's/^/    /' "$D/err"; else echo "    (empty)"; fi; }
ignored_lines() { grep ignored "$D/err" | grep -c set-user-ID; }

for mode in track hook; do
    for bit in suid sgid; do
        if [ $bit = suid ]; then priv=$D/root; else priv=$D/group; fi
        for out in "$priv/x.json" "$priv/x.msb" "$priv/new/x.json" rel.json; do
            what="$mode-$bit, MEMSCOPE_OUTPUT=$out"
            as_nobody "$D/pub" "$D/bin/$mode-$bit" MEMSCOPE_OUTPUT="$out" MEMSCOPE_SAMPLE_RATE=1 >"$D/out" 2>"$D/err"
            rc=$?
            if [ $rc = 0 ]; then ok; else bad "$what: exit status $rc"; fi
            c=$(created "$priv")
            if [ -z "$c" ]; then ok; else bad "$what: created in the privileged directory:"; echo "$c"; fi
            c=$(created "$D/pub")
            if [ -z "$c" ]; then ok; else bad "$what: created in the working directory:"; echo "$c"; fi
            n=$(ignored_lines)
            if [ "$n" = 1 ]; then ok; else
                bad "$what: $n stderr lines saying the settings are ignored (set-user-ID), want 1; stderr:"
                show_err
            fi
        done
    done
    # control: without the bits the same user's setting is obeyed, so the checks above can see a write
    for out in "$D/pub/ok.json" "$D/pub/ok.msb"; do
        what="$mode (no set-user-ID bit), MEMSCOPE_OUTPUT=$out"
        as_nobody "$D/pub" "$D/bin/$mode" MEMSCOPE_OUTPUT="$out" MEMSCOPE_SAMPLE_RATE=1 >"$D/out" 2>"$D/err"
        rc=$?
        if [ $rc = 0 ]; then ok; else bad "$what: exit status $rc"; fi
        if [ -s "$out" ] && [ "$(stat -c %u "$out")" = $NOBODY ]; then ok; else bad "$what: no report written by uid $NOBODY"; fi
        if [ "$(ignored_lines)" = 0 ]; then ok; else bad "$what: says the settings are ignored; stderr:"; show_err; fi
        find "$D/pub" -mindepth 1 -delete
    done
done

if [ $fail = 0 ]; then
    echo "setuid-test: $pass checks passed (set-user-ID and set-group-ID programs, plain and whole-program mode, in $(dirname "$D"))"
    exit 0
fi
echo "setuid-test: $fail of $((pass + fail)) checks FAILED"
exit 1
