#!/usr/bin/env python3
"""Side by side: `embed` and `index` from scratch against `embed --update` and `index --update`
after a change to a share of a collection.

Each round changes the collection (a share of the items edited, as many added, half as many
deleted), then times the update and the full run in turn, alternating which goes first; the
paired ratios update/full and their median are printed as JSON lines (one per timing, one
summary per part).

    /usr/bin/python3 embeddings-benchmarks/bin/update_bench.py --images 3000 --vectors 200000

Needs the tool built (./embeddings4j builds it), NumPy and Pillow (Debian: python3-numpy,
python3-pil) and Fashion-MNIST (dataset-fashion-mnist) for the images.
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


LAST_SAID = {}


def run(*args):
    """Runs the tool; returns its seconds, and keeps what an update said it did."""
    t0 = time.perf_counter()
    r = subprocess.run([TOOL, *args], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - t0
    said = [l for l in r.stderr.splitlines() if l.startswith(("updating ", "updated "))]
    LAST_SAID["line"] = said[-1] if said else None
    return seconds


def fashion_images(n):
    with gzip.open(os.path.join(FASHION, "train-images-idx3-ubyte.gz")) as f:
        data = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
    return data[:n]


def save_png(pixels, path):
    from PIL import Image
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.fromarray(pixels, "L").save(path)


def report(part, rounds, extra):
    ratios = [u / f for u, f in rounds]
    line = {"part": part, "rounds": len(rounds),
            "full_s": [round(f, 2) for _, f in rounds],
            "update_s": [round(u, 2) for u, _ in rounds],
            "update_over_full": [round(r, 3) for r in ratios],
            "median_update_over_full": round(statistics.median(ratios), 3)}
    line.update(extra)
    print(json.dumps(line), flush=True)


def images_part(work, n, share, rounds, model, rng):
    pool = fashion_images(n * 2)
    folder = os.path.join(work, "photos")
    for i in range(n):
        save_png(pool[i], os.path.join(folder, "f%d" % (i // 1000), "img%05d.png" % i))
    model_args = ["--model", model, "--weights", "random", "--seed", "7"]
    kept = os.path.join(work, "kept.npy")
    run("embed", "--input", folder, "--output", kept, *model_args)
    next_new = n
    timings = []
    for r in range(rounds):
        files = sorted(os.path.join(d, f) for d, _, fs in os.walk(folder) for f in fs)
        k = max(1, int(len(files) * share))
        picks = rng.choice(len(files), size=k + k // 2, replace=False)
        for i in picks[:k]:                                   # edited: another picture
            save_png(pool[rng.integers(len(pool))], files[i])
        for i in picks[k:]:                                   # deleted
            os.remove(files[i])
        for _ in range(k):                                    # added
            save_png(pool[next_new % len(pool)],
                     os.path.join(folder, "new", "img%05d.png" % next_new))
            next_new += 1
        full = os.path.join(work, "full.npy")
        order = ["update", "full"] if r % 2 == 0 else ["full", "update"]
        t = {}
        for what in order:
            if what == "update":
                t[what] = run("embed", "--input", folder, "--output", kept, "--update",
                              *model_args)
                said = LAST_SAID["line"]
            else:
                t[what] = run("embed", "--input", folder, "--output", full, *model_args)
        timings.append((t["update"], t["full"]))
        print(json.dumps({"part": "embed", "round": r, "images": len(files) - k // 2 + k,
                          "changed": k, "added": k, "deleted": k // 2,
                          "update_s": round(t["update"], 2), "full_s": round(t["full"], 2),
                          "update_said": said}),
              flush=True)
    report("embed", timings, {"images": n, "share": share, "model": model + " random"})


def clustered(rng, n, d, centres):
    c = centres[rng.integers(len(centres), size=n)]
    return (c + rng.standard_normal((n, d), dtype=np.float32)).astype(np.float32)


def index_part(work, n, d, share, rounds, rng, threads):
    centres = rng.standard_normal((64, d), dtype=np.float32) * 3
    x = clustered(rng, n, d, centres)
    names = ["v%07d" % i for i in range(n)]
    npy = os.path.join(work, "vectors.npy")
    ids = os.path.join(work, "vectors.txt")

    def write():
        np.save(npy, x)
        with open(ids, "w") as f:
            f.write("\n".join(names) + "\n")

    write()
    kept = os.path.join(work, "kept.e4j")
    build = ["--metric", "euclidean", "--threads", str(threads)]
    run("index", "--input", npy, "--ids", ids, "--output", kept, *build)
    next_new = n
    timings = []
    for r in range(rounds):
        k = max(1, int(len(names) * share))
        picks = rng.choice(len(names), size=k + k // 2, replace=False)
        x[picks[:k]] = clustered(rng, k, d, centres)                   # changed
        keep = np.ones(len(names), bool)
        keep[picks[k:]] = False                                        # deleted
        x = np.concatenate([x[keep], clustered(rng, k, d, centres)])   # added
        names = [nm for nm, kp in zip(names, keep) if kp] + [
            "v%07d" % i for i in range(next_new, next_new + k)]
        next_new += k
        write()
        full = os.path.join(work, "full.e4j")
        order = ["update", "full"] if r % 2 == 0 else ["full", "update"]
        t = {}
        for what in order:
            out = kept if what == "update" else full
            extra = ["--update"] if what == "update" else build
            t[what] = run("index", "--input", npy, "--ids", ids, "--output", out,
                          *(["--threads", str(threads)] + extra if what == "update" else extra))
            if what == "update":
                said = LAST_SAID["line"]
        timings.append((t["update"], t["full"]))
        print(json.dumps({"part": "index", "round": r, "vectors": len(names), "changed": k,
                          "added": k, "deleted": k // 2, "update_s": round(t["update"], 2),
                          "full_s": round(t["full"], 2), "update_said": said}), flush=True)
    report("index", timings, {"vectors": n, "dimension": d, "share": share,
                              "graph": "M 16, efC 200", "threads": threads})


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--images", type=int, default=3000)
    p.add_argument("--vectors", type=int, default=200_000)
    p.add_argument("--dimension", type=int, default=128)
    p.add_argument("--share", type=float, default=0.01)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--model", default="squeezenet")
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--parts", default="embed,index")
    a = p.parse_args()
    rng = np.random.default_rng(a.seed)
    work = tempfile.mkdtemp(prefix="update-bench-")
    try:
        if "embed" in a.parts:
            images_part(work, a.images, a.share, a.rounds, a.model, rng)
        if "index" in a.parts:
            index_part(work, a.vectors, a.dimension, a.share, a.rounds, rng, a.threads)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
