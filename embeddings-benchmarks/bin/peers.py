#!/usr/bin/env python3
"""k-means and batch exact search, ours against FAISS and scikit-learn, alternated in one run.

Our side runs in one warm JVM (``io.github.embeddings4j.benchmarks.PeerDuel``, driven through
its standard input); the peers run in this process. Every round runs each contender once, the
order rotating from round to round, so that a drift of the machine's speed hits all of them
alike; the figure reported is the median over rounds of the paired ratio (peer's seconds / ours
in the same round), with each contender's median and spread (slowest / fastest round - 1).

    embeddings-benchmarks/bin/peers.py [--rounds 7] [--warmup 3] [--threads 2] [--only kmeans|search] \
        [--out embeddings-benchmarks/results/peers.json] [--doc docs/BENCHMARKS.md]

Cases (the data are written once as .npy under embeddings-benchmarks/results/cache):
  kmeans-fashion   Fashion-MNIST train, 60,000 x 784 pixels / 255, k = 10, 20 iterations
  kmeans-1m        1,000,000 x 128 seeded Gaussian blobs (k centres), k = 10, 20 iterations
  search-100k      100,000 x 512 unit vectors, 1,000 unit queries, inner product, k = 10

k-means is k-means++ then exactly 20 Lloyd iterations (tolerance 0) for ours and
scikit-learn's ``KMeans(algorithm="lloyd", n_init=1, tol=0)``; FAISS's ``Kmeans`` seeds
at random (it has no k-means++) and is told to use every point (``max_points_per_centroid``),
not its default subsample of 256 per centroid. Inertia is reported for each.

Needs Debian's python3-faiss, python3-sklearn, python3-numpy and the benchmarks jar
(``mvn -B -o -DskipDocs -pl embeddings-benchmarks -am package -DskipTests``). Not run in CI.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from report import write_atomic

ROOT = Path(__file__).resolve().parents[2]
BEGIN = "<!-- peers:begin -->"
END = "<!-- peers:end -->"


def fashion_train(cache: Path) -> Path:
    out = cache / "fashion-train.npy"
    if not out.exists():
        src = Path(os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist"))
        with gzip.open(src / "train-images-idx3-ubyte.gz") as f:
            raw = np.frombuffer(f.read(), dtype=np.uint8, offset=16)
        save(out, raw.reshape(-1, 784).astype(np.float32) / np.float32(255))
    return out


def blobs(cache: Path, n: int, d: int, k: int) -> Path:
    out = cache / f"blobs-{n}x{d}.npy"
    if not out.exists():
        rng = np.random.default_rng(7)
        centres = rng.uniform(-4, 4, size=(k, d)).astype(np.float32)
        x = centres[rng.integers(0, k, size=n)] + rng.standard_normal((n, d), dtype=np.float32)
        save(out, x.astype(np.float32))
    return out


def unit(cache: Path, name: str, n: int, d: int, seed: int) -> Path:
    out = cache / f"{name}-{n}x{d}.npy"
    if not out.exists():
        x = np.random.default_rng(seed).standard_normal((n, d), dtype=np.float32)
        save(out, x / np.linalg.norm(x, axis=1, keepdims=True))
    return out


def save(path: Path, array: np.ndarray) -> None:
    tmp = path.with_name(path.name + ".tmp.npy")
    np.save(tmp, np.ascontiguousarray(array, dtype=np.float32))
    os.replace(tmp, path)


class Ours:
    """The PeerDuel JVM."""

    def __init__(self, java: str, classpath: str):
        self.proc = subprocess.Popen(
            [java, "--add-modules", "jdk.incubator.vector", "-cp", classpath,
             "io.github.embeddings4j.benchmarks.PeerDuel"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.answer()

    def ask(self, command: str) -> dict:
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self.answer()

    def answer(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit("PeerDuel exited; see its standard error above")
        reply = json.loads(line)
        if "error" in reply:
            raise SystemExit("PeerDuel: " + reply["error"])
        return reply

    def close(self) -> None:
        self.proc.stdin.write("quit\n")
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def run_kmeans(ours: Ours, name: str, path: Path, k: int, iters: int, rounds: int,
               threads: int, warmup: int) -> dict:
    import faiss
    from sklearn.cluster import KMeans as SkKMeans
    from threadpoolctl import threadpool_limits

    x = np.load(path)
    n, d = x.shape
    ours.ask(f"load {name} {path}")
    faiss.omp_set_num_threads(threads)

    def ours_round(r):
        a = ours.ask(f"kmeans {name} {k} {iters} {r} {threads}")
        return a["seconds"], a["inertia"]

    def faiss_round(r):
        km = faiss.Kmeans(d, k, niter=iters, seed=r + 1, verbose=False,
                          max_points_per_centroid=n, min_points_per_centroid=1)
        t0 = time.perf_counter()
        km.train(x)
        seconds = time.perf_counter() - t0
        dist, _ = km.index.search(x, 1)
        return seconds, float(dist.sum(dtype=np.float64))

    def sklearn_round(r):
        km = SkKMeans(n_clusters=k, init="k-means++", n_init=1, max_iter=iters, tol=0,
                      algorithm="lloyd", random_state=r)
        with threadpool_limits(limits=threads):
            t0 = time.perf_counter()
            km.fit(x)
            seconds = time.perf_counter() - t0
        return seconds, float(km.inertia_)

    return alternate({"embeddings4j": ours_round, "faiss": faiss_round,
                      "sklearn": sklearn_round}, rounds,
                     {"n": n, "d": d, "k": k, "iterations": iters, "threads": threads}, warmup)


def run_search(ours: Ours, base: Path, queries: Path, k: int, rounds: int, threads: int,
               warmup: int) -> dict:
    import faiss

    xb = np.load(base)
    xq = np.load(queries)
    ours.ask(f"load base {base}")
    ours.ask(f"load queries {queries}")
    faiss.omp_set_num_threads(threads)
    index = faiss.IndexFlatIP(xb.shape[1])
    index.add(xb)
    ours.ask(f"search base queries {k} DOT_PRODUCT {threads}")  # builds the index, warms up
    index.search(xq, k)

    def ours_round(r):
        return ours.ask(f"search base queries {k} DOT_PRODUCT {threads}")["seconds"], None

    def faiss_round(r):
        t0 = time.perf_counter()
        index.search(xq, k)
        return time.perf_counter() - t0, None

    return alternate({"embeddings4j": ours_round, "faiss": faiss_round}, rounds,
                     {"n": xb.shape[0], "d": xb.shape[1], "queries": xq.shape[0], "k": k,
                      "metric": "inner product", "threads": threads}, warmup)


def last(seconds: dict, names: list, r: int) -> list:
    return [(n, seconds[n][-1]) for n in names] if r >= 0 else []


def alternate(contenders: dict, rounds: int, params: dict, warmup: int = 1) -> dict:
    names = list(contenders)
    seconds = {name: [] for name in names}
    inertia = {name: [] for name in names}
    # The first rounds warm every contender up and are not counted: the JVM's just-in-time
    # compiler needs a few rounds before our code runs at its steady speed.
    for r in range(-warmup, rounds):
        turn = (r + warmup) % len(names)
        order = names[turn:] + names[:turn]
        for name in order:
            s, value = contenders[name](r + warmup)
            if r >= 0:
                seconds[name].append(s)
                if value is not None:
                    inertia[name].append(value)
        print(f"  {'round ' + str(r + 1) if r >= 0 else 'warm-up'}: "
              + ", ".join(f"{n} {s:.3f} s" for n, s in last(seconds, names, r)),
              file=sys.stderr)
    result = {"params": params, "rounds": rounds, "warmup": warmup, "contenders": {}}
    for name in names:
        s = seconds[name]
        entry = {"seconds": s, "median_seconds": statistics.median(s),
                 "spread": max(s) / min(s) - 1}
        if inertia[name]:
            entry["median_inertia"] = statistics.median(inertia[name])
        if name != "embeddings4j":
            entry["ratio"] = statistics.median(
                p / o for p, o in zip(s, seconds["embeddings4j"]))
        result["contenders"][name] = entry
    return result


def markdown(report: dict) -> str:
    m = report["machine"]
    lines = [
        BEGIN,
        "",
        "### Against FAISS and scikit-learn, side by side",
        "",
        f"`embeddings-benchmarks/bin/peers.py --rounds {report['rounds']} --threads "
        f"{report['threads']}` on {m['cpu']}, {m['cores']} cores, {m['date']}: each round runs "
        f"every contender once, in rotating order, after {report['warmup']} uncounted warm-up "
        "rounds (the JVM compiles our code in its first rounds); *ratio* is "
        "the median over rounds of the peer's time / ours in the same round (above 1: ours is "
        "faster); *spread* is the slowest round / the fastest - 1.",
        "",
        "| case | contender | median s | spread | ratio (peer / ours) | inertia |",
        "|---|---|---|---|---|---|",
    ]
    for case, res in report["cases"].items():
        for name, c in res["contenders"].items():
            ratio = f"{c['ratio']:.2f}x" if "ratio" in c else "-"
            inertia = f"{c['median_inertia']:.6g}" if "median_inertia" in c else "-"
            lines.append(f"| {case} | {name} | {c['median_seconds']:.3f} | "
                         f"{100 * c['spread']:.0f}% | {ratio} | {inertia} |")
    lines += ["", "Cases: " + "; ".join(
        f"**{case}** " + ", ".join(f"{k} {v}" for k, v in res["params"].items())
        for case, res in report["cases"].items()) + ".", "", END]
    return "\n".join(lines)


def replace_section(doc: Path, section: str) -> None:
    text = doc.read_text(encoding="utf-8")
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + section + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    write_atomic(doc, text.encode("utf-8"))


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--warmup", type=int, default=3, help="uncounted rounds first (default 3)")
    p.add_argument("--only", choices=["kmeans", "search"])
    p.add_argument("--java", default="java")
    p.add_argument("--classpath", default=str(ROOT / "embeddings-benchmarks/target/benchmarks.jar")
                   + os.pathsep + str(ROOT / "embeddings-benchmarks/target/lib/*"))
    p.add_argument("--out", type=Path, default=ROOT / "embeddings-benchmarks/results/peers.json")
    p.add_argument("--doc", type=Path, default=None,
                   help="replace the peers section of this page (e.g. docs/BENCHMARKS.md)")
    a = p.parse_args()
    cache = ROOT / "embeddings-benchmarks/results/cache"
    cache.mkdir(parents=True, exist_ok=True)
    ours = Ours(a.java, a.classpath)
    cases = {}
    try:
        if a.only in (None, "kmeans"):
            print("kmeans-fashion", file=sys.stderr)
            cases["kmeans-fashion"] = run_kmeans(ours, "fashion", fashion_train(cache), 10, 20,
                                                 a.rounds, a.threads, a.warmup)
            print("kmeans-1m", file=sys.stderr)
            cases["kmeans-1m"] = run_kmeans(ours, "blobs", blobs(cache, 1_000_000, 128, 10), 10,
                                            20, a.rounds, a.threads, a.warmup)
        if a.only in (None, "search"):
            print("search-100k", file=sys.stderr)
            cases["search-100k"] = run_search(ours, unit(cache, "base", 100_000, 512, 1),
                                              unit(cache, "queries", 1_000, 512, 2), 10,
                                              a.rounds, a.threads, a.warmup)
    finally:
        ours.close()
    report = {"rounds": a.rounds, "warmup": a.warmup, "threads": a.threads, "cases": cases,
              "machine": {"cpu": cpu_name(), "cores": os.cpu_count(),
                          "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}}
    write_atomic(a.out, json.dumps(report, indent=1).encode("utf-8"))
    print(markdown(report))
    if a.doc:
        replace_section(a.doc, markdown(report))


if __name__ == "__main__":
    main()
