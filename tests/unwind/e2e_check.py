#!/usr/bin/env python3
"""e2e_check.py - the end-to-end checks of tests/unwind/run.sh on memscope's JSON reports.

  e2e_check.py --markers M --auto A.json --dwarf D.json --fp F.json [--label L]

M is what e2e_prog wrote: "SIZE<TAB>f1 f2 ... root" per marker allocation (innermost first).
A, D, F: `memscope run -o X.json` of e2e_prog with the default unwinder (auto), --unwind dwarf
and --unwind fp. Checks (README "JSON schema": events, stacks, frames' function and module):
  - each marker size has exactly one "alloc" event, with a stack (every run);
  - auto and dwarf: the stack's function names begin with the whole chain, in order, down to
    main (thread_main for the second thread);
  - no frame of any marker stack is in libmemscope.so, or named ms__* or after an allocation
    function (malloc, calloc, ...) (every run);
  - auto = dwarf: the same frames (function, module, offset in the module) for every marker;
  - fp: every marker's stack is shorter than dwarf's (the program has no frame pointers).
Prints one "ok   ..." or "FAIL ..." line per check (details on indented lines after a failure)
and "note: ..." lines; exits 0 when it ran to the end, whatever the checks said (run.sh counts
the lines); an exception exits nonzero.
"""
import argparse
import json
import os

ALLOC_FNS = {"malloc", "calloc", "realloc", "reallocarray", "free", "posix_memalign", "aligned_alloc",
             "memalign", "valloc", "pvalloc", "malloc_usable_size"}


def check(label, name, ok, details=()):
    print(("ok   " if ok else "FAIL ") + label + ": " + name)
    if not ok:
        details = list(details)
        for d in details[:12]:
            print("       " + d)
        if len(details) > 12:
            print("       ... %d more" % (len(details) - 12))
    return ok


def load(path):
    with open(path) as f:
        d = json.load(f)
    stacks = {s["id"]: s["frames"] for s in d["stacks"]}
    return d, stacks


def marker_stacks(path, markers):
    """size -> (number of alloc events of that size, frames of the last one's stack or None)"""
    d, stacks = load(path)
    out = {size: [0, None] for size in markers}
    for e in d["events"]:
        if e["kind"] == "alloc" and e["size"] in out:
            out[e["size"]][0] += 1
            out[e["size"]][1] = stacks.get(e["stack"]) if e["stack"] else None
    return out


def fmt(frames):
    return " ".join("%s@%s+0x%x" % (f.get("function"), os.path.basename(f.get("module") or "?"), f.get("offset") or 0)
                    for f in frames)


def key(frames):
    return [(f.get("function"), os.path.basename(f.get("module") or ""), f.get("offset")) for f in frames]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--markers", required=True)
    ap.add_argument("--auto", required=True)
    ap.add_argument("--dwarf", required=True)
    ap.add_argument("--fp", required=True)
    ap.add_argument("--label", default="e2e")
    a = ap.parse_args()
    L = a.label

    markers = {}
    with open(a.markers) as f:
        for line in f:
            size, chain = line.rstrip("\n").split("\t")
            markers[int(size)] = chain.split()
    check(L, "the program wrote %d marker allocations with their expected chains (%d to %d functions)"
          % (len(markers), min(map(len, markers.values())) if markers else 0,
             max(map(len, markers.values())) if markers else 0),
          len(markers) >= 10 and max(map(len, markers.values())) >= 12)

    runs = {m: marker_stacks(p, markers) for m, p in (("auto", a.auto), ("dwarf", a.dwarf), ("fp", a.fp))}

    for mode, res in runs.items():
        bad = ["size %d: %d alloc events, stack %s" % (s, n, "yes" if fr else "none")
               for s, (n, fr) in sorted(res.items()) if n != 1 or not fr]
        check(L, "--unwind %s: each of the %d marker sizes has exactly one allocation, with a stack"
              % (mode, len(markers)), not bad, bad)
        bad = []
        for s, (n, fr) in sorted(res.items()):
            for f in fr or []:
                fn, mod = f.get("function") or "", os.path.basename(f.get("module") or "")
                if mod == "libmemscope.so" or fn.startswith("ms__") or fn in ALLOC_FNS:
                    bad.append("size %d: frame %s in %s: %s" % (s, fn or "?", mod or "?", fmt(fr)))
                    break
        check(L, "--unwind %s: no marker stack has a frame in libmemscope.so, named ms__* or an allocation function"
              % mode, not bad, bad)

    for mode in ("auto", "dwarf"):
        res = runs[mode]
        bad, frames = [], 0
        for s, chain in sorted(markers.items()):
            fr = res[s][1] or []
            names = [f.get("function") for f in fr[:len(chain)]]
            if names != chain:
                bad.append("size %d: expected %s" % (s, " ".join(chain)))
                bad.append("          got      %s" % fmt(fr))
            else:
                frames += len(chain)
        check(L, "--unwind %s: every marker stack begins with its whole chain, in order, down to main or thread_main "
              "(%d stacks, %d frames compared)" % (mode, len(markers), frames), not bad, bad)

    bad, frames = [], 0
    for s in sorted(markers):
        fa, fd = runs["auto"][s][1] or [], runs["dwarf"][s][1] or []
        if key(fa) != key(fd):
            bad.append("size %d: auto  %s" % (s, fmt(fa)))
            bad.append("          dwarf %s" % fmt(fd))
        else:
            frames += len(fa)
    check(L, "default unwinder = --unwind dwarf: the same frames (function, module, offset) for every marker "
          "(%d stacks, %d frames)" % (len(markers), frames), not bad, bad)

    df = [len(runs["dwarf"][s][1] or []) for s in sorted(markers)]
    ff = [len(runs["fp"][s][1] or []) for s in sorted(markers)]
    da = [len(runs["auto"][s][1] or []) for s in sorted(markers)]
    print("note: %s: marker stack depths: default %d..%d, --unwind dwarf %d..%d, --unwind fp %d..%d frames"
          % (L, min(da), max(da), min(df), max(df), min(ff), max(ff)))
    bad = ["size %d: fp %d frames, dwarf %d: %s" % (s, x, y, fmt(runs["fp"][s][1] or []))
           for s, x, y in zip(sorted(markers), ff, df) if not x < y]
    check(L, "--unwind fp: every marker stack is shorter than dwarf's (fp %d..%d frames, dwarf %d..%d)"
          % (min(ff), max(ff), min(df), max(df)), not bad, bad)


if __name__ == "__main__":
    main()
