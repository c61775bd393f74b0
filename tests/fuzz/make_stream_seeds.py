#!/usr/bin/env python3
"""Writes the stream-*.msb seeds of tests/fuzz/corpus: small streamed files (versions 1.1 to 1.4,
docs/FORMAT.md "Streamed files"), as memscope's whole-program mode writes them while a program
runs, complete and cut short.

    make_stream_seeds.py [DIR]     write the seeds into DIR (default: the corpus next to this file)

The base file is the streamed run of tests/msb_decode.py (stream_model): META with its 15
fields (ppid, streamed = 1, duration_ns in 10 bytes), EVENTS blocks each after the SITES and
STACKS sections that define what it uses first (site and stack ids in the order of first use,
not increasing), a block that needs no new definition, then SNAPSHOTS, THREADS, HOTSPOTS, END.
  - stream-complete.msb          the whole file, META rewritten with the run's duration and rates
  - stream-end-meta-zero.msb     the whole file, META as written at the start (duration and
                                 rates 0): a run interrupted between END and META's rewrite
  - stream-cut-after-block.msb   a killed run: META as written at the start, the file stops
                                 after the second EVENTS block (a section boundary)
  - stream-cut-mid-section.msb   a killed run that died while writing: the file stops inside
                                 the third EVENTS block
  - stream-zstd.msb              the whole file with every EVENTS payload a zstd frame (section
                                 flag 1; compressed even where that does not make it smaller,
                                 which the format allows)
  - stream-zstd-cut-after-block.msb   the same, killed after its second (compressed) block
  - stream-exit-signal.msb       a killed run as memscope run leaves it: cut after the second
                                 block, then an EXIT section (how: signal 9, SIGKILL)
  - stream-exit-status.msb       a run that ended in _exit(3) after its HOTSPOTS: EXIT (how: exit
                                 status 3) as the last section
  - stream-predict.msb           the whole file as version 1.2 writes it: every EVENTS section
                                 with flag 2 (addresses predicted by size class)
  - stream-predict-cut-mid-section.msb   the same, killed while writing its third block
  - stream-predict-zstd.msb      version 1.2 with flags 2 and 1 (predicted and compressed), its
                                 STACKS sections compressed too
  - stream-order.msb             the whole file as version 1.3 writes it: every EVENTS section
                                 with flag 4 (addresses in allocation order)
  - stream-order-cut-mid-section.msb   the same, killed while writing its third block
  - stream-order-zstd.msb        version 1.3 with flags 4 and 1, its STACKS compressed too
  - stream-order-usec.msb        version 1.3 as memscope writes it: the run's times in whole
                                 microseconds, every EVENTS section with flags 4, 8 and 1
  - stream-cols.msb              version 1.4 as memscope writes it: the same with flag 16, the
                                 events' fields in columns
  - stream-cols-cut-mid-section.msb   the same uncompressed, killed while writing its third block
The zstd seeds need the system's libzstd.so.1 (through ctypes, as tests/msb_decode.py reads
them); without it they are left as they are. Each file is checked with tests/msb_decode.py,
whose encoders it uses: the complete ones must decode, the cut ones must be reported as a run
that did not end normally. Python 3 standard library only.
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import msb_decode  # noqa: E402  (tests/msb_decode.py: the format's constants and encoders)
from msb_decode import EVENTS  # noqa: E402


def model():
    """stream_model() with a third block that uses no new site or stack: it ends the live blocks."""
    m = msb_decode.stream_model()
    live = {}
    for blk in m["blocks"]:
        for e in blk["events"]:
            if e["kind"] == "alloc":
                live[e["address"]] = e
            else:
                live.pop(e["address"], None)
    frees = []
    for i, e in enumerate(sorted(live.values(), key=lambda x: x["timestamp_ns"])):
        frees.append(dict(e, kind="free", timestamp_ns=40000000 + 1000 * i, stack=0))
    m["blocks"].append({"sites": [], "stacks": [], "events": frees})
    n = sum(len(b["events"]) for b in m["blocks"])
    end = m["end"]
    end.update(event_count=n, total_deallocations=end["total_deallocations"] + len(frees),
               active_allocations=0, current_memory_bytes=0)
    m["duration_ns"] = 45000000
    return m


def seeds():
    m = model()
    complete = msb_decode.build_streamed(m)
    yield "stream-complete.msb", complete, False
    started = msb_decode.build_streamed(m, rewritten=False)
    yield "stream-end-meta-zero.msb", started, False
    blocks = [s for s in msb_decode.raw_sections(started) if s[0] == EVENTS]
    yield "stream-cut-after-block.msb", started[:blocks[1][1] + blocks[1][2]], True
    yield "stream-cut-mid-section.msb", started[:blocks[2][1] + 16 + 3], True
    exit_sec = lambda how: msb_decode.enc_section(msb_decode.EXIT, msb_decode.enc_varint(how))  # noqa: E731
    yield "stream-exit-signal.msb", started[:blocks[1][1] + blocks[1][2]] + exit_sec(256 + 9), True
    hot = [s for s in msb_decode.raw_sections(started) if s[0] == msb_decode.HOTSPOTS][0]
    yield "stream-exit-status.msb", started[:hot[1] + hot[2]] + exit_sec(1 + 3), True
    predicted = msb_decode.build_streamed(m, predict=True)
    yield "stream-predict.msb", predicted, False
    pstarted = msb_decode.build_streamed(m, rewritten=False, predict=True)
    pblocks = [s for s in msb_decode.raw_sections(pstarted) if s[0] == EVENTS]
    yield "stream-predict-cut-mid-section.msb", pstarted[:pblocks[2][1] + 16 + 3], True
    yield "stream-order.msb", msb_decode.build_streamed(m, predict="order"), False
    ostarted = msb_decode.build_streamed(m, rewritten=False, predict="order")
    oblocks = [s for s in msb_decode.raw_sections(ostarted) if s[0] == EVENTS]
    yield "stream-order-cut-mid-section.msb", ostarted[:oblocks[2][1] + 16 + 3], True
    if msb_decode.zstd_lib() is None:
        sys.stderr.write("make_stream_seeds: libzstd.so.1 not found: the stream-zstd seeds are not written\n")
        return
    zdata = msb_decode.build_streamed(m, zstd=True)
    yield "stream-zstd.msb", zdata, False
    zstarted = msb_decode.build_streamed(m, rewritten=False, zstd=True)
    zblocks = [s for s in msb_decode.raw_sections(zstarted) if s[0] == EVENTS]
    yield "stream-zstd-cut-after-block.msb", zstarted[:zblocks[1][1] + zblocks[1][2]], True
    yield "stream-predict-zstd.msb", msb_decode._zstd_sections(msb_decode.build_streamed(m, zstd=True, predict=True),
                                                               msb_decode.STACKS), False
    yield "stream-order-zstd.msb", msb_decode._zstd_sections(msb_decode.build_streamed(m, zstd=True, predict="order"),
                                                             msb_decode.STACKS), False
    um = json.loads(json.dumps(m))
    for blk in um["blocks"]:
        for e in blk["events"]:
            e["timestamp_ns"] *= 1000
    um["duration_ns"] *= 1000
    yield "stream-order-usec.msb", msb_decode.build_streamed(um, zstd=True, predict="order"), False
    cols = msb_decode.build_streamed(um, zstd=True, predict="cols")
    yield "stream-cols.msb", cols, False
    cstarted = msb_decode.build_streamed(um, rewritten=False, predict="cols")
    cblocks = [s for s in msb_decode.raw_sections(cstarted) if s[0] == EVENTS]
    yield "stream-cols-cut-mid-section.msb", cstarted[:cblocks[2][1] + 16 + 9], True


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    out_dir = argv[1] if len(argv) > 1 else os.path.join(here, "corpus")
    os.makedirs(out_dir, exist_ok=True)
    n = 0
    for name, data, cut in seeds():
        try:
            msb_decode.decode(data)  # raises on anything docs/FORMAT.md forbids
            if cut:
                raise SystemExit("%s: decoded as a complete file" % name)
        except msb_decode.MsbTruncated as exc:
            if not cut or msb_decode.STREAM_RUN not in exc.message:
                raise SystemExit("%s: %s" % (name, exc.message))
        assert len(data) < 20000
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(data)
        n += 1
    print("%d seeds written to %s" % (n, out_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
