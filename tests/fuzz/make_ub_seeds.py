#!/usr/bin/env python3
"""Writes the ub-*.msb seeds of tests/fuzz/corpus: small valid .msb files (docs/FORMAT.md,
correct CRCs) whose numbers are hostile to the writers that turn them into integers
(Prometheus samples, the .msb write-back's duration_ns, pprof, massif, DHAT, trace counters).

    make_ub_seeds.py [DIR]     write the seeds into DIR (default: the corpus next to this file)

Each seed is one base file with a single value replaced:
  - every f64 of META (sample_rate, ns_per_tick, duration_sec, the two rates), of a system
    snapshot (the five percentages) and of END (the two estimates), set to inf, -inf, NaN,
    1e308, 2^64 and -1 (ub-meta9-negative.msb: duration_sec = -1);
  - integers that become doubles of 2^64 on the way out (u64 max in a snapshot, the END
    totals, a thread's bytes, an event's size or timestamp), and sampling parameters whose
    weights overflow: a sample rate so small that 1/rate is infinite, a byte-sampling mean
    gap of 2^64 - 1.
The base file has events (with a call stack), one snapshot with every metric available, a
thread and a hotspot, so every exporter has something to convert. Each file is checked with
tests/msb_decode.py, whose constants and encoders it uses. Python 3 standard library only.
"""
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import msb_decode  # noqa: E402  (tests/msb_decode.py: the format's constants and encoders)
from msb_decode import (U64, META, STRINGS, SITES, STACKS, EVENTS, SNAPSHOTS, THREADS,  # noqa: E402
                        HOTSPOTS, END, SNAPSHOT_FIELDS, END_VARINTS, THREAD_FIELDS)

varint, zigzag, section = msb_decode.enc_varint, msb_decode.enc_zigzag, msb_decode.enc_section

# name in the file name -> value
HOSTILE = [("inf", float("inf")), ("neginf", float("-inf")), ("nan", float("nan")),
           ("1e308", 1e308), ("2p64", 18446744073709551616.0), ("negative", -1.0)]
META_F64 = {3: "sample_rate", 8: "ns_per_tick", 9: "duration_sec",
            10: "allocation_rate_per_sec", 11: "deallocation_rate_per_sec"}


def base_model():
    m = {
        "meta": {1: (0, 1795687822000), 2: (0, 2500000000), 3: (1, 1.0), 4: (0, 1), 5: (0, 8),
                 6: (2, 1), 7: (0, 4242), 8: (1, 1.0), 9: (1, 2.5), 10: (1, 1.2), 11: (1, 0.8),
                 12: (0, 0), 13: (2, 2)},
        "strings": [b"memscope.h 0.4.0", b"fuzzseed", b"buf", b"char", b"seed.c", b"main", b"work", b"seed.c:10"],
        # site id, var, type, file (string indexes), line
        "sites": [(1, 3, 4, 5, 10)],
        # stack id, frames (address, function, module, offset + 1)
        "stacks": [(1, [(0x401000, 7, 0, 17), (0x401200, 6, 0, 33)])],
        # free, thread, site, size, stack, address, timestamp
        "events": [(0, 100, 1, 64, 1, 0x5555000010, 1000), (0, 100, 1, 4096, 1, 0x5555002000, 2000),
                   (1, 100, 1, 64, 0, 0x5555000010, 3000)],
        "snapshot": {k: (1.5 if kind == "f" else 1000 + i) for i, (k, kind) in enumerate(SNAPSHOT_FIELDS)},
        "threads": [[100, 6, 2, 1, 4160, 4096, 4160]],
        "hotspots": [(3, 4, 4160, 2, 8)],
        "end": {"total_allocations": 2, "total_deallocations": 1, "active_allocations": 1,
                "peak_memory_bytes": 4160, "current_memory_bytes": 4096, "total_allocated_bytes": 4160,
                "dropped_events": 0, "dropped_snapshots": 0, "event_count": 3,
                "estimated_total_allocations": 2.0, "estimated_total_bytes": 4160.0},
    }
    m["snapshot"]["timestamp"] = 1795687822100
    m["snapshot"]["available"] = 0x1FFF  # every metric, so every exporter converts every field
    m["snapshot"]["elapsed_ns"] = 1500
    return m


def events_payload(events):
    p = varint(len(events))
    thread = site = literal = ts = 0
    cache, last_size, last_stack = [None] * 7, {}, {}
    for free, th, st, size, stack, addr, t in events:
        tag, body = free, b""
        if th != thread:
            tag, body, thread = tag | 2, body + varint(th), th
        if st != site:
            tag, body, site = tag | 4, body + varint(st), st
        if size != last_size.get(site, 0):
            tag, body = tag | 8, body + varint(size)
            last_size[site] = size
        if not free and stack != last_stack.get(site, 0):
            tag, body = tag | 16, body + varint(stack)
            last_stack[site] = stack
        if addr in cache:
            mode = cache.index(addr)
            del cache[mode]
        else:
            mode = 7
            body += zigzag(addr - literal)
            literal = addr
            del cache[6]
        cache.insert(0, addr)
        body += varint(t - ts)
        ts = t
        p += bytes([tag | mode << 5]) + body
    return p


def encode(m):
    out = msb_decode.enc_header()
    out += section(STRINGS, varint(len(m["strings"])) + b"".join(varint(len(s)) + s for s in m["strings"]))
    p = varint(len(m["meta"]))
    for fid, (wire, v) in sorted(m["meta"].items()):
        p += varint(fid) + varint(wire) + (struct.pack("<d", v) if wire == 1 else varint(v))
    out += section(META, p)
    p = varint(len(m["sites"])) + b"".join(b"".join(varint(x) for x in s) for s in m["sites"])
    out += section(SITES, p)
    p = varint(len(m["stacks"]))
    for sid, frames in m["stacks"]:
        p += varint(sid) + varint(len(frames))
        prev = 0
        for addr, fn, mod, off1 in frames:
            p += zigzag(addr - prev) + varint(fn) + varint(mod) + varint(off1)
            prev = addr
    out += section(STACKS, p)
    out += section(EVENTS, events_payload(m["events"]))
    s = m["snapshot"]
    out += section(SNAPSHOTS, varint(1) + b"".join(
        struct.pack("<d" if kind == "f" else "<Q", s[k]) for k, kind in SNAPSHOT_FIELDS))
    out += section(THREADS, varint(len(m["threads"])) + b"".join(b"".join(varint(x) for x in t) for t in m["threads"]))
    out += section(HOTSPOTS, varint(len(m["hotspots"])) + b"".join(b"".join(varint(x) for x in h) for h in m["hotspots"]))
    e = m["end"]
    out += section(END, b"".join(varint(e[k]) for k in END_VARINTS)
                   + struct.pack("<dd", e["estimated_total_allocations"], e["estimated_total_bytes"]))
    return out


def seeds():
    for fid, name in sorted(META_F64.items()):
        for vname, v in HOSTILE:
            m = base_model()
            m["meta"][fid] = (1, v)
            yield "ub-meta%d-%s.msb" % (fid, vname), m
    for k, kind in SNAPSHOT_FIELDS:
        if kind != "f":
            continue
        for vname, v in HOSTILE:
            m = base_model()
            m["snapshot"][k] = v
            yield "ub-snap-%s-%s.msb" % (k, vname), m
    for k in ("estimated_total_allocations", "estimated_total_bytes"):
        for vname, v in HOSTILE:
            m = base_model()
            m["end"][k] = v
            yield "ub-end-%s-%s.msb" % (k, vname), m
    # integers that are 2^64 once converted to double
    for k in ("memory_usage_bytes", "gpu_memory_used", "disk_read_bps", "network_rx_bps", "thread_count"):
        m = base_model()
        m["snapshot"][k] = U64
        yield "ub-snap-%s-u64max.msb" % k, m
    for k in ("total_allocations", "peak_memory_bytes", "dropped_events"):
        m = base_model()
        m["end"][k] = U64
        yield "ub-end-%s-u64max.msb" % k, m
    m = base_model()
    m["threads"][0][4] = U64
    yield "ub-threads-allocated_bytes-u64max.msb", m
    m = base_model()
    m["events"][1] = m["events"][1][:3] + (U64,) + m["events"][1][4:]
    yield "ub-event-size-u64max.msb", m
    m = base_model()
    m["events"][2] = m["events"][2][:6] + (U64,)
    yield "ub-event-timestamp-u64max.msb", m
    m = base_model()
    m["meta"][12] = (0, U64)  # byte sampling with a mean gap of 2^64: weights near 2^64 / size
    yield "ub-meta12-u64max.msb", m
    m = base_model()
    m["meta"][3] = (1, 5e-324)  # 1 / rate = inf: every sampled weight overflows
    yield "ub-meta3-denormal.msb", m


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    out_dir = argv[1] if len(argv) > 1 else os.path.join(here, "corpus")
    os.makedirs(out_dir, exist_ok=True)
    n = 0
    for name, m in seeds():
        data = encode(m)
        msb_decode.decode(data)  # raises on anything docs/FORMAT.md forbids
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(data)
        n += 1
    print("%d seeds written to %s" % (n, out_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
