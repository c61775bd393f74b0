#!/usr/bin/env python3
"""Compares two memscope JSON exports of the same state.

    json_same.py A.json B.json          byte for byte
    json_same.py A.json B.json --live   B was exported from the live tracker at another instant:
                                        duration_sec and the two rates may differ, and event and
                                        snapshot times by 2 ns + 1e-4 relative (the tick-to-ns
                                        ratio is refined at each export); everything else equal
Exit 0 when they agree, 1 naming the first difference.
"""
import json
import sys

TIME_KEYS = {"duration_sec", "allocation_rate_per_sec", "deallocation_rate_per_sec"}


def close(a, b):
    return abs(a - b) <= 2 + abs(b) * 1e-4


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    ra, rb = open(argv[1], "rb").read(), open(argv[2], "rb").read()
    if "--live" not in argv:
        if ra == rb:
            print("json_same: identical (%d bytes)" % len(ra))
            return 0
        i = next(i for i in range(min(len(ra), len(rb)) + 1) if i >= min(len(ra), len(rb)) or ra[i] != rb[i])
        sys.stderr.write("json_same: first difference at byte %d: %r vs %r\n" % (i, ra[i:i + 60], rb[i:i + 60]))
        return 1
    a, b = json.loads(ra), json.loads(rb)
    if list(a) != list(b):
        sys.stderr.write("json_same: keys differ: %r vs %r\n" % (list(a), list(b)))
        return 1
    for k in a:
        if k in TIME_KEYS:
            continue
        va, vb = a[k], b[k]
        if k in ("events", "system_snapshots"):
            tkey = "timestamp_ns" if k == "events" else "elapsed_ns"
            if len(va) != len(vb):
                sys.stderr.write("json_same: %s: %d vs %d\n" % (k, len(va), len(vb)))
                return 1
            for i, (x, y) in enumerate(zip(va, vb)):
                if not close(x[tkey], y[tkey]) or {**x, tkey: 0} != {**y, tkey: 0}:
                    sys.stderr.write("json_same: %s[%d]: %r vs %r\n" % (k, i, x, y))
                    return 1
        elif va != vb:
            sys.stderr.write("json_same: %s: %r vs %r\n" % (k, str(va)[:200], str(vb)[:200]))
            return 1
    print("json_same: equal but for the export instant (%d events)" % len(a.get("events", [])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
