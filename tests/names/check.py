#!/usr/bin/env python3
"""check.py - the checks of tests/names/run.sh on memscope's JSON and text reports.

Prints one "ok   ..." or "FAIL ..." line per check (details of a failure on indented lines
after it) and exits 0 when it ran to the end, whatever the checks said (run.sh counts the
lines); an exception exits nonzero.

  check.py frames --json J --bases B --module FILE[=TRUTH] ... [options]
      Every frame of every stack whose address (minus 1) lies in a module FILE of the test is
      named independently from FILE's own symbol tables (readelf -sW: .symtab and .dynsym,
      FUNC/IFUNC symbols, the one containing A - 1 - bias) and compared with the JSON's
      function, module and offset. The load bias of each module comes from B, written by the
      program itself (dl_iterate_phdr): "BIAS<TAB>PATH" lines.
      --addr2line NAME,...   frames named so are also checked with `addr2line -f -e FILE`
      --require NAME,...     each must name at least one frame
      --shape A,B,C          some stack must begin with exactly these functions
      --static NAME,... --exported NAME,...  with FILE=TRUTH (FILE a stripped copy of TRUTH):
          frames that TRUTH's .symtab places in a static function must be unnamed (offset
          from the module's load address), frames in an exported one named; each must occur
  check.py text --json Y --full T --cut T2 --frames N
      The text report's call stacks (T: every frame, T2: --frames N) against the JSON
      report Y of the same .msb.
  check.py same --a J1 --b J2 --module FILE ...
      Two runs of the same program: the stacks of the allocations made in the test's own
      modules, as (function, module, offset) of their frames in those modules, are the same.
"""
import argparse
import json
import os
import re
import subprocess
import sys


class Checks:
    def __init__(self, label):
        self.label = label

    def check(self, name, ok, details=()):
        print(("ok   " if ok else "FAIL ") + self.label + ": " + name)
        if not ok:
            details = list(details)
            for d in details[:12]:
                print("       " + d)
            if len(details) > 12:
                print("       ... %d more" % (len(details) - 12))
        return ok


def readelf(args, path):
    return subprocess.run(["readelf"] + args + [path], check=True, capture_output=True, text=True,
                          env=dict(os.environ, LC_ALL="C")).stdout


class Module:
    """An ELF file's function symbols and PT_LOAD extent, from readelf."""

    def __init__(self, path):
        self.path = path
        self.real = os.path.realpath(path)
        self.name = os.path.basename(path)
        self.funcs = []  # (value, size, name, bind, table)
        table = None
        for line in readelf(["-sW", "-C"], path).splitlines():  # C++ names demangled, as memscope gives them
            m = re.match(r"Symbol table '([^']+)'", line)
            if m:
                table = m.group(1)
                continue
            f = line.split()
            if len(f) < 8 or not f[0].endswith(":") or not f[0][:-1].isdigit():
                continue
            value, size, typ, bind, ndx, name = int(f[1], 16), int(f[2], 0), f[3], f[4], f[6], " ".join(f[7:])
            if typ not in ("FUNC", "IFUNC") or ndx == "UND" or value == 0:
                continue
            name = name.split("@")[0]  # readelf's version suffix is not part of the name
            self.funcs.append((value, size, name, bind, table))
        self.tables = {t for *_, t in self.funcs}
        loads = []
        for line in readelf(["-lW"], path).splitlines():
            f = line.split()
            if f and f[0] == "LOAD":
                loads.append((int(f[2], 16), int(f[5], 16)))  # p_vaddr, p_memsz
        self.vlo = min(v for v, _ in loads)
        self.vhi = max(v + s for v, s in loads)

    def containing(self, rel):
        """Names of the function symbols holding module-relative address rel, with their start:
        the sized ones whose [value, value + size) holds it; else an unsized one at the highest
        start <= rel with no symbol starting between it and rel."""
        sized = {(n, v) for v, s, n, _, _ in self.funcs if s and v <= rel < v + s}
        if sized:
            return sized
        before = [v for v, _, _, _, _ in self.funcs if v <= rel]
        if not before:
            return set()
        top = max(before)
        return {(n, v) for v, s, n, _, _ in self.funcs if v == top and not s}

    def binding(self, name):
        return {b for _, _, n, b, _ in self.funcs if n == name}


def read_bases(path):
    bases = {}
    with open(path) as f:
        for line in f:
            b, _, p = line.rstrip("\n").partition("\t")
            if p.startswith("/"):
                bases[os.path.realpath(p)] = int(b, 16)
    return bases


CLONE = re.compile(r"(\.(constprop|isra|part|cold|lto_priv|localalias)(\.\d+)?)+$")


def unclone(name):
    """A symbol table name without the compiler's clone suffixes (addr2line names the source function)."""
    return CLONE.sub("", name) if name else name


def addr2line_inline(path, rels):
    """addr2line -f -i -C's frames for each address: [(function, file, line)], innermost first."""
    out = subprocess.run(["addr2line", "-f", "-i", "-C", "-a", "-e", path] + ["%#x" % r for r in rels], check=True,
                         capture_output=True, text=True).stdout.splitlines()
    res, cur = [], None
    i = 0
    while i < len(out):
        if out[i].startswith("0x") and (i + 1 >= len(out) or True) and re.fullmatch(r"0x[0-9a-f]+", out[i]):
            cur = []
            res.append(cur)
            i += 1
            continue
        fn, loc = out[i], out[i + 1] if i + 1 < len(out) else "??:0"
        gf, _, gl = loc.partition(" ")[0].rpartition(":")
        cur.append((fn if fn != "??" else None, gf if gf and gf != "??" else None,
                    int(gl) if gl.isdigit() and gf != "??" else None))
        i += 2
    return res


def cmd_frames(a):
    c = Checks(a.label)
    stacks = json.load(open(a.json))["stacks"]
    bases = read_bases(a.bases)
    mods = []  # (module as loaded, truth module or None, bias)
    for spec in a.module:
        path, _, truth = spec.partition("=")
        m = Module(path)
        if not c.check("the program wrote the load bias of %s" % m.name, m.real in bases,
                       ["bases: %s" % sorted(bases)]):
            continue
        mods.append((m, Module(truth) if truth else None, bases[m.real]))
    compared, bad_module, bad_name, bad_offset = 0, [], [], []
    named = {}           # function name -> frames named so
    truth_frames = []    # (frame, module, truth names) in stripped mode
    a2l = {}             # module -> [(rel, expected name, where)]
    lines = {}           # module -> [(rel, file, line, where)]: every frame, against addr2line
    for s in stacks:
        pending = []     # inlined frames before the machine frame they belong to
        for i, fr in enumerate(s["frames"]):
            if fr.get("inlined"):
                pending.append(fr)
                continue
            chain, pending = pending + [fr], []
            addr = int(fr["address"], 16)
            for m, truth, bias in mods:
                if not (bias + m.vlo <= addr - 1 < bias + m.vhi):
                    continue
                compared += 1
                where = "stack %d frame %d %s" % (s["id"], i, fr["address"])
                rel = addr - 1 - bias
                if not fr["module"] or os.path.realpath(fr["module"]) != m.real:
                    bad_module.append("%s: module %r, expected %s" % (where, fr["module"], m.real))
                exp = m.containing(rel)
                fn, off = fr["function"], fr["offset"]
                if exp:
                    starts = dict(exp)
                    if fn not in starts:
                        bad_name.append("%s (%s+%#x): function %r, readelf says %s" %
                                        (where, m.name, rel, fn, " or ".join(sorted(starts))))
                    elif off != addr - (bias + starts[fn]):
                        bad_offset.append("%s: %s offset %r, expected %d" % (where, fn, off, addr - bias - starts[fn]))
                else:
                    if fn is not None:
                        bad_name.append("%s (%s+%#x): function %r, readelf finds no function there" %
                                        (where, m.name, rel, fn))
                    elif off != addr - (bias + m.vlo):
                        bad_offset.append("%s: unnamed, offset %r, expected %d (from the module's load address)" %
                                          (where, off, addr - bias - m.vlo))
                if fn is not None:
                    named.setdefault(fn, []).append(where)
                if a.addr2line and fn in a.addr2line and fn in dict(exp):
                    a2l.setdefault(m.path, []).append((rel, fn, where))
                if a.addr2line:
                    lines.setdefault(m.path, []).append((rel, chain, where))
                if truth:
                    truth_frames.append((fr, addr, m, bias, {n for n, _ in truth.containing(rel)}, where))
    c.check("%d frames in the test's own modules compared" % compared, compared >= a.min_frames,
            ["expected at least %d" % a.min_frames])
    print("frames compared: %d (%s)" % (compared, a.label))
    c.check("every frame in a test module has that module's path", not bad_module, bad_module)
    c.check("every frame's function is the symbol readelf finds at address-1 (.symtab + .dynsym)", not bad_name, bad_name)
    c.check("every frame's offset is from its function's start, or from the module's load address when unnamed",
            not bad_offset, bad_offset)
    if a.addr2line:
        bad, n = [], 0
        for path, items in a2l.items():
            got = addr2line_inline(path, [r for r, _, _ in items])
            for (rel, fn, where), g in zip(items, got):
                n += 1
                g = g[-1][0] if g else None  # the function the inlined calls are in
                if g != unclone(fn):
                    bad.append("%s: memscope %s, addr2line -f -i -C -e %s %#x says %s" % (where, fn, path, rel, g))
        lbad, ln, ninl = [], 0, 0
        for path, items in lines.items():
            for (rel, chain, where), want in zip(items, addr2line_inline(path, [r for r, _, _ in items])):
                ln += 1
                ninl += len(chain) - 1
                got = [(unclone(f["function"]) if k == len(chain) - 1 else f["function"], f.get("file"), f.get("line"))
                       for k, f in enumerate(chain)]
                # the machine frame's own name is the symbol table's (checked above); addr2line's is DWARF's
                if len(got) != len(want) or any(
                        (g[1], g[2]) != (w[1], w[2]) and not (w[1] and g[1] == w[1] and not w[2]) or
                        (k < len(got) - 1 and g[0] != w[0]) for k, (g, w) in enumerate(zip(got, want))):
                    lbad.append("%s: memscope %s, addr2line -f -i -C -e %s %#x says %s" % (where, got, path, rel, want))
        c.check("function, file:line equal addr2line -f -i -C's on all %d frames of the test's modules (%d inlined calls)"
                % (ln, ninl), ln > 0 and not lbad, lbad)
        missing = [f for f in a.addr2line if f not in {fn for items in a2l.values() for _, fn, _ in items}]
        c.check("addr2line -f -i -C agrees on all %d frames in %s" % (n, ", ".join(a.addr2line)), not bad and not missing,
                bad + ["no frame named %s" % f for f in missing])
    if a.require:
        missing = [f for f in a.require if f not in named]
        c.check("named in the report: %s" % ", ".join(a.require), not missing,
                ["never named: %s" % ", ".join(missing), "named: %s" % ", ".join(sorted(named))])
    for shape in a.shape or []:
        want = shape.split(",")
        have = [[f["function"] for f in s["frames"][:len(want)]] for s in stacks]
        c.check("a stack begins %s" % " <- ".join(want), want in have,
                ["stacks begin: %s" % " <- ".join(map(str, h)) for h in have if h and h[0] in want])
    if a.static or a.exported:
        bad, seen_static, seen_exported = [], set(), set()
        for fr, addr, m, bias, tnames, where in truth_frames:
            st = tnames & set(a.static or [])
            ex = tnames & set(a.exported or [])
            if st:
                seen_static |= st
                if fr["function"] is not None or fr["offset"] != addr - (bias + m.vlo):
                    bad.append("%s in static %s: function %r offset %r; expected null, offset %d" %
                               (where, "/".join(st), fr["function"], fr["offset"], addr - bias - m.vlo))
            if ex:
                seen_exported |= ex
                if fr["function"] not in ex:
                    bad.append("%s in exported %s: function %r" % (where, "/".join(ex), fr["function"]))
        for name in a.static or []:
            c.check("stripped: frames in static %s are unnamed, offset from the module" % name,
                    name in seen_static and not [b for b in bad if " static %s:" % name in b],
                    [b for b in bad if " static %s:" % name in b] or ["no frame in %s" % name])
        for name in a.exported or []:
            c.check("stripped: frames in exported %s still named from .dynsym" % name,
                    name in seen_exported and not [b for b in bad if " exported %s:" % name in b],
                    [b for b in bad if " exported %s:" % name in b] or ["no frame in %s" % name])
        for m, truth, _ in mods:
            c.check("stripped: %s has no .symtab, its truth %s has one" % (m.path, truth.path),
                    ".symtab" not in m.tables and ".symtab" in truth.tables, [str(m.tables), str(truth.tables)])


def render(fr):
    """A frame as memscope report prints it."""
    mod = fr["module"].rsplit("/", 1)[-1] if fr["module"] else None
    inl = " (inlined)" if fr.get("inlined") else ""
    if fr["function"] and fr.get("file") and fr.get("line"):
        return "at %s (%s:%d)%s%s" % (fr["function"], fr["file"], fr["line"], " in " + mod if mod else "", inl)
    if fr["function"]:
        return "at %s%s%s" % (fr["function"], " in " + mod if mod else "", inl)
    if mod and fr["offset"] is not None:
        return "at %s+0x%x" % (mod, fr["offset"])
    return "at 0x%x" % int(fr["address"], 16)


def stack_blocks(path):
    """The call stacks of a text report: runs of frame lines (8 spaces, then 'at ...',
    '... K more frame(s) (--frames)' or '(no call stack)')."""
    blocks, cur = [], None
    for line in open(path):
        line = line.rstrip("\n")
        if line.startswith("        ") and not line.startswith("         "):
            if cur is None:
                cur = []
                blocks.append(cur)
            cur.append(line.strip())
        else:
            cur = None
    return blocks


def cmd_text(a):
    c = Checks(a.label)
    stacks = json.load(open(a.json))["stacks"]
    renders = {tuple(render(f) for f in s["frames"]) for s in stacks}
    full, cut = stack_blocks(a.full), stack_blocks(a.cut)
    more = re.compile(r"^\.\.\. (\d+) more frames? \(--frames\)$")
    c.check("the text report prints %d call stacks" % len(full), len(full) >= a.min_stacks)
    bad = [" | ".join(b) for b in full if tuple(b) not in renders]
    c.check("every stack of the text report is a stack of the JSON of the same .msb, frame for frame", not bad, bad)
    c.check("without --frames no stack is cut", not [b for b in full if any(more.match(x) for x in b)])
    c.check("--frames %d prints as many stacks (%d) as the full report (%d)" % (a.frames, len(cut), len(full)),
            len(cut) == len(full))
    bad, cuts = [], 0
    for f, t in zip(full, cut):
        want = f[:a.frames]
        if len(f) > a.frames:
            k = len(f) - a.frames
            want = want + ["... %d more frame%s (--frames)" % (k, "" if k == 1 else "s")]
            cuts += 1
        if t != want:
            bad.append("%s  !=  %s" % (" | ".join(t), " | ".join(want)))
    c.check("--frames %d: every deeper stack shows its first %d frames and ends '... K more frames (--frames)', K = depth-%d (%d cut)"
            % (a.frames, a.frames, a.frames, cuts), not bad and cuts > 0, bad)
    bad, n = [], 0
    for t in cut:
        m = more.match(t[-1]) if t else None
        if not m:
            continue
        n += 1
        k = int(m.group(1))
        cands = [s for s in stacks if tuple(render(f) for f in s["frames"][:a.frames]) == tuple(t[:-1])]
        if not any(len(s["frames"]) == k + a.frames for s in cands):
            bad.append("%s: K %d, JSON stacks starting so have depths %s" %
                       (" | ".join(t), k, sorted(len(s["frames"]) for s in cands)))
    c.check("each K (%d) equals the depth - %d of a JSON stack beginning with the same frames" % (n, a.frames),
            not bad and n > 0, bad)


def own_stacks(path, names):
    out = set()
    for s in json.load(open(path))["stacks"]:
        fr = s["frames"]
        if not any(f["module"] and os.path.basename(f["module"]) in names for f in fr):
            continue
        out.add(tuple((f["function"], os.path.basename(f["module"]), f["offset"])
                      for f in fr if f["module"] and os.path.basename(f["module"]) in names))
    return out


def cmd_same(a):
    c = Checks(a.label)
    names = {os.path.basename(m) for m in a.module}
    x, y = own_stacks(a.a, names), own_stacks(a.b, names)
    c.check("the %d stacks of allocations in the test's modules are the same in both runs (function, module, offset)"
            % len(x), x == y and len(x) >= a.min_stacks,
            ["only in %s: %s" % (a.a, s) for s in x - y] + ["only in %s: %s" % (a.b, s) for s in y - x])


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    csv = lambda s: [x for x in s.split(",") if x]
    f = sub.add_parser("frames")
    f.add_argument("--label", required=True)
    f.add_argument("--json", required=True)
    f.add_argument("--bases", required=True)
    f.add_argument("--module", action="append", required=True)
    f.add_argument("--min-frames", type=int, default=1)
    f.add_argument("--addr2line", type=csv)
    f.add_argument("--require", type=csv)
    f.add_argument("--shape", action="append")
    f.add_argument("--static", type=csv)
    f.add_argument("--exported", type=csv)
    t = sub.add_parser("text")
    t.add_argument("--label", required=True)
    t.add_argument("--json", required=True)
    t.add_argument("--full", required=True)
    t.add_argument("--cut", required=True)
    t.add_argument("--frames", type=int, required=True)
    t.add_argument("--min-stacks", type=int, default=1)
    s = sub.add_parser("same")
    s.add_argument("--label", required=True)
    s.add_argument("--a", required=True)
    s.add_argument("--b", required=True)
    s.add_argument("--module", action="append", required=True)
    s.add_argument("--min-stacks", type=int, default=1)
    a = p.parse_args()
    {"frames": cmd_frames, "text": cmd_text, "same": cmd_same}[a.cmd](a)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
