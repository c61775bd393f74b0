#!/usr/bin/env python3
"""Embeds the HTML dashboard (tools/dashboard/) into memscope.h.

    embed_dashboard.py            rewrite the generated block of memscope.h
    embed_dashboard.py --check    exit 1 (and say so) when memscope.h holds a stale copy
    embed_dashboard.py --size     print the size of the page shell in bytes

shell.html holds four markers: <!--MEMSCOPE:STYLE--> and <!--MEMSCOPE:SCRIPT--> are replaced by
style.css and app.js inlined; <!--MEMSCOPE:EVENTS--> and <!--MEMSCOPE:REPORT--> split the page
into the three parts memscope_export_html writes around the events (base64) and the report
(JSON). Each part becomes a NULL-terminated array of C string literals of at most 2000 bytes
(ISO C guarantees 4095 per literal); '?' is escaped so no trigraph can form.
"""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DASH = os.path.join(ROOT, "tools", "dashboard")
HEADER = os.path.join(ROOT, "memscope.h")
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
    if "--check" in sys.argv:
        if new != header:
            print("memscope.h: the embedded dashboard is stale; run `make embed` (tools/embed_dashboard.py)")
            return 1
        print("embedded dashboard: up to date")
        return 0
    if new != header:
        with open(HEADER + ".tmp", "w", encoding="utf-8") as f:
            f.write(new)
        os.replace(HEADER + ".tmp", HEADER)
        print("memscope.h: dashboard embedded")
    return 0


if __name__ == "__main__":
    sys.exit(main())
