#!/usr/bin/env python3
"""`reduce` and `cluster` on sets read in place, side by side with the same commands on the set
loaded, and on a set larger than the heap.

Part 1, side by side (alternated rounds, the order switching each round): a set that fits the
heap, loaded, against the same set read in place (`-Dembeddings4j.mapAbove=0`). `reduce` fits the
same PCA either way, so the ratio is the cost of reading in place; `cluster` read in place fits
on a sample (256 rows per cluster, FAISS's rule) and then assigns every row, so its ratio is
that shortcut's, and the inertia of all rows says what it costs in quality.

Part 2: a set several times the heap (`-Xmx512m`): time and peak resident memory of each
command.

`--peers-only`: instead, the commands on the set read in place against the peer a user would
pick, each in a fresh process, alternated: scikit-learn's exact PCA (`svd_solver='full'`; the
share of variance kept compared) and FAISS's k-means (which also fits on 256 rows per
centroid, then every row is assigned; the inertia of all rows compared). Needs Debian's
python3-sklearn and python3-faiss.

    /usr/bin/python3 embeddings-benchmarks/bin/inplace_bench.py --rows 500000 --big-rows 2000000

Prints JSON lines (one per run, one summary per part). Needs the tool built (./embeddings4j
builds it), NumPy, and /usr/bin/time (GNU) for the peak memory.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import tempfile
import time

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TOOL = os.path.join(ROOT, "embeddings4j")


def make_set(path, rows, dim, clusters, seed):
    """Gaussian groups around random centres, written a block at a time (float32)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 4, size=(clusters, dim)).astype(np.float32)
    out = np.lib.format.open_memmap(path, mode="w+", dtype="<f4", shape=(rows, dim))
    block = 100_000
    for start in range(0, rows, block):
        n = min(block, rows - start)
        which = rng.integers(0, clusters, size=n)
        out[start:start + n] = centres[which] + rng.normal(0, 1, size=(n, dim)).astype(
            np.float32)
    out.flush()
    del out


def run(java_opts, *args):
    """Runs the tool under GNU time; returns seconds, peak resident MB and its stderr."""
    env = dict(os.environ, JAVA_OPTS=java_opts)
    t0 = time.perf_counter()
    r = subprocess.run(["/usr/bin/time", "-f", "E4J_MAXRSS_KB %M", TOOL, *args], env=env,
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - t0
    rss = int(re.search(r"E4J_MAXRSS_KB (\d+)", r.stderr).group(1)) / 1024
    return seconds, rss, r.stderr


def inertia(stderr):
    m = re.search(r"inertia(?: of all rows)? ([0-9.eE+-]+)", stderr)
    return float(m.group(1)) if m else None


def peer(kind, path, components, clusters, seed):
    """The peer a user would pick instead, in this (fresh) process: scikit-learn's exact PCA
    (svd_solver='full') or FAISS's k-means, which also fits on 256 rows per centroid by default,
    then assigns every row. Prints one JSON line."""
    import numpy as np
    x = np.load(path)
    if kind == "pca":
        from sklearn.decomposition import PCA
        pca = PCA(n_components=components, svd_solver="full").fit(x)
        pca.transform(x)
        print(json.dumps({"kept": float(pca.explained_variance_ratio_.sum())}))
    else:
        import faiss
        km = faiss.Kmeans(x.shape[1], clusters, niter=20, seed=seed)
        km.train(x)
        d, _ = km.index.search(x, 1)
        print(json.dumps({"inertia": float(d.sum()), "sample": min(len(x), 256 * clusters)}))


def peer_run(kind, path, a):
    t0 = time.perf_counter()
    r = subprocess.run(["/usr/bin/time", "-f", "E4J_MAXRSS_KB %M", "/usr/bin/python3", __file__,
                        "--peer", kind, "--peer-input", path, "--components",
                        str(a.components), "--clusters", str(a.clusters)],
                       check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    rss = int(re.search(r"E4J_MAXRSS_KB (\d+)", r.stderr).group(1)) / 1024
    return seconds, rss, json.loads(r.stdout.strip().splitlines()[-1])


def kept_share(stderr):
    m = re.search(r"keep ([0-9.]+)% of the variance", stderr)
    return float(m.group(1)) / 100 if m else None


def peers(a, work, small, inplace_opts):
    """Ours (read in place) against the peer, alternated; ratios ours/peer."""
    for part, kind in (("reduce", "pca"), ("cluster", "kmeans")):
        pairs = []
        for rnd in range(a.rounds):
            order = ["ours", "peer"] if rnd % 2 == 0 else ["peer", "ours"]
            got = {}
            for who in order:
                if who == "ours":
                    out = os.path.join(work, part + "-peer-ours" + (".npy" if part == "reduce"
                                                                   else ".csv"))
                    args = (["reduce", "--input", small, "--components", str(a.components),
                             "--output", out] if part == "reduce" else
                            ["cluster", "--input", small, "--clusters", str(a.clusters),
                             "--max-iterations", "20", "--output", out])
                    s, rss, err = run(inplace_opts, *args)
                    quality = kept_share(err) if part == "reduce" else inertia(err)
                else:
                    s, rss, res = peer_run(kind, small, a)
                    quality = res.get("kept", res.get("inertia"))
                got[who] = s
                print(json.dumps({"part": part, "round": rnd, "who": who if who == "ours"
                                  else ("scikit-learn PCA full" if kind == "pca"
                                        else "FAISS Kmeans"),
                                  "seconds": round(s, 2), "peak_mb": round(rss),
                                  "variance_kept" if part == "reduce" else "inertia": quality}),
                      flush=True)
            pairs.append(got["ours"] / got["peer"])
        print(json.dumps({"part": part, "peer": kind, "rows": a.rows, "dim": a.dim,
                          "ratios_ours_over_peer": [round(r, 3) for r in pairs],
                          "median": round(statistics.median(pairs), 3)}), flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--peer", choices=["pca", "kmeans"], help=argparse.SUPPRESS)
    p.add_argument("--peer-input", help=argparse.SUPPRESS)
    p.add_argument("--peers-only", action="store_true",
                   help="only the comparison with scikit-learn's PCA and FAISS's k-means")
    p.add_argument("--rows", type=int, default=500_000)
    p.add_argument("--big-rows", type=int, default=2_000_000)
    p.add_argument("--dim", type=int, default=256)
    p.add_argument("--components", type=int, default=32)
    p.add_argument("--clusters", type=int, default=100)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--heap", default="-Xmx4g")
    p.add_argument("--small-heap", default="-Xmx512m")
    p.add_argument("--work", default=None, help="folder for the sets (default: a temporary one)")
    a = p.parse_args()
    if a.peer:
        peer(a.peer, a.peer_input, a.components, a.clusters, 1234)
        return
    work = a.work or tempfile.mkdtemp(prefix="e4j-inplace-")
    os.makedirs(work, exist_ok=True)
    small = os.path.join(work, "set.npy")
    make_set(small, a.rows, a.dim, a.clusters, 1)
    loaded_opts = a.heap
    inplace_opts = a.heap + " -Dembeddings4j.mapAbove=0"
    if a.peers_only:
        peers(a, work, small, inplace_opts)
        os.remove(small)
        return
    commands = {
        "reduce": lambda out: ["reduce", "--input", small, "--components", str(a.components),
                               "--output", out],
        "cluster": lambda out: ["cluster", "--input", small, "--clusters", str(a.clusters),
                                "--max-iterations", "20", "--output", out],
    }
    for part, command in commands.items():
        pairs = []
        for rnd in range(a.rounds):
            order = [("loaded", loaded_opts), ("in_place", inplace_opts)]
            if rnd % 2:
                order.reverse()
            got = {}
            for how, opts in order:
                out = os.path.join(work, f"{part}-{how}" + (".npy" if part == "reduce"
                                                            else ".csv"))
                s, rss, err = run(opts, *command(out))
                got[how] = s
                print(json.dumps({"part": part, "round": rnd, "how": how, "seconds": round(s, 2),
                                  "peak_mb": round(rss), "inertia": inertia(err)}), flush=True)
            pairs.append(got["in_place"] / got["loaded"])
        print(json.dumps({"part": part, "rows": a.rows, "dim": a.dim,
                          "ratios_in_place_over_loaded": [round(r, 3) for r in pairs],
                          "median": round(statistics.median(pairs), 3)}), flush=True)
    os.remove(small)

    big = os.path.join(work, "big.npy")
    make_set(big, a.big_rows, a.dim, a.clusters, 2)
    size_gb = os.path.getsize(big) / 1e9
    for part, args in {
        "reduce": ["reduce", "--input", big, "--components", str(a.components), "--output",
                   os.path.join(work, "big-reduced.npy")],
        "cluster": ["cluster", "--input", big, "--clusters", str(a.clusters),
                    "--max-iterations", "20", "--output", os.path.join(work, "big.csv")],
    }.items():
        s, rss, err = run(a.small_heap, *args)
        print(json.dumps({"part": part, "beyond_heap": True, "rows": a.big_rows, "dim": a.dim,
                          "set_gb": round(size_gb, 2), "heap": a.small_heap,
                          "seconds": round(s, 1), "peak_mb": round(rss),
                          "inertia": inertia(err)}), flush=True)
    os.remove(big)


if __name__ == "__main__":
    main()
