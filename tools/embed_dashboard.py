#!/usr/bin/env python3
"""Embeds the HTML dashboard (tools/dashboard/) into memscope.h, and the page of
`memscope diff --html` into tools/diff_page.h.

    embed_dashboard.py            rewrite the generated block of memscope.h and tools/diff_page.h
    embed_dashboard.py --check    exit 1 (and say so) when either holds a stale copy
    embed_dashboard.py --size     print the size of the page shell in bytes

shell.html holds four markers: <!--MEMSCOPE:STYLE--> and <!--MEMSCOPE:SCRIPT--> are replaced by
style.css and app.js inlined; <!--MEMSCOPE:EVENTS--> and <!--MEMSCOPE:REPORT--> split the page
into the three parts memscope_export_html writes around the events (base64) and the report
(JSON). Each part becomes a NULL-terminated array of C string literals of at most 2000 bytes
(ISO C guarantees 4095 per literal); '?' is escaped so no trigraph can form.

diff.html (the diff page) holds <!--MEMSCOPE:STYLE--> (style.css, so both pages share the
theme), <!--MEMSCOPE:SCRIPT--> (diff.js) and <!--MEMSCOPE:DIFF--> (where memscope diff writes
its JSON): the two parts around the last become diff_page_part0 and diff_page_part1.
"""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DASH = os.path.join(ROOT, "tools", "dashboard")
HEADER = os.path.join(ROOT, "memscope.h")
DIFF_HEADER = os.path.join(ROOT, "tools", "diff_page.h")
BEGIN = "/* BEGIN GENERATED DASHBOARD */\n"
END = "/* END GENERATED DASHBOARD */\n"


def read(name):
    with open(os.path.join(DASH, name), encoding="utf-8") as f:
        return f.read()


def page_parts():
    shell = read("shell.html")
    for marker in ("<!--MEMSCOPE:STYLE-->", "<!--MEMSCOPE:SCRIPT-->", "<!--MEMSCOPE:EVENTS-->", "<!--MEMSCOPE:REPORT-->"):
        if shell.count(marker) != 1:
            sys.exit("embed_dashboard: shell.html must hold %s exactly once" % marker)
    css, js = read("style.css"), read("app.js")
    if "</style" in css.lower():
        sys.exit("embed_dashboard: style.css must not contain </style")
    if "</script" in js.lower() or "<!--" in js:
        sys.exit("embed_dashboard: app.js must not contain </script or <!--")
    page = shell.replace("<!--MEMSCOPE:STYLE-->", "<style>\n" + css + "</style>")
    page = page.replace("<!--MEMSCOPE:SCRIPT-->", "<script>\n" + js + "</script>")
    head, rest = page.split("<!--MEMSCOPE:EVENTS-->")
    mid, tail = rest.split("<!--MEMSCOPE:REPORT-->")
    return [head, mid, tail]


def diff_parts():
    shell = read("diff.html")
    for marker in ("<!--MEMSCOPE:STYLE-->", "<!--MEMSCOPE:SCRIPT-->", "<!--MEMSCOPE:DIFF-->"):
        if shell.count(marker) != 1:
            sys.exit("embed_dashboard: diff.html must hold %s exactly once" % marker)
    css, js = read("style.css"), read("diff.js")
    if "</script" in js.lower() or "<!--" in js:
        sys.exit("embed_dashboard: diff.js must not contain </script or <!--")
    page = shell.replace("<!--MEMSCOPE:STYLE-->", "<style>\n" + css + "</style>")
    page = page.replace("<!--MEMSCOPE:SCRIPT-->", "<script>\n" + js + "</script>")
    return page.split("<!--MEMSCOPE:DIFF-->")


def diff_generated():
    body = ("/* tools/diff_page.h - the page of `memscope diff --html`, written by tools/embed_dashboard.py\n"
            "   from tools/dashboard/diff.html, diff.js and style.css: edit those, then make embed */\n")
    for i, part in enumerate(diff_parts()):
        body += c_array("diff_page_part%d" % i, part)
    return body


def c_literal(chunk):
    out = []
    for b in chunk:
        c = chr(b)
        if c == "\\":
            out.append("\\\\")
        elif c == '"':
            out.append('\\"')
        elif c == "?":
            out.append("\\?")
        elif c == "\n":
            out.append("\\n")
        elif 0x20 <= b < 0x7F:
            out.append(c)
        else:
            out.append("\\%03o" % b)
    return '"' + "".join(out) + '"'


def c_array(name, text):
    data = text.encode("utf-8")
    lines = ["static const char *const %s[] = {" % name]
    pos = 0
    while pos < len(data):
        end = min(pos + 2000, len(data))
        nl = data.rfind(b"\n", pos, end)  # cut after a newline where one is near
        if end < len(data) and nl > pos + 1000:
            end = nl + 1
        lines.append("    " + c_literal(data[pos:end]) + ",")
        pos = end
    lines.append("    NULL};")
    return "\n".join(lines) + "\n"


def generated():
    parts = page_parts()
    body = "/* tools/embed_dashboard.py wrote this block from tools/dashboard/: edit those files, then make embed */\n"
    for i, part in enumerate(parts):
        body += c_array("ms__dash_part%d" % i, part)
    return BEGIN + body + END


def main():
    with open(HEADER, encoding="utf-8") as f:
        header = f.read()
    a, b = header.find(BEGIN), header.find(END)
    if a < 0 or b < a:
        sys.exit("embed_dashboard: memscope.h has no generated dashboard block")
    new = header[:a] + generated() + header[b + len(END):]
    if "--size" in sys.argv:
        print(sum(len(p.encode("utf-8")) for p in page_parts()))
        return 0
    diff_old = None
    if os.path.exists(DIFF_HEADER):
        with open(DIFF_HEADER, encoding="utf-8") as f:
            diff_old = f.read()
    diff_new = diff_generated()
    if "--check" in sys.argv:
        stale = 0
        if new != header:
            print("memscope.h: the embedded dashboard is stale; run `make embed` (tools/embed_dashboard.py)")
            stale = 1
        if diff_new != diff_old:
            print("tools/diff_page.h: the embedded diff page is stale; run `make embed` (tools/embed_dashboard.py)")
            stale = 1
        if not stale:
            print("embedded dashboard and diff page: up to date")
        return stale
    for path, old, text, what in ((HEADER, header, new, "memscope.h: dashboard embedded"),
                                  (DIFF_HEADER, diff_old, diff_new, "tools/diff_page.h: diff page embedded")):
        if text != old:
            with open(path + ".tmp", "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(path + ".tmp", path)
            print(what)
    return 0


if __name__ == "__main__":
    sys.exit(main())
