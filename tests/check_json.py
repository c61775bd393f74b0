#!/usr/bin/env python3
"""Strict JSON checker used by the C tests.

    check_json.py FILE EXPR [EXPR...]   exit 0 when every EXPR is truthy, 1 at the first that is not
    check_json.py FILE --get EXPR       print json.dumps(EXPR, ensure_ascii=True), exit 0

Exit 2 when FILE cannot be read or is not strict JSON: not UTF-8, NaN/Infinity, duplicate keys,
trailing garbage. EXPR is a Python expression evaluated with:
    d        the parsed document (objects keep their key order)
    raw      the file's text
    subseq   subseq(small, big): small is a subsequence of big (key order checks)
    site     site(d, line): the first entry of d["sites"] with that line, or None
    stack    stack(d, id): the entry of d["stacks"] with that id, or None
"""
import json
import sys


def _reject_constant(name):
    raise ValueError("non-standard JSON constant " + name)


def _no_duplicates(pairs):
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise ValueError("duplicate key " + repr(key))
        obj[key] = value
    return obj


def subseq(small, big):
    it = iter(big)
    return all(any(x == y for y in it) for x in small)


def site(doc, line):
    return next((s for s in doc.get("sites", []) if s.get("line") == line), None)


def stack(doc, sid):
    return next((s for s in doc.get("stacks", []) if s.get("id") == sid), None)


def load(path):
    with open(path, "rb") as f:
        data = f.read()
    text = data.decode("utf-8")  # strict: invalid UTF-8 fails
    doc = json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_no_duplicates)
    return doc, text


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    path = argv[1]
    try:
        doc, text = load(path)
    except Exception as exc:  # noqa: BLE001 - any load failure is a test failure
        sys.stderr.write("check_json: %s: not strict JSON: %s\n" % (path, exc))
        return 2
    env = {"d": doc, "raw": text, "subseq": subseq, "site": site, "stack": stack}
    if argv[2] == "--get":
        try:
            value = eval(argv[3], env)  # noqa: S307 - test expressions written by the tests
        except Exception as exc:  # noqa: BLE001
            sys.stderr.write("check_json: %s: %s raised %r\n" % (path, argv[3], exc))
            return 1
        sys.stdout.write(json.dumps(value, ensure_ascii=True))
        return 0
    for expr in argv[2:]:
        try:
            ok = eval(expr, env)  # noqa: S307
        except Exception as exc:  # noqa: BLE001
            sys.stderr.write("check_json: %s: %s raised %r\n" % (path, expr, exc))
            return 1
        if not ok:
            sys.stderr.write("check_json: %s: false: %s\n" % (path, expr))
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
