#!/bin/sh
# check_pprof.sh FILE EXPECTED.json
# check_pprof.sh --selftest      (valid and broken profiles from make_test_pprof.py)
#
# Checks a gzip-wrapped pprof profile.proto with the real consumer, `go tool pprof`:
#   1. `go tool pprof -raw FILE` must parse it (pprof's own validity checks: string_table[0]
#      == "", ids non-zero and unique, every referenced id present, one value per sample type)
#      and print nothing on stderr (no failed symbolization, no warning); the one line
#      "Main binary filename not available." (no Mapping names a file) is let through with a
#      note on stderr, since pprof then makes up an empty mapping and reads the rest;
#   2. the sample types must be exactly alloc_objects/count alloc_space/bytes
#      inuse_objects/count inuse_space/bytes;
#   3. each type's total, summed from the sample lines of -raw (exact integers), must equal
#      EXPECTED.json's value for that key;
#   4. `go tool pprof -top -nodefraction=0 -sample_index=TYPE FILE` (with -unit=B for the
#      bytes types, so that no kB/MB rounding happens) must print the same total in its
#      "Showing nodes accounting for X, P% of TOTAL total" line (-top prints through a
#      float64: from 2^53 on it is compared as the nearest double).
# The -raw output lists the profile as pprof holds it after loading: samples with the same
# stack and labels merged, all-zero samples dropped, so its sample count can be lower than
# the number of Sample messages in the file; the totals are the same.
# EXPECTED.json: {"alloc_objects": N, "alloc_space": N, "inuse_objects": N, "inuse_space": N}
#
# Exit 0 when all holds, 1 with one line "FAIL FILE: why" when not, 2 for a usage error or a
# missing tool that cannot be installed (the exact install command is printed).
# golang-go is installed with apt-get when `go` is missing and we are root.
set -u

usage() { echo "usage: $0 FILE EXPECTED.json   |   $0 --selftest" >&2; exit 2; }
command -v python3 >/dev/null 2>&1 || {
    echo "$0: python3 is missing; install it with: sudo apt-get install -y python3" >&2; exit 2; }

# ---- self-test: profiles written by make_test_pprof.py beside this script ----
if [ "${1:-}" = "--selftest" ] && [ $# -eq 1 ]; then
    here=$(dirname "$0"); gen="$here/make_test_pprof.py"
    T=$(mktemp -d) || exit 2
    trap 'rm -rf "$T"' EXIT
    ok=0; bad=0
    say() { printf '%s\n' "$*"; }
    valid() { # valid NAME [make_test_pprof.py options]
        name=$1; shift
        python3 "$gen" "$T/$name.pb.gz" --expected "$T/$name.json" "$@" || { bad=$((bad + 1)); return; }
        if out=$("$0" "$T/$name.pb.gz" "$T/$name.json"); then ok=$((ok + 1)); say "   valid $name: $out"
        else bad=$((bad + 1)); say "   SELFTEST valid $name refused: $out"; fi
        if python3 "$gen" --decode "$T/$name.pb.gz" > "$T/$name.decoded" &&
           python3 -c "import json,sys; d=json.load(open(sys.argv[1])); e=json.load(open(sys.argv[2])); sys.exit(d['totals'] != e)" \
               "$T/$name.decoded" "$T/$name.json"; then
            ok=$((ok + 1)); say "   valid $name: make_test_pprof.py --decode gives the same totals"
        else bad=$((bad + 1)); say "   SELFTEST valid $name: --decode totals differ"; fi
    }
    valid builtin
    cat > "$T/spec.json" <<'SPEC'
{"module": "/opt/app/bin/server",
 "samples": [
  {"stack": ["main", "serve", "read_request", "buf_grow"], "values": [250000, 17179869184, 3, 196608],
   "labels": {"thread": "io-1"}},
  {"stack": ["main", "serve", "operator new(unsigned long)"], "values": [1, 9007199254740993, 1, 40]},
  {"stack": ["start_thread", "worker"], "values": [0, 0, 0, 0]}
 ]}
SPEC
    valid spec_big_values --spec "$T/spec.json"
    for kind in $(python3 "$gen" --list-broken | awk '{print $1}'); do
        python3 "$gen" "$T/b.pb.gz" --expected "$T/b.json" --broken "$kind" || { bad=$((bad + 1)); continue; }
        out=$("$0" "$T/b.pb.gz" "$T/b.json"); rc=$?
        n=$(printf '%s\n' "$out" | wc -l)
        if [ $rc -eq 1 ] && [ "$n" -eq 1 ]; then ok=$((ok + 1)); say "   broken $kind: $out"
        else bad=$((bad + 1)); say "   SELFTEST broken $kind: rc=$rc, $n lines: $out"; fi
    done
    echo '{"alloc_objects": 1, "alloc_space": "2", "inuse_objects": 0, "inuse_space": 0}' > "$T/e.json"
    "$0" "$T/builtin.pb.gz" "$T/e.json" 2>/dev/null
    if [ $? -eq 2 ]; then ok=$((ok + 1)); say "   bad EXPECTED.json (a string total): usage error, exit 2"
    else bad=$((bad + 1)); say "   SELFTEST bad EXPECTED.json not refused with exit 2"; fi
    echo "check_pprof.sh selftest: $ok passed, $bad failed"
    [ $bad -eq 0 ]; exit $?
fi

[ $# -eq 2 ] || usage
FILE=$1; EXPECTED=$2
[ -r "$FILE" ] || { echo "$0: cannot read $FILE" >&2; exit 2; }
[ -r "$EXPECTED" ] || { echo "$0: cannot read $EXPECTED" >&2; exit 2; }

if ! command -v go >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "== installing golang-go (for go tool pprof) ==" >&2
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends golang-go >/dev/null ||
            { echo "$0: apt-get install golang-go failed" >&2; exit 2; }
    else
        echo "$0: go is missing; install it with: sudo apt-get install -y golang-go" >&2; exit 2
    fi
fi

TMP=$(mktemp -d) || exit 2
trap 'rm -rf "$TMP"' EXIT
# pprof keeps nothing for local files, but give it a private home and temp dir all the same
export HOME="$TMP" PPROF_TMPDIR="$TMP" GOCACHE="$TMP/gocache" GOFLAGS=

fail() { echo "FAIL $FILE: $*"; exit 1; }
first_line() { grep -v '^[[:space:]]*$' "$1" | head -1; }

go tool pprof -raw "$FILE" > "$TMP/raw" 2> "$TMP/raw.err" ||
    fail "go tool pprof -raw refused it: $(first_line "$TMP/raw.err")"
# pprof says this when no mapping names a file (it then makes up an empty mapping): harmless,
# but a profile of ours should name the main executable in its first mapping
NOTE='Main binary filename not available.'
if grep -qxF "$NOTE" "$TMP/raw.err"; then
    echo "note $FILE: go tool pprof says '$NOTE' (no mapping with a file name)" >&2
fi
grep -vxF "$NOTE" "$TMP/raw.err" > "$TMP/raw.err.rest"
[ -s "$TMP/raw.err.rest" ] && fail "go tool pprof -raw printed on stderr: $(first_line "$TMP/raw.err.rest")"

for t in alloc_objects alloc_space inuse_objects inuse_space; do
    case $t in *_space) unit=-unit=B ;; *) unit= ;; esac
    go tool pprof -top -nodefraction=0 -sample_index=$t $unit "$FILE" > "$TMP/top.$t" 2> "$TMP/top.$t.err" ||
        fail "go tool pprof -top -sample_index=$t refused it: $(first_line "$TMP/top.$t.err")"
    grep -vxF "$NOTE" "$TMP/top.$t.err" > "$TMP/top.$t.err.rest"
    [ -s "$TMP/top.$t.err.rest" ] &&
        fail "go tool pprof -top -sample_index=$t printed on stderr: $(first_line "$TMP/top.$t.err.rest")"
done

python3 - "$FILE" "$EXPECTED" "$TMP" <<'EOF'
import json, re, sys
path, expected_path, tmp = sys.argv[1:4]
TYPES = [("alloc_objects", "count"), ("alloc_space", "bytes"),
         ("inuse_objects", "count"), ("inuse_space", "bytes")]

def fail(msg):
    print("FAIL %s: %s" % (path, msg))
    sys.exit(1)

try:
    with open(expected_path) as f:
        expected = json.load(f)
except ValueError as e:
    print("%s: %s is not JSON: %s" % (sys.argv[0], expected_path, e), file=sys.stderr)
    sys.exit(2)
for t, _ in TYPES:
    v = expected.get(t) if isinstance(expected, dict) else None
    if not isinstance(v, int) or isinstance(v, bool):
        print("check_pprof.sh: %s: key %s must be an integer" % (expected_path, t), file=sys.stderr)
        sys.exit(2)

# -raw: "Samples:", then the line of types ("type/unit" each, the default one marked
# "[dflt]"), then one line per sample "  v1  v2 ...: loc loc ..." (label lines start with a
# name), up to "Locations".
lines = open(tmp + "/raw").read().split("\n")
try:
    i = lines.index("Samples:")
    end = lines.index("Locations", i)
except ValueError:
    fail("go tool pprof -raw printed no Samples:/Locations section")
types = [x.replace("[dflt]", "") for x in lines[i + 1].split()]
want = ["%s/%s" % tu for tu in TYPES]
if types != want:
    fail("sample types are %s, not %s" % (" ".join(types) or "(none)", " ".join(want)))
sums = [0] * len(types)
nsamples = 0
sample_re = re.compile(r"^\s*(-?\d+(?:\s+-?\d+)*):")
for ln in lines[i + 2:end]:
    m = sample_re.match(ln)
    if not m:
        continue
    vals = [int(x) for x in m.group(1).split()]
    if len(vals) != len(types):
        fail("a -raw sample line has %d values for %d types: %r" % (len(vals), len(types), ln))
    sums = [a + b for a, b in zip(sums, vals)]
    nsamples += 1

total_re = re.compile(r"^Showing nodes accounting for \S+, \S+ of (-?\d+(?:\.\d+)?)(B?) total$")
for k, (t, unit) in enumerate(TYPES):
    top = open("%s/top.%s" % (tmp, t)).read().split("\n")
    got = None
    for ln in top:
        m = total_re.match(ln.strip())
        if m:
            if "." in m.group(1):
                fail("-top -sample_index=%s printed a rounded total %s" % (t, m.group(1) + m.group(2)))
            got = int(m.group(1))
    if got is None:
        if sums[k] == 0 and not any("Showing nodes" in ln for ln in top):
            got = 0     # an all-zero column: pprof prints no "Showing nodes" line
        else:
            fail("-top -sample_index=%s printed no exact 'Showing nodes ... of N total' line" % t)
    # -top formats through a float64 ("%.2f"): exact below 2^53, the nearest double above
    if got != sums[k] and not (abs(sums[k]) >= 2**53 and float(got) == float(sums[k])):
        fail("%s: -top says %d, the -raw samples sum to %d" % (t, got, sums[k]))
    if sums[k] != expected[t]:
        fail("%s total is %d, expected %d" % (t, sums[k], expected[t]))
print("ok %s: %d samples as pprof loads them, alloc_objects=%d alloc_space=%d inuse_objects=%d inuse_space=%d "
      "(go tool pprof -raw sums = -top totals = expected)" % ((path, nsamples) + tuple(sums)))
EOF
