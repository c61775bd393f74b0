#!/usr/bin/env python3
"""Checks a folded-stacks file (the input of flamegraph.pl, speedscope, inferno).

    check_folded.py FILE [EXPECTED_TOTAL] [--allow-duplicates]
    check_folded.py --selftest

Grammar, per line: STACK " " VALUE "\\n", where
    STACK  one or more frames separated by ';', outermost frame first, no frame empty (so no
           leading, trailing or doubled ';'), no frame with leading or trailing blanks, no
           control character (tab, CR, NUL, ...) anywhere; a frame may contain inner spaces
           ("operator new(unsigned long)"): the value is what follows the LAST space
    VALUE  a positive decimal integer without sign or leading zero (bytes allocated)
The file is UTF-8, every line ends with \\n (so does the last), there is no empty line, and
each stack appears once (a folded file is already collapsed; --allow-duplicates accepts
repeats, which flamegraph.pl would add up). An empty file is valid (nothing recorded).

Sums the values (exactly, as integers) and compares the sum with EXPECTED_TOTAL when given.
Prints "ok FILE: N lines, total T bytes, deepest D frames" and exits 0, or one line
"FAIL FILE: line L: why" and exits 1; exit 2 for a usage error or an unreadable file.
"""
import os
import re
import subprocess
import sys
import tempfile

VALUE = re.compile(r"[1-9][0-9]*")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class Bad(Exception):
    pass


def check(data, allow_duplicates=False):
    """Returns (lines, total, deepest); raises Bad("line L: why")."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise Bad("not UTF-8 (byte %d)" % e.start)
    if not text:
        return 0, 0, 0
    if not text.endswith("\n"):
        raise Bad("line %d: the last line does not end with \\n" % (text.count("\n") + 1))
    seen = {}
    total = deepest = 0
    lines = text[:-1].split("\n")
    for n, line in enumerate(lines, 1):
        if not line:
            raise Bad("line %d: empty line" % n)
        m = CONTROL.search(line)
        if m:
            raise Bad("line %d: control character %r at column %d" % (n, m.group(0), m.start() + 1))
        if " " not in line:
            raise Bad("line %d: no space before a value: %r" % (n, line[:80]))
        stack, value = line.rsplit(" ", 1)
        if not VALUE.fullmatch(value):
            raise Bad("line %d: value %r is not a positive integer" % (n, value))
        if not stack:
            raise Bad("line %d: no frame before the value" % n)
        if stack != stack.rstrip(" "):
            raise Bad("line %d: more than one space before the value" % n)
        frames = stack.split(";")
        for i, f in enumerate(frames, 1):
            if not f:
                raise Bad("line %d: frame %d is empty (leading, trailing or doubled ';')" % (n, i))
            if f != f.strip(" "):
                raise Bad("line %d: frame %d %r has leading or trailing blanks" % (n, i, f))
        if stack in seen and not allow_duplicates:
            raise Bad("line %d: the same stack as line %d (folded stacks are collapsed)"
                      % (n, seen[stack]))
        seen.setdefault(stack, n)
        total += int(value)
        deepest = max(deepest, len(frames))
    return len(lines), total, deepest


def run(path, expected, allow_duplicates):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        print("check_folded.py: %s" % e, file=sys.stderr)
        return 2
    try:
        n, total, deepest = check(data, allow_duplicates)
    except Bad as e:
        print("FAIL %s: %s" % (path, e))
        return 1
    if expected is not None and total != expected:
        print("FAIL %s: total %d, expected %d" % (path, total, expected))
        return 1
    print("ok %s: %d lines, total %d bytes, deepest %d frames%s"
          % (path, n, total, deepest, " (= expected)" if expected is not None else ""))
    return 0


def selftest():
    good = [
        ("simple", b"main;worker;alloc 100\nmain;init 28\n", 128),
        ("one frame", b"main 1\n", 1),
        ("spaces inside frames", b"main;operator new(unsigned long);std::vector<int> 4096\n", 4096),
        ("module+offset frames", b"[libc.so.6+0x2a1ca];main;ms_demo (/usr/bin/app+0x1139) 12\n", 12),
        ("utf-8", "main;caf\u00e9_alloc 7\n".encode(), 7),
        ("big value", b"main 18446744073709551616\n", 18446744073709551616),
        ("empty file", b"", 0),
    ]
    bad = [
        ("no value", b"main;worker\n"),
        ("zero value", b"main 0\n"),
        ("negative value", b"main -5\n"),
        ("leading zero", b"main 05\n"),
        ("float value", b"main 1.5\n"),
        ("two spaces", b"main;worker  5\n"),
        ("tab separator", b"main;worker\t5\n"),
        ("empty frame", b"main;;worker 5\n"),
        ("trailing ;", b"main;worker; 5\n"),
        ("leading ;", b";main 5\n"),
        ("no frame", b" 5\n"),
        ("blank frame", b"main; worker 5\n"),
        ("CR line end", b"main 5\r\n"),
        ("no final newline", b"main 5"),
        ("empty line", b"main 5\n\nworker 3\n"),
        ("duplicate stack", b"main;a 5\nmain;b 1\nmain;a 2\n"),
        ("not utf-8", b"main;\xff 5\n"),
    ]
    ok = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, data, total in good:
            p = os.path.join(tmp, "good.folded")
            with open(p, "wb") as f:
                f.write(data)
            r = subprocess.run([sys.executable, __file__, p, str(total)], capture_output=True, text=True)
            if r.returncode == 0:
                ok += 1
                print("   valid %s: %s" % (name, r.stdout.strip()))
            else:
                failed += 1
                print("   SELFTEST valid %s refused: %s" % (name, (r.stdout + r.stderr).strip()))
        cases = [(name, data, []) for name, data in bad] + [("wrong total", b"main;a 5\nmain;b 6\n", ["12"])]
        for name, data, extra in cases:
            p = os.path.join(tmp, "bad.folded")
            with open(p, "wb") as f:
                f.write(data)
            r = subprocess.run([sys.executable, __file__, p] + extra, capture_output=True, text=True)
            out = r.stdout.strip()
            if r.returncode == 1 and out.count("\n") == 0 and out.startswith("FAIL "):
                ok += 1
                print("   broken %s: %s" % (name, out))
            else:
                failed += 1
                print("   SELFTEST broken %s: rc=%d: %s" % (name, r.returncode, (r.stdout + r.stderr).strip()))
        p = os.path.join(tmp, "dup.folded")
        with open(p, "wb") as f:
            f.write(b"main;a 5\nmain;a 2\n")
        r = subprocess.run([sys.executable, __file__, p, "7", "--allow-duplicates"], capture_output=True, text=True)
        if r.returncode == 0:
            ok += 1
            print("   valid duplicates with --allow-duplicates: %s" % r.stdout.strip())
        else:
            failed += 1
            print("   SELFTEST --allow-duplicates refused: %s" % r.stdout.strip())
    print("check_folded.py selftest: %d passed, %d failed" % (ok, failed))
    return 1 if failed else 0


def main(argv):
    if argv == ["--selftest"]:
        return selftest()
    allow = "--allow-duplicates" in argv
    args = [a for a in argv if a != "--allow-duplicates"]
    if not 1 <= len(args) <= 2 or args[0].startswith("-"):
        print(__doc__, file=sys.stderr)
        return 2
    expected = None
    if len(args) == 2:
        if not re.fullmatch(r"[0-9]+", args[1]):
            print("check_folded.py: EXPECTED_TOTAL must be a non-negative integer", file=sys.stderr)
            return 2
        expected = int(args[1])
    return run(args[0], expected, allow)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
