#!/usr/bin/env python3
"""check_format.py - the .msb names in memscope.h agree with docs/FORMAT.md (make check-toc).

Checks, and names every difference:
  1. the section types (memscope.h's enum MS__MSB_META = 1, MS__MSB_STRINGS, ...) against the
     table of section types in docs/FORMAT.md (type number and name);
  2. META's fields (memscope.h's MS__META_FIELDS: id, name, wire type), which the writer and
     the reader both use, against the table of docs/FORMAT.md's "1. META" section (id, `name`,
     wire).
  check_format.py --selftest memscope.h docs/FORMAT.md: each kind of drift, made in a copy of
  docs/FORMAT.md, must be found.
Exit 0 when they agree, 1 otherwise (one line per difference)."""
import re
import sys


def header_names(h):
    m = re.search(r"enum \{ MS__MSB_META = 1,([^}]*)\}", h)
    if not m:
        return None, None
    names = ["META"] + [x.strip()[len("MS__MSB_"):] for x in m.group(1).split(",") if x.strip()]
    types = {i + 1: n for i, n in enumerate(names)}
    meta = {}
    body = re.search(r"#define MS__META_FIELDS\(X\)((?:.*\\\n)*.*)", h)
    for mm in re.finditer(r"X\((\d+), (\w+), (\w+)\)", body.group(1) if body else ""):
        meta[int(mm.group(1))] = (mm.group(2), mm.group(3))
    return types, meta


def doc_names(d):
    types, meta = {}, {}
    tab = d.split("\n| type | name | payload |", 1)
    if len(tab) == 2:
        for mm in re.finditer(r"^\| (\d+) \| ([A-Z]+) \| ", tab[1].split("\n\n", 1)[0], re.M):
            types[int(mm.group(1))] = mm.group(2)
    sec = d.split("\n## 1. META", 1)
    if len(sec) == 2:
        body = sec[1].split("\n## ", 1)[0]
        for mm in re.finditer(r"^\| (\d+) \| `(\w+)` \| (\w+) \|", body, re.M):
            meta[int(mm.group(1))] = (mm.group(2).upper(), mm.group(3).upper())
    return types, meta


def check(h, d):
    errs = []
    ht, hm = header_names(h)
    if ht is None:
        return ["memscope.h: the section enum (MS__MSB_META = 1, ...) was not found"]
    if not hm:
        errs.append("memscope.h: MS__META_FIELDS was not found")
    dt, dm = doc_names(d)
    for k in sorted(set(ht) | set(dt)):
        if ht.get(k) != dt.get(k):
            errs.append("section type %d: memscope.h says %s, docs/FORMAT.md %s" % (k, ht.get(k), dt.get(k)))
    for k in sorted(set(hm) | set(dm)):
        if hm.get(k) != dm.get(k):
            errs.append("META field %d: memscope.h says %s, docs/FORMAT.md %s" % (k, hm.get(k), dm.get(k)))
    return errs


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--selftest":
        h = open(sys.argv[2], encoding="utf-8").read()
        d = open(sys.argv[3], encoding="utf-8").read()
        cases = {
            "a META field renamed": lambda t: t.replace("| 13 | `program` |", "| 13 | `prog` |", 1),
            "a META wire type changed": lambda t: t.replace("| 7 | `pid` | varint |", "| 7 | `pid` | f64 |", 1),
            "a META field left out": lambda t: t.replace("| 17 | `cwd` |", "| x17 | `cwd` |", 1),
            "a section type renumbered": lambda t: t.replace("| 12 | INLINED |", "| 14 | INLINED |", 1),
        }
        bad = 0
        if check(h, d):
            print("check-format selftest: the files as they are do not agree")
            bad = 1
        for name, mutate in cases.items():
            t = mutate(d)
            found = t != d and check(h, t)
            print("check-format selftest: %s: %s" % (name, "found" if found else "NOT FOUND"))
            bad |= not found
        sys.exit(1 if bad else 0)
    h = open(sys.argv[1] if len(sys.argv) > 1 else "memscope.h", encoding="utf-8").read()
    d = open(sys.argv[2] if len(sys.argv) > 2 else "docs/FORMAT.md", encoding="utf-8").read()
    errs = check(h, d)
    for e in errs:
        print("check-format: " + e)
    if not errs:
        _, hm = header_names(h)
        ht, _ = header_names(h)
        print("check-format: ok (%d section types, %d META fields)" % (len(ht), len(hm)))
    sys.exit(1 if errs else 0)
