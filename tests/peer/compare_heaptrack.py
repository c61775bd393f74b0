#!/usr/bin/env python3
"""Compare memscope's whole-program mode with heaptrack on unmodified programs.

Each workload runs twice: once under `heaptrack -o DIR/ht.NAME PROG ARGS` and once
under `memscope run -o DIR/ms.NAME.msb -- PROG ARGS`; the memscope file is converted
with `memscope report FILE --json DIR/ms.NAME.json`. The script then prints, per
workload, a table of metric / heaptrack / memscope / difference %, and exits 0 when
the number of allocation calls, the peak and the bytes leaked agree within 1 %.

    python3 tests/peer/compare_heaptrack.py [--only NAME[,NAME]] [--out DIR] [--memscope PATH]

Workloads (see WORKLOADS below): sqlite (sqlite3 :memory: < tests/peer/script.sql),
jq (jq over a JSON file this script generates deterministically into DIR), python
(/usr/bin/python3 -c building dicts, lists and strings). `--only probe` also runs a
small C program, compiled into DIR, whose exact counts are known (see NOTES.md).

What heaptrack counts (details, commands and numbers in tests/peer/NOTES.md):

* "calls to allocation functions" = every successful malloc, calloc, realloc (also one
  that returns the same pointer: heaptrack records it as a free plus an allocation),
  posix_memalign, aligned_alloc and valloc, malloc(0) included. Failed calls (NULL)
  are not counted. memalign and pvalloc are not intercepted at all, and
  realloc(p, 0) (which frees p and returns NULL in glibc) is not seen as a free.
* "peak heap memory consumption" = the maximum over time of the sum of the requested
  sizes of live blocks (calloc counts n * size), i.e. the same definition as
  memscope's peak_memory_bytes. It is not RSS and does not include mmap() or
  allocator overhead.
* "total memory leaked" = requested bytes still live when heaptrack stops, which is
  in an atexit handler registered when its preload library initialises (during the
  dynamic loader's constructor phase, before main), so it runs after the program's
  atexit handlers and after the ELF destructors: frees done there are seen. By
  default heaptrack_print subtracts "suppressed leaks" (built-in patterns such as
  tzset_internal, __nss_module_allocate, dl_open_worker); this script reads the
  unsuppressed total (--disable-builtin-suppressions
  --disable-embedded-suppressions), which is what memscope reports.
* heaptrack's preload library links libstdc++, whose start-up code allocates its
  exception-handling emergency pool (72704 bytes with GCC 12's libstdc++) before main;
  heaptrack frees it again in its atexit handler (__gnu_cxx::__freeres). That is one
  call and 72704 bytes of peak that a C program does not make on its own, so the
  script subtracts allocations made directly from a library that only heaptrack
  brought in (a dependency of libheaptrack_preload.so that the program does not
  link), and says so under the table.

heaptrack_print prints bytes rounded: decimal units (K = 1000, M = 10^6, G = 10^9),
two decimals, the unit's first letter only ("3.90M", "399.42K"; below 1001 bytes the
exact integer and "B"). It has no option to print exact byte counts. The script
therefore also decodes the data file itself (zstd/gzip-compressed text: 'a SIZE
TRACE' defines allocation info N, '+ N' is an allocation, '- N' a deallocation; all
hex), recomputes calls, peak and leaked exactly the way heaptrack_print's
AccumulatedTraceData does, and checks that they round to the printed strings. (The
heaptrack script compresses with the zstd program when it is installed, else with
gzip, so the file can be decoded wherever it was written.) If the check fails, it
falls back to the printed values with a tolerance of 1 % plus half a unit of the
last printed digit; heaptrack's own allocation (below) is then not taken out.

Exit status: 0 all compared metrics agree, 1 at least one disagreement (one line
each on stdout, starting with "DISAGREE"), 2 a workload, heaptrack or memscope could
not be run (the reason is printed; 2 wins over 1).
"""

import argparse
import gzip
import json
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TOLERANCE = 0.01  # relative, 1 %

# ---------------------------------------------------------------------------
# workloads

PY_SCRIPT = """\
d = {}
for i in range(20000):
    d["key%d" % i] = [i, str(i) * 3, {"sq": i * i}]
groups = {}
for k, v in d.items():
    groups.setdefault(v[0] % 17, []).append(k)
big = [list(range(i % 300)) for i in range(20000)]
blobs = [("%d" % i) * (100 + i % 400) for i in range(10000)]
s = sorted(d, key=lambda k: (len(k), k))
del d, blobs
t = ",".join(s[:5000])
print(len(groups), sum(len(x) for x in big), len(t))
"""

# heaptrack writes the command line into its data file unescaped, so an argument that
# contains a newline corrupts the file ("failed to parse line: ..." and all counts 0).
# Pass the script as one line.
PY_ARG = "exec(" + repr(PY_SCRIPT) + ")"

JQ_FILTER = ('.records | map(select(.active)) | group_by(.group) | map({group: .[0].group, '
             'n: length, avg: (map(.score) | add / length), tags: (map(.tags[]) | unique), '
             'zips: (map(.address.zip) | sort | .[0:3])}) | sort_by(-.n)')

PROBE_C = r"""
/* Known counts, C program; compiled by compare_heaptrack.py --only probe. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
static void *keep_atexit, *keep_dtor;
static void at_exit_free(void) { free(keep_atexit); }
__attribute__((destructor)) static void dtor_free(void) { free(keep_dtor); }
static volatile unsigned char sink;
int main(void) {
    for (int i = 0; i < 1000; i++) {                /* 1000 malloc + 1000 free     */
        unsigned char *p = malloc(100); p[0] = 1; sink = p[0]; free(p);
    }
    for (int i = 0; i < 1000; i++) {                /* 1000 calloc(10, 10)         */
        unsigned char *p = calloc(10, 10); sink = p[5]; free(p);
    }
    for (int i = 0; i < 1000; i++) {                /* malloc + 2 realloc: 3 calls  */
        char *p = malloc(100); p = realloc(p, 200); p = realloc(p, 50); free(p);
    }
    for (int i = 0; i < 1000; i++) {                /* realloc(NULL, n) = malloc    */
        char *p = realloc(NULL, 100); free(p);
    }
    for (int i = 0; i < 1000; i++) free(NULL);      /* nothing                      */
    for (int i = 0; i < 1000; i++) {                /* malloc(0) is an allocation   */
        void *p = malloc(0); free(p);
    }
    for (int i = 0; i < 1000; i++) {
        void *p = NULL;
        if (posix_memalign(&p, 64, 100)) return 1;
        free(p);
        p = aligned_alloc(64, 128); free(p);
        p = strdup("0123456789"); free(p);           /* 11 bytes                     */
    }
    char *a = malloc(1000000), *b = malloc(500000);  /* peak 1500000                */
    free(a);
    char *c = malloc(200000);
    free(b); free(c);
    for (int i = 0; i < 10; i++) {                   /* leak 10 x 1000 = 10000      */
        char *p = malloc(1000); p[0] = 1; sink = (unsigned char)p[0];
    }
    keep_atexit = malloc(300000);                    /* freed in an atexit handler  */
    atexit(at_exit_free);
    keep_dtor = malloc(400000);                      /* freed in a destructor       */
    return 0;                                        /* no stdio: no stdout buffer  */
}
"""


def gen_json(path):
    """Write the jq workload's input, about 200 KB, deterministically (own LCG)."""
    x = 12345

    def rnd():
        nonlocal x
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        return x >> 8

    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta",
             "iota", "kappa", "lambda", "mu"]
    recs = []
    for i in range(900):
        recs.append({
            "id": i,
            "name": "user%05d" % i,
            "group": words[rnd() % len(words)],
            "score": rnd() % 10000 / 100.0,
            "active": rnd() % 3 != 0,
            "tags": [words[rnd() % len(words)] for _ in range(rnd() % 6)],
            "address": {"street": "%d %s street" % (rnd() % 999, words[rnd() % 12]),
                        "zip": "%05d" % (rnd() % 100000)},
        })
    text = json.dumps({"version": 1, "records": recs}, indent=1, sort_keys=True)
    with open(path, "w") as f:
        f.write(text + "\n")


def wl_sqlite(out):
    return {"argv": ["/usr/bin/sqlite3", ":memory:"],
            "stdin": os.path.join(HERE, "script.sql"),
            "show": "sqlite3 :memory: < tests/peer/script.sql"}


def wl_jq(out):
    data = os.path.join(out, "data.json")
    gen_json(data)
    return {"argv": ["/usr/bin/jq", JQ_FILTER, data],
            "show": "jq FILTER %s (%d bytes, generated)" % (os.path.relpath(data, ROOT),
                                                             os.path.getsize(data))}


def wl_python(out):
    # PYTHONMALLOC=malloc: every object goes through malloc. With the default pymalloc,
    # small objects come from mmap()ed arenas and the few malloc calls left include the
    # arena address map, whose nodes (128 KiB, 256 KiB) are allocated or not depending on
    # where mmap() put the arenas, so leaked bytes changed by up to a third between runs.
    return {"argv": ["/usr/bin/python3", "-c", PY_ARG],
            "env": {"PYTHONHASHSEED": "0", "PYTHONMALLOC": "malloc"},
            "show": "PYTHONMALLOC=malloc /usr/bin/python3 -c SCRIPT (dicts, lists, strings)"}


def wl_probe(out):
    src = os.path.join(out, "probe.c")
    exe = os.path.join(out, "probe")
    with open(src, "w") as f:
        f.write(PROBE_C)
    cc = os.environ.get("CC", "cc")
    r = subprocess.run([cc, "-std=c11", "-O0", "-o", exe, src],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        raise RuntimeError("cannot compile the probe with %s:\n%s" % (cc, r.stdout))
    # 1000 + 1000 + 3000 + 1000 + 1000 + 3000 + 3 + 10 + 2 calls; peak = the 1000000 and
    # 500000 blocks together; leaked = the 10 blocks of 1000 (the atexit and destructor
    # frees happen before heaptrack stops).
    return {"argv": [exe], "show": "probe (C program with known counts)",
            "expect": {"calls": 10015, "peak": 1500000, "leaked": 10000}}


WORKLOADS = {"sqlite": wl_sqlite, "jq": wl_jq, "python": wl_python, "probe": wl_probe}
DEFAULT = ["sqlite", "jq", "python"]

# ---------------------------------------------------------------------------
# heaptrack

UNITS = "BKMGT"


def format_bytes(n):
    """heaptrack_print's formatBytes with width 0: divide by 1000 while > 1000."""
    v = float(n)
    i = 0
    while i < len(UNITS) - 1 and abs(v) > 1000.0:
        v /= 1000.0
        i += 1
    if i == 0:
        return "%dB" % n
    return "%.2f%s" % (v, UNITS[i])


def parse_bytes(s):
    """'3.90M' -> (3900000, 5000): value and half a unit of the last printed digit."""
    m = re.fullmatch(r"(-?[0-9]+(?:\.[0-9]+)?)([BKMGT])", s.strip())
    if not m:
        raise ValueError("unexpected byte format %r" % s)
    num, unit = m.group(1), m.group(2)
    scale = 1000 ** UNITS.index(unit)
    if unit == "B":
        return int(num), 0
    decimals = len(num.split(".")[1]) if "." in num else 0
    return round(float(num) * scale), 0.5 * scale / (10 ** decimals)


def heaptrack_print_summary(path, heaptrack_print):
    cmd = [heaptrack_print, "-f", path, "--print-peaks", "0", "--print-allocators", "0",
           "--print-temporary", "0", "--disable-builtin-suppressions",
           "--disable-embedded-suppressions"]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        raise RuntimeError("%s failed:\n%s" % (" ".join(cmd), r.stdout[-2000:]))
    out = {}
    pats = {
        "calls": r"^calls to allocation functions: (\d+)",
        "temporary": r"^temporary memory allocations: (\d+)",
        "peak": r"^peak heap memory consumption: (\S+)",
        "leaked": r"^total memory leaked: (\S+)",
        "suppressed": r"^suppressed leaks: (\S+)",
    }
    for key, pat in pats.items():
        m = re.search(pat, r.stdout, re.M)
        if m:
            out[key] = m.group(1)
    for key in ("calls", "peak", "leaked"):
        if key not in out:
            raise RuntimeError("no %r line in heaptrack_print output:\n%s" % (key, r.stdout[-2000:]))
    return out


def read_heaptrack_file(path):
    """The decompressed text of a heaptrack data file, or None when it cannot be read."""
    if path.endswith(".gz"):
        with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
            return f.read()
    if path.endswith(".zst"):
        for tool in (["zstd", "-dc", "--", path], ["zstdcat", "--", path]):
            if shutil.which(tool[0]):
                r = subprocess.run(tool, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
                if r.returncode == 0:
                    return r.stdout.decode("utf-8", "replace")
        return None
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def ldd_libs(path):
    """Real paths of the shared libraries `path` depends on (empty set on failure)."""
    try:
        r = subprocess.run(["ldd", path], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                           text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return set()
    libs = set()
    for line in r.stdout.splitlines():
        m = re.search(r"=>\s*(/\S+)", line) or re.match(r"\s*(/\S+)", line)
        if m:
            libs.add(os.path.realpath(m.group(1)))
    return libs


def heaptrack_only_libs(preload, prog):
    """Libraries that libheaptrack_preload.so loads and the program itself does not link."""
    prog_libs = ldd_libs(prog)
    own = {os.path.realpath(preload)}
    for lib in ldd_libs(preload):
        base = os.path.basename(lib)
        if lib in prog_libs or base.startswith(("libc.so", "ld-linux", "linux-vdso")):
            continue
        own.add(lib)
    return own


def decode_heaptrack(text, prog):
    """Exact totals from an interpreted heaptrack data file (hex fields).

    Mirrors AccumulatedTraceData::read in heaptrack_print: '+ N' counts a call and adds
    the size of allocation info N ('a SIZE TRACE', numbered from 0 in file order) to the
    running total, '- N' subtracts it, the peak is the maximum of the running total and
    "leaked" its final value. Allocations whose innermost frame (the caller of malloc;
    't IP PARENT' -> 'i ADDR MODULE ...' -> 's' string) lies in a library that only
    heaptrack's preload library brought in are also totalled apart ("own").
    """
    strings = []          # 's' lines, numbered from 1
    ip_module = []        # 'i' lines, numbered from 1: module string index
    trace_ip = []         # 't' lines, numbered from 1: ip index
    info = []             # 'a' lines, numbered from 0: (size, own)
    sized = False         # file format >= 3: 's LEN STRING'
    own_paths = None      # realpaths of heaptrack-only libraries, once the preload is seen
    own_modules = {}      # module string index -> is heaptrack-only (cache)
    own_hit = set()       # names of the heaptrack-only libraries that did allocate
    t = dict.fromkeys(("calls", "frees", "peak", "leaked", "total_bytes", "own_calls",
                       "own_frees", "own_bytes", "peak_adj", "leaked_adj"), 0)
    for line in text.splitlines():
        if not line:
            continue
        mode = line[0]
        if mode == "+":
            size, own = info[int(line[2:].split()[0], 16)]
            t["calls"] += 1
            t["total_bytes"] += size
            t["leaked"] += size
            t["peak"] = max(t["peak"], t["leaked"])
            if own:
                t["own_calls"] += 1
                t["own_bytes"] += size
            else:
                t["leaked_adj"] += size
                t["peak_adj"] = max(t["peak_adj"], t["leaked_adj"])
        elif mode == "-":
            size, own = info[int(line[2:].split()[0], 16)]
            t["frees"] += 1
            t["leaked"] -= size
            if own:
                t["own_frees"] += 1
            else:
                t["leaked_adj"] -= size
        elif mode == "a":
            f = line[2:].split()
            size, trace = int(f[0], 16), int(f[1], 16)
            own = False
            if own_paths and 0 < trace <= len(trace_ip):
                ip = trace_ip[trace - 1]
                mod = ip_module[ip - 1] if 0 < ip <= len(ip_module) else 0
                if mod not in own_modules:
                    path = strings[mod - 1] if 0 < mod <= len(strings) else ""
                    own_modules[mod] = path.startswith("/") and os.path.realpath(path) in own_paths
                own = own_modules[mod]
                if own:
                    own_hit.add(os.path.basename(strings[mod - 1]))
            info.append((size, own))
        elif mode == "t":
            trace_ip.append(int(line[2:].split()[0], 16))
        elif mode == "i":
            f = line[2:].split()
            ip_module.append(int(f[1], 16) if len(f) > 1 else 0)
        elif mode == "s":
            s = line[2:]
            if sized:
                s = s.split(" ", 1)[1] if " " in s else ""
            strings.append(s)
            if own_paths is None and "libheaptrack_preload" in s and s.startswith("/"):
                own_paths = heaptrack_only_libs(s, prog)
        elif mode == "v":
            f = line[2:].split()
            sized = len(f) > 1 and int(f[1], 16) >= 3
    t["calls_adj"] = t["calls"] - t["own_calls"]
    t["frees_adj"] = t["frees"] - t["own_frees"]
    t["own_libs"] = sorted(own_hit)
    return t


def find_heaptrack_output(base):
    for suffix in (".zst", ".gz", ""):
        if os.path.isfile(base + suffix):
            return base + suffix
    return None


def run_logged(argv, stdin_path, env, stdout_path, log_path):
    with open(stdout_path, "wb") as out, open(log_path, "wb") as log:
        stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
        try:
            r = subprocess.run(argv, stdin=stdin, stdout=out, stderr=log, env=env)
        finally:
            if stdin_path:
                stdin.close()
    return r.returncode


def program_output(path, under_heaptrack):
    """The program's own stdout; the heaptrack script prints its messages there too."""
    with open(path, "rb") as f:
        data = f.read()
    if under_heaptrack:
        start = b"starting application, this might take some time...\n"
        i = data.find(start)
        if i >= 0:
            data = data[i + len(start):]
        j = data.rfind(b"Heaptrack finished! Now run")
        if j >= 0:
            data = data[:j]
    return data


def tail(path, n=15):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return ""


def run_heaptrack(name, wl, out, env, heaptrack, heaptrack_print):
    base = os.path.join(out, "ht." + name)
    for suffix in (".zst", ".gz", ""):
        if os.path.isfile(base + suffix):
            os.remove(base + suffix)
    rc = run_logged([heaptrack, "-o", base] + wl["argv"], wl.get("stdin"), env,
                    base + ".stdout", base + ".log")
    path = find_heaptrack_output(base)
    if rc != 0 or not path:
        raise RuntimeError("heaptrack run of %s failed (exit %d, data file %s); log %s:\n%s"
                           % (name, rc, path or "missing", base + ".log", tail(base + ".log")))
    printed = heaptrack_print_summary(path, heaptrack_print)
    res = {"file": path, "printed": printed, "exact": None, "note": []}
    text = read_heaptrack_file(path)
    if text is None:
        res["note"].append("cannot decompress %s (no zstd program): using the rounded "
                           "heaptrack_print values, which include heaptrack's own allocations"
                           % os.path.basename(path))
        return res
    exact = decode_heaptrack(text, wl["argv"][0])
    mismatch = []
    if str(exact["calls"]) != printed["calls"]:
        mismatch.append("calls %d vs printed %s" % (exact["calls"], printed["calls"]))
    for key in ("peak", "leaked"):
        if format_bytes(exact[key]) != printed[key]:
            mismatch.append("%s %d (%s) vs printed %s" % (key, exact[key], format_bytes(exact[key]),
                                                           printed[key]))
    if mismatch:
        res["note"].append("decoded data file disagrees with heaptrack_print (%s): using the "
                           "rounded heaptrack_print values, which include heaptrack's own "
                           "allocations (%d call(s), %d bytes decoded)"
                           % ("; ".join(mismatch), exact["own_calls"], exact["own_bytes"]))
        return res
    res["exact"] = exact
    if exact["own_calls"]:
        res["note"].append(
            "heaptrack column excludes %d allocation(s), %d bytes, made by %s, which only "
            "heaptrack's preload library loads; as printed by heaptrack_print: calls %s, peak "
            "%s, leaked %s" % (exact["own_calls"], exact["own_bytes"],
                               ", ".join(exact["own_libs"]), printed["calls"], printed["peak"],
                               printed["leaked"]))
    return res


# ---------------------------------------------------------------------------
# memscope

def run_memscope(name, wl, out, env, memscope):
    msb = os.path.join(out, "ms.%s.msb" % name)
    js = os.path.join(out, "ms.%s.json" % name)
    for p in (msb, js):
        if os.path.exists(p):
            os.remove(p)
    base = os.path.join(out, "ms." + name)
    rc = run_logged([memscope, "run", "-o", msb, "--"] + wl["argv"], wl.get("stdin"), env,
                    base + ".stdout", base + ".log")
    if not os.path.isfile(msb):
        raise RuntimeError("`%s run` wrote no %s (exit %d); log %s:\n%s"
                           % (memscope, msb, rc, base + ".log", tail(base + ".log")))
    if rc != 0:
        raise RuntimeError("`%s run` exited %d for %s; log %s:\n%s"
                           % (memscope, rc, name, base + ".log", tail(base + ".log")))
    r = subprocess.run([memscope, "report", msb, "--json", js], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    with open(base + ".report.txt", "w") as f:
        f.write(r.stdout)
    if r.returncode != 0 or not os.path.isfile(js):
        raise RuntimeError("`%s report %s --json %s` failed (exit %d):\n%s"
                           % (memscope, msb, js, r.returncode, r.stdout[-2000:]))
    with open(js) as f:
        doc = json.load(f)
    keys = ("total_allocations", "total_deallocations", "active_allocations",
            "peak_memory_bytes", "current_memory_bytes", "total_allocated_bytes",
            "dropped_events", "sample_rate")
    res = {k: doc.get(k) for k in keys}
    for k in ("total_allocations", "peak_memory_bytes", "current_memory_bytes"):
        if not isinstance(res[k], int):
            raise RuntimeError("%s has no integer %r" % (js, k))
    return res


# ---------------------------------------------------------------------------
# comparison

def pct(m, h):
    if m is None or h is None:
        return ""
    if h == 0:
        return "0.00" if m == 0 else "inf"
    return "%+.2f" % (100.0 * (m - h) / h)


def compare(name, ht, ms):
    """Rows for the table and the list of disagreement lines."""
    ex = ht["exact"]
    pr = ht["printed"]
    rows, bad = [], []

    def check(metric, hval, half, mval, shown):
        ok = None
        if mval is not None:
            ok = abs(mval - hval) <= TOLERANCE * abs(hval) + half
            if not ok:
                bad.append("DISAGREE %s %s: heaptrack %s, memscope %d (%s %%, allowed 1 %%%s)"
                           % (name, metric, shown, mval, pct(mval, hval),
                              " + %g rounding" % half if half else ""))
        return ok

    if ex:
        items = [("calls", ex["calls_adj"], 0, str(ex["calls_adj"]), "total_allocations"),
                 ("peak bytes", ex["peak_adj"], 0, str(ex["peak_adj"]), "peak_memory_bytes"),
                 ("leaked bytes", ex["leaked_adj"], 0, str(ex["leaked_adj"]),
                  "current_memory_bytes")]
    else:
        pv, ph = parse_bytes(pr["peak"])
        lv, lh = parse_bytes(pr["leaked"])
        items = [("calls", int(pr["calls"]), 0, pr["calls"], "total_allocations"),
                 ("peak bytes", pv, ph, pr["peak"], "peak_memory_bytes"),
                 ("leaked bytes", lv, lh, pr["leaked"], "current_memory_bytes")]
    for metric, hval, half, shown, key in items:
        mval = ms.get(key) if ms else None
        ok = check(metric, hval, half, mval, shown)
        rows.append((metric, shown, "" if mval is None else str(mval),
                     pct(mval, hval), {None: "", True: "ok", False: "DIFFERS"}[ok]))
    # informational rows, not part of the verdict
    if ex:
        rows.append(("frees", str(ex["frees_adj"]),
                     "" if not ms or ms.get("total_deallocations") is None
                     else str(ms["total_deallocations"]), "", "info"))
        rows.append(("live blocks at exit", str(ex["calls_adj"] - ex["frees_adj"]),
                     "" if not ms or ms.get("active_allocations") is None
                     else str(ms["active_allocations"]), "", "info"))
        rows.append(("allocated bytes", str(ex["total_bytes"] - ex["own_bytes"]),
                     "" if not ms or ms.get("total_allocated_bytes") is None
                     else str(ms["total_allocated_bytes"]), "", "info"))
    if "temporary" in pr:
        rows.append(("temporary allocs", pr["temporary"], "n/a", "", "info"))
    return rows, bad


def print_table(rows):
    head = ("metric", "heaptrack", "memscope", "diff %", "")
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
    fmt = "  %-*s  %*s  %*s  %*s  %s"
    print(fmt % (widths[0], head[0], widths[1], head[1], widths[2], head[2], widths[3], head[3],
                 head[4]))
    for r in rows:
        print(fmt % (widths[0], r[0], widths[1], r[1], widths[2], r[2], widths[3], r[3], r[4]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", help="comma-separated workloads: %s (default: %s)"
                    % (", ".join(WORKLOADS), ",".join(DEFAULT)))
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "test-out", "peer"),
                    help="output directory (default build/test-out/peer)")
    ap.add_argument("--memscope", default=os.path.join(ROOT, "build", "memscope"),
                    help="memscope CLI (default build/memscope)")
    ap.add_argument("--heaptrack", default="heaptrack")
    ap.add_argument("--heaptrack-print", default="heaptrack_print")
    args = ap.parse_args()

    names = DEFAULT if not args.only else [n.strip() for n in args.only.split(",") if n.strip()]
    for n in names:
        if n not in WORKLOADS:
            ap.error("unknown workload %r (have: %s)" % (n, ", ".join(WORKLOADS)))
    for tool in (args.heaptrack, args.heaptrack_print):
        if not shutil.which(tool):
            print("cannot run: %s not found (install heaptrack)" % tool)
            return 2
    os.makedirs(args.out, exist_ok=True)
    memscope = os.path.abspath(args.memscope) if os.sep in args.memscope else args.memscope
    ms_missing = None
    if not (os.path.isfile(memscope) and os.access(memscope, os.X_OK)) and not shutil.which(memscope):
        ms_missing = "%s not found (build it with make)" % args.memscope

    status = 0
    disagreements = []
    for name in names:
        try:
            wl = WORKLOADS[name](args.out)
        except (RuntimeError, OSError) as e:
            print("== %s: cannot prepare: %s" % (name, e))
            status = 2
            continue
        missing = [a for a in wl["argv"][:1] if not os.path.exists(a)]
        if missing:
            print("== %s: cannot run: %s not installed" % (name, missing[0]))
            status = 2
            continue
        env = dict(os.environ)
        env.update(wl.get("env", {}))
        print("== %s: %s" % (name, wl["show"]))
        try:
            ht = run_heaptrack(name, wl, args.out, env, args.heaptrack, args.heaptrack_print)
        except RuntimeError as e:
            print("  heaptrack: %s" % e)
            status = 2
            continue
        ms = None
        if ms_missing:
            print("  memscope: %s" % ms_missing)
        else:
            try:
                ms = run_memscope(name, wl, args.out, env, memscope)
            except (RuntimeError, OSError, ValueError) as e:
                print("  memscope: %s" % e)
        if wl.get("expect") and ht["exact"]:
            got = {"calls": ht["exact"]["calls_adj"], "peak": ht["exact"]["peak_adj"],
                   "leaked": ht["exact"]["leaked_adj"]}
            print("  expected %s; heaptrack %s" % (
                ", ".join("%s %d" % kv for kv in wl["expect"].items()),
                "agrees" if got == wl["expect"] else "differs: " + ", ".join(
                    "%s %d" % kv for kv in got.items())))
        rows, bad = compare(name, ht, ms)
        print_table(rows)
        for note in ht["note"]:
            print("  note: %s" % note)
        if ms:
            if ms.get("dropped_events"):
                print("  note: memscope dropped %s events: its peak is not exact"
                      % ms["dropped_events"])
            if ms.get("sample_rate") not in (None, 1, 1.0):
                print("  note: memscope file is sampled (sample_rate %s)" % ms["sample_rate"])
            a = os.path.join(args.out, "ht.%s.stdout" % name)
            b = os.path.join(args.out, "ms.%s.stdout" % name)
            if program_output(a, True) != program_output(b, False):
                print("  note: the program's output differs between the two runs (%s, %s)"
                      % (a, b))
        else:
            status = 2
        disagreements += bad
    for line in disagreements:
        print(line)
    if disagreements and status == 0:
        status = 1
    if status == 0:
        print("OK: calls, peak and leaked agree within 1 % for " + ", ".join(names))
    return status


if __name__ == "__main__":
    sys.exit(main())
