#!/usr/bin/env python3
"""check_massif.py - check a massif file (valgrind --tool=massif format) with the real ms_print.

    tests/formats/check_massif.py FILE.massif EXPECTED_PEAK_BYTES [--lenient-peak]

Runs `ms_print FILE` (MS_PRINT=path overrides the program) and fails, exit 1 with one line
"FAIL FILE: why", when
  - ms_print exits non-zero or writes anything to stderr (its dies and perl's warnings, e.g.
    "Argument "x" isn't numeric"), or does not finish within 60 s;
  - the file breaks a rule ms_print needs but does not enforce (the lint below: it prints
    wrong or misleading output for such files instead of failing);
  - ms_print reports no peak snapshot (" Detailed snapshots: [..., N (peak), ...]"), or the
    total(B) column of that snapshot's row in its snapshot table is not EXPECTED_PEAK_BYTES
    (total = mem_heap_B + mem_heap_extra_B + mem_stacks_B); a file whose totals are all 0 and
    that has no peak snapshot passes for EXPECTED_PEAK_BYTES 0;
  - the peak snapshot's total is not the largest total of the file (ms_print scales its graph
    to the largest total, not to the peak snapshot); --lenient-peak allows that, for files
    that valgrind wrote with its default --peak-inaccuracy=1.0;
  - the graph's y-axis label is not what ms_print's own scaling gives for that largest total;
  - a detailed snapshot's tree as ms_print prints it is inconsistent: the top line's bytes
    differ from the row's useful-heap(B), or a node's printed children (including the
    "in N+ places, all below ms_print's threshold" line) do not add up to the node's bytes.
Exit 0 with one line "ok FILE: ..." otherwise; exit 2 for bad usage.

Lint of the input (each is a place where ms_print silently prints garbage):
  no CR (CRLF line ends make ms_print die or miss the peak); at least one "desc:" line (without
  one its header lines run together); "cmd:" then "time_unit:" one of i, ms, B; snapshots
  numbered 0, 1, 2, ... in file order (ms_print marks the peak by position, but prints the
  number); fields exactly "snapshot=", "time=", "mem_heap_B=", "mem_heap_extra_B=",
  "mem_stacks_B=", "heap_tree=" with non-negative integers; times non-decreasing (the last
  snapshot's time is the graph's x range); heap_tree exactly empty, detailed or peak (a
  trailing blank makes "peak " a detailed snapshot); at most one peak, and exactly one when
  some total is above 0; no '#' after the start of a line (ms_print cuts it and the rest of
  the line off as a comment); tree lines "nK: BYTES LABEL" indented one space per depth
  (massif's convention; ms_print reads the tree by the child counts only), the top node's
  BYTES equal to mem_heap_B, and each node with children equal to the sum of its children;
  threshold lines ("in 1 place, below massif's threshold (1.00%)", "in N places, all below
  massif's threshold (1.00%)") are leaves, at most one per parent, with BYTES below N times
  the threshold's share of the snapshot's total (ms_print prints them as they are).
"""

import os
import re
import subprocess
import sys
import tempfile

MS_PRINT = os.environ.get("MS_PRINT", "ms_print")
TIMEOUT_S = 60

FIELDS = ["snapshot", "time", "mem_heap_B", "mem_heap_extra_B", "mem_stacks_B", "heap_tree"]


class Fail(Exception):
    pass


def commas(n):
    return f"{n:,}"


# ---------------------------------------------------------------- lint of the input file

def lint(path):
    """Reads the file as ms_print does and checks the rules above. Returns a list of
    snapshots: dict(num, time, heap, extra, stacks, total, tree) in file order."""
    with open(path, "rb") as f:
        raw = f.read()
    if b"\r" in raw:
        line = raw[: raw.index(b"\r")].count(b"\n") + 1
        raise Fail(f"line {line}: carriage return (write LF line ends only)")
    text = raw.decode("utf-8", errors="surrogateescape")  # ms_print itself reads bytes
    lines = []  # (line number, text) of the lines ms_print reads: comments cut, blanks skipped
    for no, s in enumerate(text.split("\n"), 1):
        hash_at = s.find("#")
        if hash_at > 0:
            raise Fail(f"line {no}: '#' inside a line; ms_print drops it and the rest of the line as a comment")
        if hash_at == 0:
            continue
        if s.strip() == "":
            continue
        lines.append((no, s))
    i = 0

    def take(what):
        nonlocal i
        if i >= len(lines):
            raise Fail(f"end of file where {what} was expected")
        i += 1
        return lines[i - 1]

    n_desc = 0
    while i < len(lines) and lines[i][1].startswith("desc:"):
        n_desc += 1
        i += 1
    if n_desc == 0:
        raise Fail("no 'desc:' line before 'cmd:' (ms_print then runs two header lines together); write e.g. 'desc: (none)'")
    no, s = take("'cmd:'")
    if not s.startswith("cmd:"):
        raise Fail(f"line {no}: expected 'cmd:', got {s[:60]!r}")
    no, s = take("'time_unit:'")
    m = re.fullmatch(r"time_unit:\s*(.*)", s)
    if not m:
        raise Fail(f"line {no}: expected 'time_unit:', got {s[:60]!r}")
    if m.group(1) not in ("i", "ms", "B"):
        raise Fail(f"line {no}: time_unit {m.group(1)!r} is not i, ms or B (ms_print dies on it)")

    snaps = []
    while i < len(lines):
        vals = {}
        for f in FIELDS:
            no, s = take(f"'{f}='")
            m = re.fullmatch(re.escape(f) + r"=(.*)", s)
            if not m:
                raise Fail(f"line {no}: expected '{f}=', got {s[:60]!r}")
            v = m.group(1)
            if f == "heap_tree":
                if v not in ("empty", "detailed", "peak"):
                    raise Fail(f"line {no}: heap_tree={v!r} is not exactly empty, detailed or peak")
            elif not re.fullmatch(r"[0-9]+", v):
                raise Fail(f"line {no}: {f}={v!r} is not a non-negative integer")
            else:
                v = int(v)
            vals[f] = (no, v)
        snap_no, num = vals["snapshot"]
        if num != len(snaps):
            raise Fail(f"line {snap_no}: snapshot={num}, expected {len(snaps)} (snapshots are numbered 0, 1, 2, ... in order)")
        t_no, t = vals["time"]
        if snaps and t < snaps[-1]["time"]:
            raise Fail(f"line {t_no}: time={t} is before the previous snapshot's {snaps[-1]['time']}")
        heap, extra, stacks = (vals[k][1] for k in ("mem_heap_B", "mem_heap_extra_B", "mem_stacks_B"))
        snap = dict(num=num, time=t, heap=heap, extra=extra, stacks=stacks,
                    total=heap + extra + stacks, kind=vals["heap_tree"][1], line=snap_no)
        if snap["kind"] != "empty":
            i = lint_tree(lines, i, snap)
        snaps.append(snap)
    if not snaps:
        raise Fail("no snapshots (ms_print dies on that)")
    peaks = [s for s in snaps if s["kind"] == "peak"]
    if len(peaks) > 1:
        raise Fail(f"{len(peaks)} snapshots with heap_tree=peak ({', '.join(str(s['num']) for s in peaks)}); write one")
    if not peaks and max(s["total"] for s in snaps) > 0:
        raise Fail("no snapshot with heap_tree=peak although some total is above 0")
    return snaps


def lint_tree(lines, i, snap):
    """Checks the tree that starts at lines[i]; returns the index after it."""
    # iterative walk: stack of [bytes, children left, children sum, line no, threshold lines]
    node_re = re.compile(r"( *)n([0-9]+): ([0-9]+)( .*)?")
    thr_re = re.compile(r" in ([0-9]+) (place|places), (all )?below massif's threshold \(([0-9]+(?:\.[0-9]+)?)%\)")
    stack = []
    depth = 0
    top = True
    while True:
        if i >= len(lines):
            raise Fail(f"end of file inside the tree of snapshot {snap['num']}")
        no, s = lines[i]
        i += 1
        m = node_re.fullmatch(s)
        if not m:
            raise Fail(f"line {no}: expected a tree line 'nK: BYTES LABEL' (snapshot {snap['num']}), got {s[:60]!r}")
        indent, kids, nbytes, label = len(m.group(1)), int(m.group(2)), int(m.group(3)), m.group(4)
        if indent != depth:
            raise Fail(f"line {no}: tree line indented {indent}, expected {depth} (one space per depth)")
        if label is None or label.strip() == "":
            raise Fail(f"line {no}: tree line without a label")
        if nbytes > snap["total"]:
            raise Fail(f"line {no}: node of {nbytes} B is above the snapshot's total {snap['total']} B (ms_print dies)")
        if top:
            top = False
            if nbytes != snap["heap"]:
                raise Fail(f"line {no}: top node {nbytes} B != mem_heap_B={snap['heap']} of snapshot {snap['num']}")
        elif "below massif's threshold" in label:
            lint_threshold_line(no, kids, nbytes, label, thr_re.fullmatch(label), stack[-1], snap)
        if stack:
            stack[-1][1] -= 1
            stack[-1][2] += nbytes
        if kids > 0:
            stack.append([nbytes, kids, 0, no, 0])
            depth += 1
            continue
        # close every node whose children are all read
        while stack and stack[-1][1] == 0:
            b, _, total, pno, _ = stack.pop()
            depth -= 1
            if total != b:
                raise Fail(f"line {pno}: node of {b} B has children adding up to {total} B (snapshot {snap['num']})")
        if not stack:
            return i


def lint_threshold_line(no, kids, nbytes, label, m, parent, snap):
    """A massif threshold line stands for N siblings that are each below T% of the snapshot:
    'in 1 place, below ...' or 'in N places, all below ...', a leaf, one per parent, and its
    bytes under N * T% of the snapshot (ms_print prints it as it is, so a line that stands for
    something else, e.g. frames cut off, tells the reader something false)."""
    if not m:
        raise Fail(f"line {no}: threshold line not in massif's form 'in 1 place, below massif's threshold (1.00%)' "
                   f"or 'in N places, all below massif's threshold (1.00%)': {label.strip()[:80]!r}")
    n, word, all_, pct = int(m.group(1)), m.group(2), m.group(3), float(m.group(4))
    if n < 1 or (n == 1) != (word == "place") or (n == 1) != (all_ is None):
        raise Fail(f"line {no}: threshold line {label.strip()[:80]!r}: write 'in 1 place, below' or 'in N places, all below' (N > 1)")
    if kids != 0:
        raise Fail(f"line {no}: threshold line with {kids} children; it is a leaf (n0)")
    parent[4] += 1
    if parent[4] > 1:
        raise Fail(f"line {no}: a second threshold line under the node of line {parent[3]}; massif writes at most one")
    if nbytes > 0 and not nbytes * 100 < n * pct * snap["total"]:
        raise Fail(f"line {no}: threshold line of {nbytes} B in {n} place{'s' if n > 1 else ''} is not below "
                   f"{pct:g}% of the snapshot's {snap['total']} B per place; write such a node as a normal node")


# ---------------------------------------------------------------- ms_print's output

def B_max_label(szB):
    """ms_print's y-axis label and unit for the largest total (its B_max_label)."""
    scaled = szB
    unit = "B"
    for u in ("KB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"):
        if scaled >= 1000:
            unit = u
            scaled /= 1024
    if szB < 1000:
        label = "%5d" % szB
    elif scaled < 10:
        label = "%5.3f" % scaled
    elif scaled < 100:
        label = "%5.2f" % scaled
    else:
        label = "%5.1f" % scaled
    return label, unit


ROW_RE = re.compile(r" *([0-9]+) +([0-9,.]+) +([0-9,]+) +([0-9,]+) +([0-9,]+) +([0-9,]+)")
TOP_RE = re.compile(r"([0-9]+\.[0-9]{2})% \(([0-9,]+)B\)(.*)")
KID_RE = re.compile(r"((?:\| |  )*)->([0-9]+\.[0-9]{2})% \(([0-9,]+)B\)(.*)")
DASHES = "-" * 80


def num(s):
    return int(s.replace(",", ""))


def check_output(out, snaps):
    lines = out.split("\n")
    # the graph: unit line, then the top row "LABEL^..."
    unit = label = None
    for k, s in enumerate(lines):
        m = re.fullmatch(r"    ([ A-Z]{2})", s)
        if m and k + 1 < len(lines) and re.match(r".{5}\^", lines[k + 1]):
            unit, label = m.group(1).strip(), lines[k + 1][:5]
            break
    if unit is None:
        raise Fail("ms_print printed no graph")
    max_total = max(s["total"] for s in snaps)
    want = B_max_label(max_total if max_total else 1)
    if (label, unit) != want:
        raise Fail(f"graph label {label.strip()} {unit}, expected {want[0].strip()} {want[1]} for the largest total {commas(max_total)} B")

    m = re.search(r"^Number of snapshots: ([0-9]+)$", out, re.M)
    if not m or int(m.group(1)) != len(snaps):
        raise Fail(f"ms_print's 'Number of snapshots' is {m.group(1) if m else 'missing'}, the file has {len(snaps)}")
    m = re.search(r"^ Detailed snapshots: \[(.*)\]$", out, re.M)
    if not m:
        raise Fail("ms_print printed no 'Detailed snapshots' line")
    detailed, peak = [], None
    for item in filter(None, (x.strip() for x in m.group(1).split(","))):
        mm = re.fullmatch(r"([0-9]+)( \(peak\))?", item)
        if not mm:
            raise Fail(f"unexpected item {item!r} in 'Detailed snapshots'")
        detailed.append(int(mm.group(1)))
        if mm.group(2):
            peak = int(mm.group(1))

    # the snapshot table and the trees under the detailed rows
    rows = {}      # position in the table -> (n, total, useful, extra, stacks)
    trees = {}     # position -> list of (depth, bytes, line)
    k = 0
    while k < len(lines):
        mm = ROW_RE.fullmatch(lines[k])
        if not mm or lines[k - 1] != DASHES and not ROW_RE.fullmatch(lines[k - 1]):
            k += 1
            continue
        pos = len(rows)
        rows[pos] = tuple(num(mm.group(g)) for g in (1, 3, 4, 5, 6))
        k += 1
        tree = []
        while k < len(lines) and lines[k] != DASHES and not ROW_RE.fullmatch(lines[k]):
            s = lines[k]
            t = TOP_RE.fullmatch(s)
            c = KID_RE.fullmatch(s) if not t else None
            if t and not tree:
                tree.append((0, num(t.group(2)), s))
            elif c and tree:
                tree.append((len(c.group(1)) // 2 + 1, num(c.group(3)), s))
            elif re.fullmatch(r"[| ]*", s):
                pass
            else:
                raise Fail(f"unexpected line under snapshot row {pos} of ms_print's output: {s[:70]!r}")
            k += 1
        if tree:
            trees[pos] = tree
    if len(rows) != len(snaps):
        raise Fail(f"ms_print's snapshot table has {len(rows)} rows, the file has {len(snaps)} snapshots")
    for pos, s in enumerate(snaps):
        r = rows[pos]
        if r != (s["num"], s["total"], s["heap"], s["extra"], s["stacks"]):
            raise Fail(f"ms_print's row {pos} reads {r}, the file says {(s['num'], s['total'], s['heap'], s['extra'], s['stacks'])}")
    if sorted(trees) != detailed:
        raise Fail(f"ms_print printed trees under rows {sorted(trees)} but lists detailed snapshots {detailed}")
    for pos, tree in trees.items():
        useful = rows[pos][2]
        if tree[0][1] != useful:
            raise Fail(f"snapshot {pos}: the tree's top line has {commas(tree[0][1])} B, useful-heap(B) is {commas(useful)}")
        for j, (d, b, line) in enumerate(tree):
            kids = 0
            have = False
            for d2, b2, _ in tree[j + 1:]:
                if d2 <= d:
                    break
                if d2 == d + 1:
                    kids += b2
                    have = True
            if have and kids != b:
                raise Fail(f"snapshot {pos}: children of {line.strip()[:60]!r} add up to {commas(kids)} B, not {commas(b)} B")
    return rows, detailed, peak, max_total


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    opts = [a for a in argv[1:] if a.startswith("--")]
    if len(args) != 2 or not re.fullmatch(r"[0-9]+", args[1]) or any(o != "--lenient-peak" for o in opts):
        print("usage: check_massif.py FILE.massif EXPECTED_PEAK_BYTES [--lenient-peak]", file=sys.stderr)
        return 2
    path, expected = args[0], int(args[1])
    lenient = "--lenient-peak" in opts
    try:
        if not os.path.isfile(path):
            raise Fail("no such file")
        # ms_print writes a temporary file into $TMPDIR and leaves it behind when it dies
        with tempfile.TemporaryDirectory(prefix="check_massif.") as tmp:
            try:
                p = subprocess.run([MS_PRINT, path], capture_output=True, text=True,
                                   env=dict(os.environ, TMPDIR=tmp), timeout=TIMEOUT_S,
                                   errors="replace")
            except FileNotFoundError:
                raise Fail(f"{MS_PRINT} not found (it comes with valgrind)")
            except subprocess.TimeoutExpired:
                raise Fail(f"ms_print did not finish within {TIMEOUT_S} s")
        err = p.stderr.strip().replace("\n", " | ")
        if p.returncode != 0:
            raise Fail(f"ms_print exited {p.returncode}: {err[:300] or '(no message)'}")
        if err:
            raise Fail(f"ms_print wrote to stderr: {err[:300]}")
        snaps = lint(path)
        rows, detailed, peak, max_total = check_output(p.stdout, snaps)
        if peak is None:
            if max_total == 0 and expected == 0:
                print(f"ok {path}: {len(snaps)} snapshots, all totals 0, no peak snapshot; {len(detailed)} detailed")
                return 0
            raise Fail("ms_print reports no peak snapshot ('(peak)' missing from 'Detailed snapshots')")
        n, total, useful, extra, stacks = rows[peak]
        if n != peak:
            raise Fail(f"the peak is at position {peak} but numbered {n}")
        if total != expected:
            raise Fail(f"peak snapshot {peak}: total(B) {commas(total)} != expected {commas(expected)}")
        if total != max_total and not lenient:
            raise Fail(f"peak snapshot {peak}: total {commas(total)} B is below the largest total {commas(max_total)} B")
        print(f"ok {path}: peak snapshot {peak} total {commas(total)} B (useful-heap {commas(useful)} + "
              f"extra-heap {commas(extra)} + stacks {commas(stacks)}); {len(snaps)} snapshots, "
              f"{len(detailed)} detailed trees consistent")
        return 0
    except Fail as e:
        print(f"FAIL {path}: {e}")
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
