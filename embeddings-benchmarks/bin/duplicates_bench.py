#!/usr/bin/env python3
"""Near-duplicate search side by side: `embeddings4j duplicates` against FAISS (exact) and
hnswlib (approximate) on Fashion-MNIST with planted copies.

The base is the first N training images as L2-normalised pixel vectors (cosine); 1,000 of them
get a copy 5% brighter with a little noise (pixels are no model: a shifted copy is far from its
original in pixel space, so the planted edits are the ones pixels see through). Each round runs, in an order that
alternates, our exact search (a .npy set), FAISS's IndexFlatIP self-join, our approximate search
(a graph index built once) and hnswlib's self-join, all with k = 10 and 2 threads, and prints one
JSON line per run; the last lines hold the median time ratios ours/peer and whether the pairs
agree (exact: the same pairs; graph: the share of the exact pairs found).

    /usr/bin/python3 embeddings-benchmarks/bin/duplicates_bench.py --base 20000 --rounds 3

Needs the tool built (./embeddings4j builds it), NumPy, FAISS and hnswlib (Debian:
python3-numpy python3-faiss python3-hnswlib) and Fashion-MNIST (dataset-fashion-mnist).
"""
import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TOOL = os.path.join(ROOT, "embeddings4j")
FASHION = os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")


def data(n, planted, seed):
    with gzip.open(os.path.join(FASHION, "train-images-idx3-ubyte.gz")) as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)[:n]
    rng = np.random.default_rng(seed)
    picks = rng.choice(n, size=planted, replace=False)
    # A re-encoded, slightly brightened copy: pixels are no model, so no shifts or crops.
    copies = images[picks].astype(np.float32) * 1.05
    copies += rng.normal(0, 4, copies.shape).astype(np.float32)
    copies = np.clip(copies, 0, 255)
    x = np.concatenate([images.astype(np.float32), copies]).reshape(n + planted, -1)
    x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    truth = {(int(p), n + i) for i, p in enumerate(picks)}
    return x.astype(np.float32), truth


def pairs_from(ids, dists, threshold):
    """Pairs (i < j) within the threshold from k-nearest answers (self left out)."""
    out = set()
    for i in range(ids.shape[0]):
        for j, d in zip(ids[i], dists[i]):
            if j < 0 or j == i or d > threshold:
                continue
            out.add((min(i, int(j)), max(i, int(j))))
    return out


def ours(path, threshold, k, threads):
    t0 = time.perf_counter()
    r = subprocess.run([TOOL, "duplicates", "--input", path, "--threshold", str(threshold),
                        "--k", str(k), "--threads", str(threads), "--json"],
                       check=True, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    lines = [json.loads(l) for l in r.stdout.splitlines()]
    summary = lines[-1]
    return wall, summary, lines[:-1]


def group_pairs(groups, name_to_row):
    """Every pair inside our groups, as rows (a superset of the direct pairs)."""
    out = set()
    for g in groups:
        rows = sorted(name_to_row[m] for m in g["members"])
        for a in range(len(rows)):
            for b in range(a + 1, len(rows)):
                out.add((rows[a], rows[b]))
    return out


def faiss_run(x, threshold, k):
    import faiss
    t0 = time.perf_counter()
    index = faiss.IndexFlatIP(x.shape[1])
    index.add(x)
    sims, ids = index.search(x, k + 1)
    seconds = time.perf_counter() - t0
    return seconds, pairs_from(ids, 1 - sims, threshold)


def hnsw_run(index, x, threshold, k):
    t0 = time.perf_counter()
    ids, dists = index.knn_query(x, k=k + 1)
    seconds = time.perf_counter() - t0
    return seconds, pairs_from(ids.astype(np.int64), dists, threshold)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--base", type=int, default=20_000)
    p.add_argument("--planted", type=int, default=1_000)
    p.add_argument("--threshold", type=float, default=0.01)
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    import faiss
    import hnswlib
    faiss.omp_set_num_threads(a.threads)
    x, truth = data(a.base, a.planted, a.seed)
    n = x.shape[0]
    work = tempfile.mkdtemp(prefix="duplicates-bench-")
    try:
        npy = os.path.join(work, "set.npy")
        np.save(npy, x)
        names = ["img-%d" % i for i in range(n)]
        with open(os.path.join(work, "set.ids.txt"), "w") as f:
            f.write("\n".join(names) + "\n")
        row = {nm: i for i, nm in enumerate(names)}
        e4j = os.path.join(work, "set.e4j")
        t0 = time.perf_counter()
        subprocess.run([TOOL, "index", "--input", npy, "--output", e4j, "--metric", "cosine",
                        "--threads", str(a.threads), "--quiet"], check=True)
        ours_build = time.perf_counter() - t0
        t0 = time.perf_counter()
        h = hnswlib.Index(space="cosine", dim=x.shape[1])
        h.init_index(max_elements=n, M=16, ef_construction=200, random_seed=42)
        h.set_num_threads(a.threads)
        h.add_items(x, np.arange(n))
        h.set_ef(64)
        hnsw_build = time.perf_counter() - t0
        print(json.dumps({"setup": True, "rows": n, "dimension": x.shape[1],
                          "planted": a.planted, "threshold": a.threshold, "k": a.k,
                          "graph_build_s": {"embeddings4j": round(ours_build, 2),
                                            "hnswlib": round(hnsw_build, 2)}}), flush=True)
        exact_pairs = None
        in_groups = {}
        rounds = []
        for r in range(a.rounds):
            order = ["ours_flat", "faiss", "ours_graph", "hnswlib"]
            if r % 2:
                order.reverse()
            t = {}
            for what in order:
                if what.startswith("ours"):
                    wall, s, groups = ours(npy if what == "ours_flat" else e4j, a.threshold,
                                           a.k, a.threads)
                    t[what] = s["search_seconds"]
                    in_groups[what] = group_pairs(groups, row)
                    line = {"wall_s": round(wall, 2), "total_s": s["seconds"],
                            "pairs": s["pairs"], "groups": s["groups"]}
                elif what == "faiss":
                    t[what], exact_pairs = faiss_run(x, a.threshold, a.k)
                    line = {"pairs": len(exact_pairs)}
                else:
                    t[what], hnsw_pairs = hnsw_run(h, x, a.threshold, a.k)
                    line = {"pairs": len(hnsw_pairs)}
                line.update({"round": r, "run": what, "seconds": round(t[what], 3)})
                print(json.dumps(line), flush=True)
            rounds.append(t)
        planted_found = len(truth & exact_pairs) / len(truth)
        summary = {
            "summary": True,
            "exact_pairs_faiss": len(exact_pairs),
            "exact_pairs_in_our_groups": len(exact_pairs & in_groups["ours_flat"]),
            "graph_pairs_in_our_groups": len(exact_pairs & in_groups["ours_graph"]),
            "hnswlib_pairs_found": len(exact_pairs & hnsw_pairs),
            "planted_pairs_within_threshold": round(planted_found, 4),
            "median_ours_flat_over_faiss": round(statistics.median(
                t["ours_flat"] / t["faiss"] for t in rounds), 3),
            "median_ours_graph_over_hnswlib": round(statistics.median(
                t["ours_graph"] / t["hnswlib"] for t in rounds), 3),
            "note": "seconds compared: ours, the searches and grouping (search_seconds of the"
                    " --json summary; the file loaded before); FAISS, adding to IndexFlatIP and"
                    " searching; hnswlib, the search; pairs extracted in Python afterwards",
        }
        print(json.dumps(summary), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
