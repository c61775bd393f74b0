"""alloc_script.py - a deterministic, allocation-heavy Python workload for bench/peer_bench.sh.

Run it as `PYTHONMALLOC=malloc python3 bench/alloc_script.py`, so that every object the
interpreter makes goes through malloc/free, where memscope run and heaptrack see it. It

  1. generates documents (class instances holding strings, lists and dicts) and keeps
     them alive, with an inverted index word -> [(doc id, count)] built over them: a
     peak of about 225000 live allocations;
  2. serialises every document to JSON, parses it back and formats a line per document
     (many short-lived strings, dicts and lists);
  3. answers queries against the index, deletes half of the documents and updates the
     index, then tears everything down.

The random numbers come from a seeded random.Random, and the result printed is the same
for every PYTHONHASHSEED (nothing depends on the iteration order of a set or on hashes):
two runs make the same allocations, to within the one or two of the interpreter's start-up
that depend on its environment (about 1970000 with PYTHONMALLOC=malloc under CPython 3.11).
About 0.5 s on one core of a 2-core machine.
"""
import json
import random
import sys

N_DOCS = int(sys.argv[1]) if len(sys.argv) > 1 else 8000
SEED = 20240517

SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "sa", "te", "vo", "zi", "pa", "qu", "xe",
             "bo", "di", "fu", "ga", "hi", "jo"]


class Doc:
    __slots__ = ("id", "title", "words", "tags", "meta")

    def __init__(self, doc_id, title, words, tags, meta):
        self.id = doc_id
        self.title = title
        self.words = words
        self.tags = tags
        self.meta = meta

    def to_dict(self):
        return {"id": self.id, "title": self.title, "words": self.words,
                "tags": self.tags, "meta": self.meta}


def make_vocab(rng, n):
    vocab = []
    for _ in range(n):
        vocab.append("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return vocab


def make_docs(rng, vocab, n):
    docs = {}
    for i in range(n):
        words = [vocab[min(int(rng.expovariate(1 / 300)), len(vocab) - 1)]
                 for _ in range(rng.randint(8, 24))]
        title = " ".join(words[:3]).title()
        tags = sorted({vocab[rng.randrange(64)] for _ in range(rng.randint(1, 4))})
        meta = {"score": rng.random(), "rank": rng.randrange(1000),
                "author": "author-%d" % rng.randrange(500)}
        docs[i] = Doc(i, title, words, tags, meta)
    return docs


def build_index(docs):
    index = {}
    for d in docs.values():
        counts = {}
        for w in d.words:
            counts[w] = counts.get(w, 0) + 1
        for w, c in counts.items():
            index.setdefault(w, []).append((d.id, c))
    return index


def json_round_trip(docs):
    total = 0
    lines = []
    for d in docs.values():
        text = json.dumps(d.to_dict())
        back = json.loads(text)
        lines.append("{:>6} {:<40.40} {:8.4f} {}".format(
            back["id"], back["title"], back["meta"]["score"], ",".join(back["tags"])))
        total += len(text)
    return total, sum(len(s) for s in lines)


def query(index, rng, vocab, n):
    hits = 0
    for _ in range(n):
        a, b = vocab[rng.randrange(200)], vocab[rng.randrange(200)]
        pa = {doc: c for doc, c in index.get(a, ())}
        both = [(doc, c + pa[doc]) for doc, c in index.get(b, ()) if doc in pa]
        both.sort(key=lambda t: (-t[1], t[0]))
        hits += len(both[:10])
    return hits


def drop_half(docs, index):
    gone = {i for i in docs if i % 2}
    for i in sorted(gone):
        del docs[i]
    for w in list(index):
        kept = [p for p in index[w] if p[0] not in gone]
        if kept:
            index[w] = kept
        else:
            del index[w]


def main():
    rng = random.Random(SEED)
    vocab = make_vocab(rng, 3000)
    docs = make_docs(rng, vocab, N_DOCS)
    index = build_index(docs)
    postings = sum(len(v) for v in index.values())
    json_bytes, line_bytes = json_round_trip(docs)
    hits = query(index, rng, vocab, 400)
    drop_half(docs, index)
    left = (len(docs), len(index), sum(len(v) for v in index.values()))
    del docs, index
    print("docs=%d postings=%d json_bytes=%d line_bytes=%d hits=%d left=%s"
          % (N_DOCS, postings, json_bytes, line_bytes, hits, left))


if __name__ == "__main__":
    main()
