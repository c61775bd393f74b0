#!/usr/bin/env python3
"""Strict reference decoder of the memscope binary format (.msb), docs/FORMAT.md.

    msb_decode.py FILE.msb                       one-line summary, exit 0
    msb_decode.py FILE.msb --json                the decoded content as JSON, exit 0
    msb_decode.py FILE.msb --compare REPORT.json decode and compare with memscope's JSON export
                                                 of the same tracker state; exit 0 when equal
    msb_decode.py --selftest                     encode small files in memory (valid and
                                                 corrupt ones) and check the verdicts; exit 0

It reads versions 1.0, 1.1 (a file streamed while the program ran: META fields 14 ppid and
15 streamed, SITES and STACKS sections before each EVENTS block that needs them, each id
defined before its first use, EVENTS payloads that may be zstd frames: section flag 1), 1.2
(EVENTS sections whose addresses are predicted by size class: section flag 2, address mode 0
= the last address of the event's size class, modes 1-6 = cache slots 0-5), 1.3 (EVENTS
sections whose addresses are in allocation order: section flag 4, an ALLOC's mode 0 / 6 = the
last / a deeper of the last 16 addresses freed in its size class, a FREE's = the last / an
earlier of the last 256 ALLOCs, modes 1-5 = cache slots 0-4; and whose timestamp deltas are in
microseconds: flag 8) and 1.4 (EVENTS sections whose fields are in columns: flag 16) strictly
and, like any reader of major 1, later minor versions. Compressed EVENTS sections are decompressed with
the system's libzstd.so.1 through ctypes; a file without them needs no library.

On any violation of the format it prints one line "msb_decode: OFFSET: what is wrong" to
stderr (OFFSET = byte offset in the file, decimal) and exits 1; a --compare difference is one
line "msb_decode: compare: ..." and exit 1. Usage errors and unreadable files exit 2.
A truncated file (no END section) exits 1 with "truncated after section N at offset X"; with
--json the complete sections before the cut are still printed (with "end": null). A streamed
file without END (META streamed = 1) is a run that did not end normally, not a damaged file:
the summary (or --json) is printed, followed by "the run did not end normally: ... truncated
after section N at offset X ...", and the exit status is 0; --compare refuses it (exit 1).

--json: {meta, sites, stacks, events, system_snapshots, threads, hotspots, end} in the shapes of
memscope's JSON export; strings decoded as UTF-8 with errors="replace", non-finite doubles as
null, unknown META fields as "field_<id>", unknown sections listed under "unknown_sections";
sites and stacks in the order the file defines them. For a streamed file without END, "end"
is null and "interrupted" holds {"message", "last_time_ns"} (the time of the last event or
snapshot kept: the duration of what the file holds).
A streamed file without END may end with an EXIT section (how the process ended, written by
whoever waited for it): "exit" then holds {"how", "exit_status", "exit_signal", "text"}, and
the message says how it ended.

--compare: events one by one (every field; timestamp_ns, and a snapshot's elapsed_ns, within
2 ns + 1e-4 relative, since the tick-to-ns ratio is refined at each export), the sites the
events use (and any other site the file defines that the JSON lists), every stack the file
defines or the events use, with all frames, threads and hotspots in report order, snapshots
(doubles exactly: memscope prints %.17g), the END totals against the JSON's, and META's
start time, sampling and generator. duration_ns is not compared (each export measures its
own). Strings are compared the way memscope's JSON writes them (one U+FFFD per invalid byte).

The summary line: format version, sections by type (count, and bytes of the whole sections,
20 bytes of framing each included; for EVENTS also how many are zstd frames and how many have
predicted addresses), events, bytes per event of the EVENTS payloads and of the whole file.

Python 3 standard library only (struct, zlib.crc32, json, sys; ctypes for libzstd.so.1 when a
file has compressed EVENTS sections). The decoder never trusts a claimed count or length: each
is checked against the bytes left before anything is decoded, and no memory is reserved in
proportion to a claim (a compressed section's stated size is checked against 4 MiB first).
"""
import json
import os
import struct
import sys
import zlib

MAGIC = b"\x89MSB\r\n\x1a\n"
MAJOR = 1
KNOWN_MINOR = 4               # 1.0 exports, 1.1, 1.2, 1.3 and 1.4 streamed files: all read strictly
U64 = (1 << 64) - 1
HEADER_SIZE = 16
SECTION_HEADER = 16
SECTION_FRAMING = 20          # header + CRC
MAX_BLOCK = 65536             # events per EVENTS section, at most
CACHE_SLOTS = 7
SIZE_CLASSES = 256            # 1.2: the last address of each size class (decoder state)

META, STRINGS, SITES, STACKS, EVENTS, SNAPSHOTS, THREADS, HOTSPOTS, END, LINES, MODULES, INLINED, EXIT = \
    range(1, 14)
TYPE_NAMES = {META: "META", STRINGS: "STRINGS", SITES: "SITES", STACKS: "STACKS",
              EVENTS: "EVENTS", SNAPSHOTS: "SNAPSHOTS", THREADS: "THREADS",
              HOTSPOTS: "HOTSPOTS", END: "END", LINES: "LINES", MODULES: "MODULES",
              INLINED: "INLINED", EXIT: "EXIT"}
STREAMED = (STRINGS, SITES, STACKS, EVENTS, SNAPSHOTS, LINES, MODULES, INLINED)
FLAG_ZSTD = 1                 # 1.1: an EVENTS section whose payload is one zstd frame
FLAG_PREDICT = 2              # 1.2: an EVENTS section whose address mode 0 is the size class's
FLAG_ORDER = 4                # 1.3: an EVENTS section whose addresses are in allocation order
FLAG_USEC = 8                 # 1.3: an EVENTS section whose timestamp deltas are in microseconds
FLAG_COLS = 16                # 1.4: an EVENTS section whose fields are in columns, one per kind
COLUMNS = ("tags", "thread ids", "sites", "sizes", "stacks and alloc threads", "literal addresses",
           "address bytes", "timestamp deltas")
FREED_DEPTH = 16              # 1.3: the freed addresses kept per size class
ALLOC_RING = 256              # 1.3: the ALLOCs a FREE can name
ZSTD_MAX = 4 << 20            # the largest decompressed EVENTS payload (65 536 events of <= 61 bytes)

# META field id -> (name, wire type); wire types: 0 varint, 1 f64, 2 str
WIRE_VARINT, WIRE_F64, WIRE_STR = 0, 1, 2
WIRE_NAMES = {WIRE_VARINT: "varint", WIRE_F64: "f64", WIRE_STR: "str"}
META_FIELDS = {
    1: ("start_time_unix_ms", WIRE_VARINT),
    2: ("duration_ns", WIRE_VARINT),
    3: ("sample_rate", WIRE_F64),
    4: ("capture_call_stack", WIRE_VARINT),
    5: ("max_stack_depth", WIRE_VARINT),
    6: ("generator", WIRE_STR),
    7: ("pid", WIRE_VARINT),
    8: ("ns_per_tick", WIRE_F64),
    9: ("duration_sec", WIRE_F64),
    10: ("allocation_rate_per_sec", WIRE_F64),
    11: ("deallocation_rate_per_sec", WIRE_F64),
    12: ("sample_bytes", WIRE_VARINT),
    13: ("program", WIRE_STR),
    14: ("ppid", WIRE_VARINT),         # 1.1: the writing process's parent
    15: ("streamed", WIRE_VARINT),     # 1.1: 1 = written as the program ran
    16: ("command_line", WIRE_STR),    # the writing process's arguments, shell-quoted
    17: ("cwd", WIRE_STR),             # its working directory
    18: ("exit", WIRE_VARINT),         # 0 not known, 1 + exit status, 256 + signal
    19: ("whole_program", WIRE_VARINT),  # 1 whole-program mode, 0 TRACK calls
}
META_BOOLS = {4: "capture_call_stack", 15: "streamed", 19: "whole_program"}   # varints that are 0 or 1
STREAM_RUN = "the run did not end normally"
EXIT_HOW_MAX = 256 + 127      # EXIT (and META 18): 1 + exit status (0-255), 256 + signal (1-127)


def exit_how(how):
    """An EXIT's how (META 18's encoding) as {"how", "exit_status", "exit_signal", "text"}."""
    if 1 <= how <= 256:
        return {"how": how, "exit_status": how - 1, "exit_signal": None, "text": "exit status %d" % (how - 1)}
    sig = how - 256
    try:
        import signal
        name = " (%s)" % signal.Signals(sig).name
    except (ImportError, ValueError):
        name = ""
    return {"how": how, "exit_status": None, "exit_signal": sig, "text": "killed by signal %d%s" % (sig, name)}

# memscope_system_snapshot in declaration order: (name, "u" = u64 / "f" = f64, max value)
SNAPSHOT_FIELDS = [
    ("timestamp", "u"), ("cpu_usage_percent", "f"), ("memory_usage_bytes", "u"),
    ("memory_usage_percent", "f"), ("thread_count", "u"), ("disk_read_bps", "u"),
    ("disk_write_bps", "u"), ("network_rx_bps", "u"), ("network_tx_bps", "u"),
    ("gpu_usage_percent", "f"), ("gpu_memory_used", "u"), ("gpu_memory_total", "u"),
    ("available", "u"), ("elapsed_ns", "u"), ("system_cpu_percent", "f"), ("cpu_count", "u"),
    ("gpu_count", "u"), ("peak_rss_bytes", "u"), ("memory_limit_bytes", "u"),
    ("system_memory_total", "u"), ("system_memory_available", "u"),
    ("system_memory_used_percent", "f"), ("minor_faults_per_sec", "u"),
    ("major_faults_per_sec", "u"), ("disk_read_bytes", "u"), ("disk_write_bytes", "u"),
    ("network_rx_bytes", "u"), ("network_tx_bytes", "u"),
]
SNAPSHOT_STRUCT = struct.Struct("<" + "".join("Q" if k == "u" else "d" for _, k in SNAPSHOT_FIELDS))
SNAPSHOT_SIZE = SNAPSHOT_STRUCT.size          # 224
SNAPSHOT_U32 = ("available", "cpu_count", "gpu_count")   # uint32_t fields widened to 8 bytes

THREAD_FIELDS = ("allocations", "deallocations", "allocated_bytes", "current_bytes", "peak_bytes")
END_VARINTS = ("total_allocations", "total_deallocations", "active_allocations",
               "peak_memory_bytes", "current_memory_bytes", "total_allocated_bytes",
               "dropped_events", "dropped_snapshots", "event_count")
END_F64 = ("estimated_total_allocations", "estimated_total_bytes")

# Tag byte of an event
TAG_FREE, TAG_THREAD, TAG_SITE, TAG_SIZE, TAG_STACK_OR_ATHREAD = 1, 2, 4, 8, 16
ADDR_LITERAL = 7
CLASS_CAP = SIZE_CLASSES * 16 - 23   # sizes from here on are all in the last class


def size_class(size):
    """1.2: the size class of an event's size: (size + 23) / 16, at most 255 (glibc's bins)."""
    return SIZE_CLASSES - 1 if size >= CLASS_CAP else (size + 23) >> 4

F64 = struct.Struct("<d")
U16 = struct.Struct("<H")
U32 = struct.Struct("<I")
U64S = struct.Struct("<Q")


class MsbError(Exception):
    """A violation of the format at a byte offset of the file."""

    def __init__(self, offset, message):
        Exception.__init__(self, "%d: %s" % (offset, message))
        self.offset = offset
        self.message = message


class MsbTruncated(MsbError):
    """The file has no END: `result` holds what the complete sections carried."""

    def __init__(self, offset, message, result):
        MsbError.__init__(self, offset, message)
        self.result = result


def type_name(t):
    return TYPE_NAMES.get(t, "type %d" % t)


_ZSTD = []


def zstd_lib():
    """The system's libzstd.so.1 through ctypes, or None (loaded once)."""
    if not _ZSTD:
        lib = None
        try:
            import ctypes
            import ctypes.util
            for name in ("libzstd.so.1", ctypes.util.find_library("zstd")):
                if not name:
                    continue
                try:
                    lib = ctypes.CDLL(name)
                    break
                except OSError:
                    lib = None
            if lib is not None:
                sz, vp, cp = ctypes.c_size_t, ctypes.c_void_p, ctypes.c_char_p
                lib.ZSTD_getFrameContentSize.restype = ctypes.c_ulonglong
                lib.ZSTD_getFrameContentSize.argtypes = (cp, sz)
                lib.ZSTD_findFrameCompressedSize.restype = sz
                lib.ZSTD_findFrameCompressedSize.argtypes = (cp, sz)
                lib.ZSTD_decompress.restype = sz
                lib.ZSTD_decompress.argtypes = (vp, sz, cp, sz)
                lib.ZSTD_isError.restype = ctypes.c_uint
                lib.ZSTD_isError.argtypes = (sz,)
                lib.ZSTD_compressBound.restype = sz
                lib.ZSTD_compressBound.argtypes = (sz,)
                lib.ZSTD_compress.restype = sz
                lib.ZSTD_compress.argtypes = (vp, sz, cp, sz, ctypes.c_int)
        except (ImportError, AttributeError, OSError):
            lib = None
        _ZSTD.append(lib)
    return _ZSTD[0]


def zstd_decompress(src, at, what):
    """One zstd frame that states its content size, at most ZSTD_MAX bytes, and nothing after
    it: the decompressed bytes, or MsbError at file offset `at`."""
    lib = zstd_lib()
    if lib is None:
        raise MsbError(at, "%s is compressed with zstd (section flag 1) and libzstd.so.1 cannot be loaded "
                       "(install libzstd; Debian: libzstd1)" % what)
    import ctypes
    src = bytes(src)
    size = lib.ZSTD_getFrameContentSize(src, len(src))
    if size == U64:
        raise MsbError(at, "%s: the zstd frame does not state its content size" % what)
    if size == U64 - 1:
        raise MsbError(at, "%s: the payload is not a zstd frame (magic %s)" % (what, src[:4].hex(" ")))
    if size > ZSTD_MAX:
        raise MsbError(at, "%s: the zstd frame states %d bytes, more than an EVENTS payload can hold (%d)"
                       % (what, size, ZSTD_MAX))
    framed = lib.ZSTD_findFrameCompressedSize(src, len(src))
    if lib.ZSTD_isError(framed) or framed != len(src):
        raise MsbError(at, "%s: the payload is not exactly one zstd frame (%s of %d bytes)"
                       % (what, "an incomplete frame" if lib.ZSTD_isError(framed) else "a frame of %d" % framed,
                          len(src)))
    dst = ctypes.create_string_buffer(max(size, 1))
    got = lib.ZSTD_decompress(dst, size, src, len(src))
    if lib.ZSTD_isError(got) or got != size:
        raise MsbError(at, "%s: the zstd frame does not decompress to the %d bytes it states" % (what, size))
    return dst.raw[:size]


def zstd_compress(payload, level=1):
    """payload as one zstd frame (for building test files); None without libzstd.so.1."""
    lib = zstd_lib()
    if lib is None:
        return None
    import ctypes
    cap = lib.ZSTD_compressBound(len(payload))
    dst = ctypes.create_string_buffer(cap)
    n = lib.ZSTD_compress(dst, cap, bytes(payload), len(payload), level)
    assert not lib.ZSTD_isError(n)
    return dst.raw[:n]


class Payload:
    """Cursor over one section's payload; offsets are absolute file offsets."""

    __slots__ = ("data", "pos", "end", "name")

    def __init__(self, data, pos, end, name):
        self.data = data
        self.pos = pos
        self.end = end
        self.name = name

    def left(self):
        return self.end - self.pos

    def varint(self, what):
        data, p, end = self.data, self.pos, self.end
        if p < end and data[p] < 0x80:           # the common 1-byte case
            self.pos = p + 1
            return data[p]
        start = p
        result = 0
        shift = 0
        while True:
            if p - start == 10:
                raise MsbError(start, "%s: varint longer than 10 bytes" % what)
            if p >= end:
                raise MsbError(start, "%s: varint runs past the end of the %s payload (ends at %d)"
                               % (what, self.name, end))
            b = data[p]
            p += 1
            result |= (b & 0x7F) << shift
            if b < 0x80:
                break
            shift += 7
        if result > U64:
            raise MsbError(start, "%s: varint value exceeds 64 bits" % what)
        self.pos = p
        return result

    def zigzag(self, what):
        n = self.varint(what)
        return (n >> 1) ^ -(n & 1)

    def fixed(self, n, what):
        if self.end - self.pos < n:
            raise MsbError(self.pos, "%s: %d bytes needed, %d left in the %s payload"
                           % (what, n, self.end - self.pos, self.name))
        p = self.pos
        self.pos = p + n
        return p

    def f64(self, what):
        return F64.unpack_from(self.data, self.fixed(8, what))[0]

    def count(self, what, min_bytes):
        """A count whose items take at least min_bytes each: checked against the bytes left."""
        at = self.pos
        n = self.varint(what)
        if n * min_bytes > self.end - self.pos:
            raise MsbError(at, "%s %d is larger than the %d bytes left in the %s payload could hold "
                           "(%d bytes each at least)" % (what, n, self.end - self.pos, self.name, min_bytes))
        return n


def _finite(x):
    return x == x and x not in (float("inf"), float("-inf"))


def _json_f64(x):
    """memscope writes non-finite doubles as null."""
    return x if _finite(x) else None


def utf8_replace(b):
    """Bytes as text the way --json shows them (Python's errors="replace")."""
    return None if b is None else b.decode("utf-8", "replace")


def utf8_like_memscope(b):
    """Bytes as text the way memscope's JSON export writes them: each byte that does not
    start a valid UTF-8 sequence becomes one U+FFFD (ms__utf8_len in memscope.h)."""
    if b is None:
        return None
    out = []
    i, n = 0, len(b)

    def cont(k):
        return k < n and (b[k] & 0xC0) == 0x80

    while i < n:
        c = b[i]
        ln = 0
        if c < 0x80:
            ln = 1
        elif 0xC2 <= c <= 0xDF:
            ln = 2 if cont(i + 1) else 0
        elif 0xE0 <= c <= 0xEF:
            if cont(i + 1) and cont(i + 2) and not (c == 0xE0 and b[i + 1] < 0xA0) \
                    and not (c == 0xED and b[i + 1] >= 0xA0):
                ln = 3
        elif 0xF0 <= c <= 0xF4:
            if cont(i + 1) and cont(i + 2) and cont(i + 3) and not (c == 0xF0 and b[i + 1] < 0x90) \
                    and not (c == 0xF4 and b[i + 1] >= 0x90):
                ln = 4
        if ln:
            out.append(b[i:i + ln].decode("utf-8"))
            i += ln
        else:
            out.append("\ufffd")
            i += 1
    return "".join(out)


class Result:
    """Everything a file carries, strings as raw bytes (None = absent)."""

    def __init__(self):
        self.version = (0, 0)
        self.file_size = 0
        self.meta = {}                 # name -> value (generator: bytes); unknown: "field_<id>"
        self.strings = [None]          # index 0 = null
        self.sites = {}                # id -> dict(var_name, type_name, file, line) (bytes)
        self.site_order = []
        self.stacks = {}               # id -> list of (address, function, module, offset|None)
        self.stack_order = []
        self.lines = {}                # stack id -> list of (file|None, line) (LINES sections)
        self.modules = []              # dicts path, build_id (str|None), bias, low, high (MODULES)
        self.inlined = {}              # stack id -> per frame a list of (function, file, line) (INLINED)
        self.last_stacks = set()       # the ids the latest STACKS section defined
        self.events = []               # tuples (free, ts, address, size, thread, athread, site, stack)
        self.snapshots = []            # dicts
        self.threads = None            # list of dicts, None = no THREADS section
        self.hotspots = None
        self.end = None
        self.sections = []             # (type, offset, total bytes)
        self.unknown_sections = []
        self.events_payload = 0        # bytes of the EVENTS payloads as stored
        self.zstd_sections = 0         # EVENTS sections stored as zstd frames
        self.zstd_defs = 0             # STACKS, LINES and INLINED sections stored as zstd frames (1.2)
        self.zstd_bytes = [0, 0]       # their stored and decompressed payload bytes
        self.predict_sections = 0      # EVENTS sections with predicted addresses (flag 2, 1.2)
        self.interrupted = None        # a streamed file without END: {"message", "last_time_ns"}
        self.exit = None               # EXIT: how the process ended (exit_how())

    def streamed(self):
        return self.meta.get("streamed") is True

    def last_time_ns(self):
        """The time of the last event or snapshot kept (a snapshot's elapsed_ns is on the
        event clock): what a reader takes as the duration of an interrupted run."""
        t = self.events[-1][1] if self.events else 0
        if self.snapshots and self.snapshots[-1]["elapsed_ns"] > t:
            t = self.snapshots[-1]["elapsed_ns"]
        return t


class Decoder:
    def __init__(self, data):
        self.data = data
        self.r = Result()
        self.r.file_size = len(data)
        # event state carried across EVENTS sections
        self.ts = 0
        self.thread = 0
        self.site = 0
        self.prev_literal = 0
        self.cache = [None] * CACHE_SLOTS      # None = never filled
        self.classes = [None] * SIZE_CLASSES   # 1.2: per size class its last address; None = never filled
        self.freed = [[] for _ in range(SIZE_CLASSES)]  # 1.3: per size class the last 16 freed addresses, newest last
        self.allocs = []                       # 1.3: the addresses of the last 256 ALLOCs, newest last
        self.site_size = {}
        self.site_stack = {}
        self.first_site_use = {}               # site id -> offset of first event using it
        self.first_stack_use = {}
        self.phase = 0                         # 0 before META, 1 streaming, 2 after THREADS,
                                               # 3 after HOTSPOTS, 4 after END
        self.minor = 0
        self.streamed = False                  # META streamed = 1: ids defined before first use

    # --- strings ---
    def string(self, p, what):
        at = p.pos
        i = p.varint(what)
        if i >= len(self.r.strings):
            raise MsbError(at, "%s: string index %d out of range (%d strings defined so far)"
                           % (what, i, len(self.r.strings) - 1))
        return self.r.strings[i]

    # --- whole file ---
    def decode(self):
        data, r = self.data, self.r
        n = len(data)
        if n < len(MAGIC) or data[:len(MAGIC)] != MAGIC:
            if data[:min(n, len(MAGIC))] == MAGIC[:min(n, len(MAGIC))]:
                raise MsbError(0, "file is %d bytes, shorter than the %d-byte header" % (n, HEADER_SIZE))
            raise MsbError(0, "bad magic %s (expected %s)" % (data[:8].hex(" "), MAGIC.hex(" ")))
        if n < HEADER_SIZE:
            raise MsbError(0, "file is %d bytes, shorter than the %d-byte header" % (n, HEADER_SIZE))
        major, minor = U16.unpack_from(data, 8)[0], U16.unpack_from(data, 10)[0]
        flags = U32.unpack_from(data, 12)[0]
        if major != MAJOR:
            raise MsbError(8, "major version %d not supported (this decoder reads %d)" % (major, MAJOR))
        self.minor = minor
        r.version = (major, minor)
        if flags and minor <= KNOWN_MINOR:
            raise MsbError(12, "header flags 0x%08x: reserved, must be 0 in a 1.%d file" % (flags, minor))
        pos = HEADER_SIZE
        index = 0
        while True:
            if pos == n:
                self.truncated(pos, index, "no END section")
            index += 1
            if n - pos < SECTION_HEADER:
                self.truncated(pos, index - 1, "section %d at offset %d: header cut (%d of %d bytes)"
                               % (index, pos, n - pos, SECTION_HEADER))
            stype, sflags = U32.unpack_from(data, pos)[0], U32.unpack_from(data, pos + 4)[0]
            length = U64S.unpack_from(data, pos + 8)[0]
            start = pos + SECTION_HEADER
            if length > n - start or n - start - length < 4:
                self.truncated(pos, index - 1,
                               "section %d (%s) at offset %d runs past the end of the file "
                               "(payload %d bytes + 4 CRC bytes, %d bytes left)"
                               % (index, type_name(stype), pos, length, n - start))
            end = start + length
            stored = U32.unpack_from(data, end)[0]
            computed = zlib.crc32(memoryview(data)[pos:end]) & 0xFFFFFFFF
            if stored != computed:
                raise MsbError(end, "bad CRC in section %d (%s) at offset %d: stored 0x%08x, computed 0x%08x"
                               % (index, type_name(stype), pos, stored, computed))
            if self.phase == 4:
                raise MsbError(pos, "%d trailing bytes after END" % (n - pos))
            zstd = bool(sflags & FLAG_ZSTD) and ((stype == EVENTS and self.minor >= 1) or
                                                 (stype in (STACKS, LINES, INLINED) and self.minor >= 2))
            predict = bool(stype == EVENTS and self.minor >= 2 and sflags & FLAG_PREDICT)
            order = bool(stype == EVENTS and self.minor >= 3 and sflags & FLAG_ORDER)
            usec = bool(stype == EVENTS and self.minor >= 3 and sflags & FLAG_USEC)
            cols = bool(stype == EVENTS and self.minor >= 4 and sflags & FLAG_COLS)
            reserved = sflags & ~((FLAG_ZSTD if zstd else 0) | (FLAG_PREDICT if predict else 0) |
                                  (FLAG_ORDER if order else 0) | (FLAG_USEC if usec else 0) | (FLAG_COLS if cols else 0))
            if predict and order and self.minor <= KNOWN_MINOR:
                raise MsbError(pos + 4, "section %d (EVENTS): flags 0x%08x: flag 2 (predicted addresses) and flag 4 "
                                        "(allocation order) together" % (index, sflags))
            if order:
                predict = "order"
            if reserved and self.minor <= KNOWN_MINOR:
                notes = [n for f, n in ((FLAG_ZSTD, "flag 1, a zstd payload, is defined for EVENTS sections of 1.1 files "
                                                    "and STACKS, LINES and INLINED sections of 1.2 files"),
                                        (FLAG_PREDICT, "flag 2, predicted addresses, is defined for EVENTS sections "
                                                       "of 1.2 files"),
                                        (FLAG_ORDER, "flag 4, allocation order, is defined for EVENTS sections "
                                                     "of 1.3 files"),
                                        (FLAG_USEC, "flag 8, microseconds, is defined for EVENTS sections "
                                                    "of 1.3 files"),
                                        (FLAG_COLS, "flag 16, columns, is defined for EVENTS sections "
                                                    "of 1.4 files")) if sflags & f]
                raise MsbError(pos + 4, "section %d (%s): flags 0x%08x: reserved, must be 0 in a 1.%d file%s"
                               % (index, type_name(stype), sflags, self.minor,
                                  " (%s)" % "; ".join(notes) if notes else ""))
            if predict:
                r.predict_sections += 1
            self.order(stype, pos, index)
            r.sections.append((stype, pos, length + SECTION_FRAMING))
            p = Payload(data, start, end, type_name(stype))
            if zstd and stype != EVENTS:
                where = "section %d (%s, zstd) at offset %d" % (index, type_name(stype), pos)
                raw = zstd_decompress(memoryview(data)[start:end], start, where)
                p = Payload(raw, 0, len(raw), "decompressed " + type_name(stype))
                r.zstd_defs += 1
                try:
                    {STACKS: self.stacks, LINES: self.lines, INLINED: self.inlined}[stype](p)
                    if p.pos != p.end and self.minor <= KNOWN_MINOR:
                        raise MsbError(p.pos, "%d unused bytes at the end of the %s payload" % (p.end - p.pos, type_name(stype)))
                except MsbError as exc:   # offsets inside the frame's content: named as such
                    raise MsbError(start, "%s, byte %d of its decompressed payload: %s"
                                   % (where, exc.offset, exc.message))
                pos = end + 4
                continue
            if zstd:
                where = "section %d (EVENTS, zstd) at offset %d" % (index, pos)
                raw = zstd_decompress(memoryview(data)[start:end], start, where)
                p = Payload(raw, 0, len(raw), "decompressed EVENTS")
                r.zstd_sections += 1
                r.zstd_bytes[0] += length
                r.zstd_bytes[1] += len(raw)
                try:
                    self.events(p, pos, predict, usec, cols)
                    if p.pos != p.end and self.minor <= KNOWN_MINOR:
                        raise MsbError(p.pos, "%d unused bytes at the end of the EVENTS payload" % (p.end - p.pos))
                except MsbError as exc:   # offsets inside the frame's content: named as such
                    raise MsbError(start, "%s, byte %d of its decompressed payload: %s"
                                   % (where, exc.offset, exc.message))
                r.events_payload += length
                pos = end + 4
                continue
            handler = {META: self.meta, STRINGS: self.strings, SITES: self.sites, STACKS: self.stacks, LINES: self.lines,
                       MODULES: self.modules, INLINED: self.inlined, EXIT: self.exit,
                       EVENTS: self.events, SNAPSHOTS: self.snapshots, THREADS: self.threads,
                       HOTSPOTS: self.hotspots, END: self.end}.get(stype)
            if handler is None:
                r.unknown_sections.append({"type": stype, "offset": pos, "length": length})
            else:
                if stype == EVENTS:
                    self.events(p, predict=predict, usec=usec, cols=cols)
                else:
                    handler(p)
                if p.pos != end:
                    if self.minor <= KNOWN_MINOR:
                        raise MsbError(p.pos, "%d unused bytes at the end of the %s payload (section %d)"
                                       % (end - p.pos, type_name(stype), index))
                if stype == EVENTS:
                    r.events_payload += length
            pos = end + 4
            if stype == END:
                if pos != n:
                    raise MsbError(pos, "%d trailing bytes after END" % (n - pos))
                self.finish()
                return r
            if stype == EXIT:
                if pos != n:
                    raise MsbError(pos, "%d trailing bytes after EXIT (the last section of a file)" % (n - pos))
                self.truncated(pos, index, "no END section, but an EXIT (section %d at offset %d), written by the "
                               "process that waited for it" % (index, r.sections[-1][1]))

    def order(self, stype, pos, index):
        ph = self.phase
        name = type_name(stype)
        if stype == STRINGS:
            return                         # anywhere before END (always before its uses)
        if ph == 0:
            if stype != META:
                raise MsbError(pos, "section %d is %s: the first section other than STRINGS must be META"
                               % (index, name))
            self.phase = 1
            return
        if stype == META:
            raise MsbError(pos, "section %d: a second META" % index)
        if stype == EXIT:
            if not self.streamed:
                raise MsbError(pos, "section %d: EXIT in a file that is not streamed (META streamed is not 1)" % index)
            return                         # after META, anywhere before END; nothing may follow it
        if stype in STREAMED:
            if ph > 1:
                raise MsbError(pos, "section %d: %s after %s" % (index, name, "THREADS" if ph == 2 else "HOTSPOTS"))
        elif stype == THREADS:
            if ph != 1:
                raise MsbError(pos, "section %d: a second THREADS" % index if ph == 2 else
                               "section %d: THREADS after HOTSPOTS" % index)
            self.phase = 2
        elif stype == HOTSPOTS:
            if ph != 2:
                raise MsbError(pos, "section %d: HOTSPOTS %s" % (index, "before THREADS" if ph == 1 else "twice"))
            self.phase = 3
        elif stype == END:
            if ph != 3:
                raise MsbError(pos, "section %d: END before %s" % (index, "THREADS" if ph == 1 else "HOTSPOTS"))
            self.phase = 4

    def truncated(self, pos, complete, what):
        r = self.r
        kinds = {t for t, _, _ in r.sections}
        lost = [type_name(t) for t in (META, THREADS, HOTSPOTS, END) if t not in kinds]
        if self.streamed:
            # an interrupted run (killed, crashed, _exit, exec, or still running), not damage
            last = r.last_time_ns()
            how = ("the process ended: %s" % r.exit["text"]) if r.exit else (
                "the process was killed, crashed, ended in _exit or exec, or is still running")
            msg = (("%s: %s: truncated after section %d at offset %d (a streamed file without END: "
                    + how.replace("%", "%%") + "); kept %d events "
                    "over %.3f s (to its last event or snapshot), %d sites, %d stacks, %d snapshots; lost %s")
                   % (STREAM_RUN, what, complete, pos, len(r.events), last / 1e9, len(r.sites), len(r.stacks),
                      len(r.snapshots), ", ".join(lost) + " (a reader recomputes the totals, threads, hotspots "
                      "and duration from what was kept) and anything after the cut"))
            r.interrupted = {"message": msg, "last_time_ns": last}
        else:
            msg = ("%s: truncated after section %d at offset %d; kept %d events, %d sites, %d stacks, "
                   "%d snapshots; lost %s" % (what, complete, pos, len(r.events), len(r.sites), len(r.stacks),
                                             len(r.snapshots), ", ".join(lost) + " and anything after the cut"))
        raise MsbTruncated(pos, msg, r)

    def finish(self):
        r = self.r
        for sid, at in sorted(self.first_site_use.items(), key=lambda kv: kv[1]):
            if sid not in r.sites and sid != 0:
                raise MsbError(at, "event uses site %d, which no SITES section defines" % sid)
        for sid, at in sorted(self.first_stack_use.items(), key=lambda kv: kv[1]):
            if sid not in r.stacks:
                raise MsbError(at, "event uses stack %d, which no STACKS section defines" % sid)
        if r.end["event_count"] != len(r.events):
            raise MsbError(r.sections[-1][1], "END event_count %d, but the file holds %d events"
                           % (r.end["event_count"], len(r.events)))

    # --- sections ---
    def meta(self, p):
        k = p.count("META field count", 3)
        seen = set()
        for _ in range(k):
            at = p.pos
            fid = p.varint("META field id")
            wt_at = p.pos
            wt = p.varint("META wire type")
            known = META_FIELDS.get(fid)
            if wt not in WIRE_NAMES:
                raise MsbError(wt_at, "META field %d: unknown wire type %d (cannot be skipped)" % (fid, wt))
            if fid in seen:
                raise MsbError(at, "META field %d appears twice" % fid)
            seen.add(fid)
            if known and known[1] != wt:
                raise MsbError(wt_at, "META field %d (%s): wire type %s, expected %s"
                               % (fid, known[0], WIRE_NAMES[wt], WIRE_NAMES[known[1]]))
            name = known[0] if known else "field_%d" % fid
            vat = p.pos
            if wt == WIRE_VARINT:
                v = p.varint("META " + name)
                if fid in META_BOOLS:
                    if v > 1:
                        raise MsbError(vat, "META %s is %d, expected 0 or 1" % (name, v))
                    v = bool(v)
                    if fid == 15:
                        self.streamed = v
            elif wt == WIRE_F64:
                v = p.f64("META " + name)
            else:
                v = self.string(p, "META " + name)
            self.r.meta[name] = v

    def strings(self, p):
        n = p.count("string count", 1)
        data = self.data
        out = self.r.strings
        for _ in range(n):
            at = p.pos
            ln = p.varint("string length")
            if ln > p.left():
                raise MsbError(at, "string %d: length %d, but %d bytes left in the STRINGS payload"
                               % (len(out), ln, p.left()))
            s = bytes(data[p.pos:p.pos + ln])
            if b"\0" in s:
                raise MsbError(p.pos + s.index(b"\0"), "string %d holds a NUL byte" % len(out))
            p.pos += ln
            out.append(s)

    def sites(self, p):
        n = p.count("site count", 5)
        for _ in range(n):                 # ids in any order (a stream defines them as first used)
            at = p.pos
            sid = p.varint("site id")
            if sid in self.r.sites:
                raise MsbError(at, "site %d defined twice (a site id is defined at most once in a file)" % sid)
            site = {"var_name": self.string(p, "site var_name"),
                    "type_name": self.string(p, "site type_name"),
                    "file": self.string(p, "site file"),
                    "line": p.varint("site line")}
            self.r.sites[sid] = site
            self.r.site_order.append(sid)

    def stacks(self, p):
        n = p.count("stack count", 2)
        defined = set()
        bound = len(self.r.stacks) + n + 65536     # stacks of earlier sections + this section's count
        for _ in range(n):
            at = p.pos
            sid = p.varint("stack id")
            if sid == 0:
                raise MsbError(at, "stack id 0 is reserved (no stack)")
            if sid > bound:
                raise MsbError(at, "stack id %d above the stacks defined so far and the section's count "
                               "(%d) + 65 536" % (sid, bound - 65536))
            if sid in self.r.stacks:
                raise MsbError(at, "stack %d defined twice (a stack id is defined at most once in a file)" % sid)
            depth = p.count("stack %d depth" % sid, 4)
            frames = []
            addr = 0
            for _ in range(depth):
                addr = (addr + p.zigzag("frame address delta")) & U64
                fn = self.string(p, "frame function")
                mod = self.string(p, "frame module")
                off = p.varint("frame offset+1")
                frames.append((addr, fn, mod, None if off == 0 else off - 1))
            self.r.stacks[sid] = frames
            self.r.stack_order.append(sid)
            defined.add(sid)
        self.r.last_stacks = defined

    def lines(self, p):
        """LINES: file and line per frame of stacks the STACKS section just before defined."""
        n = p.count("lines count", 2)
        for _ in range(n):
            at = p.pos
            sid = p.varint("lines stack id")
            depth = p.varint("lines depth")
            if sid not in self.r.last_stacks or depth != len(self.r.stacks[sid]):
                raise MsbError(at, "LINES names stack %d (depth %d), which the STACKS section before it does not "
                               "define with that depth" % (sid, depth))
            self.r.lines[sid] = [(self.string(p, "line file"), p.varint("line number")) for _ in range(depth)]

    def inlined(self, p):
        """INLINED: per frame of stacks the STACKS section before defined, the calls inlined there."""
        n = p.count("inlined count", 3)
        for _ in range(n):
            at = p.pos
            sid = p.varint("inlined stack id")
            depth = p.varint("inlined depth")
            if sid not in self.r.last_stacks or depth != len(self.r.stacks[sid]):
                raise MsbError(at, "INLINED names stack %d (depth %d), which the STACKS section before it does not "
                               "define with that depth" % (sid, depth))
            frames = []
            for _ in range(depth):
                c = p.count("inlined calls of a frame", 3)
                frames.append([(self.string(p, "inlined function"), self.string(p, "inlined call file"),
                                p.varint("inlined call line")) for _ in range(c)])
            self.r.inlined[sid] = frames

    def modules(self, p):
        """MODULES: the files the frames are in, with their build ids."""
        n = p.count("modules count", 5)
        for _ in range(n):
            at = p.pos
            path = self.string(p, "module path")
            bid = self.string(p, "module build id")
            bias, low, high = p.varint("module bias"), p.varint("module low"), p.varint("module high")
            if path is None or low >= high:
                raise MsbError(at, "a module without a path or address range")
            self.r.modules.append({"path": path.decode("utf-8", "replace"),
                                   "build_id": bid.decode("ascii", "replace") if bid is not None else None,
                                   "bias": bias, "low": low, "high": high})

    def events(self, p, section=None, predict=False, usec=False, cols=False):
        """section: the file offset of a compressed section (p is then its decompressed payload),
        where an event's first use of an id is located for the checks made at the end.
        predict: the section's flag 2 (1.2): address mode 0 is the size class's last address,
        modes 1-6 are cache slots 0-5; or "order", its flag 4 (1.3): addresses in allocation
        order, modes 0 and 6 name a freed address of the size class (ALLOC) or a recent ALLOC
        (FREE), modes 1-5 are cache slots 0-4. usec: its flag 8 (1.3): timestamp deltas in
        microseconds. cols: its flag 16 (1.4): after the count, the lengths of columns 1-6, then
        the tags and the columns (COLUMNS), each read to its end."""
        tunit = 1000 if usec else 1
        order = predict == "order"
        if order:
            predict = False
        cat = p.pos
        n = p.count("event count", 2)
        if n > MAX_BLOCK:
            raise MsbError(cat, "EVENTS block of %d events (at most %d)" % (n, MAX_BLOCK))
        if cols:
            spans = [n] + [p.varint("EVENTS length of the column of %s" % COLUMNS[c]) for c in range(1, 7)]
            at = p.pos
            column = []
            for c, length in enumerate(spans):
                if length > p.end - at:
                    raise MsbError(at, "EVENTS column of %s: %d bytes, %d left in the payload"
                                   % (COLUMNS[c], length, p.end - at))
                column.append(Payload(p.data, at, at + length, "EVENTS column of " + COLUMNS[c]))
                at += length
            column.append(Payload(p.data, at, p.end, "EVENTS column of " + COLUMNS[7]))
        else:
            column = [p] * 8
        tp, ap, bp = column[0], column[5], column[6]
        data = p.data
        end = tp.end
        pos = tp.pos
        varint = p.varint
        vthread, vsite, vsize, vid, vtime = (column[c].varint for c in (1, 2, 3, 4, 7))
        ts, thread, site, lit = self.ts, self.thread, self.site, self.prev_literal
        cache, classes = self.cache, self.classes
        freed_all, ring = self.freed, self.allocs
        site_size, site_stack = self.site_size, self.site_stack
        first_site, first_stack = self.first_site_use, self.first_stack_use
        streamed, sites, stacks = self.streamed, self.r.sites, self.r.stacks
        out = self.r.events
        append = out.append
        for _ in range(n):
            at = pos
            if pos >= end:
                raise MsbError(pos, "event tag byte past the end of the EVENTS payload")
            tag = data[pos]
            tp.pos = pos + 1
            free = tag & TAG_FREE
            if tag & TAG_THREAD:
                thread = vthread("event thread_id")
            if tag & TAG_SITE:
                site = vsite("event site")
            if tag & TAG_SIZE:
                size = vsize("event size")
                site_size[site] = size
            else:
                size = site_size.get(site, 0)
            if free:
                stack = 0
                athread = vid("event alloc_thread_id") if tag & TAG_STACK_OR_ATHREAD else thread
            else:
                athread = thread
                if tag & TAG_STACK_OR_ATHREAD:
                    stack = vid("event stack")
                    site_stack[site] = stack
                else:
                    stack = site_stack.get(site, 0)
            mode = tag >> 5
            cls = SIZE_CLASSES - 1 if size >= CLASS_CAP else (size + 23) >> 4
            freed = freed_all[cls]
            if order:
                aat = ap.pos
                if mode == ADDR_LITERAL:
                    addr = (lit + ap.zigzag("event address delta")) & U64
                    lit = addr
                    if addr in cache[:CACHE_SLOTS - 2]:
                        raise MsbError(aat, "literal address 0x%x is in cache slot %d (a writer must use the slot, "
                                       "mode %d in allocation order)" % (addr, cache.index(addr), cache.index(addr) + 1))
                    if not free and addr in freed:
                        raise MsbError(aat, "literal address 0x%x of an ALLOC is among the freed addresses of its size "
                                       "class %d (a writer must use address mode 0 or 6)" % (addr, cls))
                    del cache[CACHE_SLOTS - 1]
                elif mode == 0 or mode == 6:
                    b = 0
                    if mode == 6:
                        if bp.pos >= bp.end:
                            raise MsbError(bp.pos, "event address byte past the end of the %s" % bp.name)
                        b = data[bp.pos] + 1
                        bp.pos += 1
                    if free:
                        if b + 1 > len(ring):
                            raise MsbError(at, "FREE names the ALLOC %d ALLOCs ago (address mode %d in allocation "
                                           "order), which the stream has not had%s"
                                           % (b + 1, mode, " (at most 256)" if b + 1 > ALLOC_RING else ""))
                        addr = ring[-1 - b]
                    else:
                        if b >= len(freed):
                            raise MsbError(at, "ALLOC names freed address %d of size class %d (size %d, address mode %d "
                                           "in allocation order), which holds %d" % (b, cls, size, mode, len(freed)))
                        addr = freed[-1 - b]
                        if b and addr in cache[:CACHE_SLOTS - 2]:
                            raise MsbError(at, "ALLOC uses freed address %d of its size class for address 0x%x, which "
                                           "cache slot %d holds: a writer must use the slot (mode %d)"
                                           % (b, addr, cache.index(addr), cache.index(addr) + 1))
                    del cache[CACHE_SLOTS - 1]
                else:
                    k = mode - 1
                    addr = cache[k]
                    if addr is None:
                        raise MsbError(at, "event uses address cache slot %d (mode %d in allocation order), which "
                                       "no earlier event has filled" % (k, mode))
                    if not free and freed and freed[-1] == addr:
                        raise MsbError(at, "ALLOC uses cache slot %d (mode %d) for address 0x%x, the last freed "
                                       "address of its size class %d: a writer must use address mode 0" % (k, mode, addr, cls))
                    j = cache.index(addr)
                    if j < k:
                        raise MsbError(at, "event uses cache slot %d (mode %d) for address 0x%x, which the earlier slot %d "
                                       "holds: a writer must use the first (mode %d)" % (k, mode, addr, j, j + 1))
                    del cache[k]
            elif mode == ADDR_LITERAL:
                aat = ap.pos
                addr = (lit + ap.zigzag("event address delta")) & U64
                lit = addr
                if predict:
                    if addr == classes[cls]:
                        raise MsbError(aat, "literal address 0x%x is the address of size class %d (size %d): a "
                                       "writer must use address mode 0 (predicted addresses)" % (addr, cls, size))
                    if addr in cache and cache.index(addr) < CACHE_SLOTS - 1:
                        raise MsbError(aat, "literal address 0x%x is in cache slot %d (a writer must use the slot, "
                                       "mode %d with predicted addresses)"
                                       % (addr, cache.index(addr), cache.index(addr) + 1))
                elif addr in cache:
                    raise MsbError(aat, "literal address 0x%x is in cache slot %d (a writer must use the slot)"
                                   % (addr, cache.index(addr)))
                del cache[CACHE_SLOTS - 1]
            elif predict and mode == 0:
                addr = classes[cls]
                if addr is None:
                    raise MsbError(at, "event uses the address of size class %d (size %d, address mode 0 with "
                                   "predicted addresses), which no earlier event has filled" % (cls, size))
                del cache[CACHE_SLOTS - 1]
            elif predict:
                k = mode - 1
                addr = cache[k]
                if addr is None:
                    raise MsbError(at, "event uses address cache slot %d (mode %d with predicted addresses), which "
                                   "no earlier event has filled" % (k, mode))
                if addr == classes[cls]:
                    raise MsbError(at, "event uses cache slot %d (mode %d) for address 0x%x, the address of its size "
                                   "class %d (size %d): a writer must use address mode 0" % (k, mode, addr, cls, size))
                j = cache.index(addr)
                if j < k:
                    raise MsbError(at, "event uses cache slot %d (mode %d) for address 0x%x, which the earlier slot %d "
                                   "holds: a writer must use the first (mode %d)" % (k, mode, addr, j, j + 1))
                del cache[k]
            else:
                addr = cache[mode]
                if addr is None:
                    raise MsbError(at, "event uses address cache slot %d, which no earlier event has filled"
                                   % mode)
                del cache[mode]
            cache.insert(0, addr)
            classes[cls] = addr
            order_after(freed, ring, free, addr)    # 1.3's state, kept in every section
            dat = column[7].pos
            d = vtime("event timestamp delta") * tunit
            ts += d
            if ts > U64:
                raise MsbError(dat, "timestamp decreases: delta %d wraps past 2^64 (previous %d)"
                               % (d, ts - d))
            pos = tp.pos
            if site not in first_site:
                first_site[site] = at if section is None else section
                if streamed and site and site not in sites:
                    raise MsbError(at, "event uses site %d, which no earlier SITES section defines (a streamed "
                                   "file defines each id before its first use)" % site)
            if stack and stack not in first_stack:
                first_stack[stack] = at if section is None else section
                if streamed and stack not in stacks:
                    raise MsbError(at, "event uses stack %d, which no earlier STACKS section defines (a streamed "
                                   "file defines each id before its first use)" % stack)
            append((bool(free), ts, addr, size, thread, athread, site, stack))
        if cols:
            for c in column:
                if c.pos != c.end:
                    raise MsbError(c.pos, "%d unused bytes at the end of the %s" % (c.end - c.pos, c.name))
            p.pos = p.end
        else:
            p.pos = pos
        self.ts, self.thread, self.site, self.prev_literal = ts, thread, site, lit

    def snapshots(self, p):
        n = p.count("snapshot count", SNAPSHOT_SIZE)
        for _ in range(n):
            at = p.fixed(SNAPSHOT_SIZE, "snapshot")
            vals = SNAPSHOT_STRUCT.unpack_from(self.data, at)
            snap = dict(zip((f for f, _ in SNAPSHOT_FIELDS), vals))
            for k in SNAPSHOT_U32:
                if snap[k] > 0xFFFFFFFF:
                    off = at + 8 * [f for f, _ in SNAPSHOT_FIELDS].index(k)
                    raise MsbError(off, "snapshot %s %d does not fit the 32-bit field it widens" % (k, snap[k]))
            self.r.snapshots.append(snap)

    def threads(self, p):
        n = p.count("thread count", 7)
        out = []
        for _ in range(n):
            th = {"thread_id": p.varint("thread_id"), "thread_name": self.string(p, "thread_name")}
            for k in THREAD_FIELDS:
                th[k] = p.varint("thread " + k)
            out.append(th)
        self.r.threads = out

    def hotspots(self, p):
        n = p.count("hotspot count", 5)
        out = []
        for _ in range(n):
            out.append({"var_name": self.string(p, "hotspot var_name"),
                        "type_name": self.string(p, "hotspot type_name"),
                        "total_size": p.varint("hotspot total_size"),
                        "allocation_count": p.varint("hotspot allocation_count"),
                        "location": self.string(p, "hotspot location")})
        self.r.hotspots = out

    def exit(self, p):
        at = p.pos
        how = p.varint("EXIT how")
        if how == 0 or how > EXIT_HOW_MAX:
            raise MsbError(at, "EXIT how %d: neither 1 + an exit status (1 to 256) nor 256 + a signal (257 to %d)"
                           % (how, EXIT_HOW_MAX))
        self.r.exit = exit_how(how)

    def end(self, p):
        e = {}
        for k in END_VARINTS:
            e[k] = p.varint("END " + k)
        for k in END_F64:
            e[k] = p.f64("END " + k)
        self.r.end = e


def decode(data):
    """Decodes a whole file; raises MsbError (MsbTruncated for a file without END)."""
    d = Decoder(data)
    try:
        return d.decode()
    except MsbError:
        raise
    except Exception as exc:  # noqa: BLE001 - a decoder bug must still name an offset
        raise MsbError(-1, "internal decoder error %r" % (exc,))


# ---------------------------------------------------------------------------- output

def summary(r):
    counts = {}
    order = []
    for t, _, size in r.sections:
        if t not in counts:
            counts[t] = [0, 0]
            order.append(t)
        counts[t][0] += 1
        counts[t][1] += size
    parts = ", ".join("%s %d (%d B%s%s)" % (type_name(t), counts[t][0], counts[t][1],
                                            ", %d zstd: %d B from %d B" % (r.zstd_sections, r.zstd_bytes[0],
                                                                           r.zstd_bytes[1])
                                            if t == EVENTS and r.zstd_sections else "",
                                            ", %d predicted" % r.predict_sections
                                            if t == EVENTS and r.predict_sections else "")
                      for t in order)
    if r.zstd_defs:
        parts += "; %d STACKS, LINES or INLINED sections zstd" % r.zstd_defs
    ne = len(r.events)
    if ne:
        per = "EVENTS payload %.2f B/event, file %.2f B/event" % (r.events_payload / ne, r.file_size / ne)
    else:
        per = "EVENTS payload - B/event, file - B/event"
    return "msb %d.%d%s, %d bytes, %d sections: %s; %d events; %s" % (
        r.version[0], r.version[1], " (streamed)" if r.streamed() else "", r.file_size, len(r.sections),
        parts, ne, per)


def logical_frames(r, sid, text=utf8_replace):
    """A stack's frames as the JSON lists them: the calls inlined at each address (INLINED)
    first, each with the line of its own code, then the machine frame with the line of the
    outermost inlined call (LINES gives the line of the innermost code)."""
    out = []
    lines = r.lines.get(sid)
    inl = r.inlined.get(sid)
    for k, (a, fn, mod, off) in enumerate(r.stacks[sid]):
        lf, ll = lines[k] if lines else (None, 0)
        calls = inl[k] if inl else []
        for (ifn, cf, cl) in calls:
            out.append({"address": "0x%x" % a, "function": text(ifn), "module": text(mod), "offset": None,
                        "file": text(lf), "line": ll if lf is not None and ll else None, "inlined": True})
            lf, ll = cf, cl
        out.append({"address": "0x%x" % a, "function": text(fn), "module": text(mod), "offset": off,
                    "file": text(lf), "line": ll if lf is not None and ll else None})
    return out


def to_json(r, text=utf8_replace):
    meta = {"format_version": "%d.%d" % r.version}
    for k, v in r.meta.items():
        if isinstance(v, bytes) or v is None and k in ("generator",):
            v = text(v)
        elif isinstance(v, float):
            v = _json_f64(v)
        meta[k] = v
    doc = {"meta": meta}
    doc["sites"] = [{"id": sid, "var_name": text(s["var_name"]), "type_name": text(s["type_name"]),
                     "file": text(s["file"]), "line": s["line"]}
                    for sid, s in ((i, r.sites[i]) for i in r.site_order)]
    doc["stacks"] = [{"id": sid, "frames": logical_frames(r, sid, text)} for sid in r.stack_order]
    doc["events"] = [{"kind": "free" if e[0] else "alloc", "timestamp_ns": e[1], "address": "0x%x" % e[2],
                      "size": e[3], "thread_id": e[4], "alloc_thread_id": e[5], "site": e[6], "stack": e[7]}
                     for e in r.events]
    doc["system_snapshots"] = [{k: (_json_f64(v) if isinstance(v, float) else v) for k, v in s.items()}
                               for s in r.snapshots]
    doc["threads"] = None if r.threads is None else [dict(t, thread_name=text(t["thread_name"])) for t in r.threads]
    doc["hotspots"] = None if r.hotspots is None else [
        dict(h, var_name=text(h["var_name"]), type_name=text(h["type_name"]), location=text(h["location"]))
        for h in r.hotspots]
    doc["end"] = None if r.end is None else {k: (_json_f64(v) if isinstance(v, float) else v)
                                             for k, v in r.end.items()}
    if r.unknown_sections:
        doc["unknown_sections"] = r.unknown_sections
    if r.interrupted is not None:
        doc["interrupted"] = r.interrupted
    if r.exit is not None:
        doc["exit"] = r.exit
    return doc


# ---------------------------------------------------------------------------- compare

def load_json(text):
    # the strict rules of the JSON checker the C tests use (no NaN, no duplicate keys)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from check_json import _no_duplicates, _reject_constant  # noqa: E402
    return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_no_duplicates)


class Diff(Exception):
    pass


def _num_eq(a, b):
    """Doubles: memscope prints %.17g (exact), non-finite as null."""
    if a is None or b is None:
        fa = a is None or (isinstance(a, float) and not _finite(a))
        fb = b is None or (isinstance(b, float) and not _finite(b))
        return fa and fb
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b if isinstance(a, bool) and isinstance(b, bool) else False
    if not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
        return False
    if isinstance(a, float) and not _finite(a):
        return False
    return a == b or abs(a - b) <= 1e-12 * max(abs(a), abs(b))


def _ts_eq(a, b):
    return isinstance(b, int) and abs(a - b) <= 2 + 1e-4 * max(abs(a), abs(b))


def _hex(s):
    if not isinstance(s, str) or not s.startswith("0x"):
        raise Diff("address %r is not a \"0x...\" string" % (s,))
    return int(s, 16)


def _need(obj, key, where):
    if not isinstance(obj, dict) or key not in obj:
        raise Diff("%s: the JSON has no %r" % (where, key))
    return obj[key]


def compare(r, doc):
    """Raises Diff naming the first difference between a decoded file and a JSON report."""
    text = utf8_like_memscope
    if not isinstance(doc, dict):
        raise Diff("the JSON is not an object")

    # events, one by one
    jev = _need(doc, "events", "report")
    if not isinstance(jev, list):
        raise Diff("report: events is not a list")
    for i, (e, j) in enumerate(zip(r.events, jev)):
        w = "event %d" % i
        kind = "free" if e[0] else "alloc"
        if _need(j, "kind", w) != kind:
            raise Diff("%s: kind %s in the .msb, %r in the JSON" % (w, kind, j["kind"]))
        if not _ts_eq(e[1], _need(j, "timestamp_ns", w)):
            raise Diff("%s: timestamp_ns %d in the .msb, %r in the JSON (beyond 2 ns + 1e-4)" % (w, e[1], j["timestamp_ns"]))
        if _hex(_need(j, "address", w)) != e[2]:
            raise Diff("%s: address 0x%x in the .msb, %s in the JSON" % (w, e[2], j["address"]))
        for k, v in zip(("size", "thread_id", "alloc_thread_id", "site", "stack"), e[3:]):
            if _need(j, k, w) != v:
                raise Diff("%s: %s %d in the .msb, %r in the JSON" % (w, k, v, j[k]))
    if len(r.events) != len(jev):
        raise Diff("the .msb holds %d events, the JSON %d (the first %d are equal)"
                   % (len(r.events), len(jev), min(len(r.events), len(jev))))

    # sites used by the events
    jsites = {}
    for s in _need(doc, "sites", "report"):
        jsites[_need(s, "id", "JSON site")] = s
    used = sorted({e[6] for e in r.events})
    for sid in used:
        if sid not in jsites:
            raise Diff("site %d: used by events, absent from the JSON sites" % sid)
        j = jsites[sid]
        if sid not in r.sites:
            if sid == 0:
                continue
            raise Diff("site %d: used by events, absent from the .msb" % sid)
        s = r.sites[sid]
        for k in ("var_name", "type_name", "file"):
            if text(s[k]) != _need(j, k, "JSON site %d" % sid):
                raise Diff("site %d: %s %r in the .msb, %r in the JSON" % (sid, k, text(s[k]), j[k]))
        if s["line"] != _need(j, "line", "JSON site %d" % sid):
            raise Diff("site %d: line %d in the .msb, %r in the JSON" % (sid, s["line"], j["line"]))
    for sid in r.site_order:           # every site the file defines must agree where the JSON has it
        if sid in jsites and sid not in used:
            s, j = r.sites[sid], jsites[sid]
            if [text(s[k]) for k in ("var_name", "type_name", "file")] + [s["line"]] != \
                    [j.get(k) for k in ("var_name", "type_name", "file", "line")]:
                raise Diff("site %d (not used by events) differs from the JSON's" % sid)

    # stacks and frames
    jstacks = {}
    for s in _need(doc, "stacks", "report"):
        jstacks[_need(s, "id", "JSON stack")] = s
    used = {e[7] for e in r.events if e[7]}
    for sid in sorted(used | set(r.stacks)):
        if sid not in jstacks:
            raise Diff("stack %d: in the .msb, absent from the JSON stacks" % sid)
        if sid not in r.stacks:
            raise Diff("stack %d: used by events, absent from the .msb" % sid)
        frames, jf = logical_frames(r, sid, text), _need(jstacks[sid], "frames", "JSON stack %d" % sid)
        if len(frames) != len(jf):
            raise Diff("stack %d: %d frames in the .msb, %d in the JSON" % (sid, len(frames), len(jf)))
        for k, (m, j) in enumerate(zip(frames, jf)):
            w = "stack %d frame %d" % (sid, k)
            if _hex(_need(j, "address", w)) != _hex(m["address"]):
                raise Diff("%s: address %s in the .msb, %s in the JSON" % (w, m["address"], j["address"]))
            for key in ("function", "module", "offset"):
                if m[key] != _need(j, key, w):
                    raise Diff("%s: %s %r in the .msb, %r in the JSON" % (w, key, m[key], j[key]))
            if bool(m.get("inlined")) != bool(j.get("inlined")):
                raise Diff("%s: inlined %r in the .msb, %r in the JSON" % (w, m.get("inlined"), j.get("inlined")))
            if "file" in j and (j["file"], j["line"]) != (m["file"], m["line"]):
                raise Diff("%s: %s:%s in the .msb's LINES/INLINED, %s:%s in the JSON" % (w, m["file"], m["line"], j["file"], j["line"]))
    # a JSON stack the file leaves out is no difference when no event uses it

    # threads (in report order)
    jth = _need(doc, "threads", "report")
    if len(r.threads) != len(jth):
        raise Diff("%d threads in the .msb, %d in the JSON" % (len(r.threads), len(jth)))
    for i, (t, j) in enumerate(zip(r.threads, jth)):
        for k in ("thread_id",) + THREAD_FIELDS:
            if t[k] != _need(j, k, "JSON thread %d" % i):
                raise Diff("thread %d (id %d): %s %d in the .msb, %r in the JSON" % (i, t["thread_id"], k, t[k], j[k]))
        if text(t["thread_name"]) != _need(j, "thread_name", "JSON thread %d" % i):
            raise Diff("thread %d (id %d): thread_name %r in the .msb, %r in the JSON"
                       % (i, t["thread_id"], text(t["thread_name"]), j["thread_name"]))

    # hotspots (report order)
    jhs = _need(doc, "hotspots", "report")
    if len(r.hotspots) != len(jhs):
        raise Diff("%d hotspots in the .msb, %d in the JSON" % (len(r.hotspots), len(jhs)))
    for i, (h, j) in enumerate(zip(r.hotspots, jhs)):
        for k in ("var_name", "type_name", "location"):
            if text(h[k]) != _need(j, k, "JSON hotspot %d" % i):
                raise Diff("hotspot %d: %s %r in the .msb, %r in the JSON" % (i, k, text(h[k]), j[k]))
        for k in ("total_size", "allocation_count"):
            if h[k] != _need(j, k, "JSON hotspot %d" % i):
                raise Diff("hotspot %d: %s %d in the .msb, %r in the JSON" % (i, k, h[k], j[k]))

    # snapshots
    jsn = _need(doc, "system_snapshots", "report")
    for i, (s, j) in enumerate(zip(r.snapshots, jsn)):
        for k, kind in SNAPSHOT_FIELDS:
            jv = _need(j, k, "JSON snapshot %d" % i)
            if k == "elapsed_ns":        # on the event clock: the same tolerance as timestamps
                ok = _ts_eq(s[k], jv)
            else:
                ok = _num_eq(s[k], jv) if kind == "f" else s[k] == jv
            if not ok:
                raise Diff("snapshot %d: %s %r in the .msb, %r in the JSON" % (i, k, s[k], jv))
    if len(r.snapshots) != len(jsn):
        raise Diff("%d snapshots in the .msb, %d in the JSON (the first %d are equal)"
                   % (len(r.snapshots), len(jsn), min(len(r.snapshots), len(jsn))))

    # END totals
    for k in END_VARINTS[:-1]:
        if r.end[k] != _need(doc, k, "report"):
            raise Diff("END %s %d, JSON %s %r" % (k, r.end[k], k, doc[k]))
    for k in END_F64:
        if not _num_eq(r.end[k], _need(doc, k, "report")):
            raise Diff("END %s %r, JSON %s %r" % (k, r.end[k], k, doc[k]))
    if r.end["event_count"] != len(jev):
        raise Diff("END event_count %d, the JSON has %d events" % (r.end["event_count"], len(jev)))

    # META (duration_ns is not compared: each export measures its own duration)
    sampling = _need(doc, "sampling", "report")
    checks = [("start_time_unix_ms", doc.get("start_time_unix_ms")),
              ("sample_rate", _need(sampling, "sample_rate", "JSON sampling")),
              ("capture_call_stack", _need(sampling, "capture_call_stack", "JSON sampling")),
              ("max_stack_depth", _need(sampling, "max_stack_depth", "JSON sampling")),
              ("generator", doc.get("generator"))]
    if r.meta.get("sample_bytes", 0) != _need(sampling, "sample_bytes", "JSON sampling"):
        raise Diff("META sample_bytes %r, JSON %r" % (r.meta.get("sample_bytes", 0), sampling["sample_bytes"]))
    for k, jv in checks:
        if k not in r.meta:
            raise Diff("META has no %s (JSON: %r)" % (k, jv))
        v = r.meta[k]
        if k == "generator":
            v = text(v)
            ok = v == jv
        elif k == "capture_call_stack":
            ok = v is jv
        elif k == "sample_rate":
            ok = _num_eq(v, jv)
        else:
            ok = v == jv
        if not ok:
            raise Diff("META %s %r, JSON %r" % (k, v, jv))


# ---------------------------------------------------------------------------- CLI

def fail(msg):
    sys.stderr.write("msb_decode: %s\n" % msg)
    return 1


def main(argv):
    if len(argv) == 2 and argv[1] == "--selftest":
        return selftest()
    mode = None
    if len(argv) == 2:
        mode = "summary"
    elif len(argv) == 3 and argv[2] == "--json":
        mode = "json"
    elif len(argv) == 4 and argv[2] == "--compare":
        mode = "compare"
    if mode is None or argv[1].startswith("--"):
        sys.stderr.write(__doc__)
        return 2
    try:
        with open(argv[1], "rb") as f:
            data = f.read()
    except OSError as exc:
        sys.stderr.write("msb_decode: %s: %s\n" % (argv[1], exc))
        return 2
    doc = None
    if mode == "compare":
        try:
            with open(argv[3], "rb") as f:
                doc = load_json(f.read().decode("utf-8"))
        except (OSError, ValueError) as exc:
            sys.stderr.write("msb_decode: %s: not strict JSON: %s\n" % (argv[3], exc))
            return 2
    try:
        r = decode(data)
    except MsbTruncated as exc:
        if exc.result.interrupted is not None:
            # a streamed run that did not end normally: what it kept is valid, nothing is damaged
            if mode == "summary":
                sys.stdout.write("%s; %s\n" % (summary(exc.result), exc.message))
                return 0
            if mode == "json":
                sys.stdout.write(json.dumps(to_json(exc.result), ensure_ascii=True, indent=1) + "\n")
                return 0
            return fail("compare: %d: %s: no THREADS, HOTSPOTS or END to compare" % (exc.offset, exc.message))
        if mode == "json":
            sys.stdout.write(json.dumps(to_json(exc.result), ensure_ascii=True, indent=1) + "\n")
        return fail("%d: %s" % (exc.offset, exc.message))
    except MsbError as exc:
        return fail("%d: %s" % (exc.offset, exc.message))
    if mode == "summary":
        sys.stdout.write(summary(r) + "\n")
        return 0
    if mode == "json":
        sys.stdout.write(json.dumps(to_json(r), ensure_ascii=True, indent=1) + "\n")
        return 0
    try:
        compare(r, doc)
    except Diff as exc:
        return fail("compare: %s" % exc)
    except Exception as exc:  # noqa: BLE001 - a malformed report is a difference, not a crash
        return fail("compare: the JSON report has an unexpected shape: %r" % (exc,))
    sys.stdout.write("equal: %d events, %d sites, %d stacks, %d threads, %d hotspots, %d snapshots\n"
                     % (len(r.events), len(r.sites), len(r.stacks), len(r.threads), len(r.hotspots),
                        len(r.snapshots)))
    return 0


# ---------------------------------------------------------------------------- selftest
# A tiny encoder written from docs/FORMAT.md, used only to build test files.

def enc_varint(n):
    assert 0 <= n <= U64
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def enc_varint10(n):
    """A varint in exactly 10 bytes (9 with the 0x80 bit, then 0x00 or 0x01): the width a
    streamed file gives META's duration_ns so that the writer can rewrite it in place."""
    assert 0 <= n <= U64
    return bytes([(n >> (7 * i) & 0x7F) | 0x80 for i in range(9)] + [n >> 63])


def enc_zigzag(v):
    v &= U64                                     # two's complement, 64 bits
    s = v - (1 << 64) if v >> 63 else v
    return enc_varint(((s << 1) ^ (s >> 63)) & U64)


def enc_f64(x):
    return F64.pack(x)


def enc_section(stype, payload, flags=0, crc_xor=0):
    head = U32.pack(stype) + U32.pack(flags) + U64S.pack(len(payload))
    return head + payload + U32.pack((zlib.crc32(head + payload) & 0xFFFFFFFF) ^ crc_xor)


def enc_header(major=1, minor=0, flags=0):
    return MAGIC + U16.pack(major) + U16.pack(minor) + U32.pack(flags)


def order_after(freed, ring, free, addr):
    """1.3's decoder state after an event (docs/FORMAT.md, Event): a FREE's address goes on top
    of its size class's freed addresses (the bottom one leaves past 16); an ALLOC's leaves them
    (its topmost place) and becomes the newest of the last 256 ALLOCs."""
    if free:
        freed.append(addr)
        if len(freed) > FREED_DEPTH:
            del freed[0]
        return
    for j in range(len(freed) - 1, -1, -1):
        if freed[j] == addr:
            del freed[j]
            break
    ring.append(addr)
    if len(ring) > ALLOC_RING:
        del ring[0]


class Encoder:
    """Builds .msb files section by section; events are given as dicts (JSON-export shape,
    integer addresses)."""

    def __init__(self):
        self.strings = {}
        self.pending = []
        self.ts = 0
        self.thread = 0
        self.site = 0
        self.literal = 0
        self.cache = [None] * CACHE_SLOTS
        self.classes = [None] * SIZE_CLASSES
        self.predict = False                 # the EVENTS section being built has flag 2 (1.2)
        self.order = False                   # ... has flag 4 (1.3)
        self.usec = False                    # ... has flag 8 (1.3)
        self.freed = [[] for _ in range(SIZE_CLASSES)]
        self.ring = []
        self.modes = []                      # the address mode of each event encoded (for tests)
        self.site_size = {}
        self.site_stack = {}

    def s(self, b):
        if b is None:
            return enc_varint(0)
        if isinstance(b, str):
            b = b.encode("utf-8")
        if b not in self.strings:
            self.strings[b] = len(self.strings) + 1
            self.pending.append(b)
        return enc_varint(self.strings[b])

    def flush_strings(self):
        if not self.pending:
            return b""
        p = enc_varint(len(self.pending)) + b"".join(enc_varint(len(b)) + b for b in self.pending)
        self.pending = []
        return enc_section(STRINGS, p)

    def meta(self, fields):
        """fields: list of (id, wire, value); str values are interned (forward reference).
        Wire "varint10": a varint field written in 10 bytes (a streamed file's duration_ns)."""
        p = enc_varint(len(fields))
        for fid, wt, v in fields:
            if wt == "varint10":
                p += enc_varint(fid) + enc_varint(WIRE_VARINT) + enc_varint10(v)
                continue
            p += enc_varint(fid) + enc_varint(wt)
            p += enc_varint(v) if wt == WIRE_VARINT else enc_f64(v) if wt == WIRE_F64 else self.s(v)
        return self.flush_strings() + enc_section(META, p)

    def sites(self, sites):
        p = enc_varint(len(sites))
        for st in sites:
            p += enc_varint(st["id"]) + self.s(st["var_name"]) + self.s(st["type_name"]) + self.s(st["file"]) \
                + enc_varint(st["line"])
        return self.flush_strings() + enc_section(SITES, p)

    def stacks(self, stacks):
        p = enc_varint(len(stacks))
        for st in stacks:
            p += enc_varint(st["id"]) + enc_varint(len(st["frames"]))
            prev = 0
            for f in st["frames"]:
                p += enc_zigzag(f["address"] - prev) + self.s(f["function"]) + self.s(f["module"]) \
                    + enc_varint(0 if f["offset"] is None else f["offset"] + 1)
                prev = f["address"]
        return self.flush_strings() + enc_section(STACKS, p)

    def event(self, e):
        free = e["kind"] == "free"
        tag = TAG_FREE if free else 0
        body = b""
        parts = self.parts = [b""] * 8    # the event's bytes by column (flag 16): body is their concatenation
        if e["thread_id"] != self.thread:
            tag |= TAG_THREAD
            body += enc_varint(e["thread_id"])
            parts[1] = enc_varint(e["thread_id"])
            self.thread = e["thread_id"]
        if e["site"] != self.site:
            tag |= TAG_SITE
            body += enc_varint(e["site"])
            parts[2] = enc_varint(e["site"])
            self.site = e["site"]
        if e["size"] != self.site_size.get(self.site, 0):
            tag |= TAG_SIZE
            body += enc_varint(e["size"])
            parts[3] = enc_varint(e["size"])
            self.site_size[self.site] = e["size"]
        if free:
            if e["alloc_thread_id"] != self.thread:
                tag |= TAG_STACK_OR_ATHREAD
                body += enc_varint(e["alloc_thread_id"])
                parts[4] = enc_varint(e["alloc_thread_id"])
        elif e["stack"] != self.site_stack.get(self.site, 0):
            tag |= TAG_STACK_OR_ATHREAD
            body += enc_varint(e["stack"])
            parts[4] = enc_varint(e["stack"])
            self.site_stack[self.site] = e["stack"]
        a = e["address"]
        cls = size_class(e["size"])
        # with prediction: the size class's address (mode 0), else the first of cache slots 0-5
        # (mode 1-6), else a literal; without: the cache slot 0-6 (mode 0-6), else a literal
        # in allocation order: an ALLOC's class's last freed address (mode 0), a FREE's last ALLOC
        # (mode 0), else the first of cache slots 0-4 (mode 1-5), else a deeper freed address of
        # the class or an earlier one of the last 256 ALLOCs (mode 6 and a byte), else a literal
        freed = self.freed[cls]
        extra = None
        if self.order:
            m = None
            if free:
                k = next((len(self.ring) - j for j in range(len(self.ring) - 1, -1, -1) if self.ring[j] == a), None)
                if k is not None:
                    m, extra = (0, None) if k == 1 else (6, k - 2)
            elif freed and freed[-1] == a:
                m = 0
            if m is None and a in self.cache[:CACHE_SLOTS - 2]:
                m = self.cache.index(a) + 1
                del self.cache[m - 1]
            elif m is None and not free and a in freed:
                m, extra = 6, len(freed) - 1 - max(j for j in range(len(freed)) if freed[j] == a) - 1
            if m is None:
                m = ADDR_LITERAL
                extra = enc_zigzag(a - self.literal)
                self.literal = a
            if m in (0, 6, ADDR_LITERAL):
                del self.cache[CACHE_SLOTS - 1]
            if m == 6:
                extra = bytes([extra])
            body += extra or b""
            parts[6 if m == 6 else 5] = extra or b""
            order_after(freed, self.ring, free, a)
            self.cache.insert(0, a)
            self.classes[cls] = a
            self.modes.append(m)
            tag |= m << 5
            assert e["timestamp_ns"] >= self.ts
            body += enc_varint((e["timestamp_ns"] - self.ts) // (1000 if self.usec else 1))
            parts[7] = enc_varint((e["timestamp_ns"] - self.ts) // (1000 if self.usec else 1))
            parts[0] = bytes([tag])
            self.ts = e["timestamp_ns"]
            return bytes([tag]) + body
        order_after(freed, self.ring, free, a)    # 1.3's state, kept in every section
        base = 1 if self.predict else 0
        slots = self.cache[:CACHE_SLOTS - base]
        if self.predict and self.classes[cls] == a:
            m = 0
            del self.cache[CACHE_SLOTS - 1]
        elif a in slots:
            k = slots.index(a)
            m = k + base
            del self.cache[k]
        else:
            m = ADDR_LITERAL
            body += enc_zigzag(a - self.literal)
            parts[5] = enc_zigzag(a - self.literal)
            self.literal = a
            del self.cache[CACHE_SLOTS - 1]
        self.cache.insert(0, a)
        self.classes[cls] = a
        self.modes.append(m)
        tag |= m << 5
        assert e["timestamp_ns"] >= self.ts
        body += enc_varint(e["timestamp_ns"] - self.ts)
        parts[7] = enc_varint(e["timestamp_ns"] - self.ts)
        parts[0] = bytes([tag])
        self.ts = e["timestamp_ns"]
        return bytes([tag]) + body

    def events(self, events, block=MAX_BLOCK, zstd=False, predict=False):
        """zstd: each payload as a zstd frame (section flag 1, version 1.1). predict: addresses
        predicted by size class (section flag 2, version 1.2), or "order": in allocation order
        (section flag 4, version 1.3; with flag 8, times in microseconds, where the section's times
        are whole microseconds), or "cols": in allocation order and in columns (flags 4 and 16,
        version 1.4), the way memscope's writer does."""
        out = b""
        cols = predict == "cols"
        self.order = predict in ("order", "cols")
        self.predict = bool(predict) and not self.order
        for i in range(0, len(events), block):
            chunk = events[i:i + block]
            self.usec = self.order and self.ts % 1000 == 0 and all(e["timestamp_ns"] % 1000 == 0 for e in chunk)
            flags = (FLAG_ZSTD if zstd else 0) | (FLAG_PREDICT if self.predict else 0) | \
                (FLAG_ORDER if self.order else 0) | (FLAG_USEC if self.usec else 0) | (FLAG_COLS if cols else 0)
            if cols:
                column = [b""] * 8
                for e in chunk:
                    self.event(e)
                    column = [c + x for c, x in zip(column, self.parts)]
                payload = enc_varint(len(chunk)) + b"".join(enc_varint(len(c)) for c in column[1:7]) + b"".join(column)
            else:
                payload = enc_varint(len(chunk)) + b"".join(self.event(e) for e in chunk)
            out += enc_section(EVENTS, zstd_compress(payload) if zstd else payload, flags=flags)
        self.predict = self.order = self.usec = False
        return out

    def snapshots(self, snaps):
        p = enc_varint(len(snaps)) + b"".join(
            SNAPSHOT_STRUCT.pack(*[s[k] for k, _ in SNAPSHOT_FIELDS]) for s in snaps)
        return enc_section(SNAPSHOTS, p)

    def threads(self, threads):
        p = enc_varint(len(threads))
        for t in threads:
            p += enc_varint(t["thread_id"]) + self.s(t["thread_name"]) + b"".join(enc_varint(t[k]) for k in THREAD_FIELDS)
        return self.flush_strings() + enc_section(THREADS, p)

    def hotspots(self, hs):
        p = enc_varint(len(hs))
        for h in hs:
            p += self.s(h["var_name"]) + self.s(h["type_name"]) + enc_varint(h["total_size"]) \
                + enc_varint(h["allocation_count"]) + self.s(h["location"])
        return self.flush_strings() + enc_section(HOTSPOTS, p)

    def end(self, e):
        return enc_section(END, b"".join(enc_varint(e[k]) for k in END_VARINTS)
                           + b"".join(enc_f64(e[k]) for k in END_F64))


# The worked example of docs/FORMAT.md ("Worked example"): the EVENTS section's bytes.
EXAMPLE_EVENTS = [
    {"kind": "alloc", "timestamp_ns": 1000, "address": 0x555500001000, "size": 64, "thread_id": 100,
     "alloc_thread_id": 100, "site": 3, "stack": 0},
    {"kind": "free", "timestamp_ns": 1100, "address": 0x555500001000, "size": 64, "thread_id": 100,
     "alloc_thread_id": 100, "site": 3, "stack": 0},
    {"kind": "alloc", "timestamp_ns": 1180, "address": 0x555500001000, "size": 64, "thread_id": 100,
     "alloc_thread_id": 100, "site": 3, "stack": 0},
]
EXAMPLE_PAYLOAD_HEX = "03 ee 64 03 40 80 c0 80 80 a0 d5 2a e8 07 01 64 00 50"
# ... and in columns (1.4, section flags 4, 8 and 16), at t = 1, 3 and 4 us: the count, the
# lengths of columns 1-6, the tags, then the thread, site, size and literal address columns
# (no stack or address byte) and the timestamp deltas.
EXAMPLE_COLS_USEC = (1000, 3000, 4000)
EXAMPLE_COLS_HEX = "03 01 01 01 00 07 00 ee 01 00 64 03 40 80 c0 80 80 a0 d5 2a 01 02 01"


def _snapshot(i):
    s = {}
    for k, kind in SNAPSHOT_FIELDS:
        s[k] = (i * 1.25 + 0.5) if kind == "f" else (1000 * i + len(k))
    s["timestamp"] = 1795687822290 + 100 * i
    s["available"] = 0x1F3F
    s["cpu_usage_percent"] = float("nan") if i == 1 else 2.5
    return s


def build_model(n_events=300, seed=1):
    """A deterministic tracker state in the JSON export's shape (addresses as ints)."""
    rng = seed

    def rand(k):
        nonlocal rng
        rng = (rng * 6364136223846793005 + 1442695040888963407) & U64
        return (rng >> 33) % k

    sites = [{"id": 1, "var_name": "buf", "type_name": "char *", "file": "a.c", "line": 10},
             {"id": 2, "var_name": b"odd\xff\xe2\x80name", "type_name": "int *", "file": None, "line": 0},
             {"id": 5, "var_name": "node", "type_name": "struct node *", "file": "lib/deep/b.c", "line": 123456}]
    stacks = [{"id": 1, "frames": [{"address": 0x7F0000001234, "function": "main", "module": "/bin/x", "offset": 0x34},
                                   {"address": 0x555500000010, "function": None, "module": "/bin/x", "offset": 16},
                                   {"address": 0xFFFFFFFFFFFFFFF0, "function": None, "module": None, "offset": None}]},
              {"id": 7, "frames": []}]
    tids = [100, 101, 5000000]
    live = []
    events = []
    ts = 0
    for i in range(n_events):
        ts += [0, 1, 90, 200, 20000, 1 << 40][rand(6)] if i else 5
        th = tids[rand(3)]
        if live and rand(2):
            a, size, site, athread = live.pop(rand(len(live)))
            events.append({"kind": "free", "timestamp_ns": ts, "address": a, "size": size, "thread_id": th,
                           "alloc_thread_id": athread, "site": site, "stack": 0})
        else:
            site = [1, 2, 5][rand(3)]
            a = [0x555500001000 + 64 * rand(12), 0x7F0012345678 + 16 * rand(5), 0x10 + rand(3)][rand(3)]
            if any(x[0] == a for x in live):
                a = 0x600000000000 + 8 * i
            size = [64, 64, 0, 1 << 40][rand(4)] if site != 5 else 24
            stack = [0, 1, 7][rand(3)]
            live.append((a, size, site, th))
            events.append({"kind": "alloc", "timestamp_ns": ts, "address": a, "size": size, "thread_id": th,
                           "alloc_thread_id": th, "site": site, "stack": stack})
    threads = [{"thread_id": 100, "thread_name": "main", "allocations": 3, "deallocations": 1,
                "allocated_bytes": 300, "current_bytes": 200, "peak_bytes": 250},
               {"thread_id": 101, "thread_name": None, "allocations": 0, "deallocations": 0,
                "allocated_bytes": 0, "current_bytes": 0, "peak_bytes": 0}]
    hotspots = [{"var_name": "buf", "type_name": "char *", "total_size": 1 << 50, "allocation_count": 7,
                 "location": "a.c:10"},
                {"var_name": b"odd\xff\xe2\x80name", "type_name": "int *", "total_size": 1, "allocation_count": 1,
                 "location": None}]
    snaps = [_snapshot(i) for i in range(3)]
    end = {"total_allocations": 10, "total_deallocations": 4, "active_allocations": 6,
           "peak_memory_bytes": 640, "current_memory_bytes": 384, "total_allocated_bytes": 1 << 45,
           "dropped_events": 2, "dropped_snapshots": 0, "event_count": len(events),
           "estimated_total_allocations": 10.0, "estimated_total_bytes": 1234.5}
    meta = [(1, WIRE_VARINT, 1795691749052), (2, WIRE_VARINT, 3392009), (3, WIRE_F64, 1.0),
            (4, WIRE_VARINT, 1), (5, WIRE_VARINT, 20), (6, WIRE_STR, "memscope.h 0.2.0"),
            (7, WIRE_VARINT, 4242), (8, WIRE_F64, 0.37)]
    return {"meta": meta, "sites": sites, "stacks": stacks, "events": events, "threads": threads,
            "hotspots": hotspots, "snapshots": snaps, "end": end}


def build_file(m, block=MAX_BLOCK, minor=0, extra=None, predict=False):
    """extra: callable(stage) -> bytes inserted at named stages (for order/unknown tests).
    predict: EVENTS sections with predicted addresses (flag 2; needs minor >= 2 to be valid)."""
    extra = extra or (lambda stage: b"")
    enc = Encoder()
    out = enc_header(minor=minor)
    meta = enc.meta(m["meta"])
    out += meta + extra("after-meta")
    out += enc.sites(m["sites"]) + enc.stacks(m["stacks"])
    half = len(m["events"]) // 2
    out += enc.events(m["events"][:half], block, predict=predict) + enc.snapshots(m["snapshots"]) + extra("mid-events")
    out += enc.events(m["events"][half:], block, predict=predict)
    out += enc.threads(m["threads"]) + extra("after-threads") + enc.hotspots(m["hotspots"])
    out += enc.end(m["end"])
    return out


def stream_model():
    """A small run streamed the way memscope's whole-program mode writes it (version 1.1): two
    EVENTS blocks, each after the SITES and STACKS sections defining what it uses first; site
    and stack ids in the order of first use (not increasing)."""
    stack = lambda sid, *addrs: {"id": sid, "frames": [  # noqa: E731
        {"address": a, "function": "f%x" % (a & 0xFFF), "module": "/usr/bin/prog", "offset": a & 0xFF}
        for a in addrs]}
    ev = lambda kind, ts, addr, size, th, site, st=0, ath=None: {  # noqa: E731
        "kind": kind, "timestamp_ns": ts, "address": addr, "size": size, "thread_id": th,
        "alloc_thread_id": th if ath is None else ath, "site": site, "stack": st}
    a, b, c, d = 0x55550000A010, 0x55550000B020, 0x7F0000001000, 0x55550000C030
    blocks = [
        {"sites": [{"id": 5, "var_name": "malloc", "type_name": None, "file": None, "line": 0},
                   {"id": 2, "var_name": "calloc", "type_name": None, "file": None, "line": 0}],
         "stacks": [stack(3, 0x401234, 0x401800), stack(1, 0x402010)],
         "events": [ev("alloc", 1000, a, 64, 300, 5, 3), ev("alloc", 1500, b, 4096, 300, 2, 1),
                    ev("free", 2000, a, 64, 300, 5), ev("alloc", 2600, c, 64, 301, 5, 3)]},
        {"sites": [{"id": 1, "var_name": "realloc", "type_name": None, "file": None, "line": 0}],
         "stacks": [stack(2, 0x401234, 0x403000, 0x404000)],
         "events": [ev("alloc", 20001000, d, 100, 300, 1, 2), ev("free", 20002000, b, 4096, 301, 2, ath=300),
                    ev("alloc", 20003000, a, 64, 300, 5, 2), ev("free", 20004000, d, 100, 300, 1)]},
    ]
    snap = _snapshot(0)
    snap["elapsed_ns"] = 30000000
    end = {"total_allocations": 5, "total_deallocations": 3, "active_allocations": 2,
           "peak_memory_bytes": 4324, "current_memory_bytes": 128, "total_allocated_bytes": 4388,
           "dropped_events": 0, "dropped_snapshots": 0, "event_count": 8,
           "estimated_total_allocations": 5.0, "estimated_total_bytes": 4388.0}
    return {"blocks": blocks, "snapshots": [snap], "duration_ns": 45000000, "pid": 4243, "ppid": 4242,
            "threads": [{"thread_id": 300, "thread_name": "prog", "allocations": 4, "deallocations": 2,
                         "allocated_bytes": 4324, "current_bytes": 64, "peak_bytes": 4324},
                        {"thread_id": 301, "thread_name": None, "allocations": 1, "deallocations": 1,
                         "allocated_bytes": 64, "current_bytes": 64, "peak_bytes": 64}],
            "hotspots": [{"var_name": "calloc", "type_name": "", "total_size": 4096, "allocation_count": 1,
                          "location": None}],
            "end": end}


def build_streamed(m, rewritten=True, minor=None, zstd=False, predict=False):
    """The file of stream_model() m. rewritten=False: META as written at the start of the run
    (duration_ns, duration_sec and the rates 0), as a file that never reached its end has it.
    zstd: every EVENTS payload as a zstd frame (needs libzstd.so.1). predict: every EVENTS
    section with predicted addresses (flag 2), or a list of one bool per block. minor: 2 with
    predict, else 1 unless given."""
    per_block = list(predict) if isinstance(predict, (list, tuple)) else [predict] * len(m["blocks"])
    if minor is None:
        minor = 4 if "cols" in per_block else 3 if "order" in per_block else 2 if any(per_block) else 1
    enc = Encoder()
    dur = m["duration_ns"] if rewritten else 0
    secs = dur / 1e9
    allocs, frees = m["end"]["total_allocations"], m["end"]["total_deallocations"]
    meta = [(1, WIRE_VARINT, 1795691749052), (2, "varint10", dur), (3, WIRE_F64, 1.0), (4, WIRE_VARINT, 1),
            (5, WIRE_VARINT, 32), (6, WIRE_STR, "memscope.h 0.6.0"), (7, WIRE_VARINT, m["pid"]),
            (8, WIRE_F64, 0.4089), (9, WIRE_F64, secs), (10, WIRE_F64, allocs / secs if secs else 0.0),
            (11, WIRE_F64, frees / secs if secs else 0.0), (12, WIRE_VARINT, 0), (13, WIRE_STR, "prog"),
            (14, WIRE_VARINT, m["ppid"]), (15, WIRE_VARINT, 1)]
    out = enc_header(minor=minor) + enc.meta(meta)
    for blk, pr in zip(m["blocks"], per_block):
        if blk["sites"]:
            out += enc.sites(blk["sites"])
        if blk["stacks"]:
            out += enc.stacks(blk["stacks"])
        out += enc.events(blk["events"], zstd=zstd, predict=pr)
    out += enc.snapshots(m["snapshots"]) + enc.threads(m["threads"]) + enc.hotspots(m["hotspots"])
    return out + enc.end(m["end"])


def raw_sections(data):
    """(type, offset, total bytes) of each whole section, from the framing alone (no checks)."""
    out, pos = [], HEADER_SIZE
    while len(data) - pos >= SECTION_FRAMING:
        length = U64S.unpack_from(data, pos + 8)[0]
        if length > len(data) - pos - SECTION_FRAMING:
            break
        out.append((U32.unpack_from(data, pos)[0], pos, length + SECTION_FRAMING))
        pos += length + SECTION_FRAMING
    return out


def model_json(m):
    """The JSON export memscope would write for model m (the parts compare() reads)."""
    t = utf8_like_memscope

    def b(x):
        return x.encode("utf-8") if isinstance(x, str) else x
    meta = {fid: v for fid, _, v in m["meta"]}
    doc = {"format": "memscope", "version": 1, "generator": meta[6]}
    for k in END_VARINTS[:-1]:
        doc[k] = m["end"][k]
    doc["hotspots"] = [{"var_name": t(b(h["var_name"])), "type_name": t(b(h["type_name"])),
                        "total_size": h["total_size"], "allocation_count": h["allocation_count"],
                        "location": t(b(h["location"]))} for h in m["hotspots"]]
    doc["system_snapshots"] = [{k: (None if isinstance(v, float) and not _finite(v) else v) for k, v in s.items()}
                               for s in m["snapshots"]]
    doc["sample_rate"] = meta[3]
    for k in END_F64:
        doc[k] = m["end"][k]
    doc["start_time_unix_ms"] = meta[1]
    doc["sampling"] = {"sample_rate": meta[3], "capture_call_stack": bool(meta[4]), "max_stack_depth": meta[5],
                       "sample_bytes": meta.get(12, 0)}
    doc["threads"] = [dict(th, thread_name=t(b(th["thread_name"]))) for th in m["threads"]]
    doc["sites"] = [{"id": s["id"], "var_name": t(b(s["var_name"])), "type_name": t(b(s["type_name"])),
                     "file": t(b(s["file"])), "line": s["line"]} for s in m["sites"]]
    doc["events"] = [dict(e, address="0x%x" % e["address"]) for e in m["events"]]
    doc["stacks"] = [{"id": s["id"], "frames": [{"address": "0x%x" % f["address"], "function": t(b(f["function"])),
                                                 "module": t(b(f["module"])), "offset": f["offset"]}
                                                for f in s["frames"]]} for s in m["stacks"]]
    # through real JSON text, as the export would be read
    return load_json(json.dumps(doc))


def selftest():
    failures = []
    checks = [0]

    def check(cond, what):
        checks[0] += 1
        if not cond:
            failures.append(what)

    def verdict(data):
        try:
            return decode(data), None
        except MsbError as exc:
            return None, exc

    def expect_error(name, data, offset, words, truncated=False):
        r, exc = verdict(data)
        if exc is None:
            check(False, "%s: decoded without error" % name)
            return
        ok = exc.offset == offset and all(w in exc.message for w in words) and \
            isinstance(exc, MsbTruncated) == truncated and "internal" not in exc.message
        check(ok, "%s: got %d: %s (expected offset %s, words %r)" % (name, exc.offset, exc.message, offset, words))

    # 1. the worked example of docs/FORMAT.md, byte for byte
    enc = Encoder()
    ex_payload = enc_varint(3) + b"".join(enc.event(e) for e in EXAMPLE_EVENTS)
    check(ex_payload.hex(" ") == EXAMPLE_PAYLOAD_HEX, "worked example payload %s" % ex_payload.hex(" "))
    ex_section = enc_section(EVENTS, ex_payload)
    check(len(ex_payload) == 18 and len(ex_section) == 38, "worked example sizes %d/%d" % (len(ex_payload), len(ex_section)))
    ex_crc = ex_section[-4:].hex(" ")
    ex_model = {"meta": [], "sites": [{"id": 3, "var_name": "p", "type_name": "char *", "file": "x.c", "line": 1}],
                "stacks": [], "events": EXAMPLE_EVENTS, "threads": [], "hotspots": [], "snapshots": [],
                "end": dict((k, 0) for k in END_VARINTS + END_F64)}
    ex_model["end"]["event_count"] = 3
    r, exc = verdict(build_file(ex_model))
    check(exc is None and [e[2] for e in r.events] == [0x555500001000] * 3 and
          [e[1] for e in r.events] == [1000, 1100, 1180] and [e[0] for e in r.events] == [False, True, False],
          "worked example decodes: %s" % exc)
    here = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
    try:
        with open(here + "/../docs/FORMAT.md", "r", encoding="utf-8") as f:
            doc_text = f.read()
    except OSError:
        doc_text = None
    if doc_text is not None:
        for needle in (EXAMPLE_PAYLOAD_HEX[3:], EXAMPLE_PAYLOAD_HEX, ex_section[:16].hex(" "), ex_crc):
            check(needle.upper() in doc_text, "docs/FORMAT.md does not show %r" % needle.upper())
        # the section table lists every type this decoder knows, and only those
        listed = set()
        for line in doc_text.splitlines():
            f = [x.strip() for x in line.split("|")]
            if len(f) > 3 and f[1].isdigit() and f[2] in TYPE_NAMES.values():
                listed.add((int(f[1]), f[2]))
        check(listed == set(TYPE_NAMES.items()), "docs/FORMAT.md's section table %r, the decoder's types %r"
              % (sorted(listed), sorted(TYPE_NAMES.items())))
        # the EXIT example: after a SIGKILL, how = 256 + 9
        ex_exit = enc_section(EXIT, enc_varint(256 + 9))
        for needle in (ex_exit[:16].hex(" "), ex_exit[16:18].hex(" "), ex_exit[18:].hex(" ")):
            check(needle.upper() in doc_text, "docs/FORMAT.md does not show the EXIT bytes %r" % needle.upper())

    # 2. round trip of a model (blocks of 64 to cross many EVENTS sections), JSON, compare
    m = build_model(600)
    data = build_file(m, block=64)
    r, exc = verdict(data)
    check(exc is None, "round trip: %s" % exc)
    if r is not None:
        want = [(e["kind"] == "free", e["timestamp_ns"], e["address"], e["size"], e["thread_id"],
                 e["alloc_thread_id"], e["site"], e["stack"]) for e in m["events"]]
        check(r.events == want, "round trip events differ")
        check(r.stacks[1][2][0] == 0xFFFFFFFFFFFFFFF0 and r.stacks[1][2][3] is None and r.stacks[7] == [],
              "round trip stacks")
        check(r.meta["generator"] == b"memscope.h 0.2.0" and r.meta["capture_call_stack"] is True,
              "round trip META %r" % r.meta)
        check(r.sites[2]["var_name"] == b"odd\xff\xe2\x80name" and r.sites[2]["file"] is None, "round trip sites")
        check(r.snapshots[1]["cpu_usage_percent"] != r.snapshots[1]["cpu_usage_percent"], "snapshot NaN")
        check(len([s for s in r.sections if s[0] == EVENTS]) == 10, "EVENTS sections %d" % len(r.sections))
        js = json.dumps(to_json(r), ensure_ascii=True)
        back = load_json(js)
        check(back["sites"][1]["var_name"] == "odd\ufffd\ufffdname" and back["events"][0]["address"].startswith("0x")
              and back["system_snapshots"][1]["cpu_usage_percent"] is None, "--json shape")
        rep = model_json(m)
        try:
            compare(r, rep)
        except Diff as exc2:
            check(False, "compare of equal states: %s" % exc2)
        check("sections" in summary(r) and "600 events" in summary(r), "summary: " + summary(r))
        # differences are found and named
        for mutate, words in (
                (lambda d: d["events"][17].__setitem__("size", d["events"][17]["size"] + 1), "event 17: size"),
                (lambda d: d["events"][0].__setitem__("timestamp_ns", d["events"][0]["timestamp_ns"] + 3), "event 0: timestamp"),
                (lambda d: d["events"].pop(), "600 events, the JSON 599"),
                (lambda d: d["sites"][0].__setitem__("line", 11), "site 1: line"),
                (lambda d: d["stacks"][0]["frames"][1].__setitem__("offset", None), "stack 1 frame 1: offset"),
                (lambda d: d["threads"][1].__setitem__("thread_name", "x"), "thread 1 (id 101): thread_name"),
                (lambda d: d["hotspots"][1].__setitem__("var_name", "odd\ufffdname"), "hotspot 1: var_name"),
                (lambda d: d["system_snapshots"][2].__setitem__("elapsed_ns", 1), "snapshot 2: elapsed_ns"),
                (lambda d: d["system_snapshots"][2].__setitem__("disk_read_bps", 1), "snapshot 2: disk_read_bps"),
                (lambda d: d["system_snapshots"][1].__setitem__("cpu_usage_percent", 2.5), "snapshot 1: cpu_usage_percent"),
                (lambda d: d.__setitem__("peak_memory_bytes", 641), "END peak_memory_bytes"),
                (lambda d: d.__setitem__("estimated_total_bytes", 1234.25), "END estimated_total_bytes"),
                (lambda d: d["sampling"].__setitem__("max_stack_depth", 21), "META max_stack_depth")):
            rep = model_json(m)
            mutate(rep)
            try:
                compare(r, rep)
                check(False, "compare missed: " + words)
            except Diff as exc2:
                check(words in str(exc2), "compare said %r, expected %r" % (str(exc2), words))
        rep = model_json(m)
        rep["events"][3]["timestamp_ns"] += 2          # within the tolerance
        rep["system_snapshots"][0]["elapsed_ns"] += 2  # on the same clock
        try:
            compare(r, rep)
        except Diff as exc2:
            check(False, "timestamp tolerance: %s" % exc2)

    # 3. a valid file of 70 000 churn events in two blocks: about 3 bytes per event
    churn = []
    for i in range(70000):
        churn.append({"kind": "free" if i % 2 else "alloc", "timestamp_ns": 1000 + 150 * i,
                      "address": 0x555500001000 + 64 * ((i // 2) % 3), "size": 64, "thread_id": 100,
                      "alloc_thread_id": 100, "site": 3, "stack": 0})
    big = dict(ex_model, events=churn, end=dict(ex_model["end"], event_count=70000))
    r, exc = verdict(build_file(big))
    check(exc is None and len(r.events) == 70000, "70 000 events: %s" % exc)
    if r is not None:
        per = r.events_payload / 70000.0
        check(2.0 <= per <= 3.1, "churn costs %.2f B/event" % per)
        check(sum(1 for s in r.sections if s[0] == EVENTS) == 2, "two halves of 35 000: 2 blocks")
    blocks = Encoder().events(churn)
    r5, exc = verdict(enc_header() + enc_section(META, b"\x00") +
                      enc_section(SITES, b"\x01\x03\x00\x00\x00\x01") + blocks + Encoder().threads([]) +
                      Encoder().hotspots([]) + Encoder().end(big["end"]))
    check(exc is None and sum(1 for s in r5.sections if s[0] == EVENTS) == 2, "70 000 events in 2 blocks: %s" % exc)

    # 4. corrupt and unusual files: verdicts and offsets
    small = build_model(40)
    good = build_file(small)
    r, exc = verdict(good)
    check(exc is None, "small file: %s" % exc)
    secs = r.sections if r else []

    def sec_at(kind, nth=0):
        return [s for s in secs if s[0] == kind][nth]

    expect_error("bad magic", b"\x89MSC" + good[4:], 0, ["bad magic"])
    expect_error("empty file", b"", 0, ["shorter than the 16-byte header"])
    expect_error("short header", good[:12], 0, ["shorter than the 16-byte header"])
    expect_error("major 2", good[:8] + U16.pack(2) + good[10:], 8, ["major version 2"])
    expect_error("header flags", good[:12] + U32.pack(1) + good[16:], 12, ["header flags"])
    r2, exc = verdict(good[:10] + U16.pack(7) + U32.pack(5) + good[16:])
    check(exc is None, "minor 7 with flags accepted: %s" % exc)
    # truncation: at a section boundary, inside a payload, inside a header
    ev0 = sec_at(EVENTS)
    cut = ev0[1] + ev0[2]
    expect_error("missing END", good[:cut], cut, ["no END", "truncated after section %d at offset %d" % (secs.index(ev0) + 1, cut)], True)
    expect_error("cut in payload", good[:cut + 30], cut, ["runs past the end of the file", "truncated after section %d at offset %d" % (secs.index(ev0) + 1, cut)], True)
    expect_error("cut in header", good[:cut + 5], cut, ["header cut", "truncated after section"], True)
    expect_error("only header", good[:16], 16, ["truncated after section 0 at offset 16"], True)
    try:
        decode(good[:cut])
    except MsbTruncated as exc2:
        check(len(exc2.result.events) == len(small["events"]) // 2, "truncated file keeps the complete events")
    # a length running past the end in the middle of the file
    lenbad = bytearray(good)
    lenbad[ev0[1] + 8:ev0[1] + 16] = U64S.pack(1 << 62)
    expect_error("huge length", bytes(lenbad), ev0[1], ["runs past the end"], True)
    # bad CRC: one payload bit flipped, named by section and offset
    crcbad = bytearray(good)
    crcbad[ev0[1] + 20] ^= 0x10
    expect_error("bad CRC", bytes(crcbad), ev0[1] + ev0[2] - 4,
                 ["bad CRC in section %d (EVENTS) at offset %d" % (secs.index(ev0) + 1, ev0[1])])
    # trailing bytes after END
    expect_error("trailing bytes", good + b"\0", len(good), ["1 trailing bytes after END"])
    expect_error("section after END", good + enc_section(99, b""), len(good), ["trailing bytes after END"])

    # files built piece by piece
    def file_of(*sections, minor=0):
        return enc_header(minor=minor) + b"".join(sections)

    meta0 = enc_section(META, enc_varint(0))
    tail0 = enc_section(THREADS, enc_varint(0)) + enc_section(HOTSPOTS, enc_varint(0))

    def end_of(n_events=0):
        e = dict((k, 0) for k in END_VARINTS + END_F64)
        e["event_count"] = n_events
        return Encoder().end(e)

    def one_events(payload):
        return file_of(meta0, enc_section(SITES, enc_varint(1) + enc_varint(3) + b"\0\0\0" + enc_varint(1)),
                       enc_section(EVENTS, payload), tail0, end_of(1))

    base = HEADER_SIZE + 21 + 26 + 16        # offset of the EVENTS payload in one_events
    check(verdict(one_events(enc_varint(1) + b"\xee\x64\x03\x40\x02\x05"))[1] is None, "one event file")
    expect_error("varint 11 bytes", one_events(enc_varint(1) + b"\xee" + b"\xff" * 10 + b"\x01" + b"\x03\x40\x02\x05"),
                 base + 2, ["event thread_id", "longer than 10 bytes"])
    expect_error("varint over 64 bits", one_events(enc_varint(1) + b"\xee" + b"\xff" * 9 + b"\x02" + b"\x03\x40\x02\x05"),
                 base + 2, ["exceeds 64 bits"])
    expect_error("varint past payload", one_events(enc_varint(1) + b"\xee\x64\x03\x40\x02\x80\x80"),
                 base + 6, ["event timestamp delta", "runs past the end of the EVENTS payload"])
    expect_error("empty cache slot", one_events(enc_varint(1) + b"\x2e\x64\x03\x40\x05"),
                 base + 1, ["cache slot 1", "no earlier event has filled"])
    expect_error("slot 0 at start", one_events(enc_varint(1) + b"\x0e\x64\x03\x40\x05"),
                 base + 1, ["cache slot 0"])
    expect_error("count too large", one_events(enc_varint(5) + b"\xee\x64\x03\x40\x02\x05"),
                 base, ["event count 5 is larger than the 6 bytes left"])
    expect_error("huge count", one_events(enc_varint(U64) + b"\xee\x64\x03\x40\x02\x05"),
                 base, ["event count %d is larger" % U64])
    expect_error("timestamp wraps", file_of(meta0, enc_section(SITES, enc_varint(1) + b"\x03\0\0\0\x01"),
                                            enc_section(EVENTS, enc_varint(2) + b"\xee\x64\x03\x40\x02\x05" + b"\x00" + enc_varint(U64)),
                                            tail0, end_of(2)),
                 base + 8, ["timestamp decreases", "wraps past 2^64"])
    expect_error("literal in cache", file_of(meta0, enc_section(SITES, enc_varint(1) + b"\x03\0\0\0\x01"),
                         enc_section(EVENTS, enc_varint(2) + b"\xee\x64\x03\x40\x02\x05" + b"\xe0\x00\x05"),
                         tail0, end_of(2)),
                 base + 8, ["literal address 0x1 is in cache slot 0"])
    expect_error("event_count mismatch", file_of(meta0, enc_section(SITES, enc_varint(1) + b"\x03\0\0\0\x01"),
                                                 enc_section(EVENTS, enc_varint(1) + b"\xee\x64\x03\x40\x02\x05"),
                                                 tail0, end_of(2)),
                 base + 7 + 4 + 21 + 21, ["END event_count 2", "holds 1 events"])
    expect_error("undefined site", file_of(meta0, enc_section(EVENTS, enc_varint(1) + b"\xee\x64\x09\x40\x02\x05"),
                                           tail0, end_of(1)),
                 HEADER_SIZE + 21 + 16 + 1, ["site 9", "no SITES section defines"])
    expect_error("undefined stack", file_of(meta0, enc_section(SITES, enc_varint(1) + b"\x03\0\0\0\x01"),
                                            enc_section(EVENTS, enc_varint(1) + b"\xfe\x64\x03\x40\x04\x02\x05"),
                                            tail0, end_of(1)),
                 base + 1, ["stack 4", "no STACKS section defines"])
    big_block = enc_varint(MAX_BLOCK + 1) + b"\x00" * (2 * MAX_BLOCK + 2)
    expect_error("block too big", file_of(meta0, enc_section(EVENTS, big_block), tail0, end_of(0)),
                 HEADER_SIZE + 21 + 16, ["EVENTS block of 65537 events"])
    # strings
    strings2 = enc_section(STRINGS, enc_varint(2) + b"\x01a\x02bc")
    expect_error("string index", file_of(meta0, strings2, enc_section(SITES, enc_varint(1) + b"\x03\x01\x02\x03\x01"), tail0, end_of()),
                 HEADER_SIZE + 21 + 26 + 16 + 4, ["site file", "string index 3 out of range (2 strings"])
    check(verdict(file_of(meta0, strings2, enc_section(SITES, enc_varint(1) + b"\x03\x01\x02\x00\x01"), tail0, end_of()))[1] is None,
          "site with strings")
    expect_error("string too long", file_of(meta0, enc_section(STRINGS, enc_varint(1) + b"\x05ab"), tail0, end_of()),
                 HEADER_SIZE + 21 + 16 + 1, ["length 5, but 2 bytes left"])
    expect_error("NUL in string", file_of(meta0, enc_section(STRINGS, enc_varint(1) + b"\x03a\0b"), tail0, end_of()),
                 HEADER_SIZE + 21 + 16 + 3, ["NUL"])
    expect_error("string count", file_of(meta0, enc_section(STRINGS, enc_varint(3) + b"\x00\x00"), tail0, end_of()),
                 HEADER_SIZE + 21 + 16, ["string count 3 is larger"])
    expect_error("frame count", file_of(meta0, enc_section(STACKS, enc_varint(1) + b"\x01\x05" + b"\0" * 12), tail0, end_of()),
                 HEADER_SIZE + 21 + 16 + 2, ["stack 1 depth 5 is larger than the 12 bytes left"])
    expect_error("snapshot count", file_of(meta0, enc_section(SNAPSHOTS, enc_varint(2) + b"\0" * 300), tail0, end_of()),
                 HEADER_SIZE + 21 + 16, ["snapshot count 2 is larger"])
    expect_error("snapshot u32", file_of(meta0, enc_section(SNAPSHOTS, enc_varint(1) + b"\0" * 96 + U64S.pack(1 << 32) + b"\0" * 120),
                                         tail0, end_of()),
                 HEADER_SIZE + 21 + 16 + 1 + 96, ["available"])
    # META: its strings in a STRINGS section before it, unknown fields skipped, bad wire type
    meta_str = enc_section(META, enc_varint(3) + b"\x06\x02\x01" + b"\x63\x01" + enc_f64(1.5) + b"\x64\x00\x07")
    gen = enc_section(STRINGS, enc_varint(1) + b"\x03gen")
    r3, exc = verdict(file_of(gen, meta_str, tail0, end_of()))
    check(exc is None and r3.meta.get("generator") == b"gen" and r3.meta.get("field_99") == 1.5,
          "META string and unknown fields: %s %r" % (exc, r3 and r3.meta))
    expect_error("META forward string", file_of(meta_str, gen, tail0, end_of()), HEADER_SIZE + 16 + 3,
                 ["META generator: string index 1 out of range (0 strings"])
    expect_error("META wire type", file_of(enc_section(META, enc_varint(1) + b"\x63\x05\x00"), tail0, end_of()),
                 HEADER_SIZE + 16 + 2, ["unknown wire type 5"])
    expect_error("META wrong wire", file_of(enc_section(META, enc_varint(1) + b"\x03\x00\x01"), tail0, end_of()),
                 HEADER_SIZE + 16 + 2, ["sample_rate", "expected f64"])
    # unknown sections: skipped when intact, CRC still checked
    unk = enc_section(42, b"future stuff")
    check(verdict(file_of(meta0, unk, tail0, end_of()))[1] is None, "unknown section skipped")
    r4, exc = verdict(build_file(small, extra=lambda st: unk))
    check(exc is None and len(r4.unknown_sections) == 3, "unknown sections anywhere: %s" % exc)
    expect_error("unknown section bad CRC", file_of(meta0, enc_section(42, b"future", crc_xor=1), tail0, end_of()),
                 HEADER_SIZE + 21 + 16 + 6, ["bad CRC in section 2 (type 42) at offset %d" % (HEADER_SIZE + 21)])
    # order
    expect_error("no META first", file_of(enc_section(STRINGS, b"\x00"), enc_section(42, b""), meta0, tail0, end_of()),
                 HEADER_SIZE + 21, ["section 2 is type 42: the first section other than STRINGS must be META"])
    expect_error("SITES before META", file_of(enc_section(SITES, b"\x00"), meta0, tail0, end_of()), HEADER_SIZE,
                 ["section 1 is SITES"])
    expect_error("two METAs", file_of(meta0, meta0, tail0, end_of()), HEADER_SIZE + 21, ["second META"])
    expect_error("EVENTS after THREADS", file_of(meta0, enc_section(THREADS, b"\x00"), enc_section(EVENTS, b"\x00"),
                                                 enc_section(HOTSPOTS, b"\x00"), end_of()),
                 HEADER_SIZE + 42, ["EVENTS after THREADS"])
    expect_error("END early", file_of(meta0, enc_section(THREADS, b"\x00"), end_of()), HEADER_SIZE + 42,
                 ["END before HOTSPOTS"])
    check(verdict(build_file(small, extra=lambda st: enc_section(STRINGS, b"\x01\x01z") if st == "after-threads" else b""))[1] is None,
          "STRINGS between THREADS and HOTSPOTS")
    expect_error("payload slack", file_of(meta0, enc_section(THREADS, b"\x00\x00"), enc_section(HOTSPOTS, b"\x00"), end_of()),
                 HEADER_SIZE + 21 + 17, ["1 unused bytes at the end of the THREADS payload"])
    check(verdict(file_of(meta0, enc_section(THREADS, b"\x00\x00"), enc_section(HOTSPOTS, b"\x00"), end_of(), minor=5))[1] is None,
          "payload slack ignored in 1.5")
    # 1.1 is a version this decoder knows: read as strictly as 1.0
    expect_error("payload slack in 1.1", file_of(meta0, enc_section(THREADS, b"\x00\x00"), enc_section(HOTSPOTS, b"\x00"),
                                                 end_of(), minor=1),
                 HEADER_SIZE + 21 + 17, ["1 unused bytes at the end of the THREADS payload"])
    expect_error("header flags in 1.1", file_of(meta0, tail0, end_of(), minor=1)[:12] + U32.pack(4) +
                 file_of(meta0, tail0, end_of())[16:], 12, ["header flags 0x00000004", "1.1 file"])
    expect_error("section flags in 1.1", file_of(meta0, enc_section(THREADS, b"\x00", flags=1), enc_section(HOTSPOTS, b"\x00"),
                                                 end_of(), minor=1),
                 HEADER_SIZE + 21 + 4, ["flags 0x00000001", "1.1 file"])
    expect_error("section flags", file_of(meta0, enc_section(THREADS, b"\x00", flags=2), enc_section(HOTSPOTS, b"\x00"), end_of()),
                 HEADER_SIZE + 21 + 4, ["flags 0x00000002"])

    # 5. version 1.1: a streamed file (META 14 ppid and 15 streamed, a 10-byte duration_ns,
    #    SITES/STACKS before each EVENTS block that needs them, ids in the order of first use)
    check(enc_varint10(0).hex(" ") == "80 80 80 80 80 80 80 80 80 00" and
          enc_varint10(2500000000).hex(" ") == "80 f2 8b a8 89 80 80 80 80 00" and
          enc_varint10(U64)[9] == 1, "10-byte varints %s" % enc_varint10(2500000000).hex(" "))
    if doc_text is not None:
        for needle in ("02 00 80 80 80 80 80 80 80 80 80 00", "02 00 80 f2 8b a8 89 80 80 80 80 00"):
            check(needle.upper() in doc_text, "docs/FORMAT.md does not show %r" % needle.upper())
    sm = stream_model()
    sfile = build_streamed(sm)
    r, exc = verdict(sfile)
    check(exc is None, "streamed file: %s" % exc)
    ssecs = raw_sections(sfile)

    def s_at(kind, nth=0):
        return [x for x in ssecs if x[0] == kind][nth]
    check([x[0] for x in ssecs] == [STRINGS, META, STRINGS, SITES, STRINGS, STACKS, EVENTS, STRINGS, SITES,
                                    STRINGS, STACKS, EVENTS, SNAPSHOTS, THREADS, STRINGS, HOTSPOTS, END],
          "streamed layout %r" % [type_name(x[0]) for x in ssecs])
    if r is not None:
        want = [(e["kind"] == "free", e["timestamp_ns"], e["address"], e["size"], e["thread_id"], e["alloc_thread_id"],
                 e["site"], e["stack"]) for blk in sm["blocks"] for e in blk["events"]]
        check(r.version == (1, 1) and r.events == want, "streamed events %r" % r.events)
        check(r.meta["ppid"] == 4242 and r.meta["streamed"] is True and r.meta["duration_ns"] == 45000000 and
              r.meta["duration_sec"] == 0.045, "streamed META %r" % r.meta)
        check(r.site_order == [5, 2, 1] and r.stack_order == [3, 1, 2], "ids in the order of first use")
        check(summary(r).startswith("msb 1.1 (streamed), ") and "EVENTS 2 " in summary(r), summary(r))
        js = load_json(json.dumps(to_json(r)))
        check(js["meta"]["ppid"] == 4242 and js["meta"]["streamed"] is True and "interrupted" not in js
              and [x["id"] for x in js["sites"]] == [5, 2, 1], "streamed --json")
        mp = sfile[s_at(META)[1] + 16:s_at(META)[1] + s_at(META)[2] - 4]
        check(b"\x02\x00" + enc_varint10(45000000) in mp and mp.endswith(b"\x0e\x00" + enc_varint(4242) + b"\x0f\x00\x01"),
              "streamed META bytes %s" % mp.hex(" "))
    # cut after the second EVENTS block: a run that did not end normally, not damage
    ev2 = s_at(EVENTS, 1)
    cut = ev2[1] + ev2[2]
    expect_error("streamed cut", sfile[:cut], cut,
                 ["the run did not end normally", "no END", "truncated after section 12 at offset %d" % cut,
                  "kept 8 events over 0.020 s"], True)
    try:
        decode(sfile[:cut])
    except MsbTruncated as exc2:
        check(exc2.result.interrupted is not None and exc2.result.interrupted["last_time_ns"] == 20004000 and
              len(exc2.result.events) == 8 and exc2.result.end is None, "streamed cut keeps its events")
    # as written before its end (META not rewritten), killed inside a section
    sfile0 = build_streamed(sm, rewritten=False)
    r0, exc = verdict(sfile0)
    check(exc is None and r0.meta["duration_ns"] == 0 and r0.meta["duration_sec"] == 0.0 and
          r0.meta["allocation_rate_per_sec"] == 0.0, "streamed, META not rewritten: %s" % exc)
    th = s_at(THREADS)
    expect_error("streamed cut inside THREADS", sfile0[:th[1] + 25], th[1],
                 ["the run did not end normally", "runs past the end of the file", "truncated after section 13",
                  "kept 8 events over 0.030 s (to its last event or snapshot), 3 sites, 3 stacks, 1 snapshots",
                  "lost THREADS, HOTSPOTS, END"], True)
    ev1 = s_at(EVENTS, 0)
    expect_error("streamed cut in the second block's STRINGS", sfile0[:ev1[1] + ev1[2] + 7], ev1[1] + ev1[2],
                 ["the run did not end normally", "header cut", "kept 4 events over 0.000 s"], True)
    expect_error("cut inside META", sfile0[:s_at(META)[1] + 30], s_at(META)[1], ["truncated after section 1"], True)
    r1, exc = verdict(sfile0[:s_at(META)[1] + 30])
    check("did not end normally" not in str(exc), "a cut META is no streamed file yet: %s" % exc)
    # EXIT: how the process ended, appended by whoever waited for it, the last section
    ev2b = s_at(EVENTS, 1)
    kcut = ev2b[1] + ev2b[2]
    killed = sfile0[:kcut] + enc_section(EXIT, enc_varint(256 + 9))
    expect_error("EXIT after a SIGKILL", killed, len(killed),
                 ["the run did not end normally", "an EXIT (section 13 at offset %d)" % kcut,
                  "truncated after section 13 at offset %d" % len(killed), "the process ended: killed by signal 9",
                  "kept 8 events over 0.020 s"], True)
    try:
        decode(killed)
    except MsbTruncated as exc2:
        check(exc2.result.exit == exit_how(265) and exc2.result.exit["exit_signal"] == 9 and
              exc2.result.exit["exit_status"] is None and exc2.result.interrupted is not None and
              len(exc2.result.events) == 8 and exc2.result.end is None, "EXIT after a SIGKILL: %r" % exc2.result.exit)
        js = to_json(exc2.result)
        check(js["exit"]["exit_signal"] == 9 and js["end"] is None and "unknown_sections" not in js,
              "EXIT in --json: %r" % js.get("exit"))
    hp = s_at(HOTSPOTS)
    exited = sfile0[:hp[1] + hp[2]] + enc_section(EXIT, enc_varint(1 + 3))
    try:
        decode(exited)
        check(False, "EXIT after HOTSPOTS: decoded as complete")
    except MsbTruncated as exc2:
        check(exc2.result.exit == {"how": 4, "exit_status": 3, "exit_signal": None, "text": "exit status 3"} and
              "the process ended: exit status 3" in exc2.message and exc2.result.hotspots is not None,
              "EXIT after HOTSPOTS (_exit(3)): %s" % exc2.message)
    except MsbError as exc2:
        check(False, "EXIT after HOTSPOTS: %s" % exc2.message)
    check(exit_how(256)["exit_status"] == 255 and exit_how(257)["exit_signal"] == 1 and
          exit_how(383)["exit_signal"] == 127, "exit_how bounds")
    expect_error("bytes after EXIT", killed + b"\0", len(killed), ["1 trailing bytes after EXIT"])
    expect_error("a section after EXIT", killed + enc_section(STRINGS, b"\0"), len(killed), ["trailing bytes after EXIT"])
    expect_error("two EXIT", killed + enc_section(EXIT, enc_varint(265)), len(killed), ["trailing bytes after EXIT"])
    expect_error("EXIT how 0", sfile0[:kcut] + enc_section(EXIT, enc_varint(0)), kcut + 16, ["EXIT how 0"])
    expect_error("EXIT how 384", sfile0[:kcut] + enc_section(EXIT, enc_varint(384)), kcut + 16, ["EXIT how 384"])
    expect_error("EXIT without how", sfile0[:kcut] + enc_section(EXIT, b""), kcut + 16, ["EXIT how"])
    expect_error("EXIT with bytes left over", sfile0[:kcut] + enc_section(EXIT, enc_varint(265) + b"\0"), kcut + 18,
                 ["1 unused bytes at the end of the EXIT payload"])
    check(verdict(sfile0[:10] + U16.pack(5) + sfile0[12:kcut] + enc_section(EXIT, enc_varint(265) + b"\0"))[1].result.exit
          is not None, "EXIT with bytes left over in a 1.5 file: read")
    expect_error("EXIT after END", sfile0 + enc_section(EXIT, enc_varint(265)), len(sfile0), ["trailing bytes after END"])
    expect_error("EXIT before META", enc_header(minor=1) + enc_section(EXIT, enc_varint(265)) + sfile0[HEADER_SIZE:],
                 HEADER_SIZE, ["the first section other than STRINGS must be META"])
    expect_error("EXIT in an export", good[:raw_sections(good)[-1][1]] + enc_section(EXIT, enc_varint(265)),
                 raw_sections(good)[-1][1], ["EXIT in a file that is not streamed"])
    # the command line: an interrupted run is reported (exit 0), a truncated export is an error
    import io
    import tempfile

    def cli(data, *args):
        fd, path = tempfile.mkstemp(suffix=".msb")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        out, err = io.StringIO(), io.StringIO()
        saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = out, err
        try:
            rc = main(["msb_decode.py", path] + list(args))
        finally:
            sys.stdout, sys.stderr = saved
            os.unlink(path)
        return rc, out.getvalue(), err.getvalue()
    rc, out, err = cli(sfile[:cut])
    check(rc == 0 and "msb 1.1 (streamed)" in out and "the run did not end normally" in out and not err,
          "CLI on an interrupted run: %d %r %r" % (rc, out, err))
    rc, out, err = cli(sfile[:cut], "--json")
    check(rc == 0 and json.loads(out)["end"] is None and json.loads(out)["interrupted"]["last_time_ns"] == 20004000,
          "CLI --json on an interrupted run: %d %r" % (rc, err))
    rc, out, err = cli(killed, "--json")
    check(rc == 0 and json.loads(out)["exit"]["exit_signal"] == 9 and json.loads(out)["end"] is None,
          "CLI --json on a run with EXIT: %d %r" % (rc, err))
    rc, out, err = cli(killed)
    check(rc == 0 and "EXIT 1 (22 B)" in out and "killed by signal 9" in out and not err,
          "CLI on a run with EXIT: %d %r %r" % (rc, out, err))
    jfd, jpath = tempfile.mkstemp(suffix=".json")
    with os.fdopen(jfd, "w") as f:
        f.write("{}")
    rc, out, err = cli(sfile[:cut], "--compare", jpath)
    os.unlink(jpath)
    check(rc == 1 and "compare: %d: the run did not end normally" % cut in err and "no THREADS, HOTSPOTS or END" in err,
          "CLI --compare refuses an interrupted run: %d %r" % (rc, err))
    rc, out, err = cli(good[:len(good) // 2])
    check(rc == 1 and "truncated after section" in err and "did not end normally" not in err,
          "CLI on a truncated export: %d %r" % (rc, err))
    rc, out, err = cli(sfile)
    check(rc == 0 and out.startswith("msb 1.1 (streamed), "), "CLI on a streamed file: %d %r" % (rc, err))
    # a site id defined twice, in two sections or in one
    m2 = stream_model()
    m2["blocks"][1]["sites"].insert(0, dict(m2["blocks"][0]["sites"][0]))
    bad = build_streamed(m2)
    sec = [x for x in raw_sections(bad) if x[0] == SITES][1]
    expect_error("site defined twice", bad, sec[1] + 16 + 1, ["site 5 defined twice"])
    m2 = stream_model()
    m2["blocks"][0]["sites"].append(dict(m2["blocks"][0]["sites"][1]))
    bad = build_streamed(m2)
    sec = [x for x in raw_sections(bad) if x[0] == SITES][0]
    expect_error("site defined twice in a section", bad, sec[1] + 16 + 1 + 5 + 5, ["site 2 defined twice"])
    # a stack id defined twice across STACKS sections
    m2 = stream_model()
    m2["blocks"][1]["stacks"].insert(0, dict(m2["blocks"][0]["stacks"][1]))
    bad = build_streamed(m2)
    sec = [x for x in raw_sections(bad) if x[0] == STACKS][1]
    expect_error("stack defined twice", bad, sec[1] + 16 + 1, ["stack 1 defined twice"])
    # a streamed file defines each id before its first use; a 1.0 export may define it later
    m2 = stream_model()
    m2["blocks"][1]["events"].insert(0, dict(m2["blocks"][1]["events"][0], site=7, timestamp_ns=20000000))
    m2["blocks"][1]["sites"].append({"id": 7, "var_name": "x", "type_name": None, "file": None, "line": 0})
    m2["end"]["event_count"] = 9
    check(verdict(build_streamed(m2))[1] is None, "site defined in the section before its block")
    m2["blocks"][1]["sites"].pop()
    m2["blocks"].append({"sites": [{"id": 7, "var_name": "x", "type_name": None, "file": None, "line": 0}],
                         "stacks": [], "events": []})
    bad = build_streamed(m2)
    sec = [x for x in raw_sections(bad) if x[0] == EVENTS][1]
    expect_error("streamed: site used before its definition", bad, sec[1] + 16 + 1,
                 ["event uses site 7, which no earlier SITES section defines", "before its first use"])
    m2 = stream_model()
    m2["blocks"][1]["stacks"], m2["blocks"][0]["stacks"] = [], m2["blocks"][0]["stacks"] + [
        dict(m2["blocks"][0]["stacks"][0], id=9)]
    m2["blocks"][1]["events"][0]["stack"] = 2
    m2["blocks"].append({"sites": [], "stacks": [dict(stream_model()["blocks"][1]["stacks"][0])], "events": []})
    bad = build_streamed(m2)
    sec = [x for x in raw_sections(bad) if x[0] == EVENTS][1]
    expect_error("streamed: stack used before its definition", bad, sec[1] + 16 + 1,
                 ["event uses stack 2, which no earlier STACKS section defines"])
    late = (enc_header() + meta0 + enc_section(EVENTS, enc_varint(1) + b"\xfe\x64\x03\x40\x04\x02\x05") +
            enc_section(SITES, enc_varint(1) + b"\x03\0\0\0\x01") + enc_section(STACKS, b"\x01\x04\x00") + tail0 + end_of(1))
    check(verdict(late)[1] is None, "an export may define sites and stacks after their events: %s" % verdict(late)[1])
    # META streamed is 0 or 1
    expect_error("META streamed 2", file_of(enc_section(META, enc_varint(1) + b"\x0f\x00\x02"), tail0, end_of(), minor=1),
                 HEADER_SIZE + 16 + 3, ["META streamed is 2, expected 0 or 1"])
    # the stack id bound counts the stacks of earlier STACKS sections
    st2 = enc_section(STACKS, enc_varint(2) + b"\x01\x00\x02\x00")
    ok_id = 2 + 1 + 65536
    check(verdict(file_of(meta0, st2, enc_section(STACKS, enc_varint(1) + enc_varint(ok_id) + b"\x00"), tail0, end_of(), minor=1))[1]
          is None, "stack id at the bound")
    expect_error("stack id past the bound", file_of(meta0, st2, enc_section(STACKS, enc_varint(1) + enc_varint(ok_id + 1) + b"\x00"),
                                                    tail0, end_of(), minor=1),
                 HEADER_SIZE + 21 + 25 + 16 + 1, ["stack id %d above the stacks defined so far and the section's count (3)" % (ok_id + 1)])

    # 6. 1.1: EVENTS payloads stored as zstd frames (section flag 1), read through libzstd.so.1
    zfile = build_streamed(sm, zstd=True) if zstd_lib() is not None else None
    if zfile is None:
        sys.stdout.write("msb_decode selftest: libzstd.so.1 not found, compressed EVENTS not checked\n")
    else:
        r, exc = verdict(zfile)
        r2, _ = verdict(sfile)
        check(exc is None and r.events == r2.events and r.zstd_sections == 2 and "2 zstd: " in summary(r),
              "zstd streamed file: %s" % exc)
        check(verdict(zfile[:10] + U16.pack(2) + zfile[12:])[1] is None, "flag 1 on EVENTS is zstd in 1.2 as well")
        zsecs = raw_sections(zfile)
        zev = [x for x in zsecs if x[0] == EVENTS]
        expect_error("zstd cut", zfile[:zev[1][1] + 30], zev[1][1],
                     ["the run did not end normally", "truncated after section %d" % (zsecs.index(zev[1]))], True)
        p1 = enc_varint(1) + b"\xee\x64\x03\x40\x02\x05"
        site3 = enc_section(SITES, enc_varint(1) + b"\x03\0\0\0\x01")
        zp1 = zstd_compress(p1)
        zbase = HEADER_SIZE + 21 + 26        # offset of the EVENTS section after meta0 and site3
        check(verdict(file_of(meta0, site3, enc_section(EVENTS, zp1, flags=1), tail0, end_of(1), minor=1))[1] is None,
              "one compressed EVENTS section")
        expect_error("zstd in 1.0", file_of(meta0, site3, enc_section(EVENTS, zp1, flags=1), tail0, end_of(1)),
                     zbase + 4, ["flags 0x00000001: reserved, must be 0 in a 1.0 file", "defined for EVENTS sections of 1.1"])
        expect_error("zstd on SITES", file_of(meta0, enc_section(SITES, zstd_compress(b"\x00"), flags=1), tail0, end_of(), minor=1),
                     HEADER_SIZE + 21 + 4, ["section 2 (SITES): flags 0x00000001"])
        expect_error("flag 2 on EVENTS", file_of(meta0, site3, enc_section(EVENTS, zp1, flags=3), tail0, end_of(1), minor=1),
                     zbase + 4, ["flags 0x00000003: reserved"])
        expect_error("not a zstd frame", file_of(meta0, site3, enc_section(EVENTS, p1, flags=1), tail0, end_of(1), minor=1),
                     zbase + 16, ["section 3 (EVENTS, zstd) at offset %d: the payload is not a zstd frame" % zbase])
        expect_error("zstd frame too large", file_of(meta0, enc_section(EVENTS, zstd_compress(b"\x00" * (ZSTD_MAX + 1)), flags=1),
                                                     tail0, end_of(), minor=1),
                     HEADER_SIZE + 21 + 16, ["states 4194305 bytes, more than an EVENTS payload can hold (4194304)"])
        expect_error("two zstd frames", file_of(meta0, site3, enc_section(EVENTS, zp1 + zstd_compress(b""), flags=1), tail0,
                                                end_of(1), minor=1),
                     zbase + 16, ["not exactly one zstd frame"])
        expect_error("zstd frame cut", file_of(meta0, site3, enc_section(EVENTS, zp1[:-2], flags=1), tail0, end_of(1), minor=1),
                     zbase + 16, ["not exactly one zstd frame (an incomplete frame"])
        expect_error("error inside a zstd frame", file_of(meta0, site3, enc_section(EVENTS, zstd_compress(enc_varint(5) + p1[1:]), flags=1),
                                                          tail0, end_of(1), minor=1),
                     zbase + 16, ["(EVENTS, zstd) at offset %d, byte 0 of its decompressed payload: event count 5 is larger" % zbase])
        expect_error("slack inside a zstd frame", file_of(meta0, site3, enc_section(EVENTS, zstd_compress(p1 + b"\x00"), flags=1),
                                                          tail0, end_of(1), minor=1),
                     zbase + 16, ["byte 7 of its decompressed payload: 1 unused bytes"])
        expect_error("zstd: undefined site in an export", file_of(meta0, enc_section(EVENTS, zp1, flags=1), tail0, end_of(1), minor=1),
                     HEADER_SIZE + 21, ["event uses site 3, which no SITES section defines"])

    # 7. 1.2: addresses predicted by size class (section flag 2): mode 0 = the class's last
    #    address, modes 1-6 = cache slots 0-5, 7 = literal; the classes carried across sections
    check([size_class(x) for x in (0, 1, 8, 9, 24, 25, 64, 89, 104, 105, 4072, 4073, U64)] ==
          [1, 1, 1, 2, 2, 3, 5, 7, 7, 8, 255, 255, 255], "size classes")
    enc = Encoder()
    enc.predict = True
    px_payload = enc_varint(3) + b"".join(enc.event(e) for e in EXAMPLE_EVENTS)
    check(px_payload.hex(" ") == EXAMPLE_PAYLOAD_HEX and enc.modes == [7, 0, 0],
          "worked example with flag 2: %s, modes %r (docs/FORMAT.md: the same bytes)" % (px_payload.hex(" "), enc.modes))
    r, exc = verdict(_set_flags(build_file(ex_model, minor=2), EVENTS, FLAG_PREDICT))
    check(exc is None and [e[2] for e in r.events] == [0x555500001000] * 3 and r.predict_sections == 2,
          "worked example as a 1.2 section with flag 2: %s" % exc)
    # a streamed run whose events use mode 0, cache slots and literals: A is allocated (literal),
    # freed and allocated again at a size of the same class (mode 0 twice); B of that class in
    # between sends A to a cache slot; three EVENTS sections, the classes and the cache carried over
    A, B, C, D = 0x55550000A010, 0x55550000B020, 0x7F0000001000, 0x55550000C030
    E = [0x600000001000 + 0x1000 * i for i in range(7)]
    pm = stream_model()
    ev = lambda kind, ts, addr, size, th, site, st=0, ath=None: {  # noqa: E731
        "kind": kind, "timestamp_ns": ts, "address": addr, "size": size, "thread_id": th,
        "alloc_thread_id": th if ath is None else ath, "site": site, "stack": st}
    pm["blocks"][0]["events"] = [
        ev("alloc", 1000, A, 100, 300, 5, 3), ev("free", 1100, A, 100, 300, 5), ev("alloc", 1200, A, 104, 300, 5, 3),
        ev("alloc", 1300, B, 90, 300, 2, 1), ev("free", 1400, A, 104, 300, 5), ev("alloc", 1500, C, 2000, 300, 2, 1),
        ev("free", 1600, B, 90, 301, 2, ath=300)]
    pm["blocks"][1]["events"] = [
        ev("alloc", 2000, B, 95, 300, 1, 2), ev("alloc", 2100, A, 3000, 300, 1, 2)] + [
        ev("alloc", 2200 + 10 * i, E[i], [200, 300, 400, 500, 600, 2990][i], 300, 1, 2) for i in range(6)] + [
        ev("free", 2300, A, 3000, 300, 1), ev("alloc", 2400, D, 16, 300, 1, 2)]
    pm["blocks"].append({"sites": [], "stacks": [], "events": [
        ev("alloc", 3000, A, 100, 301, 5, 3), ev("free", 3100, D, 16, 301, 1, ath=300),
        ev("free", 3200, A, 100, 301, 5), ev("free", 3300, C, 2000, 300, 2), ev("alloc", 3400, E[6], 90, 300, 2, 1),
        ev("free", 3500, B, 95, 300, 1)]})
    pwant = [(e["kind"] == "free", e["timestamp_ns"], e["address"], e["size"], e["thread_id"], e["alloc_thread_id"],
              e["site"], e["stack"]) for blk in pm["blocks"] for e in blk["events"]]
    pm["end"] = dict(pm["end"], event_count=len(pwant))
    pfile = build_streamed(pm, predict=True)
    r, exc = verdict(pfile)
    check(exc is None and r.version == (1, 2) and r.events == pwant and r.predict_sections == 3 and r.zstd_sections == 0,
          "1.2 streamed file with flag 2: %s" % exc)
    psecs = raw_sections(pfile)
    check([U32.unpack_from(pfile, x[1] + 4)[0] for x in psecs if x[0] == EVENTS] == [2, 2, 2] and
          all(U32.unpack_from(pfile, x[1] + 4)[0] == 0 for x in psecs if x[0] != EVENTS) and pfile[10:12] == b"\x02\x00",
          "1.2 flags: EVENTS 0x2, the others 0, header minor 2")
    if r is not None:
        check("3 predicted" in summary(r) and summary(r).startswith("msb 1.2 (streamed), "), summary(r))
    penc = Encoder()
    for blk in pm["blocks"]:
        penc.events(blk["events"], predict=True)
    pmodes = penc.modes
    # events 1, 2 (A again in class 7), 7 (B in class 7, set in the section before), 18 (D, class 2):
    # mode 0; 4 (A behind B) and 17 (A, the first of its section): a cache slot; 15 (A, only in
    # slot 6): a literal under prediction, slot 6 (mode 6) without
    check(pmodes[1] == pmodes[2] == pmodes[7] == pmodes[18] == 0 and pmodes[4] == 2 and pmodes[17] == 2 and
          pmodes[15] == 7 and {0, 7} < set(pmodes) and len(set(pmodes) - {0, 7}) >= 2, "modes with prediction %r" % pmodes)
    oenc = Encoder()
    for blk in pm["blocks"]:
        oenc.events(blk["events"])
    check(oenc.modes[15] == 6 and 0 in oenc.modes, "modes without prediction %r" % oenc.modes)
    ofile = build_streamed(pm)
    r, exc = verdict(ofile)
    check(exc is None and r.version == (1, 1) and r.events == pwant and r.predict_sections == 0,
          "the same run as 1.1: %s" % exc)
    # the sections without the flag in a 1.2 file: decoded as such, the classes still kept
    for mix in ([False, True, True], [True, False, True], [False, False, True]):
        r, exc = verdict(build_streamed(pm, predict=mix))
        check(exc is None and r.events == pwant and r.predict_sections == sum(mix),
              "flag 2 on EVENTS sections %r only: %s" % (mix, exc))
    # the model of section 2 (600 events, 10 sections of 64) with flag 2 in a 1.2 export
    r, exc = verdict(build_file(m, block=64, minor=2, predict=True))
    check(exc is None and r.events == [(e["kind"] == "free", e["timestamp_ns"], e["address"], e["size"], e["thread_id"],
                                        e["alloc_thread_id"], e["site"], e["stack"]) for e in m["events"]]
          and r.predict_sections == 10, "600 events with flag 2: %s" % exc)
    # the flag is not optional: the same bytes read without it are other addresses (or invalid)
    noflag = _set_flags(pfile, EVENTS, 0)
    r, exc = verdict(noflag)
    check(exc is not None or [e[2] for e in r.events] != [e[2] for e in pwant], "flag 2 cleared: decoded the same")
    site3 = enc_section(SITES, enc_varint(1) + b"\x03\0\0\0\x01")
    # A = 1 (size 64, class 5), B = 2 (size 2000, class 126), then mode 0 at size 64: A with
    # the flag, cache slot 0 (B) without
    p3 = enc_varint(3) + b"\xee\x64\x03\x40\x02\x05" + b"\xe8\xd0\x0f\x02\x05" + b"\x08\x40\x05"
    r, exc = verdict(file_of(meta0, site3, enc_section(EVENTS, p3, flags=2), tail0, end_of(3), minor=2))
    check(exc is None and [e[2] for e in r.events] == [1, 2, 1], "mode 0 with the flag: %s" % exc)
    r, exc = verdict(file_of(meta0, site3, enc_section(EVENTS, p3), tail0, end_of(3), minor=2))
    check(exc is None and [e[2] for e in r.events] == [1, 2, 2], "mode 0 without the flag: %s" % exc)
    # what a writer following the rule never writes, and flag 2 where it is not defined
    pbase = HEADER_SIZE + 21 + 26 + 16       # offset of the EVENTS payload after meta0 and site3

    def one12(payload, n, flags=2, minor=2):
        return file_of(meta0, site3, enc_section(EVENTS, payload, flags=flags), tail0, end_of(n), minor=minor)
    ev1 = b"\xee\x64\x03\x40\x02\x05"         # ALLOC of 64 bytes (class 5) at 1, a literal
    expect_error("flag 2: mode 0, class never filled", one12(enc_varint(1) + b"\x0e\x64\x03\x40\x05", 1),
                 pbase + 1, ["size class 5 (size 64", "no earlier event has filled"])
    expect_error("flag 2: mode 0 of another class", one12(enc_varint(2) + ev1 + b"\x08\xd0\x0f\x05", 2),
                 pbase + 7, ["size class 126 (size 2000", "no earlier event has filled"])
    expect_error("flag 2: literal = prediction", one12(enc_varint(2) + ev1 + b"\xe0\x00\x05", 2),
                 pbase + 8, ["literal address 0x1 is the address of size class 5 (size 64)", "mode 0"])
    expect_error("flag 2: literal in slot 0", one12(enc_varint(2) + ev1 + b"\xe8\xd0\x0f\x00\x05", 2),
                 pbase + 10, ["literal address 0x1 is in cache slot 0"])
    expect_error("flag 2: cache slot = prediction", one12(enc_varint(2) + ev1 + b"\x20\x05", 2),
                 pbase + 7, ["cache slot 0 (mode 1) for address 0x1, the address of its size class 5", "mode 0"])
    expect_error("flag 2: cache slot never filled", one12(enc_varint(2) + ev1 + b"\x48\xd0\x0f\x05", 2),
                 pbase + 7, ["cache slot 1 (mode 2", "no earlier event has filled"])
    # 1, 2, then 1 by mode 0 (the cache: 1, 2, 1), then 1 at size 3000 (class 188): slot 0, not 2
    dup = enc_varint(4) + ev1 + b"\xe8\xd0\x0f\x02\x05" + b"\x08\x40\x05"
    r, exc = verdict(one12(dup + b"\x28\xb8\x17\x05", 4))
    check(exc is None and [e[2] for e in r.events] == [1, 2, 1, 1], "flag 2: an address twice in the cache: %s" % exc)
    expect_error("flag 2: a later slot of an address", one12(dup + b"\x68\xb8\x17\x05", 4),
                 pbase + 1 + 6 + 5 + 3, ["cache slot 2 (mode 3) for address 0x1, which the earlier slot 0 holds",
                                        "the first (mode 1)"])
    # seven literals of other classes: 1 leaves slots 0-5 for slot 6, where only a literal names it
    fill = b"".join(bytes([0xe8]) + enc_varint(200 + 100 * i) + b"\x02\x05" for i in range(6))
    r, exc = verdict(one12(enc_varint(8) + ev1 + fill + b"\xe8\xb8\x17" + enc_zigzag(1 - 7) + b"\x05", 8))
    check(exc is None and r.events[-1][2] == 1, "flag 2: a literal of slot 6: %s" % exc)
    expect_error("without the flag: a literal of slot 6", one12(enc_varint(8) + ev1 + fill + b"\xe8\xb8\x17" +
                                                              enc_zigzag(1 - 7) + b"\x05", 8, flags=0),
                 pbase + 1 + 6 + len(fill) + 3, ["literal address 0x1 is in cache slot 6"])
    r, exc = verdict(one12(enc_varint(8) + ev1 + fill + b"\xc8\xb8\x17\x05", 8, flags=0))
    check(exc is None and r.events[-1][2] == 1, "without the flag, mode 6 is slot 6: %s" % exc)
    expect_error("flag 2 in 1.1", one12(enc_varint(1) + ev1, 1, minor=1),
                 pbase - 16 + 4, ["section 3 (EVENTS): flags 0x00000002: reserved, must be 0 in a 1.1 file",
                                  "flag 2, predicted addresses, is defined for EVENTS sections of 1.2"])
    expect_error("flag 2 in 1.0", one12(enc_varint(1) + ev1, 1, minor=0),
                 pbase - 16 + 4, ["flags 0x00000002: reserved, must be 0 in a 1.0 file"])
    expect_error("flag 2 on SITES in 1.2", file_of(meta0, enc_section(SITES, enc_varint(1) + b"\x03\0\0\0\x01", flags=2),
                                                   tail0, end_of(), minor=2),
                 HEADER_SIZE + 21 + 4, ["section 2 (SITES): flags 0x00000002: reserved, must be 0 in a 1.2 file",
                                        "flag 2, predicted addresses"])
    expect_error("flag 2 on THREADS in 1.2", file_of(meta0, enc_section(THREADS, b"\x00", flags=2), enc_section(HOTSPOTS, b"\x00"),
                                                     end_of(), minor=2),
                 HEADER_SIZE + 21 + 4, ["section 2 (THREADS): flags 0x00000002"])
    expect_error("flag 4 on EVENTS in 1.2", one12(enc_varint(1) + ev1, 1, flags=6),
                 pbase - 16 + 4, ["flags 0x00000006: reserved, must be 0 in a 1.2 file"])
    expect_error("header flags in 1.2", file_of(meta0, tail0, end_of(), minor=2)[:12] + U32.pack(2) +
                 file_of(meta0, tail0, end_of())[16:], 12, ["header flags 0x00000002", "1.2 file"])
    expect_error("payload slack in 1.2", one12(enc_varint(1) + ev1 + b"\x00", 1),
                 pbase + 7, ["1 unused bytes at the end of the EVENTS payload"])
    # 1.5, newer than this decoder: flag 2 still read, the flags it does not know ignored
    r, exc = verdict(one12(enc_varint(3) + b"\xee\x64\x03\x40\x02\x05" + b"\xe8\xd0\x0f\x02\x05" + b"\x08\x40\x05", 3,
                           flags=10, minor=5))
    check(exc is None and [e[2] for e in r.events] == [1, 2, 1], "1.5: flags 0xa on EVENTS, flag 2 read: %s" % exc)
    check(verdict(file_of(meta0, enc_section(SITES, enc_varint(1) + b"\x03\0\0\0\x01", flags=6), tail0, end_of(), minor=5))[1]
          is None, "1.5: flags 2 and 4 on SITES ignored")
    # 8. 1.3: addresses in allocation order (section flag 4): an ALLOC's mode 0 / 6 = its size
    #    class's last / a deeper freed address, a FREE's = the last / an earlier of the last 256
    #    ALLOCs, modes 1-5 = cache slots 0-4; the state carried across sections
    ofile3 = build_streamed(pm, predict="order")
    r, exc = verdict(ofile3)
    check(exc is None and r.version == (1, 3) and r.events == pwant and r.predict_sections == 3,
          "1.3 streamed file with flag 4: %s" % exc)
    osecs = raw_sections(ofile3)
    check([U32.unpack_from(ofile3, x[1] + 4)[0] for x in osecs if x[0] == EVENTS] == [4, 4, 4] and
          ofile3[10:12] == b"\x03\x00", "1.3 flags: EVENTS 0x4, header minor 3")
    qenc = Encoder()
    for blk in pm["blocks"]:
        qenc.events(blk["events"], predict="order")
    # 1 (free A: the last ALLOC), 2 (A again: its class's last freed), 7 (B, freed by event 6, in
    # the section before), 17 (A in the third section), 19 (free A): mode 0; 4 (free A, 2 ALLOCs
    # ago), 6, 15 (free A, 7 ALLOCs ago), 18: mode 6; 8 (A at another size, in cache slot 3): mode 4
    qm = qenc.modes
    check(qm[1] == qm[2] == qm[7] == qm[17] == qm[19] == 0 and qm[4] == qm[6] == qm[15] == qm[18] == 6 and qm[8] == 4,
          "modes in allocation order %r" % qm)
    for mix in (["order", False, "order"], [False, "order", "order"]):
        r, exc = verdict(build_streamed(pm, predict=mix))
        check(exc is None and r.events == pwant, "flag 4 on EVENTS sections %r only: %s" % (mix, exc))
    r, exc = verdict(_set_flags(ofile3, EVENTS, 0))
    check(exc is not None or [e[2] for e in r.events] != [e[2] for e in pwant], "flag 4 cleared: decoded the same")

    # ... with flag 8: the timestamp deltas in microseconds (a section whose times are whole
    # microseconds: the same run, its times x 1000)
    um = json.loads(json.dumps(pm))
    for blk in um["blocks"]:
        for e in blk["events"]:
            e["timestamp_ns"] *= 1000
    um["duration_ns"] *= 1000
    uwant = [(w[0], w[1] * 1000) + tuple(w[2:]) for w in pwant]
    ufile = build_streamed(um, predict="order")
    r, exc = verdict(ufile)
    usecs = [U32.unpack_from(ufile, x[1] + 4)[0] for x in raw_sections(ufile) if x[0] == EVENTS]
    check(exc is None and r.events == uwant and usecs == [12, 12, 12], "1.3 with flags 4 and 8: %s %r" % (exc, usecs))
    check(len(ufile) < len(build_streamed(um, predict=True)), "microseconds: the file is smaller")
    r, exc = verdict(_set_flags(ufile, EVENTS, FLAG_ORDER))
    check(exc is None and [e[1] for e in r.events] == [e[1] // 1000 for e in uwant], "flag 8 cleared: times in ns: %s" % exc)
    def one13(payload, n, flags=4, minor=3):
        return file_of(meta0, site3, enc_section(EVENTS, payload, flags=flags), tail0, end_of(n), minor=minor)
    # ALLOC of 64 bytes at 1 (literal), its FREE (mode 0: the last ALLOC), an ALLOC of 64 (mode 0:
    # the class's last freed address), its FREE, then the first ALLOC's address again by mode 6
    r, exc = verdict(one13(enc_varint(4) + ev1 + b"\x01\x05" + b"\x00\x05" + b"\x01\x05", 4))
    check(exc is None and [e[2] for e in r.events] == [1, 1, 1, 1], "1.3: mode 0 of an ALLOC and a FREE: %s" % exc)
    r, exc = verdict(one13(enc_varint(3) + ev1 + b"\xe8\xd0\x0f\x02\x05" + b"\xc9\x40\x00\x05", 3))
    check(exc is None and [e[2] for e in r.events] == [1, 2, 1], "1.3: a FREE of the ALLOC 2 ALLOCs ago: %s" % exc)
    expect_error("flag 4: FREE of no ALLOC", one13(enc_varint(1) + b"\x0f\x64\x03\x40\x05", 1),
                 pbase + 1, ["FREE names the ALLOC 1 ALLOCs ago", "has not had"])
    expect_error("flag 4: FREE past the ALLOCs", one13(enc_varint(2) + ev1 + b"\xc1\x00\x05", 2),
                 pbase + 7, ["FREE names the ALLOC 2 ALLOCs ago"])
    expect_error("flag 4: ALLOC of no freed address", one13(enc_varint(1) + b"\x0e\x64\x03\x40\x05", 1),
                 pbase + 1, ["ALLOC names freed address 0 of size class 5", "holds 0"])
    expect_error("flag 4: literal in slot 0", one13(enc_varint(2) + ev1 + b"\xe1\x00\x05", 2),
                 pbase + 8, ["literal address 0x1 is in cache slot 0"])
    expect_error("flag 4: cache slot = the class's last freed", one13(enc_varint(3) + ev1 + b"\x01\x05" + b"\x20\x05", 3),
                 pbase + 9, ["cache slot 0 (mode 1) for address 0x1, the last freed address of its size class 5", "mode 0"])
    expect_error("flag 4 in a 1.2 file", one13(enc_varint(1) + ev1, 1, minor=2),
                 HEADER_SIZE + 21 + 26 + 4, ["flags 0x00000004: reserved", "flag 4, allocation order"])
    expect_error("flags 2 and 4", one13(enc_varint(1) + ev1, 1, flags=6),
                 HEADER_SIZE + 21 + 26 + 4, ["flag 2 (predicted addresses) and flag 4 (allocation order) together"])
    expect_error("flag 8 in a 1.2 file", one13(enc_varint(1) + ev1, 1, flags=8, minor=2),
                 HEADER_SIZE + 21 + 26 + 4, ["flags 0x00000008: reserved", "flag 8, microseconds"])
    r, exc = verdict(one13(enc_varint(1) + ev1, 1, flags=12))
    check(exc is None and r.events[0][1] == 5000, "1.3: flag 8, time delta 5 us: %s" % exc)
    expect_error("flag 8: time past 2^64", one13(enc_varint(1) + b"\xee\x64\x03\x40\x02" + enc_varint(U64 // 1000 + 1), 1, flags=12),
                 pbase + 6, ["timestamp"])
    expect_error("flag 4 on SITES", file_of(meta0, enc_section(SITES, enc_varint(1) + b"\x03\0\0\0\x01", flags=4),
                                            tail0, end_of(), minor=3),
                 HEADER_SIZE + 21 + 4, ["flags 0x00000004: reserved", "flag 4, allocation order"])

    # ... 1.4, flag 16: the same events with their fields in columns
    cfile = build_streamed(pm, predict="cols")
    r, exc = verdict(cfile)
    check(exc is None and r.version == (1, 4) and r.events == pwant and r.predict_sections == 3,
          "1.4 streamed file with flags 4 and 16: %s" % exc)
    check([U32.unpack_from(cfile, x[1] + 4)[0] for x in raw_sections(cfile) if x[0] == EVENTS] == [20, 20, 20] and
          cfile[10:12] == b"\x04\x00", "1.4 flags: EVENTS 0x14, header minor 4")
    check(len(cfile) == len(ofile3) + sum(6 for x in raw_sections(cfile) if x[0] == EVENTS),
          "columns: the 1.3 bytes and six lengths per section")
    for mix in (["cols", "order", "cols"], [False, "cols", "order"]):
        r, exc = verdict(build_streamed(pm, predict=mix))
        check(exc is None and r.events == pwant, "flag 16 on EVENTS sections %r only: %s" % (mix, exc))
    r, exc = verdict(_set_flags(cfile, EVENTS, FLAG_ORDER))
    check(exc is not None, "flag 16 cleared: decoded without an error")
    r, exc = verdict(build_streamed(um, predict="cols"))
    check(exc is None and r.events == uwant, "1.4 with flags 4, 8 and 16: %s" % exc)
    cenc = Encoder()
    cex = [dict(e, timestamp_ns=t) for e, t in zip(EXAMPLE_EVENTS, EXAMPLE_COLS_USEC)]
    cx_payload = zstd_payload = None
    csec = cenc.events(cex, predict="cols")
    cx_payload = csec[16:-4]
    check(cx_payload.hex(" ") == EXAMPLE_COLS_HEX and U32.unpack_from(csec, 4)[0] == 0x1C,
          "worked example in columns: %s" % cx_payload.hex(" "))
    if doc_text is not None:
        check(EXAMPLE_COLS_HEX.upper() in doc_text, "docs/FORMAT.md does not show %r" % EXAMPLE_COLS_HEX.upper())
    def one14(payload, n, flags=28, minor=4):
        return file_of(meta0, site3, enc_section(EVENTS, payload, flags=flags), tail0, end_of(n), minor=minor)
    r, exc = verdict(one14(cx_payload, 3))
    check(exc is None and [e[2] for e in r.events] == [0x555500001000] * 3 and [e[1] for e in r.events] == list(EXAMPLE_COLS_USEC),
          "the worked example in columns decodes: %s" % exc)
    expect_error("flag 16: a column past the end", one14(cx_payload[:5] + b"\x10" + cx_payload[6:], 3),
                 pbase + 13, ["column of literal addresses: 16 bytes, 10 left"])
    expect_error("flag 16: bytes left in a column", one14(cx_payload[:2] + b"\x02" + cx_payload[3:12] + b"\x03" + cx_payload[12:], 3),
                 pbase + 12, ["1 unused bytes at the end of the EVENTS column of sites"])
    expect_error("flag 16: a column cut", one14(cx_payload[:-1], 3),
                 pbase + 22, ["timestamp delta", "column of timestamp deltas"])
    expect_error("flag 16 in a 1.3 file", one14(cx_payload, 3, minor=3),
                 HEADER_SIZE + 21 + 26 + 4, ["flags 0x0000001c: reserved", "flag 16, columns"])
    expect_error("flag 16 on SITES", file_of(meta0, enc_section(SITES, enc_varint(1) + b"\x03\0\0\0\x01", flags=16),
                                             tail0, end_of(), minor=4),
                 HEADER_SIZE + 21 + 4, ["flags 0x00000010: reserved", "flag 16, columns"])
    rc, out, err = cli(pfile)
    check(rc == 0 and out.startswith("msb 1.2 (streamed), ") and "3 predicted" in out and not err,
          "CLI on a 1.2 file: %d %r %r" % (rc, out, err))
    if zfile is not None:
        # flags 0x3, the common case: compressed and predicted
        for zp in (True, [True, False, True]):
            zpfile = build_streamed(pm, zstd=True, predict=zp)
            r, exc = verdict(zpfile)
            check(exc is None and r.events == pwant and r.zstd_sections == 3 and
                  r.predict_sections == (3 if zp is True else 2), "flags 0x3 (%r): %s" % (zp, exc))
            check([U32.unpack_from(zpfile, x[1] + 4)[0] for x in raw_sections(zpfile) if x[0] == EVENTS] ==
                  ([3, 3, 3] if zp is True else [3, 1, 3]), "flags 0x3 on EVENTS")
        r, exc = verdict(_set_flags(build_streamed(pm, zstd=True, predict=True), EVENTS, FLAG_ZSTD))
        check(exc is not None or [e[2] for e in r.events] != [e[2] for e in pwant], "flag 2 cleared, 0x3 -> 0x1: decoded the same")
        expect_error("flags 0x3: literal = prediction", one12(zstd_compress(enc_varint(2) + ev1 + b"\xe0\x00\x05"), 2, flags=3),
                     pbase, ["(EVENTS, zstd)", "byte 8 of its decompressed payload: literal address 0x1 is the address "
                                  "of size class 5"])
        expect_error("flags 0x3 in 1.1", one12(zstd_compress(enc_varint(1) + ev1), 1, flags=3, minor=1),
                     pbase - 16 + 4, ["flags 0x00000003: reserved, must be 0 in a 1.1 file"])
        # 1.2: STACKS (and LINES, INLINED) may be zstd frames too; in 1.1 only EVENTS may
        sz = _zstd_sections(pfile, STACKS)
        r0, _ = verdict(pfile)
        r, exc = verdict(sz)
        check(exc is None and r.events == pwant and r.stacks == r0.stacks and r.zstd_defs >= 1 and
              [U32.unpack_from(sz, x[1] + 4)[0] for x in raw_sections(sz) if x[0] == STACKS][0] == FLAG_ZSTD,
              "1.2 with zstd STACKS: %s" % exc)
        s11 = build_streamed(pm, minor=1)
        at = [x[1] for x in raw_sections(s11) if x[0] == STACKS][0]
        expect_error("zstd STACKS in 1.1", _zstd_sections(s11, STACKS), at + 4,
                     ["flags 0x00000001: reserved, must be 0 in a 1.1 file"])

    # 8. fuzz: no mutation of a valid file may raise anything but a format error
    rng = 12345
    internal = 0
    for i in range(4000):
        rng = (rng * 6364136223846793005 + 1442695040888963407) & U64
        data = bytearray(good if i % 4 else (sfile, pfile, zfile or pfile)[(i // 4) % 3])
        kind = rng % 4
        if kind == 0:
            data = data[:(rng >> 8) % len(data)]
        else:
            for j in range(1 + kind):
                pos = (rng >> (8 + 7 * j)) % len(data)
                data[pos] = (rng >> (20 + 3 * j)) & 0xFF
        if kind == 3 and len(data) > 40:      # keep CRCs valid so the payload parsers see the damage
            data = _recrc(bytes(data))
        try:
            decode(bytes(data))
        except MsbError as exc2:
            if "internal" in exc2.message:
                internal += 1
                failures.append("fuzz %d: %s" % (i, exc2.message))
    check(internal == 0, "fuzz: %d internal errors" % internal)

    for f in failures[:30]:
        sys.stderr.write("selftest FAIL: %s\n" % f)
    if failures:
        sys.stderr.write("msb_decode selftest: %d of %d checks failed\n" % (len(failures), checks[0]))
        return 1
    sys.stdout.write("msb_decode selftest: %d checks passed\n" % checks[0])
    return 0


def _spans(data, framing=SECTION_FRAMING):
    """(start, payload end) of each section whose length still fits the data (test helpers)."""
    pos = HEADER_SIZE
    while len(data) - pos >= framing:
        end = pos + SECTION_HEADER + U64S.unpack_from(data, pos + 8)[0]
        if end + 4 > len(data):
            return
        yield pos, end
        pos = end + 4


def _zstd_sections(data, stype):
    """data with the payload of every section of type stype stored as a zstd frame (flag 1 added)."""
    out, last = bytearray(data[:HEADER_SIZE]), HEADER_SIZE
    for pos, end in _spans(data):
        t, f = U32.unpack_from(data, pos)[0], U32.unpack_from(data, pos + 4)[0]
        if t == stype:
            out += enc_section(t, zstd_compress(bytes(data[pos + SECTION_HEADER:end])), flags=f | FLAG_ZSTD)
        else:
            out += data[pos:end + 4]
        last = end + 4
    return bytes(out + data[last:])


def _set_flags(data, stype, flags):
    """data with the flags of every section of type stype set to flags, its CRC recomputed."""
    out = bytearray(data)
    for pos, end in _spans(data):
        if U32.unpack_from(out, pos)[0] == stype:
            out[pos + 4:pos + 8] = U32.pack(flags)
            out[end:end + 4] = U32.pack(zlib.crc32(bytes(out[pos:end])) & 0xFFFFFFFF)
    return bytes(out)


def _recrc(data):
    """Recomputes the CRC of every section whose framing is still intact (fuzzing helper)."""
    out = bytearray(data)
    for pos, end in _spans(data, SECTION_HEADER):
        out[end:end + 4] = U32.pack(zlib.crc32(bytes(out[pos:end])) & 0xFFFFFFFF)
    return bytes(out)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
