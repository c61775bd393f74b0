#!/usr/bin/env python3
"""check_reload.py - the reload checks of tests/names/run.sh: a plugin loaded where an
unloaded one was must be named after itself.

Prints one "ok   ..." or "FAIL ..." line per check (details of a failure on indented lines
after it) and exits 0 when it ran to the end, whatever the checks said (run.sh counts the
lines); an exception exits nonzero.

  check_reload.py --label L --json J --bases B --size LO-HI --module PLUGIN.so
                  --shape F1,F2,... [--forbid-prefix P]... [--forbid-module FILE]...
      The one allocation event of J with LO <= size <= HI (a stack captured), and its stack:
      - it begins with exactly F1 <- F2 <- ... (function names);
      - every frame whose address lies in PLUGIN.so as the program loaded it (load bias from
        B, "BIAS<TAB>PATH" lines written by the program) has PLUGIN.so's path as its module,
        and the function and offset readelf finds there (check.py's Module); the frames named
        F1.. that are PLUGIN.so's own functions are among them;
      - no frame names a function beginning with a forbidden prefix, or a forbidden module.
      --same-as LO-HI: also print (a note, not a check) whether the first len(F) return
      addresses of the allocation of LO..HI bytes are those of this one.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check import Checks, Module, read_bases  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--label", required=True)
    p.add_argument("--json", required=True)
    p.add_argument("--bases", required=True)
    p.add_argument("--size", required=True)
    p.add_argument("--module", required=True)
    p.add_argument("--shape", required=True)
    p.add_argument("--forbid-prefix", action="append", default=[])
    p.add_argument("--forbid-module", action="append", default=[])
    p.add_argument("--same-as")
    a = p.parse_args()
    c = Checks(a.label)
    lo, _, hi = a.size.partition("-")
    lo, hi = int(lo), int(hi or lo)
    rep = json.load(open(a.json))
    stacks = {s["id"]: s for s in rep["stacks"]}
    mod = Module(a.module)
    shape = a.shape.split(",")
    own = [f for f in shape if any(n == f for _, _, n, _, _ in mod.funcs)]

    evs = [e for e in rep["events"] if e["kind"] == "alloc" and lo <= e["size"] <= hi]
    if not c.check("one allocation of %d..%d bytes, with a call stack" % (lo, hi),
                   len(evs) == 1 and evs[0]["stack"] in stacks,
                   ["allocations of that size: %s" % [(e["size"], e["stack"]) for e in evs]]):
        return
    frames = stacks[evs[0]["stack"]]["frames"]
    where = "stack %d" % evs[0]["stack"]
    print("%s: %s of the %d-byte allocation: %s" % (a.label, where, evs[0]["size"], " <- ".join(
        "%s in %s" % (f["function"], os.path.basename(f["module"] or "?")) for f in frames)))

    if a.same_as:
        olo, _, ohi = a.same_as.partition("-")
        olo, ohi = int(olo), int(ohi or olo)
        other = [e for e in rep["events"] if e["kind"] == "alloc" and olo <= e["size"] <= ohi and e["stack"] in stacks]
        mine = [f["address"] for f in frames[:len(shape)]]
        theirs = [[f["address"] for f in stacks[e["stack"]]["frames"][:len(shape)]] for e in other]
        print("%s: note: the first %d return addresses of the %d..%d-byte allocation are %s those of the %d..%d-byte one (%s)"
              % (a.label, len(shape), lo, hi, "the same as" if theirs and all(t == mine for t in theirs) else "not",
                 olo, ohi, " ".join(mine)))

    got = [f["function"] for f in frames[:len(shape)]]
    c.check("%s begins %s" % (where, " <- ".join(shape)), got == shape, ["begins %s" % " <- ".join(map(str, got))])

    bases = read_bases(a.bases)
    bias = bases.get(mod.real)
    if c.check("the program wrote the load bias of %s" % mod.name, bias is not None, ["bases: %s" % sorted(bases)]):
        bad, named = [], set()
        for i, fr in enumerate(frames):
            addr = int(fr["address"], 16)
            if not (bias + mod.vlo <= addr - 1 < bias + mod.vhi):
                continue
            at = "frame %d %s (%s+%#x)" % (i, fr["address"], mod.name, addr - 1 - bias)
            if not fr["module"] or os.path.realpath(fr["module"]) != mod.real:
                bad.append("%s: module %r, expected %s" % (at, fr["module"], mod.real))
            exp = dict(mod.containing(addr - 1 - bias))
            if fr["function"] not in exp:
                bad.append("%s: function %r, readelf says %s" % (at, fr["function"], " or ".join(sorted(exp)) or "none"))
            elif fr["offset"] != addr - bias - exp[fr["function"]]:
                bad.append("%s: %s offset %r, expected %d" % (at, fr["function"], fr["offset"], addr - bias - exp[fr["function"]]))
            else:
                named.add(fr["function"])
        missing = [f for f in own if f not in named]
        c.check("%s: the frames in %s carry its path and the function and offset readelf finds there (%s)"
                % (where, mod.name, ", ".join(own)), not bad and not missing and own,
                bad + ["no such frame named %s" % f for f in missing] + ([] if own else ["--shape names no function of the module"]))

    bad = []
    for i, fr in enumerate(frames):
        if fr["function"] and any(fr["function"].startswith(px) for px in a.forbid_prefix):
            bad.append("frame %d %s: function %s in %s" % (i, fr["address"], fr["function"], fr["module"]))
        if fr["module"] and os.path.realpath(fr["module"]) in {os.path.realpath(m) for m in a.forbid_module}:
            bad.append("frame %d %s: module %s (function %s)" % (i, fr["address"], fr["module"], fr["function"]))
    c.check("%s: no frame names %s" % (where, " or ".join(
        ["%s*" % px for px in a.forbid_prefix] + [os.path.basename(m) for m in a.forbid_module]) or "anything forbidden"),
        not bad, bad)


if __name__ == "__main__":
    main()
    sys.stdout.flush()
