#!/usr/bin/env python3
"""replay_check.py REPORT.json ROUNDS LABEL -- the stacks of tests/unwind/replay_prog.c's
allocations (memscope run's JSON report): each size's allocations, every one of them, have
the chain of functions that size stands for, innermost first, and there are ROUNDS of each."""
import json
import sys

path, rounds, label = sys.argv[1], int(sys.argv[2]), sys.argv[3]
d = json.load(open(path))
stacks = {s["id"]: [f.get("function") or "?" for f in s["frames"]] for s in d["stacks"]}
want = {1001: ["leaf", "pa", "main"], 1002: ["leaf", "pb", "main"],
        2001: ["leaf2", "mid", "xa", "main"], 2002: ["leaf2", "mid", "xb", "main"],
        4001: ["leafr", "ra", "main"], 4002: ["leafr", "rb", "main"],
        5001: ["leaf", "pa", "via", "main"], 5002: ["leaf", "pb", "via", "main"],
        6001: ["fpx", "qa", "via2", "main"], 6002: ["fpx", "qb", "via2", "main"],
        7001: ["leafy", "fpy", "qc", "via2", "main"], 7002: ["leafy", "fpy", "qd", "via2", "main"]}
for k in range(1, 9):
    want[3000 + k] = ["leaf3"] + ["rec"] * k + ["main"]
seen = {s: 0 for s in want}
bad = []
for e in d["events"]:
    if e["kind"] != "alloc" or e["size"] not in want:
        continue
    seen[e["size"]] += 1
    fr = stacks.get(e["stack"], [])
    # frames from the allocation function's caller: skip malloc itself where it is listed
    while fr and fr[0] in ("malloc", "__libc_malloc"):
        fr = fr[1:]
    if fr[:len(want[e["size"]])] != want[e["size"]]:
        bad.append((e["size"], fr[:len(want[e["size"]]) + 1]))
counts_ok = all(seen[s] == (rounds // 8 if 3000 < s < 4000 else rounds) for s in want)
print("%s %s: %d allocations checked, %d with another stack%s; counts %s" % (
    "ok  " if not bad and counts_ok else "FAIL", label, sum(seen.values()), len(bad),
    (": first %r" % (bad[0],)) if bad else "", "as made" if counts_ok else "off: %r" % seen))
sys.exit(0 if not bad and counts_ok else 1)
