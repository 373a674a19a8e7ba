#!/usr/bin/env python3
"""Choosing the number of clusters by silhouette: embeddings4j against scikit-learn.

Prepares one float32 .npy (Fashion-MNIST's 10,000 test images, pixels / 255, reduced to 50
principal components by scikit-learn), then runs, in alternated order and each in a fresh
process, embeddings4j's KMeansSearch (ClusterCountFigures) and the same search in scikit-learn:
KMeans(k, init='k-means++', n_init=1, max_iter, random_state=42) for every k, each scored by
silhouette_score(sample_size, random_state=42). Prints each run and the median of the paired
time ratios; --out appends the runs as JSON lines.

    mvn -B -q -o -DskipDocs -pl embeddings-benchmarks -am package -DskipTests
    /usr/bin/python3 embeddings-benchmarks/bin/cluster_count_bench.py --rounds 3 \
        --out embeddings-benchmarks/results/cluster-count/runs.jsonl
"""
import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import time

JAR = "embeddings-benchmarks/target/benchmarks.jar"
MAIN = "io.github.embeddings4j.core.cluster.ClusterCountFigures"
FASHION = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"


def prepare(path):
    import numpy as np
    from sklearn.decomposition import PCA
    with gzip.open(FASHION, "rb") as f:
        raw = f.read()
    x = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(-1, 784).astype(np.float32) / 255
    z = PCA(n_components=50, random_state=0).fit_transform(x).astype(np.float32)
    np.save(path, np.ascontiguousarray(z))


def peer(path, lo, hi, sample, iterations):
    """The scikit-learn search; prints one JSON line."""
    import numpy as np
    import sklearn
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score
    x = np.load(path)
    start = time.perf_counter()
    scores = {}
    for k in range(lo, hi + 1):
        labels = KMeans(n_clusters=k, init="k-means++", n_init=1, max_iter=iterations,
                        random_state=42).fit_predict(x)
        scores[k] = float(silhouette_score(x, labels, sample_size=min(sample, len(x)),
                                           random_state=42))
    seconds = time.perf_counter() - start
    best = max(scores, key=lambda k: (scores[k], -k))
    print(json.dumps({"tool": "scikit-learn " + sklearn.__version__, "n": len(x),
                      "d": x.shape[1], "sample": min(sample, len(x)), "best": best,
                      "seconds": round(seconds, 3),
                      "silhouettes": {str(k): round(v, 5) for k, v in scores.items()}}))


def run(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default="/tmp/fashion-test-pca50.npy")
    ap.add_argument("--min", type=int, default=2)
    ap.add_argument("--max", type=int, default=20)
    ap.add_argument("--sample", type=int, default=4096)
    ap.add_argument("--iterations", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out")
    ap.add_argument("--peer", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    args = [a.data, str(a.min), str(a.max), str(a.sample), str(a.iterations)]
    if a.peer:
        peer(a.data, a.min, a.max, a.sample, a.iterations)
        return
    if not os.path.exists(a.data):
        prepare(a.data)
    ours_cmd = ["java", "--add-modules", "jdk.incubator.vector", "-cp", JAR, MAIN] + args
    peer_cmd = [sys.executable, __file__, "--peer", "--data", a.data, "--min", str(a.min),
                "--max", str(a.max), "--sample", str(a.sample), "--iterations",
                str(a.iterations)]
    ratios = []
    for r in range(a.rounds):
        pair = {}
        for name in (["ours", "peer"] if r % 2 == 0 else ["peer", "ours"]):
            res = run(ours_cmd if name == "ours" else peer_cmd)
            res["round"] = r
            pair[name] = res
            print(json.dumps(res), flush=True)
            if a.out:
                os.makedirs(os.path.dirname(a.out), exist_ok=True)
                with open(a.out, "a") as f:
                    f.write(json.dumps(res) + "\n")
        ratios.append(pair["ours"]["seconds"] / pair["peer"]["seconds"])
    print(f"embeddings4j / scikit-learn time, median of {len(ratios)} paired ratios: "
          f"{statistics.median(ratios):.3f} (each: {', '.join(f'{x:.3f}' for x in ratios)})")


if __name__ == "__main__":
    main()
