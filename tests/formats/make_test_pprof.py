#!/usr/bin/env python3
"""Hand-encoded pprof profile.proto files (gzip-wrapped), and a decoder to compare encoders.

    make_test_pprof.py OUT.pb.gz [--spec SPEC.json] [--expected EXP.json] [--broken KIND]
    make_test_pprof.py --decode FILE [--no-addresses]
    make_test_pprof.py --list-broken

Writing: builds a heap profile with the four sample types memscope writes, in this order:
alloc_objects/count, alloc_space/bytes, inuse_objects/count, inuse_space/bytes; period_type
space/bytes, period 1, default_sample_type inuse_space, one mapping per module (has_functions
set), one function per distinct frame name, one location per distinct (module, frame) and one
sample per stack. --expected writes the four totals as JSON (the input of check_pprof.sh).
Without --spec it uses a built-in profile of 3 stacks.

SPEC.json (stacks outermost frame first, like folded stacks; profile.proto stores the leaf
first, the encoder reverses them):
    {"module": "/usr/bin/app",
     "samples": [{"stack": ["main", "worker", "alloc_buf"],
                  "values": [alloc_objects, alloc_space, inuse_objects, inuse_space],
                  "labels": {"thread": "worker-1"}}],          # optional string labels
     "time_nanos": 0, "duration_nanos": 0, "comments": ["..."]}  # optional

--broken KIND writes a file that `go tool pprof` must refuse (or that must fail the totals
check); --list-broken lists the kinds.

Decoding: --decode prints a canonical JSON view of any profile.proto (gzip or not): string
indexes resolved, ids replaced by what they point to, stacks outermost first, plus the
totals of each sample type. Two encoders that describe the same profile give the same
output even when their id, string and field order differ (--no-addresses also drops
addresses and mapping ranges), so diffing the --decode of the C writer's file against the
--decode of a file written here from the same SPEC shows what differs. The decoder checks
what pprof's own parser checks (string_table[0] == "", ids != 0 and unique, every
referenced id present, as many values per sample as sample types) and exits 1 with one line
when one does not hold.

Schema: github.com/google/pprof proto/profile.proto (field numbers below). No dependency
beyond the Python standard library.
"""
import gzip
import json
import sys

# ---- field numbers of profile.proto ----
# Profile
P_SAMPLE_TYPE, P_SAMPLE, P_MAPPING, P_LOCATION, P_FUNCTION, P_STRING_TABLE = 1, 2, 3, 4, 5, 6
P_DROP_FRAMES, P_KEEP_FRAMES, P_TIME_NANOS, P_DURATION_NANOS, P_PERIOD_TYPE = 7, 8, 9, 10, 11
P_PERIOD, P_COMMENT, P_DEFAULT_SAMPLE_TYPE = 12, 13, 14
# ValueType: type = 1, unit = 2 (string table indexes)
# Sample: location_id = 1 (packed uint64, leaf first), value = 2 (packed int64), label = 3
# Label: key = 1, str = 2, num = 3, num_unit = 4
# Mapping: id = 1, memory_start = 2, memory_limit = 3, file_offset = 4, filename = 5,
#          build_id = 6, has_functions = 7, has_filenames = 8, has_line_numbers = 9,
#          has_inline_frames = 10
# Location: id = 1, mapping_id = 2, address = 3, line = 4 (Line), is_folded = 5
# Line: function_id = 1, line = 2
# Function: id = 1, name = 2, system_name = 3, filename = 4, start_line = 5

SAMPLE_TYPES = [("alloc_objects", "count"), ("alloc_space", "bytes"),
                ("inuse_objects", "count"), ("inuse_space", "bytes")]

DEFAULT_SPEC = {
    "module": "/usr/local/bin/memscope-demo",
    "samples": [
        {"stack": ["main", "load_config", "parse_line"], "values": [3, 96, 1, 32]},
        {"stack": ["main", "worker", "cache_insert"], "values": [1000, 65536000, 10, 655360]},
        {"stack": ["main", "worker", "cache_insert", "grow_table"], "values": [7, 1234567, 0, 0]},
    ],
    "time_nanos": 1700000000000000000,
    "duration_nanos": 2500000000,
    "comments": ["written by tests/formats/make_test_pprof.py"],
}


# ---- encoding ----
def varint(u):
    if u < 0:
        u += 1 << 64          # int64 as protobuf varint: two's complement, 10 bytes
    out = bytearray()
    while True:
        b = u & 0x7F
        u >>= 7
        if u:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def key(field, wire):
    return varint(field << 3 | wire)


def f_varint(field, value, always=False):
    """A varint field; proto3 omits zero scalars (pprof's encoder does too)."""
    if value == 0 and not always:
        return b""
    return key(field, 0) + varint(value)


def f_bytes(field, data):
    return key(field, 2) + varint(len(data)) + data


def f_packed(field, values):
    if not values:
        return b""
    return f_bytes(field, b"".join(varint(v) for v in values))


class Strings:
    def __init__(self):
        self.index = {"": 0}
        self.table = [""]          # string_table[0] must be "" (pprof refuses the file otherwise)

    def __call__(self, s):
        if s not in self.index:
            self.index[s] = len(self.table)
            self.table.append(s)
        return self.index[s]


def encode(spec, broken=None):
    st = Strings()
    module = spec.get("module", "/usr/local/bin/app")
    body = []

    for t, u in SAMPLE_TYPES:
        body.append(f_bytes(P_SAMPLE_TYPE, f_varint(1, st(t)) + f_varint(2, st(u))))

    functions = {}   # name -> id
    locations = {}   # name -> id
    for s in spec["samples"]:
        for name in s["stack"]:
            if name not in functions:
                functions[name] = len(functions) + 1
                locations[name] = len(locations) + 1

    for s in spec["samples"]:
        vals = list(s["values"])
        if len(vals) != 4:
            raise SystemExit("spec: each sample needs 4 values")
        locs = [locations[n] for n in reversed(s["stack"])]       # leaf first
        if broken == "value-count" and s is spec["samples"][0]:
            vals = vals[:3]
        if broken == "dangling-location" and s is spec["samples"][0]:
            locs = locs + [len(locations) + 99]
        msg = f_packed(1, locs) + f_packed(2, vals)
        for k, v in sorted(s.get("labels", {}).items()):
            msg += f_bytes(3, f_varint(1, st(k)) + f_varint(2, st(v)))
        body.append(f_bytes(P_SAMPLE, msg))

    # one mapping for the module; has_functions tells pprof the names are already there so it
    # does not try to symbolize the addresses itself
    base, size = 0x400000, 0x100000
    mapping = (f_varint(1, 1) + f_varint(2, base) + f_varint(3, base + size) + f_varint(4, 0)
               + f_varint(5, st(module)) + f_varint(7, 1))
    if broken == "mapping-id-zero":
        mapping = mapping[2:]      # drop "id = 1"
    body.append(f_bytes(P_MAPPING, mapping))

    for name, lid in locations.items():
        line = f_varint(1, functions[name]) + f_varint(2, 10 * lid)
        body.append(f_bytes(P_LOCATION, f_varint(1, lid) + f_varint(2, 1)
                            + f_varint(3, base + 0x1000 + 0x40 * lid) + f_bytes(4, line)))
    for name, fid in functions.items():
        body.append(f_bytes(P_FUNCTION, f_varint(1, fid) + f_varint(2, st(name))
                            + f_varint(3, st(name)) + f_varint(4, st("app.c"))))

    period_type = f_varint(1, st("space")) + f_varint(2, st("bytes"))
    comments = [st(c) for c in spec.get("comments", [])]
    default_type = st("inuse_space")

    table = list(st.table)
    if broken == "no-empty-string":
        table[0] = "x"
    for s in table:
        body.append(f_bytes(P_STRING_TABLE, s.encode("utf-8")))
    body.append(f_varint(P_TIME_NANOS, spec.get("time_nanos", 0)))
    body.append(f_varint(P_DURATION_NANOS, spec.get("duration_nanos", 0)))
    body.append(f_bytes(P_PERIOD_TYPE, period_type))
    body.append(f_varint(P_PERIOD, 1))
    body.append(f_packed(P_COMMENT, comments))
    body.append(f_varint(P_DEFAULT_SAMPLE_TYPE, default_type))
    raw = b"".join(body)
    if broken == "truncated":
        return gzip.compress(raw, mtime=0)[:-20]
    if broken == "not-gzip":
        return b"this is not a profile\n"
    return gzip.compress(raw, mtime=0)


BROKEN = {
    "no-empty-string": "string_table[0] is not \"\"",
    "value-count": "one sample has 3 values for 4 sample types",
    "dangling-location": "one sample names a location id that does not exist",
    "mapping-id-zero": "the mapping has the reserved id 0",
    "truncated": "the gzip stream is cut short",
    "not-gzip": "plain text, neither gzip nor protobuf",
    "wrong-totals": "a valid profile whose --expected totals are off by one (the check must fail)",
}


def totals(spec):
    names = [t for t, _ in SAMPLE_TYPES]
    return {n: sum(s["values"][i] for s in spec["samples"]) for i, n in enumerate(names)}


# ---- decoding ----
class DecodeError(Exception):
    pass


def read_varint(data, pos):
    u = shift = 0
    for i in range(10):
        if pos >= len(data):
            raise DecodeError("truncated varint")
        b = data[pos]
        pos += 1
        u |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return u, pos
    raise DecodeError("varint longer than 10 bytes")


def fields(data):
    """Yield (field, wire, value) of one message; value is int (wire 0, 1, 5) or bytes (2)."""
    pos = 0
    while pos < len(data):
        k, pos = read_varint(data, pos)
        field, wire = k >> 3, k & 7
        if field == 0:
            raise DecodeError("field number 0")
        if wire == 0:
            v, pos = read_varint(data, pos)
        elif wire == 1:
            if pos + 8 > len(data):
                raise DecodeError("truncated fixed64")
            v, pos = int.from_bytes(data[pos:pos + 8], "little"), pos + 8
        elif wire == 5:
            if pos + 4 > len(data):
                raise DecodeError("truncated fixed32")
            v, pos = int.from_bytes(data[pos:pos + 4], "little"), pos + 4
        elif wire == 2:
            n, pos = read_varint(data, pos)
            if pos + n > len(data):
                raise DecodeError("length-delimited field %d runs past its message" % field)
            v, pos = data[pos:pos + n], pos + n
        else:
            raise DecodeError("unsupported wire type %d" % wire)
        yield field, wire, v


def signed(u):
    return u - (1 << 64) if u >= 1 << 63 else u


def ints(wire, v, sign=False):
    """A repeated integer field, packed (wire 2) or not."""
    if wire == 2:
        out, pos = [], 0
        while pos < len(v):
            u, pos = read_varint(v, pos)
            out.append(signed(u) if sign else u)
        return out
    if wire != 0:
        raise DecodeError("integer field with wire type %d" % wire)
    return [signed(v) if sign else v]


def scalar(wire, v, sign=True):
    if wire != 0:
        raise DecodeError("scalar field with wire type %d" % wire)
    return signed(v) if sign else v


def msg(wire, v):
    if wire != 2:
        raise DecodeError("message field with wire type %d" % wire)
    return v


def decode(data):
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except Exception as e:   # noqa: BLE001 - any gzip failure is one line
            raise DecodeError("gzip: %s" % e)
    if not data:
        raise DecodeError("empty profile")
    p = {"sample_type": [], "sample": [], "mapping": [], "location": [], "function": [],
         "string_table": [], "comment": [], "time_nanos": 0, "duration_nanos": 0, "period": 0,
         "period_type": None, "default_sample_type": 0, "drop_frames": 0, "keep_frames": 0}
    seen_time = False
    for f, w, v in fields(data):
        if f == P_SAMPLE_TYPE or f == P_PERIOD_TYPE:
            vt = {"type": 0, "unit": 0}
            for f2, w2, v2 in fields(msg(w, v)):
                if f2 == 1:
                    vt["type"] = scalar(w2, v2)
                elif f2 == 2:
                    vt["unit"] = scalar(w2, v2)
            if f == P_SAMPLE_TYPE:
                p["sample_type"].append(vt)
            else:
                p["period_type"] = vt
        elif f == P_SAMPLE:
            s = {"location_id": [], "value": [], "label": []}
            for f2, w2, v2 in fields(msg(w, v)):
                if f2 == 1:
                    s["location_id"] += ints(w2, v2)
                elif f2 == 2:
                    s["value"] += ints(w2, v2, sign=True)
                elif f2 == 3:
                    lab = {"key": 0, "str": 0, "num": 0, "num_unit": 0}
                    for f3, w3, v3 in fields(msg(w2, v2)):
                        if f3 in (1, 2, 3, 4):
                            lab[["key", "str", "num", "num_unit"][f3 - 1]] = scalar(w3, v3)
                    s["label"].append(lab)
            p["sample"].append(s)
        elif f == P_MAPPING:
            m = {"id": 0, "memory_start": 0, "memory_limit": 0, "file_offset": 0, "filename": 0,
                 "build_id": 0, "has_functions": 0, "has_filenames": 0, "has_line_numbers": 0,
                 "has_inline_frames": 0}
            names = list(m)
            for f2, w2, v2 in fields(msg(w, v)):
                if 1 <= f2 <= 10:
                    m[names[f2 - 1]] = scalar(w2, v2, sign=f2 in (5, 6))
            p["mapping"].append(m)
        elif f == P_LOCATION:
            loc = {"id": 0, "mapping_id": 0, "address": 0, "line": [], "is_folded": 0}
            for f2, w2, v2 in fields(msg(w, v)):
                if f2 == 1:
                    loc["id"] = scalar(w2, v2, sign=False)
                elif f2 == 2:
                    loc["mapping_id"] = scalar(w2, v2, sign=False)
                elif f2 == 3:
                    loc["address"] = scalar(w2, v2, sign=False)
                elif f2 == 4:
                    ln = {"function_id": 0, "line": 0}
                    for f3, w3, v3 in fields(msg(w2, v2)):
                        if f3 == 1:
                            ln["function_id"] = scalar(w3, v3, sign=False)
                        elif f3 == 2:
                            ln["line"] = scalar(w3, v3)
                    loc["line"].append(ln)
                elif f2 == 5:
                    loc["is_folded"] = scalar(w2, v2)
            p["location"].append(loc)
        elif f == P_FUNCTION:
            fn = {"id": 0, "name": 0, "system_name": 0, "filename": 0, "start_line": 0}
            names = list(fn)
            for f2, w2, v2 in fields(msg(w, v)):
                if 1 <= f2 <= 5:
                    fn[names[f2 - 1]] = scalar(w2, v2, sign=f2 != 1)
            p["function"].append(fn)
        elif f == P_STRING_TABLE:
            try:
                p["string_table"].append(msg(w, v).decode("utf-8"))
            except UnicodeDecodeError:
                raise DecodeError("string_table[%d] is not UTF-8" % len(p["string_table"]))
        elif f == P_TIME_NANOS:
            if seen_time:
                raise DecodeError("time_nanos twice (pprof reads that as concatenated profiles)")
            seen_time = True
            p["time_nanos"] = scalar(w, v)
        elif f == P_DURATION_NANOS:
            p["duration_nanos"] = scalar(w, v)
        elif f == P_PERIOD:
            p["period"] = scalar(w, v)
        elif f == P_COMMENT:
            p["comment"] += ints(w, v, sign=True)
        elif f == P_DEFAULT_SAMPLE_TYPE:
            p["default_sample_type"] = scalar(w, v)
        elif f == P_DROP_FRAMES:
            p["drop_frames"] = scalar(w, v)
        elif f == P_KEEP_FRAMES:
            p["keep_frames"] = scalar(w, v)
    return p


def canonical(p, addresses=True):
    """Resolve ids and strings, with the checks of pprof's parser (profile.CheckValid)."""
    table = p["string_table"]
    if not table or table[0] != "":
        raise DecodeError('string_table[0] must be "" (pprof refuses the profile)')

    def s(i, what):
        if i < 0 or i >= len(table):
            raise DecodeError("%s: string index %d outside the table of %d" % (what, i, len(table)))
        return table[i]

    def by_id(items, what):
        out = {}
        for it in items:
            if it["id"] == 0:
                raise DecodeError("%s with the reserved id 0" % what)
            if it["id"] in out:
                raise DecodeError("two %ss with id %d" % (what, it["id"]))
            out[it["id"]] = it
        return out

    maps = by_id(p["mapping"], "mapping")
    funcs = by_id(p["function"], "function")
    locs = by_id(p["location"], "location")
    types = ["%s/%s" % (s(t["type"], "sample_type"), s(t["unit"], "sample_type"))
             for t in p["sample_type"]]
    if p["sample"] and not types:
        raise DecodeError("samples without sample types")

    def mapping(m):
        out = {"file": s(m["filename"], "mapping"), "build_id": s(m["build_id"], "mapping"),
               "flags": [k for k in ("has_functions", "has_filenames", "has_line_numbers",
                                     "has_inline_frames") if m[k]]}
        if addresses:
            out.update(start=hex(m["memory_start"]), limit=hex(m["memory_limit"]),
                       offset=hex(m["file_offset"]))
        return out

    def frame(lid):
        if lid not in locs:
            raise DecodeError("a sample names location %d, which does not exist" % lid)
        loc = locs[lid]
        out = {}
        if loc["mapping_id"]:
            if loc["mapping_id"] not in maps:
                raise DecodeError("location %d names mapping %d, which does not exist"
                                  % (lid, loc["mapping_id"]))
            out["module"] = s(maps[loc["mapping_id"]]["filename"], "mapping")
        if addresses:
            out["address"] = hex(loc["address"])
        lines = []
        for ln in loc["line"]:
            if ln["function_id"] not in funcs:
                raise DecodeError("location %d names function %d, which does not exist"
                                  % (lid, ln["function_id"]))
            fn = funcs[ln["function_id"]]
            lines.append({"function": s(fn["name"], "function"),
                          "system_name": s(fn["system_name"], "function"),
                          "file": s(fn["filename"], "function"), "line": ln["line"]})
        out["lines"] = lines
        return out

    samples = []
    for i, smp in enumerate(p["sample"]):
        if len(smp["value"]) != len(types):
            raise DecodeError("sample %d has %d values for %d sample types"
                              % (i, len(smp["value"]), len(types)))
        labels = {}
        for lab in smp["label"]:
            k = s(lab["key"], "label")
            if lab["str"]:
                labels.setdefault(k, []).append(s(lab["str"], "label"))
            else:
                labels.setdefault(k, []).append({"num": lab["num"],
                                                 "unit": s(lab["num_unit"], "label")})
        samples.append({"stack": [frame(lid) for lid in reversed(smp["location_id"])],
                        "values": dict(zip(types, smp["value"])), "labels": labels})
    samples.sort(key=lambda x: json.dumps(x, sort_keys=True))
    pt = p["period_type"]
    return {
        "sample_types": types,
        "default_sample_type": s(p["default_sample_type"], "default_sample_type"),
        "period_type": ("%s/%s" % (s(pt["type"], "period_type"), s(pt["unit"], "period_type"))
                        if pt else None),
        "period": p["period"],
        "time_nanos": p["time_nanos"], "duration_nanos": p["duration_nanos"],
        "comments": [s(c, "comment") for c in p["comment"]],
        "drop_frames": s(p["drop_frames"], "drop_frames"),
        "keep_frames": s(p["keep_frames"], "keep_frames"),
        "mappings": sorted((mapping(m) for m in p["mapping"]), key=lambda m: json.dumps(m)),
        "totals": {t.split("/")[0]: sum(x["value"][i] for x in p["sample"])
                   for i, t in enumerate(types)},
        "samples": samples,
    }


def main(argv):
    if argv[:1] == ["--list-broken"]:
        for k, v in BROKEN.items():
            print("%-18s %s" % (k, v))
        return 0
    if argv[:1] == ["--decode"]:
        if len(argv) < 2:
            print(__doc__)
            return 2
        try:
            with open(argv[1], "rb") as f:
                data = f.read()
            out = canonical(decode(data), addresses="--no-addresses" not in argv)
        except OSError as e:
            print("make_test_pprof.py: %s" % e, file=sys.stderr)
            return 2
        except DecodeError as e:
            print("FAIL %s: %s" % (argv[1], e))
            return 1
        print(json.dumps(out, indent=1, sort_keys=True))
        return 0
    if not argv or argv[0].startswith("-"):
        print(__doc__)
        return 2
    out, spec, expected, broken = argv[0], DEFAULT_SPEC, None, None
    i = 1
    while i < len(argv):
        if argv[i] in ("--spec", "--expected", "--broken") and i + 1 < len(argv):
            if argv[i] == "--spec":
                with open(argv[i + 1]) as f:
                    spec = json.load(f)
            elif argv[i] == "--expected":
                expected = argv[i + 1]
            else:
                broken = argv[i + 1]
                if broken not in BROKEN:
                    print("unknown --broken kind %r; see --list-broken" % broken, file=sys.stderr)
                    return 2
            i += 2
        else:
            print("unknown argument %r" % argv[i], file=sys.stderr)
            return 2
    with open(out, "wb") as f:
        f.write(encode(spec, broken))
    if expected:
        tot = totals(spec)
        if broken == "wrong-totals":
            tot["inuse_space"] += 1
        with open(expected, "w") as f:
            json.dump(tot, f, indent=1)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
