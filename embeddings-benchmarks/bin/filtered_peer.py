#!/usr/bin/env python3
"""FAISS's filtered HNSW search on the data, filters and exact answers FilteredCurve exported.

    java ... io.github.embeddings4j.benchmarks.FilteredCurve --export DIR > ours.jsonl
    /usr/bin/python3 embeddings-benchmarks/bin/filtered_peer.py DIR [--ef 32,64,128]
        [--repeats 3] [--threads 2] > faiss.jsonl

FAISS (1.7.3 or newer) builds ``IndexHNSWFlat`` with M = 16 and efConstruction = 200 on
``--threads`` threads, as FilteredCurve builds its graph, then answers each query alone on one
thread with ``SearchParametersHNSW(sel=IDSelectorBitmap(...), efSearch=ef)``: recall@10 against
the exported exact filtered answers, and queries a second (the median of ``--repeats`` passes).
The filters are the exported random masks (``masks.npy``, shares in the order FilteredCurve was
given) and, from the labels, the query's own class and the class five further on. One JSON line
per point, with the keys FilteredCurve writes.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np


def read_truth(folder: Path, name: str) -> np.ndarray:
    return np.load(folder / f"truth-{name}.npy").astype(np.int64)


def recall(truth: np.ndarray, found: list) -> float:
    hit = 0
    total = 0
    for want, got in zip(truth, found):
        want = set(int(i) for i in want if i >= 0)
        total += len(want)
        hit += len(want.intersection(int(i) for i in got if i >= 0))
    return hit / total if total else 1.0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--ef", default="32,64,128")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--shares", default="0.5,0.2,0.1,0.05,0.02,0.01,0.005,0.001",
                    help="the shares FilteredCurve was run with, in its order (names only)")
    args = ap.parse_args(argv)
    folder = args.folder
    base = np.ascontiguousarray(np.load(folder / "base.npy"), dtype=np.float32)
    queries = np.ascontiguousarray(np.load(folder / "queries.npy"), dtype=np.float32)
    labels = np.load(folder / "base-labels.npy")[:, 0].astype(np.int64)
    query_labels = np.load(folder / "query-labels.npy")[:, 0].astype(np.int64)
    masks = np.load(folder / "masks.npy") > 0.5
    n, d = base.shape
    shares = [float(s) for s in args.shares.split(",")]
    if len(shares) != len(masks):
        sys.exit(f"{folder}/masks.npy holds {len(masks)} filters, --shares names {len(shares)}"
                 " (give --shares the list FilteredCurve ran with)")
    import faiss

    faiss.omp_set_num_threads(args.threads)
    index = faiss.IndexHNSWFlat(d, 16)
    index.hnsw.efConstruction = 200
    t0 = time.perf_counter()
    index.add(base)
    print(f"[filtered_peer] faiss {faiss.__version__} built in {time.perf_counter() - t0:.1f} s",
          file=sys.stderr)
    faiss.omp_set_num_threads(1)

    def selector(mask: np.ndarray):
        bits = np.packbits(mask.astype(np.uint8), bitorder="little")
        return faiss.IDSelectorBitmap(n, faiss.swig_ptr(bits)), bits

    filters = []
    for share, mask in zip(shares, masks):
        sel = selector(mask)
        filters.append((f"random-{share}", [sel] * len(queries), float(mask.mean())))
    by_class = [selector(labels == c) for c in range(10)]
    own = [by_class[int(c)] for c in query_labels]
    other = [by_class[(int(c) + 5) % 10] for c in query_labels]
    filters.append(("own-class", own, float(np.mean([(labels == c).mean() for c in query_labels]))))
    filters.append(("other-class", other,
                     float(np.mean([(labels == (c + 5) % 10).mean() for c in query_labels]))))

    for name, sels, share in filters:
        truth = read_truth(folder, name)
        for ef in (int(e) for e in args.ef.split(",")):
            index.hnsw.efSearch = ef  # 1.7.3 reads the index's own beam, not the parameter's
            params = []
            for s in sels:
                # Attributes, not constructor keywords: 1.7.3's wrapper drops those silently.
                p = faiss.SearchParametersHNSW()
                p.sel = s[0]
                p.efSearch = ef
                params.append(p)
            found = []
            rates = []
            for r in range(args.repeats):
                t = time.perf_counter()
                out = []
                for q in range(len(queries)):
                    _, ids = index.search(queries[q:q + 1], 10, params=params[q])
                    out.append(ids[0])
                rates.append(len(queries) / (time.perf_counter() - t))
                found = out
            rates.sort()
            print(json.dumps({"library": f"faiss-{faiss.__version__}-hnsw", "filter": name,
                              "share": round(share, 4), "ef": ef,
                              "recall": round(recall(truth, found), 4),
                              "qps": round(rates[len(rates) // 2])}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
