#!/bin/sh
# check_prom.sh FILE [--labels program,pid]
# check_prom.sh --selftest
#
# Checks a Prometheus text exposition (format 0.0.4) two ways:
#   1. `promtool check metrics < FILE` (Prometheus' own parser and linter) must exit 0 and
#      print nothing: a parse error exits 1, a lint problem (counter without _total, gauge
#      with _total, no HELP, abbreviated or non-base units such as _kb or _milliseconds,
#      camelCase, _count/_sum/_bucket on a gauge) exits 3; both fail here;
#   2. a strict parser of the documented grammar, written below in Python: the file is UTF-8
#      with \n line ends, the last line ends with \n; HELP (escapes \\ and \n only) and TYPE
#      (counter, gauge, histogram, summary, untyped) at most once per metric, both before the
#      metric's first sample; all lines of a metric in one group; every sample line's metric
#      has a HELP and a TYPE; metric and label names match the data model
#      ([a-zA-Z_:][a-zA-Z0-9_:]*, [a-zA-Z_][a-zA-Z0-9_]*, no __ prefix); label values quoted
#      with \\ \" \n as the only escapes; a label at most once per sample; no two samples of
#      the same series; values are floats (NaN, +Inf, -Inf allowed), an optional timestamp an
#      integer; counters end in _total and are >= 0, other types do not end in _total; every
#      sample carries the labels given with --labels (default program,pid), pid a positive
#      integer; at least one sample.
# Prints "ok FILE: N samples, M metrics (...)" and exits 0, or one line "FAIL FILE: why" and
# exits 1; exits 2 for a usage error or a missing tool it cannot install (the command is
# printed). promtool comes with Debian's prometheus package (the only one that ships it),
# installed with apt-get when missing and we are root.
set -u

usage() { echo "usage: $0 FILE [--labels NAME,NAME]   |   $0 --selftest" >&2; exit 2; }
command -v python3 >/dev/null 2>&1 || {
    echo "$0: python3 is missing; install it with: sudo apt-get install -y python3" >&2; exit 2; }

ensure_promtool() {
    command -v promtool >/dev/null 2>&1 && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "== installing prometheus (for promtool) ==" >&2
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null ||
            { echo "$0: apt-get install prometheus failed" >&2; exit 2; }
        command -v promtool >/dev/null 2>&1 || { echo "$0: prometheus installed but no promtool" >&2; exit 2; }
    else
        echo "$0: promtool is missing; install it with: sudo apt-get install -y --no-install-recommends prometheus" >&2
        exit 2
    fi
}

# ---- self-test: valid inputs must pass, each broken one must fail with one line ----
if [ "${1:-}" = "--selftest" ]; then
    [ $# -eq 1 ] || usage
    ensure_promtool
    T=$(mktemp -d) || exit 2
    trap 'rm -rf "$T"' EXIT
    ok=0; bad=0
    good() {   # good NAME CONTENT
        printf '%s' "$2" > "$T/$1.prom"
        if out=$("$0" "$T/$1.prom"); then ok=$((ok + 1)); say "   valid $1: $out"
        else bad=$((bad + 1)); say "   SELFTEST valid $1 was refused: $out"; fi
    }
    say() { printf '%s\n' "$*"; }
    broken_run() { # broken_run NAME ONLY
        out=$(CHECK_PROM_PARSER_ONLY=$2 "$0" "$T/$1.prom"); rc=$?
        n=$(printf '%s\n' "$out" | wc -l)
        tag=${2:+" (parser alone)"}
        if [ $rc -eq 1 ] && [ "$n" -eq 1 ]; then ok=$((ok + 1)); say "   broken $1$tag: $out"
        else bad=$((bad + 1)); say "   SELFTEST broken $1$tag: rc=$rc, $n lines: $out"; fi
    }
    broken() { # broken NAME CONTENT [promtool]: refused by promtool + parser, and by the parser
               # alone unless the third argument says only promtool's linter knows the rule
        printf '%s' "$2" > "$T/$1.prom"
        broken_run "$1" ""
        [ "${3:-}" = promtool ] || broken_run "$1" 1
    }
    H='# HELP memscope_live_bytes Bytes tracked and not yet freed.
# TYPE memscope_live_bytes gauge
'
    L='{program="app",pid="42"}'
    good basic "$H""memscope_live_bytes$L 65536
# HELP memscope_allocations_total Allocations recorded.
# TYPE memscope_allocations_total counter
memscope_allocations_total$L 1000
"
    good escapes '# HELP memscope_rss_bytes Resident set size, read from /proc (a \\ and a\nsecond line).
# TYPE memscope_rss_bytes gauge
memscope_rss_bytes{program="a \"quoted\" name\\with\\\\slashes\nand a newline",pid="7"} 1.5e+06
memscope_rss_bytes{program="other",pid="8",thread="main",} NaN 1700000000000
memscope_rss_bytes{program="inf",pid="9"} +Inf
'
    broken counter_no_total '# HELP memscope_allocations Allocations.
# TYPE memscope_allocations counter
memscope_allocations{program="a",pid="1"} 3
'
    broken gauge_total '# HELP memscope_live_total Live.
# TYPE memscope_live_total gauge
memscope_live_total{program="a",pid="1"} 3
'
    broken no_help '# TYPE memscope_live_bytes gauge
memscope_live_bytes{program="a",pid="1"} 3
'
    broken no_type '# HELP memscope_live_bytes Live.
memscope_live_bytes{program="a",pid="1"} 3
'
    broken type_after_sample '# HELP memscope_live_bytes Live.
memscope_live_bytes{program="a",pid="1"} 3
# TYPE memscope_live_bytes gauge
'
    broken unescaped_quote "$H"'memscope_live_bytes{program="a"b",pid="1"} 3
'
    broken bad_escape "$H"'memscope_live_bytes{program="a\tb",pid="1"} 3
'
    broken help_bad_escape '# HELP memscope_live_bytes Live \t bytes.
# TYPE memscope_live_bytes gauge
memscope_live_bytes{program="a",pid="1"} 3
'
    broken duplicate_series "$H""memscope_live_bytes$L 3
memscope_live_bytes$L 4
"
    broken split_group "$H""memscope_live_bytes$L 3
# HELP memscope_rss_bytes RSS.
# TYPE memscope_rss_bytes gauge
memscope_rss_bytes$L 5
memscope_live_bytes{program=\"app\",pid=\"43\"} 4
"
    broken missing_pid "$H"'memscope_live_bytes{program="a"} 3
'
    broken pid_not_number "$H"'memscope_live_bytes{program="a",pid="x1"} 3
'
    broken bad_value "$H""memscope_live_bytes$L 3kB
"
    broken no_final_newline "$H""memscope_live_bytes$L 3"
    broken abbreviated_unit '# HELP memscope_peak_kb Peak.
# TYPE memscope_peak_kb gauge
memscope_peak_kb{program="a",pid="1"} 3
' promtool
    broken milliseconds '# HELP memscope_uptime_milliseconds Uptime.
# TYPE memscope_uptime_milliseconds gauge
memscope_uptime_milliseconds{program="a",pid="1"} 3
' promtool
    broken empty ''
    broken crlf "$(printf '%s' "$H" | sed 's/$/\r/')
memscope_live_bytes$L 3
"
    echo "check_prom.sh selftest: $ok passed, $bad failed"
    [ $bad -eq 0 ]; exit $?
fi

[ $# -ge 1 ] || usage
FILE=$1; shift
LABELS=program,pid
while [ $# -gt 0 ]; do
    case $1 in
        --labels) [ $# -ge 2 ] || usage; LABELS=$2; shift 2 ;;
        *) usage ;;
    esac
done
[ -r "$FILE" ] || { echo "$0: cannot read $FILE" >&2; exit 2; }
ensure_promtool

TMP=$(mktemp -d) || exit 2
trap 'rm -rf "$TMP"' EXIT
# CHECK_PROM_PARSER_ONLY=1 skips promtool (the self-test uses it to test the parser alone)
if [ -z "${CHECK_PROM_PARSER_ONLY:-}" ]; then
    promtool check metrics < "$FILE" > "$TMP/promtool.out" 2>&1
    rc=$?
else
    rc=0; : > "$TMP/promtool.out"
fi
if [ $rc -ne 0 ] || [ -s "$TMP/promtool.out" ]; then
    what="error"; [ $rc -eq 3 ] && what="lint"
    echo "FAIL $FILE: promtool check metrics ($what, exit $rc): $(grep -v '^[[:space:]]*$' "$TMP/promtool.out" | head -1)"
    exit 1
fi

python3 - "$FILE" "$LABELS" "${CHECK_PROM_PARSER_ONLY:-}" <<'EOF'
import math, re, sys
path, required, parser_only = sys.argv[1], [x for x in sys.argv[2].split(",") if x], sys.argv[3]
METRIC = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
VALUE = re.compile(r"^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?Inf|NaN)$")
TIMESTAMP = re.compile(r"^-?\d+$")
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")
lineno = 0

def fail(msg):
    print("FAIL %s: line %d: %s" % (path, lineno, msg) if lineno else "FAIL %s: %s" % (path, msg))
    sys.exit(1)

raw = open(path, "rb").read()
try:
    text = raw.decode("utf-8")
except UnicodeDecodeError as e:
    fail("not UTF-8 (%s)" % e)
if not text:
    fail("empty file")
if "\r" in text:
    lineno = text[:text.index("\r")].count("\n") + 1
    fail("carriage return: lines must end with \\n alone")
if not text.endswith("\n"):
    lineno = text.count("\n") + 1
    fail("the last line does not end with \\n")

help_of, type_of = {}, {}
closed = set()      # metrics whose group has ended
current = None      # metric of the group being read
has_sample = set()
series = set()
nsamples = 0

def family(name):
    """The metric a sample name belongs to (histogram/summary samples have suffixes)."""
    for suf in ("_bucket", "_sum", "_count"):
        base = name[:-len(suf)]
        if name.endswith(suf) and type_of.get(base) in ("histogram", "summary"):
            if suf == "_bucket" and type_of[base] != "histogram":
                continue
            return base
    return name

def enter(metric):
    global current
    if metric != current:
        if metric in closed:
            fail("%s appears again after other metrics: all its lines must be one group" % metric)
        if current is not None:
            closed.add(current)
        current = metric

def unescape(s, allowed, what):
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c == "\\":
            if i + 1 >= len(s) or s[i + 1] not in allowed:
                fail("invalid escape %r in %s" % (s[i:i + 2], what))
            out.append({"\\": "\\", "n": "\n", '"': '"'}[s[i + 1]])
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)

def parse_labels(line, pos):
    """line[pos] == '{'; returns (labels dict, position after '}')."""
    labels = {}
    pos += 1
    while True:
        while pos < len(line) and line[pos] in " \t":
            pos += 1
        if pos < len(line) and line[pos] == "}":
            return labels, pos + 1
        m = LABEL.match(line, pos)
        if not m:
            fail("bad label name at column %d" % (pos + 1))
        name = m.group(0)
        if name.startswith("__"):
            fail("label name %s: names starting with __ are reserved" % name)
        if name in labels:
            fail("label %s twice in one sample" % name)
        pos = m.end()
        while pos < len(line) and line[pos] in " \t":
            pos += 1
        if line[pos:pos + 1] != "=":
            fail("expected = after label %s" % name)
        pos += 1
        while pos < len(line) and line[pos] in " \t":
            pos += 1
        if line[pos:pos + 1] != '"':
            fail('label %s: value must be in double quotes' % name)
        pos += 1
        start = pos
        while pos < len(line) and line[pos] != '"':
            pos += 2 if line[pos] == "\\" else 1
        if pos >= len(line):
            fail("label %s: unterminated value" % name)
        labels[name] = unescape(line[start:pos], '\\"n', "label %s" % name)
        pos += 1
        while pos < len(line) and line[pos] in " \t":
            pos += 1
        if line[pos:pos + 1] == ",":
            pos += 1
        elif line[pos:pos + 1] != "}":
            fail("expected , or } after label %s" % name)

for lineno, line in enumerate(text.split("\n")[:-1], 1):
    s = line.strip(" \t")
    if not s:
        continue
    if s.startswith("#"):
        tok = s[1:].lstrip(" \t").split(None, 2)
        if len(tok) < 1 or tok[0] not in ("HELP", "TYPE"):
            continue                    # an ordinary comment
        if len(tok) < 2 or not METRIC.fullmatch(tok[1]):
            fail("# %s without a valid metric name" % tok[0])
        kind, name = tok[0], tok[1]
        enter(name)
        if name in has_sample:
            fail("# %s %s after its first sample" % (kind, name))
        if kind == "HELP":
            if name in help_of:
                fail("second HELP for %s" % name)
            help_of[name] = unescape(tok[2] if len(tok) > 2 else "", "\\n", "HELP of " + name)
        else:
            if name in type_of:
                fail("second TYPE for %s" % name)
            t = tok[2].strip(" \t") if len(tok) > 2 else ""
            if t not in TYPES:
                fail("TYPE %s %r is not one of %s" % (name, t, ", ".join(TYPES)))
            type_of[name] = t
        continue
    m = METRIC.match(s)
    if not m:
        fail("a sample line must start with a metric name")
    name = m.group(0)
    pos = m.end()
    labels = {}
    if s[pos:pos + 1] == "{":
        labels, pos = parse_labels(s, pos)
    rest = s[pos:]
    if not rest[:1] in (" ", "\t"):
        fail("expected a blank then the value after %s" % name)
    tok = rest.split()
    if not 1 <= len(tok) <= 2:
        fail("expected VALUE [TIMESTAMP] after %s, got %r" % (name, rest.strip()))
    if not VALUE.match(tok[0]):
        fail("value %r of %s is not a float (NaN, +Inf, -Inf allowed)" % (tok[0], name))
    if len(tok) == 2 and not TIMESTAMP.match(tok[1]):
        fail("timestamp %r of %s is not an integer (milliseconds)" % (tok[1], name))
    value = float(tok[0].replace("Inf", "inf"))
    fam = family(name)
    enter(fam)
    has_sample.add(fam)
    if fam not in help_of:
        fail("sample of %s without a preceding # HELP %s" % (name, fam))
    if fam not in type_of:
        fail("sample of %s without a preceding # TYPE %s" % (name, fam))
    t = type_of[fam]
    if t == "counter":
        if not fam.endswith("_total"):
            fail("counter %s does not end in _total" % fam)
        if math.isnan(value) or value < 0:
            fail("counter %s has value %s: counters are >= 0" % (fam, tok[0]))
    elif fam.endswith("_total"):
        fail("%s %s ends in _total, which is for counters" % (t, fam))
    if t == "histogram" and name.endswith("_bucket") and "le" not in labels:
        fail("histogram bucket %s without an le label" % name)
    if t == "summary" and name == fam and "quantile" not in labels:
        fail("summary sample %s without a quantile label" % name)
    for r in required:
        if r not in labels:
            fail("sample of %s without the label %s" % (name, r))
    if "pid" in required and not re.fullmatch(r"[1-9]\d*", labels["pid"]):
        fail("pid label %r of %s is not a positive integer" % (labels["pid"], name))
    key = (name, tuple(sorted(labels.items())))
    if key in series:
        fail("second sample of the same series %s%s" % (name, dict(sorted(labels.items()))))
    series.add(key)
    nsamples += 1

lineno = 0
if nsamples == 0:
    fail("no sample")
missing = sorted(set(help_of) - has_sample)
kinds = {}
for fam in sorted(has_sample):
    kinds[type_of[fam]] = kinds.get(type_of[fam], 0) + 1
print("ok %s: %d samples, %d metrics (%s); %s%s"
      % (path, nsamples, len(has_sample), ", ".join("%s %d" % kv for kv in sorted(kinds.items())),
         "parser only" if parser_only else "promtool check metrics: no problem",
         "; HELP without samples: " + " ".join(missing) if missing else ""))
EOF
