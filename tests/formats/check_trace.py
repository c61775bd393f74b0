#!/usr/bin/env python3
"""Checks a Chrome Trace Event Format file (JSON object form), as chrome://tracing, Perfetto's
UI and speedscope read it.

    check_trace.py FILE [--expect-peak BYTES] [--expect-threads N] [--expect-counter NAME]...
    check_trace.py --selftest

What is checked (the rules of the "Trace Event Format" document, for the phases memscope
writes):
  file     strict JSON (UTF-8, no NaN/Infinity, no duplicate key, nothing after the value);
           a JSON object with a "traceEvents" list; "displayTimeUnit", when present, is "ms"
           or "ns"; "otherData", when present, an object
  every    event is an object with a string "ph", one of B E X i C M (other phases are not
           accepted here); "name" a string; "cat" a string when present; "args" an object
           when present; "ts" a finite number (microseconds) where required; "pid" and "tid"
           integers where required
  B        name, ts, pid, tid
  E        ts, pid, tid (name optional); closes the innermost open B of the same thread, not
           before it; every B is closed by the end
  X        name, ts, pid, tid, "dur" a number >= 0
  i        name, ts; scope "s" is "g", "p" or "t" (default t); pid for p and t, tid for t
           (the deprecated "I" is refused)
  C        name, ts, pid, a non-empty "args" object whose values are numbers (one series a
           key); the series of one counter keep the same keys
  M        name is process_name, process_labels, process_sort_index, thread_name or
           thread_sort_index; pid (and tid for thread_*); args.name a string for *_name,
           args.sort_index an integer for *_sort_index, args.labels a string for
           process_labels; a process or thread named at most once
  threads  every thread with B/E/X/thread-scoped i events has thread_name metadata, and
           every process with events has process_name metadata
Options:
  --expect-peak BYTES   the maximum of the counter "live bytes" (one series, integer values
                        >= 0) must equal BYTES
  --expect-threads N    thread_name metadata must name exactly N distinct (pid, tid)
  --expect-counter NAME a counter NAME must exist (repeat for several: "RSS", "CPU", ...)
Prints "ok FILE: ..." and exits 0, or one line "FAIL FILE: why" and exits 1; exit 2 for a
usage error or an unreadable file.
"""
import json
import math
import os
import subprocess
import sys
import tempfile

LIVE = "live bytes"
PHASES = {"B", "E", "X", "i", "C", "M"}
META = {"process_name": ("name", str), "process_labels": ("labels", str),
        "process_sort_index": ("sort_index", int), "thread_name": ("name", str),
        "thread_sort_index": ("sort_index", int)}


class Bad(Exception):
    pass


def _reject_constant(name):
    raise ValueError("non-standard JSON constant " + name)


def _no_duplicates(pairs):
    obj = {}
    for k, v in pairs:
        if k in obj:
            raise ValueError("duplicate key " + repr(k))
        obj[k] = v
    return obj


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def is_num(v):
    return (is_int(v) or isinstance(v, float)) and not isinstance(v, bool) and math.isfinite(v)


def load(data):
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise Bad("not UTF-8 (byte %d)" % e.start)
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant)
    except ValueError as e:
        raise Bad("not strict JSON: %s" % e)


def check(doc, expect_peak=None, expect_threads=None, expect_counters=()):
    if not isinstance(doc, dict):
        raise Bad("the top level is not a JSON object (the object form has \"traceEvents\")")
    if "traceEvents" not in doc:
        raise Bad("no \"traceEvents\" key")
    events = doc["traceEvents"]
    if not isinstance(events, list):
        raise Bad("\"traceEvents\" is not a list")
    if "displayTimeUnit" in doc and doc["displayTimeUnit"] not in ("ms", "ns"):
        raise Bad("displayTimeUnit %r is neither \"ms\" nor \"ns\"" % (doc["displayTimeUnit"],))
    if "otherData" in doc and not isinstance(doc["otherData"], dict):
        raise Bad("otherData is not an object")

    counts = {}
    process_names, thread_names = {}, {}
    pids_used, tids_used = set(), set()
    counter_keys = {}            # counter (pid, name, id) -> keys of its series
    live = []                    # (ts, value) of "live bytes"
    per_thread = {}              # (pid, tid) -> [(ts, index, ph, name)] of B/E
    tmin, tmax = math.inf, -math.inf

    for i, e in enumerate(events):
        where = "traceEvents[%d]" % i

        def need(field, test, what):
            if field not in e:
                raise Bad("%s (ph %s): no \"%s\"" % (where, e.get("ph"), field))
            if not test(e[field]):
                raise Bad("%s (ph %s): \"%s\" %r is not %s" % (where, e.get("ph"), field, e[field], what))
            return e[field]

        if not isinstance(e, dict):
            raise Bad("%s is not an object" % where)
        ph = e.get("ph")
        if not isinstance(ph, str):
            raise Bad("%s: no string \"ph\"" % where)
        if ph not in PHASES:
            raise Bad("%s: phase %r is not one of %s" % (where, ph, " ".join(sorted(PHASES))))
        counts[ph] = counts.get(ph, 0) + 1
        if ph != "E":
            need("name", lambda v: isinstance(v, str) and v != "", "a non-empty string")
        elif "name" in e and not isinstance(e["name"], str):
            raise Bad("%s (ph E): \"name\" is not a string" % where)
        if "cat" in e and not isinstance(e["cat"], str):
            raise Bad("%s: \"cat\" is not a string" % where)
        if "args" in e and not isinstance(e["args"], dict):
            raise Bad("%s: \"args\" is not an object" % where)
        if ph != "M":
            ts = need("ts", is_num, "a finite number (microseconds)")
            tmin, tmax = min(tmin, ts), max(tmax, ts)
        elif "ts" in e and not is_num(e["ts"]):
            raise Bad("%s (ph M): \"ts\" is not a number" % where)

        scope = None
        if ph == "i":
            scope = e.get("s", "t")
            if scope not in ("g", "p", "t"):
                raise Bad("%s (ph i): scope \"s\" %r is not g, p or t" % (where, scope))
        needs_pid = ph in ("B", "E", "X", "C", "M") or scope in ("p", "t")
        needs_tid = ph in ("B", "E", "X") or scope == "t" or (ph == "M" and e["name"].startswith("thread_"))
        pid = need("pid", is_int, "an integer") if needs_pid else e.get("pid")
        tid = need("tid", is_int, "an integer") if needs_tid else e.get("tid")
        if "pid" in e and not is_int(e["pid"]):
            raise Bad("%s: \"pid\" is not an integer" % where)
        if "tid" in e and not is_int(e["tid"]):
            raise Bad("%s: \"tid\" is not an integer" % where)

        if ph in ("B", "E"):
            per_thread.setdefault((pid, tid), []).append((e["ts"], i, ph, e.get("name", "")))
        if ph == "X":
            need("dur", lambda v: is_num(v) and v >= 0, "a number >= 0")
            tmax = max(tmax, e["ts"] + e["dur"])
        if ph in ("B", "E", "X") or scope == "t":
            tids_used.add((pid, tid))
        if ph != "M" and pid is not None:
            pids_used.add(pid)
        if ph == "C":
            args = need("args", lambda v: isinstance(v, dict) and v, "a non-empty object")
            for k, v in args.items():
                if not is_num(v):
                    raise Bad("%s: counter %r series %r has value %r, not a number" % (where, e["name"], k, v))
            ckey = (pid, e["name"], e.get("id"))
            keys = sorted(args)
            if counter_keys.setdefault(ckey, keys) != keys:
                raise Bad("%s: counter %r has series %s, earlier %s" % (where, e["name"], keys, counter_keys[ckey]))
            if e["name"] == LIVE:
                if len(args) != 1:
                    raise Bad("%s: counter %r has %d series, expected one" % (where, LIVE, len(args)))
                v = next(iter(args.values()))
                if v < 0 or v != int(v):
                    raise Bad("%s: counter %r value %r is not a non-negative integer" % (where, LIVE, v))
                live.append((e["ts"], int(v)))
        if ph == "M":
            name = e["name"]
            if name not in META:
                raise Bad("%s: metadata name %r is not one of %s" % (where, name, ", ".join(META)))
            key, typ = META[name]
            args = need("args", lambda v: isinstance(v, dict), "an object")
            v = args.get(key)
            if not (isinstance(v, str) if typ is str else is_int(v)):
                raise Bad("%s: %s needs args.%s as %s" % (where, name, key, "a string" if typ is str else "an integer"))
            if name == "process_name":
                if pid in process_names:
                    raise Bad("%s: process %d named twice" % (where, pid))
                process_names[pid] = v
            elif name == "thread_name":
                if (pid, tid) in thread_names:
                    raise Bad("%s: thread %d of process %d named twice" % (where, tid, pid))
                thread_names[(pid, tid)] = v

    # B/E nesting, per thread, in timestamp order (the array order breaks ties)
    for (pid, tid), evs in per_thread.items():
        stack = []
        for ts, i, ph, name in sorted(evs):
            if ph == "B":
                stack.append((ts, i, name))
            else:
                if not stack:
                    raise Bad("traceEvents[%d] (ph E) on thread %d/%d closes nothing" % (i, pid, tid))
                bts, bi, bname = stack.pop()
                if name and name != bname:
                    raise Bad("traceEvents[%d] (ph E %r) closes traceEvents[%d] (ph B %r): not nested"
                              % (i, name, bi, bname))
        if stack:
            raise Bad("traceEvents[%d] (ph B %r) on thread %d/%d is never closed"
                      % (stack[-1][1], stack[-1][2], pid, tid))

    for pid, tid in sorted(tids_used):
        if (pid, tid) not in thread_names:
            raise Bad("thread %d of process %d has events but no thread_name metadata" % (tid, pid))
    for pid in sorted(pids_used | {p for p, _ in thread_names}):
        if pid not in process_names:
            raise Bad("process %d has events but no process_name metadata" % pid)

    counters = sorted({name for (_, name, _) in counter_keys})
    for c in expect_counters:
        if c not in counters:
            raise Bad("no counter named %r (counters: %s)" % (c, ", ".join(counters) or "none"))
    peak = max((v for _, v in live), default=None)
    if expect_peak is not None:
        if peak is None:
            raise Bad("no counter named %r" % LIVE)
        if peak != expect_peak:
            at = next(ts for ts, v in live if v == peak)
            raise Bad("peak of %r is %d (at ts %s), expected %d" % (LIVE, peak, at, expect_peak))
    if expect_threads is not None and len(thread_names) != expect_threads:
        raise Bad("thread_name metadata for %d threads, expected %d" % (len(thread_names), expect_threads))
    span = (tmax - tmin) if tmax >= tmin else 0
    return ("%d events (%s), %d processes, %d threads named, counters: %s%s, span %s us"
            % (len(events), " ".join("%s %d" % kv for kv in sorted(counts.items())),
               len(process_names), len(thread_names), ", ".join(counters) or "none",
               "; peak %s %d" % (LIVE, peak) if peak is not None else "", span))


def main(argv):
    if argv == ["--selftest"]:
        return selftest()
    path, peak, threads, counters = None, None, None, []
    i = 0
    try:
        while i < len(argv):
            a = argv[i]
            if a == "--expect-peak":
                peak = int(argv[i + 1]); i += 2
            elif a == "--expect-threads":
                threads = int(argv[i + 1]); i += 2
            elif a == "--expect-counter":
                counters.append(argv[i + 1]); i += 2
            elif a.startswith("-") or path is not None:
                raise ValueError(a)
            else:
                path = a; i += 1
    except (IndexError, ValueError):
        print(__doc__, file=sys.stderr)
        return 2
    if path is None:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        print("check_trace.py: %s" % e, file=sys.stderr)
        return 2
    try:
        summary = check(load(data), peak, threads, counters)
    except Bad as e:
        print("FAIL %s: %s" % (path, e))
        return 1
    print("ok %s: %s" % (path, summary))
    return 0


# ---- self-test ----
def _valid():
    pid = 4242
    ev = [
        {"name": "process_name", "ph": "M", "pid": pid, "args": {"name": "leaky_cache"}},
        {"name": "thread_name", "ph": "M", "pid": pid, "tid": 1, "args": {"name": "main"}},
        {"name": "thread_name", "ph": "M", "pid": pid, "tid": 2, "args": {"name": "worker-1"}},
        {"name": "thread_sort_index", "ph": "M", "pid": pid, "tid": 2, "args": {"sort_index": 1}},
        {"name": LIVE, "ph": "C", "ts": 0, "pid": pid, "args": {"bytes": 0}},
        {"name": "run", "cat": "memscope", "ph": "B", "ts": 1, "pid": pid, "tid": 1},
        {"name": "alloc", "cat": "memscope", "ph": "X", "ts": 2.5, "dur": 0.25, "pid": pid, "tid": 2,
         "args": {"bytes": 4096, "type": "char *"}},
        {"name": LIVE, "ph": "C", "ts": 2.5, "pid": pid, "args": {"bytes": 4096}},
        {"name": LIVE, "ph": "C", "ts": 3, "pid": pid, "args": {"bytes": 65600}},
        {"name": "RSS", "ph": "C", "ts": 3, "pid": pid, "args": {"bytes": 10485760}},
        {"name": "CPU", "ph": "C", "ts": 3, "pid": pid, "args": {"percent": 12.5}},
        {"name": "free", "ph": "i", "ts": 4, "pid": pid, "tid": 1, "s": "t", "args": {"bytes": 64}},
        {"name": "export", "ph": "i", "ts": 5, "s": "g"},
        {"name": LIVE, "ph": "C", "ts": 5, "pid": pid, "args": {"bytes": 65536}},
        {"ph": "E", "ts": 9, "pid": pid, "tid": 1},
    ]
    return {"traceEvents": ev, "displayTimeUnit": "ms", "otherData": {"generator": "selftest"}}


def selftest():
    def variant(fn):
        d = _valid()
        fn(d)
        return d

    ev = lambda d, i: d["traceEvents"][i]      # noqa: E731
    good = [
        ("full", _valid(), ["--expect-peak", "65600", "--expect-threads", "2",
                            "--expect-counter", "RSS", "--expect-counter", "CPU"]),
        ("no displayTimeUnit", variant(lambda d: d.pop("displayTimeUnit")), []),
        ("empty", {"traceEvents": []}, ["--expect-threads", "0"]),
    ]
    bad = [
        ("array form", json.dumps(_valid()["traceEvents"]), []),
        ("no traceEvents", json.dumps({"events": []}), []),
        ("NaN", json.dumps(_valid()).replace('"ts": 3,', '"ts": NaN,', 1), []),
        ("duplicate key", json.dumps(_valid()).replace('"ph": "B",', '"ph": "B", "ph": "B",', 1), []),
        ("trailing garbage", json.dumps(_valid()) + "]", []),
        ("bad displayTimeUnit", variant(lambda d: d.update(displayTimeUnit="us")), []),
        ("unknown phase", variant(lambda d: ev(d, 5).update(ph="Q")), []),
        ("deprecated I", variant(lambda d: ev(d, 11).update(ph="I")), []),
        ("ts string", variant(lambda d: ev(d, 5).update(ts="1")), []),
        ("no ts", variant(lambda d: ev(d, 6).pop("ts")), []),
        ("pid string", variant(lambda d: ev(d, 5).update(pid="4242")), []),
        ("no tid on B", variant(lambda d: ev(d, 5).pop("tid")), []),
        ("X without dur", variant(lambda d: ev(d, 6).pop("dur")), []),
        ("X negative dur", variant(lambda d: ev(d, 6).update(dur=-1)), []),
        ("bad scope", variant(lambda d: ev(d, 11).update(s="x")), []),
        ("counter string value", variant(lambda d: ev(d, 9).update(args={"bytes": "10"})), []),
        ("counter bool value", variant(lambda d: ev(d, 9).update(args={"bytes": True})), []),
        ("counter no args", variant(lambda d: ev(d, 9).pop("args")), []),
        ("counter series change", variant(lambda d: ev(d, 8).update(args={"value": 65600})), []),
        ("live bytes fraction", variant(lambda d: ev(d, 8).update(args={"bytes": 65600.5})), []),
        ("bad metadata name", variant(lambda d: ev(d, 1).update(name="thread_title")), []),
        ("thread_name without name", variant(lambda d: ev(d, 1).update(args={"title": "main"})), []),
        ("sort_index string", variant(lambda d: ev(d, 3).update(args={"sort_index": "1"})), []),
        ("thread named twice", variant(lambda d: d["traceEvents"].append(dict(ev(d, 1)))), []),
        ("unnamed thread", variant(lambda d: d["traceEvents"].pop(2)), []),
        ("no process_name", variant(lambda d: d["traceEvents"].pop(0)), []),
        ("E without B", variant(lambda d: d["traceEvents"].pop(5)), []),
        ("B never closed", variant(lambda d: d["traceEvents"].pop()), []),
        ("E before B", variant(lambda d: ev(d, 14).update(ts=0.5)), []),
        ("wrong peak", _valid(), ["--expect-peak", "65536"]),
        ("wrong thread count", _valid(), ["--expect-threads", "3"]),
        ("missing counter", _valid(), ["--expect-counter", "GPU"]),
        ("no live bytes", variant(lambda d: d.update(traceEvents=[e for e in d["traceEvents"]
                                                                  if e.get("name") != LIVE])),
         ["--expect-peak", "1"]),
    ]
    ok = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        p = os.path.join(tmp, "t.json")
        for kind, cases in (("valid", good), ("broken", bad)):
            for name, doc, args in cases:
                with open(p, "w") as f:
                    f.write(doc if isinstance(doc, str) else json.dumps(doc))
                r = subprocess.run([sys.executable, __file__, p] + args, capture_output=True, text=True)
                out = r.stdout.strip()
                good_result = (r.returncode == 0) if kind == "valid" else (
                    r.returncode == 1 and "\n" not in out and out.startswith("FAIL "))
                if good_result:
                    ok += 1
                    print("   %s %s: %s" % (kind, name, out))
                else:
                    failed += 1
                    print("   SELFTEST %s %s: rc=%d: %s" % (kind, name, r.returncode, (r.stdout + r.stderr).strip()))
    print("check_trace.py selftest: %d passed, %d failed" % (ok, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
