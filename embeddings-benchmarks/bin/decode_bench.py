#!/usr/bin/env python3
"""Decoding photos: ImageDecoder (Java) beside PIL on the same files, and what turning a photo
upright by its EXIF orientation costs.

Makes a photo-sized test image (smooth shapes plus sensor-like noise, seeded) and writes it as
a JPEG without orientation, the same JPEG stored sideways with orientation 6 (as phones write
portrait photos), a lossy WebP and a lossless WebP (a quarter of the pixels: lossless encoding of
12 MP takes PIL minutes). Then:

- `DecodeTiming` (benchmarks.jar) decodes each file with orientations applied and kept, in
  alternated rounds: the ratio applied/kept is the cost of reading the tag and turning the image;
  it also decodes the file from disk (`ms_ours_from_file`), which should equal the time from
  memory;
- PIL decodes each file (`Image.open`, `ImageOps.exif_transpose`, `.convert("RGB")`): the
  peer's time. Rounds alternate which of the two goes first; each round of ours is a fresh JVM
  warmed up on every file before it is timed.

    /usr/bin/python3 embeddings-benchmarks/bin/decode_bench.py --megapixels 12 --rounds 7

Prints JSON lines. Needs benchmarks.jar (mvn -B -q -o -DskipDocs -pl embeddings-benchmarks -am
package -DskipTests) and Debian's python3-pil and python3-numpy.
"""
import argparse
import io
import json
import os
import statistics
import subprocess
import tempfile
import time

import numpy as np
from PIL import Image, ImageOps

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
JAR = os.path.join(ROOT, "embeddings-benchmarks", "target", "benchmarks.jar")


def photo(width, height, seed):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    img = np.zeros((height, width, 3), np.float32)
    for c in range(3):
        fx, fy, ph = rng.uniform(1, 6), rng.uniform(1, 6), rng.uniform(0, 6.3)
        img[..., c] = 128 + 90 * np.sin(fx * x / width * 6.28 + ph) * np.cos(fy * y / height
                                                                             * 6.28)
    for _ in range(12):
        cx, cy, r = rng.uniform(0, width), rng.uniform(0, height), rng.uniform(0.03, 0.2) * width
        inside = (x - cx) ** 2 + (y - cy) ** 2 < r * r
        img[inside] = rng.uniform(0, 255, 3)
    img += rng.normal(0, 6, img.shape)
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB")


def exif(orientation):
    e = Image.Exif()
    e[274] = orientation
    return e.tobytes()


def pil_ms(path, reps):
    """PIL's median time over reps decodes of the file (held in memory)."""
    data = open(path, "rb").read()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        im = Image.open(io.BytesIO(data))
        im = ImageOps.exif_transpose(im)
        im.convert("RGB").load()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def ours_ms(paths, reps, start):
    """One DecodeTiming round (in a fresh JVM, warmed up on each file first); `start` 0 times
    orientations applied first, 1 kept first."""
    java = subprocess.run(["java", "-cp", JAR, "io.github.embeddings4j.benchmarks.DecodeTiming",
                           "--rounds", "1", "--reps", str(reps), "--start", str(start), *paths],
                          check=True, capture_output=True, text=True)
    rows = {}
    for line in java.stdout.splitlines():
        if line.startswith("{"):
            row = json.loads(line)
            rows[row["file"]] = row
    return rows


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--megapixels", type=float, default=12)
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--work", default=None)
    a = p.parse_args()
    work = a.work or tempfile.mkdtemp(prefix="e4j-decode-")
    os.makedirs(work, exist_ok=True)
    width = int(round((a.megapixels * 1e6 * 4 / 3) ** 0.5))
    height = int(round(width * 3 / 4))
    upright = photo(width, height, 1)
    files = {}
    files["plain.jpg"] = lambda f: upright.save(f, quality=90)
    files["sideways6.jpg"] = lambda f: upright.transpose(Image.Transpose.ROTATE_90).save(
        f, quality=90, exif=exif(6))
    files["lossy.webp"] = lambda f: upright.save(f, quality=90)
    files["lossless-quarter.webp"] = lambda f: upright.resize(
        (width // 2, height // 2)).save(f, lossless=True, method=0)
    paths = []
    for name, write in files.items():
        path = os.path.join(work, name)
        if not os.path.exists(path):
            write(path)
        paths.append(path)
    # Alternated rounds: ours then PIL, then PIL then ours, ...
    rounds = []
    for r in range(a.rounds):
        if r % 2 == 0:
            ours = ours_ms(paths, a.reps, (r // 2) % 2)
            pil = {os.path.basename(q): pil_ms(q, a.reps) for q in paths}
        else:
            pil = {os.path.basename(q): pil_ms(q, a.reps) for q in paths}
            ours = ours_ms(paths, a.reps, (r // 2) % 2)
        rounds.append((ours, pil))
    for path in paths:
        name = os.path.basename(path)
        applied = [o[name]["ms_applied"] for o, _ in rounds]
        kept = [o[name]["ms_kept"] for o, _ in rounds]
        from_file = [o[name]["ms_file"] for o, _ in rounds]
        pil = [p[name] for _, p in rounds]
        print(json.dumps({
            "file": name, "bytes": os.path.getsize(path),
            "upright": rounds[0][0][name]["upright"],
            "ms_ours_applied": round(statistics.median(applied), 2),
            "ms_ours_kept": round(statistics.median(kept), 2),
            "ratio_applied_over_kept": round(statistics.median(
                [x / y for x, y in zip(applied, kept)]), 3),
            "ms_ours_from_file": round(statistics.median(from_file), 2),
            "ms_pil": round(statistics.median(pil), 2),
            "ratio_ours_over_pil": round(statistics.median(
                [x / y for x, y in zip(applied, pil)]), 2),
        }), flush=True)


if __name__ == "__main__":
    main()
