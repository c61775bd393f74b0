#!/usr/bin/env python3
"""check_toc.py - memscope.h's map agrees with the file (make check-toc, part of make test).

Checks, and names every difference:
  1. the TABLE OF CONTENTS lists every section banner (/* ==== >>name ==== */), in file order,
     and nothing else; the banners are the only lines the TOC's grep pattern matches;
     >>dashboard (the generated page, long lines of string literals) is the last section and
     holds tools/embed_dashboard.py's generated block;
  2. PUBLIC FUNCTIONS names every function declared MEMSCOPE_DEF (and nothing undeclared);
  3. COMPILE-TIME OPTIONS names every MEMSCOPE_* macro the file tests with #if/#ifdef/#ifndef
     or defined(), except its own include guards.
Exit 0 when all agree, 1 otherwise (one line per difference)."""
import re
import sys

if len(sys.argv) > 1 and sys.argv[1] == "--selftest":
    # each kind of drift, made in a copy of memscope.h, must be found
    import subprocess, tempfile, os
    good = open(sys.argv[2] if len(sys.argv) > 2 else "memscope.h", encoding="utf-8").read()
    def _dashboard_before_hooks(t):
        """>>dashboard moved before >>hooks, banner and TOC line alike: only the 'last' rule sees it"""
        dash = "/* ==== >>dashboard ==== */\n"
        t = t.replace(dash, "", 1).replace("/* ==== >>hooks ==== */\n", dash + "/* ==== >>hooks ==== */\n", 1)
        toc = re.search(r"\n     >>dashboard .*", t).group(0)
        return t.replace(toc, "", 1).replace("\n     >>hooks ", toc + "\n     >>hooks ", 1)

    cases = {
        "a TOC line removed": lambda t: t.replace("     >>unwind", "     >>unwnd", 1),
        "a banner renamed": lambda t: t.replace("/* ==== >>formats ==== */", "/* ==== >>format ==== */", 1),
        "a function undocumented": lambda t: t.replace("memscope_print_summary(t, FILE *)", "print_summary(t, FILE *)", 1),
        "an option undocumented": lambda t: t.replace("MEMSCOPE_HTML_MAX_EVENTS events", "HTML_MAX_EVENTS events", 1),
        "the dashboard not last": lambda t: _dashboard_before_hooks(t),
        "a function declared, not listed": lambda t: t.replace("MEMSCOPE_DEF void memscope_hook_finish(void);",
                                                               "MEMSCOPE_DEF void memscope_hook_finish(void);\nMEMSCOPE_DEF int memscope_new_thing(void);", 1),
    }
    bad = 0
    for name, mutate in cases.items():
        t = mutate(good)
        assert t != good, name
        with tempfile.NamedTemporaryFile("w", suffix=".h", delete=False) as f:
            f.write(t)
        rc = subprocess.run([sys.executable, __file__, f.name], capture_output=True).returncode
        os.unlink(f.name)
        print("check-toc selftest: %s: %s" % (name, "found" if rc == 1 else "NOT FOUND"))
        bad += rc != 1
    sys.exit(1 if bad else 0)

path = sys.argv[1] if len(sys.argv) > 1 else "memscope.h"
src = open(path, encoding="utf-8").read()
lines = src.splitlines()
doc_end = src.index("*/")
doc = src[:doc_end]
problems = []


def block(title):
    """The lines of a doc-block section: from its title to the next blank line."""
    i = doc.index(title)
    out = []
    for ln in doc[i:].splitlines()[1:]:
        if not ln.strip():
            break
        out.append(ln)
    return out


# 1. TOC and banners
BANNER = re.compile(r"^/\* ==== >>([a-z]+) ==== \*/$")
banners = [m.group(1) for ln in lines if (m := BANNER.match(ln))]
toc = []
for ln in block("TABLE OF CONTENTS"):
    m = re.match(r"\s+>>([a-z]+)\s+\S", ln)
    if m:
        toc.append(m.group(1))
    else:
        problems.append("TOC: a line that is not '>>name  description': %r" % ln)
if toc != banners:
    problems.append("TOC lists %s; the banners, in file order, are %s" % (" ".join(toc), " ".join(banners)))
if not banners or banners[-1] != "dashboard":
    problems.append("the last section must be >>dashboard (the generated page), not >>%s" % (banners[-1] if banners else "-"))
else:
    last = max(i for i, ln in enumerate(lines) if BANNER.match(ln))
    begin = [i for i, ln in enumerate(lines) if ln == "/* BEGIN GENERATED DASHBOARD */"]
    if len(begin) != 1 or begin[0] < last:
        problems.append("the generated dashboard block (/* BEGIN GENERATED DASHBOARD */) must be in >>dashboard")
grep = re.search(r"TABLE OF CONTENTS \(grep -n '([^']+)'", doc)
if not grep:
    problems.append("TOC: the title does not say how to grep the banners (grep -n '...')")
else:
    pat = re.compile(grep.group(1).replace("\\/", "/"))
    hits = [i + 1 for i, ln in enumerate(lines) if pat.search(ln)]
    banner_lines = [i + 1 for i, ln in enumerate(lines) if BANNER.match(ln)]
    if hits != banner_lines:
        extra = sorted(set(hits) - set(banner_lines))
        problems.append("TOC: grep '%s' matches %d lines, the banners are %d%s" %
                        (grep.group(1), len(hits), len(banner_lines),
                         " (also lines %s)" % extra[:10] if extra else ""))

# 2. public functions
declared = set(re.findall(r"^MEMSCOPE_DEF\b[^;{(]*?\b(memscope_[a-z0-9_]+)\s*\(", src, re.M))
listed = set()
for ln in block("PUBLIC FUNCTIONS"):
    for m in re.finditer(r"\b(memscope_[a-z0-9_]+)((?:\s*/\s*_[a-z0-9_]+)*)", ln):
        name, rest = m.group(1), m.group(2)
        listed.add(name)
        if rest:  # "memscope_export_json / _html": memscope_export_html
            stem = name[:name.rindex("_")]
            for suf in re.findall(r"_([a-z0-9_]+)", rest):
                listed.add(stem + "_" + suf)
types = {"memscope_tracker", "memscope_result", "memscope_report", "memscope_memory_stats", "memscope_event",
         "memscope_system_snapshot", "memscope_sampling_config", "memscope_monitor_stats", "memscope_symbol",
         "memscope_stack_cost", "memscope_context", "memscope_module", "memscope_load_info", "memscope_hotspot",
         "memscope_monitor_config", "memscope_site", "memscope_thread_stats", "memscope_event_kind"}
listed -= types
for n in sorted(declared - listed):
    problems.append("PUBLIC FUNCTIONS does not list %s (declared MEMSCOPE_DEF)" % n)
for n in sorted(listed - declared):
    problems.append("PUBLIC FUNCTIONS lists %s, which is not declared MEMSCOPE_DEF" % n)

# 3. options
tested = set()
for ln in lines:
    if re.match(r"\s*#\s*(if|ifdef|ifndef|elif)\b", ln):
        tested |= set(re.findall(r"\b(MEMSCOPE_[A-Z0-9_]+)\b", ln))
guards = {"MEMSCOPE_H_INCLUDED", "MEMSCOPE_IMPLEMENTATION_INCLUDED", "MEMSCOPE_IMPLEMENTATION"}
opts_text = "\n".join(block("COMPILE-TIME OPTIONS"))
for n in sorted(tested - guards):
    if not re.search(r"\b%s\b" % n, opts_text):
        problems.append("COMPILE-TIME OPTIONS does not name %s (tested by #if)" % n)

for p in problems:
    print("check-toc: " + p)
print("check-toc: %s (%d sections, %d public functions, %d options)" %
      ("ok" if not problems else "%d differences" % len(problems), len(banners), len(declared), len(tested - guards)))
sys.exit(1 if problems else 0)
