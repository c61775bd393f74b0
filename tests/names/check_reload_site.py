#!/usr/bin/env python3
"""check_reload_site.py - the reload-site check of tests/names/run.sh: the TRACK sites of a
plugin dlclosed before the export are still reported, with their own names.

Prints one "ok   ..." or "FAIL ..." line per check (details of a failure on indented lines
after it) and exits 0 when it ran to the end, whatever the checks said (run.sh counts the
lines); an exception exits nonzero.

  check_reload_site.py --label L --json J --source SRC --site VAR:LO-HI [--site VAR:LO-HI]...
      J parses as JSON; for each VAR: J's sites hold one site named VAR, type "char *", whose
      file is SRC (by its base name) and whose line is the line of SRC with "TRACK(t, VAR)";
      the one allocation event of LO..HI bytes (TRACK records the block's usable size) refers
      to that site.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check import Checks  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--label", required=True)
    p.add_argument("--json", required=True)
    p.add_argument("--source", required=True)
    p.add_argument("--site", action="append", required=True)
    a = p.parse_args()
    c = Checks(a.label)
    try:
        rep = json.load(open(a.json))
        err = None
    except (OSError, ValueError) as e:
        rep, err = None, "%s: %s" % (type(e).__name__, e)
    if not c.check("%s parses as JSON, with sites and events" % os.path.basename(a.json),
                   isinstance(rep, dict) and isinstance(rep.get("sites"), list) and isinstance(rep.get("events"), list),
                   [err or "keys: %s" % (sorted(rep) if isinstance(rep, dict) else type(rep).__name__)]):
        return
    src = open(a.source).read().splitlines()
    base = os.path.basename(a.source)
    sites = {s.get("id"): s for s in rep["sites"]}
    for spec in a.site:
        var, _, size = spec.partition(":")
        lo, _, hi = size.partition("-")
        lo, hi = int(lo), int(hi or lo)
        lines = [i + 1 for i, l in enumerate(src) if "TRACK(t, %s)" % var in l]
        assert len(lines) == 1, "%s: %d lines with TRACK(t, %s)" % (a.source, len(lines), var)
        line = lines[0]
        named = [s for s in rep["sites"] if s.get("var_name") == var]
        good = [s for s in named if s.get("type_name") == "char *" and s.get("line") == line
                and os.path.basename(s.get("file") or "") == base]
        c.check("a site %s (char *) at %s:%d" % (var, base, line), len(good) == 1,
                ["sites named %s: %s" % (var, named), "all sites: %s" % rep["sites"]])
        evs = [e for e in rep["events"] if e.get("kind") == "alloc" and lo <= (e.get("size") or 0) <= hi]
        s = sites.get(evs[0].get("site")) if len(evs) == 1 else None
        c.check("the allocation of %d..%d bytes refers to the site %s" % (lo, hi, var),
                s is not None and s in good,
                ["allocations of that size: %s" % evs, "their site: %s" % s])


if __name__ == "__main__":
    main()
    sys.stdout.flush()
