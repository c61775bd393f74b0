#!/usr/bin/env python3
"""Writes the json-*.json seeds of tests/fuzz/corpus: memscope JSON reports (README "JSON
schema") for the JSON reader of memscope_load, one valid report that reaches every part of it
and variants that each break one rule.

    make_json_seeds.py [DIR]     write the seeds into DIR (default: the corpus next to this file)

The valid one (json-valid.json) has sites, allocations and frees on two threads, a call stack
with inlined frames, frame file:line and offsets, a snapshot, threads, hotspots, context and
sampling; json-escapes.json has every escape of a JSON string (\\u with surrogate pairs,
"<\\/script>", U+2028) in its names; json-no-totals.json lacks the totals (recomputed);
json-dashboard-block.json is a dashboard's report block (events null, event_count). The
others must be refused with an offset: cut off, wrong types, numbers beyond 2^64 and beyond
the largest double, nesting deeper than 64 levels, a lone surrogate, invalid UTF-8, a raw
control character, events out of time order or naming undefined sites and stacks, a stack
id defined twice, inlined frames without their frame, bytes after the report, another
format's JSON. Python 3 standard library only.
"""
import json
import os
import sys


def base():
    frame = lambda addr, fn, off, file, line, inl=False: dict(
        address=addr, function=fn, module="/usr/bin/prog", offset=None if inl else off,
        file=file, line=line, **({"inlined": True} if inl else {}))
    snap = dict(timestamp=1700000000123, cpu_usage_percent=12.5, memory_usage_bytes=4096000,
                memory_usage_percent=1.25, thread_count=2, disk_read_bps=10, disk_write_bps=20,
                network_rx_bps=30, network_tx_bps=40, gpu_usage_percent=None, gpu_memory_used=0,
                gpu_memory_total=0, available=7999, elapsed_ns=1500000, system_cpu_percent=33.5,
                cpu_count=8, gpu_count=0, peak_rss_bytes=5000000, memory_limit_bytes=8000000000,
                system_memory_total=16000000000, system_memory_available=9000000000,
                system_memory_used_percent=43.75, minor_faults_per_sec=100, major_faults_per_sec=1,
                disk_read_bytes=1000, disk_write_bytes=2000, network_rx_bytes=3000, network_tx_bytes=4000)
    return {
        "format": "memscope", "version": 1, "generator": "memscope.h 0.9.0",
        "total_allocations": 3, "total_deallocations": 1, "active_allocations": 2,
        "peak_memory_bytes": 112, "current_memory_bytes": 80, "allocation_rate_per_sec": 1500.5,
        "deallocation_rate_per_sec": 500.25,
        "hotspots": [{"var_name": "buf", "type_name": "char *", "total_size": 64, "allocation_count": 2,
                      "location": "src/a.c:10"},
                     {"var_name": "node", "type_name": "struct node *", "total_size": 48, "allocation_count": 1,
                      "location": "src/b.c:20"}],
        "system_snapshots": [snap],
        "sample_rate": 1, "estimated_total_allocations": 3, "estimated_total_bytes": 112,
        "total_allocated_bytes": 112, "dropped_events": 0, "dropped_snapshots": 0, "duration_sec": 0.002,
        "start_time_unix_ms": 1700000000000,
        "context": {"program": "prog", "command_line": "prog --x 'a b'", "cwd": "/home/u", "pid": 4242,
                    "ppid": 4200, "mode": "track", "exit_status": 0, "exit_signal": None},
        "sampling": {"sample_rate": 1, "capture_call_stack": True, "max_stack_depth": 20, "sample_bytes": 0},
        "threads": [{"thread_id": 4242, "thread_name": "prog", "allocations": 2, "deallocations": 1,
                     "allocated_bytes": 64, "current_bytes": 32, "peak_bytes": 64},
                    {"thread_id": 4243, "thread_name": "worker", "allocations": 1, "deallocations": 0,
                     "allocated_bytes": 48, "current_bytes": 48, "peak_bytes": 48}],
        "sites": [{"id": 3, "var_name": "buf", "type_name": "char *", "file": "src/a.c", "line": 10},
                  {"id": 7, "var_name": "node", "type_name": "struct node *", "file": "src/b.c", "line": 20}],
        "events": [
            {"kind": "alloc", "timestamp_ns": 1000, "address": "0x5555aaaa1000", "size": 32, "thread_id": 4242,
             "alloc_thread_id": 4242, "site": 3, "stack": 1},
            {"kind": "alloc", "timestamp_ns": 1200, "address": "0x5555aaaa2000", "size": 48, "thread_id": 4243,
             "alloc_thread_id": 4243, "site": 7, "stack": 2},
            {"kind": "free", "timestamp_ns": 1300, "address": "0x5555aaaa1000", "size": 32, "thread_id": 4242,
             "alloc_thread_id": 4242, "site": 3, "stack": 0},
            {"kind": "alloc", "timestamp_ns": 1300, "address": "0x5555aaaa1000", "size": 32, "thread_id": 4242,
             "alloc_thread_id": 4242, "site": 3, "stack": 1}],
        "stacks": [
            {"id": 1, "frames": [frame("0x401234", "leaf", None, "src/a.c", 10, True),
                                 frame("0x401234", "mid", 52, "src/a.c", 30),
                                 frame("0x401300", "main", 16, "src/main.c", 5)],
             "where": 0, "allocations": 2, "allocated_bytes": 64, "leaked_count": 1, "leaked_bytes": 32,
             "peak_bytes": 32, "temporary": 0, "first_leak_ns": 1300, "last_leak_ns": 1300, "suppressed": None},
            {"id": 2, "frames": [frame("0x401400", None, None, None, None)],
             "where": None, "allocations": 1, "allocated_bytes": 48, "leaked_count": 1, "leaked_bytes": 48,
             "peak_bytes": 48, "temporary": 0, "first_leak_ns": 1200, "last_leak_ns": 1200, "suppressed": None}],
        "stack_hotspots": [{"stack": 1, "total_size": 64, "allocation_count": 2}],
    }


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
    os.makedirs(out, exist_ok=True)
    seeds = {}
    valid = json.dumps(base(), separators=(",", ":"))
    seeds["valid"] = valid
    d = base()
    d["sites"][0]["var_name"] = "</script>\"q\\\u00e9\u2028\U0001F600\t\n"
    seeds["escapes"] = json.dumps(d).replace("</", "<\\/")
    d = base()
    for k in ("total_allocations", "total_deallocations", "active_allocations", "peak_memory_bytes",
              "current_memory_bytes", "total_allocated_bytes"):
        del d[k]
    del d["threads"], d["hotspots"]
    seeds["no-totals"] = json.dumps(d)
    d = base()
    d["events"] = None
    d["event_count"] = 4
    seeds["dashboard-block"] = json.dumps(d)
    seeds["cut"] = valid[: len(valid) * 2 // 3]
    seeds["wrong-type"] = valid.replace('"total_allocations":3', '"total_allocations":"3"')
    seeds["u64-overflow"] = valid.replace('"size":48', '"size":18446744073709551616')
    seeds["negative"] = valid.replace('"size":48', '"size":-48')
    seeds["double-overflow"] = valid.replace('"duration_sec":0.002', '"duration_sec":1e400')
    seeds["deep"] = valid.replace('"generator"', '"x":' + "[" * 80 + "]" * 80 + ',"generator"')
    seeds["lone-surrogate"] = valid.replace('"var_name":"buf"', '"var_name":"b\\ud800uf"', 1)
    seeds["raw-control"] = valid.replace('"var_name":"buf"', '"var_name":"b\u0001uf"', 1)
    seeds["time-order"] = valid.replace('"timestamp_ns":1200', '"timestamp_ns":999')
    seeds["undefined-site"] = valid.replace('"site":7', '"site":8')
    seeds["undefined-stack"] = valid.replace('"stack":2', '"stack":9')
    seeds["stack-twice"] = valid.replace('{"id":2,"frames"', '{"id":1,"frames"')
    seeds["inlined-alone"] = valid.replace('"line":5}', '"line":5,"inlined":true}')
    seeds["trailing"] = valid + " {}"
    seeds["other-format"] = json.dumps({"traceEvents": [], "displayTimeUnit": "ns"})
    for name, text in seeds.items():
        with open(os.path.join(out, "json-%s.json" % name), "wb") as f:
            f.write(text.encode("utf-8"))
    bad = valid.encode().replace(b'"var_name":"buf"', b'"var_name":"b\xff\xfeuf"', 1)
    with open(os.path.join(out, "json-bad-utf8.json"), "wb") as f:
        f.write(bad)
    print("%d seeds in %s" % (len(seeds) + 1, out))


if __name__ == "__main__":
    main()
