#!/usr/bin/env python3
"""Checks an HTML export of memscope.h against the JSON export of the same tracker state.

    check_html.py PAGE.html REPORT.json

Parses the page the way a browser tokenizer splits it (a script element ends at the first
"</script"), and requires: the events block is pure base64 of 36-byte little-endian records
that equal the JSON's events one by one; the report block is strict JSON equal to the JSON
export except events (null here), event_count, events_total and event_record_bytes (added
here) and the time-dependent rates and duration; a page holds the first event_count of the
JSON's events_total events, or, past the page's bound, the binned page: a timeline whose counts,
bytes, final and highest live bytes agree with the JSON's events, and the allocations live at
the end as its records; no "</script" or "<!--" inside either data block; the page
declares a CSP without any network source. Exit 0 when all hold, 1 with the first difference.
"""
import base64
import json
import re
import struct
import sys

TIME_KEYS = {"duration_sec", "allocation_rate_per_sec", "deallocation_rate_per_sec"}


def fail(msg):
    sys.stderr.write("check_html: %s\n" % msg)
    sys.exit(1)


def script_block(page, ident):
    m = re.search(r'<script type="([^"]+)" id="%s">' % re.escape(ident), page)
    if not m:
        fail("no script element with id %s" % ident)
    start = m.end()
    end = page.lower().find("</script", start)
    if end < 0:
        fail("script %s is not closed" % ident)
    return m.group(1), page[start:end]


def strict_json(text, what):
    def no_dupes(pairs):
        d = {}
        for k, v in pairs:
            if k in d:
                fail("%s: duplicate key %r" % (what, k))
            d[k] = v
        return d

    def no_const(name):
        fail("%s: non-standard constant %s" % (what, name))

    try:
        return json.loads(text, object_pairs_hook=no_dupes, parse_constant=no_const)
    except ValueError as exc:
        fail("%s: not strict JSON: %s" % (what, exc))


def check_binned(rep, tl, doc, events, n):
    """A binned page (a run of more events than the page holds): checks the timeline against the
    JSON's events (counts, bytes, the final and the highest live bytes, the bin layout, the
    threads binned) and returns the events the records must equal: the allocations live at the
    end, in event order (a prefix of them when records_complete is false)."""
    total, cap = len(events), tl.get("page_events_max")
    if rep.get("events_total") != total or tl.get("events") != total or not isinstance(cap, int) or total <= cap:
        fail("binned page: events_total %r, timeline.events %r, page_events_max %r for %d JSON events"
             % (rep.get("events_total"), tl.get("events"), cap, total))
    nb, w = tl.get("bins"), tl.get("bin_ns")
    if not (isinstance(nb, int) and 1 <= nb <= 2048 and isinstance(w, int) and w >= 1 and w & (w - 1) == 0):
        fail("binned page: %r bins of %r ns (1 to 2048 bins of a power of two ns)" % (nb, w))
    last = tl.get("last_event_ns")
    if not (nb - 1) * w <= last < nb * w or (w > 1 and last < 1024 * w):
        fail("binned page: the last event at %r ns is not in the last of %d bins of %d ns (or the bins could be halved)" % (last, nb, w))
    for key in ("allocations", "frees", "allocated_bytes", "live_min", "live_max", "live_last"):
        if not isinstance(tl.get(key), list) or len(tl[key]) != nb:
            fail("binned page: timeline.%s is not a list of %d" % (key, nb))
    allocs = [e for e in events if e["kind"] == "alloc"]
    live_end = sum(e["size"] for e in allocs) - sum(e["size"] for e in events if e["kind"] == "free")
    got = (sum(tl["allocations"]), sum(tl["frees"]), sum(tl["allocated_bytes"]), tl["live_last"][-1])
    want = (len(allocs), total - len(allocs), sum(e["size"] for e in allocs), live_end)
    if got != want:
        fail("binned page: allocations, frees, bytes, live at the end %r, the JSON's %r" % (got, want))
    for k in range(nb):
        if not tl["live_min"][k] <= tl["live_last"][k] <= tl["live_max"][k]:
            fail("binned page: bin %d: min %r, last %r, max %r" % (k, tl["live_min"][k], tl["live_last"][k], tl["live_max"][k]))
    if not doc.get("dropped_events") and max(tl["live_max"]) != doc["peak_memory_bytes"]:
        fail("binned page: the highest bin %r is not the peak %r" % (max(tl["live_max"]), doc["peak_memory_bytes"]))
    # the threads binned: the 12 largest allocators by bytes (the report's order among equals),
    # each ending at the bytes it allocated that are still live
    order = sorted(range(len(doc["threads"])), key=lambda i: (-doc["threads"][i]["allocated_bytes"], i))[:12]
    want_t = [doc["threads"][i]["thread_id"] for i in order]
    got_t = [t.get("thread_id") for t in tl.get("threads", [])]
    if got_t != want_t:
        fail("binned page: threads binned %r, the 12 largest allocators %r" % (got_t, want_t))
    for t in tl["threads"]:
        tid = t["thread_id"]
        mine = sum(e["size"] for e in allocs if e["thread_id"] == tid) - \
            sum(e["size"] for e in events if e["kind"] == "free" and e["alloc_thread_id"] == tid)
        if len(t.get("live_last", [])) != nb or t["live_last"][-1] != mine:
            fail("binned page: thread %d ends at %r live bytes, its events leave %r" % (tid, (t.get("live_last") or [None])[-1], mine))
    # the records: the allocations live at the end, in event order
    live = {}
    for i, e in enumerate(events):
        if e["kind"] == "alloc":
            live[e["address"]] = i
        else:
            live.pop(e["address"], None)
    want_r = [events[i] for i in sorted(live.values())]
    if tl.get("records") != "live at the end" or rep.get("event_count") != n:
        fail("binned page: records %r, event_count %r for %d records" % (tl.get("records"), rep.get("event_count"), n))
    if tl.get("records_complete") is True:
        if n != len(want_r):
            fail("binned page: %d records, %d allocations live at the end" % (n, len(want_r)))
        return want_r
    if tl.get("records_complete") is not False or n > cap or len(want_r) <= 0:
        fail("binned page: records_complete %r with %d records (at most %r), %d live" % (tl.get("records_complete"), n, cap, len(want_r)))
    return None  # a partial list: checked against the live set by the caller


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    raw = open(argv[1], "rb").read()
    try:
        page = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        fail("page is not UTF-8: %s" % exc)
    doc = strict_json(open(argv[2], encoding="utf-8").read(), "JSON export")

    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page)
    if not csp or "default-src 'none'" not in csp.group(1) or re.search(r"https?:|\*", csp.group(1)):
        fail("page has no network-closed Content-Security-Policy")

    etype, events_text = script_block(page, "memscope-events")
    rtype, report_text = script_block(page, "memscope-report")
    if etype != "text/plain" or rtype != "application/json":
        fail("unexpected script types %s, %s" % (etype, rtype))
    for name, text in (("events", events_text), ("report", report_text)):
        if "<!--" in text or "</script" in text.lower() or "<script" in text.lower():
            fail("%s block holds markup" % name)
    if not re.fullmatch(r"[A-Za-z0-9+/]*={0,2}", events_text):
        fail("events block is not plain base64")
    data = base64.b64decode(events_text, validate=True)
    rep = strict_json(report_text, "report block")

    if len(data) % 36:
        fail("events: %d bytes is not a multiple of 36" % len(data))
    n = len(data) // 36
    if rep.get("event_count") != n or rep.get("event_record_bytes") != 36 or rep.get("events") is not None:
        fail("report block: event_count %r, record %r, events %r for %d records"
             % (rep.get("event_count"), rep.get("event_record_bytes"), rep.get("events") is None, n))
    events = doc["events"]
    tl = rep.get("timeline")
    if tl is not None:
        events = check_binned(rep, tl, doc, events, n)
    elif rep.get("events_total") != len(events) or n != min(len(events), 1000000):
        fail("%d records in the page (events_total %r), %d events in the JSON: a page holds the first 1 000 000"
             % (n, rep.get("events_total"), len(events)))
    else:
        events = events[:n]
    if events is None:  # a binned page's partial live list: each record a live block, in order
        live = {}
        for i, e in enumerate(doc["events"]):
            if e["kind"] == "alloc":
                live[e["address"]] = i
            else:
                live.pop(e["address"], None)
        by_addr = {float(int(a, 16)): i for a, i in live.items()}
        idx = []
        for i in range(n):
            addr = struct.unpack_from("<d", data, 36 * i + 16)[0]
            if addr not in by_addr:
                fail("binned page: record %d (address %#x) is not a block live at the end" % (i, int(addr)))
            idx.append(by_addr[addr])
        if idx != sorted(idx):
            fail("binned page: the records are not in event order")
        events = [doc["events"][i] for i in idx]
    for i, ev in enumerate(events):
        t, size, addr, site, thread, stack = struct.unpack_from("<dddIII", data, 36 * i)
        want = (float(ev["timestamp_ns"]), float(ev["size"]), float(int(ev["address"], 16)), ev["site"],
                (ev["thread_id"] & 0x7FFFFFFF) | (0x80000000 if ev["kind"] == "free" else 0), ev["stack"])
        got = (t, size, addr, site, thread, stack)
        # the tick-to-ns ratio is refined at every export, so two exports may differ by up to
        # a few parts in 100 000 early in a process (calibration over a few ms); everything else is exact
        if abs(got[0] - want[0]) <= 2 + want[0] * 1e-4:
            got = (want[0],) + got[1:]
        if got != want:
            fail("event %d: page %r, JSON %r" % (i, got, want))

    for key, value in doc.items():
        if key == "events" or key in TIME_KEYS:
            continue
        if key not in rep:
            fail("report block lacks %r" % key)
        if key == "stacks" and isinstance(value, list) and isinstance(rep[key], list) and len(value) == len(rep[key]):
            # the leak times are event times: the same tolerance as the events' above
            def close(a, b):
                return all(abs(a[k] - b[k]) <= 2 + b[k] * 1e-4 if k in ("first_leak_ns", "last_leak_ns")
                           and isinstance(a.get(k), int) and isinstance(b.get(k), int) else a.get(k) == b.get(k)
                           for k in set(a) | set(b))
            if all(close(x, y) for x, y in zip(rep[key], value)):
                continue
        if rep[key] != value:
            fail("report block %r differs: %r vs %r" % (key, str(rep[key])[:200], str(value)[:200]))
    extra = set(rep) - set(doc) - {"event_count", "events_total", "event_record_bytes"} - ({"timeline"} if tl is not None else set())
    if extra:
        fail("report block has unexpected keys %r" % sorted(extra))
    print("check_html: %d events, %d hotspots, %d stacks: page agrees with the JSON" %
          (n, len(doc["hotspots"]), len(doc["stacks"])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
