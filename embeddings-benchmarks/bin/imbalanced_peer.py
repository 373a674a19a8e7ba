#!/usr/bin/env python3
"""The peer of `ImbalancedHeads`: scikit-learn's logistic regression, with and without
`class_weight='balanced'`, on the same Fashion-MNIST subset (every training image of nine classes
and a share of the shirts, drawn as the Java program draws them), scored on the whole test set.

    /usr/bin/python3 embeddings-benchmarks/bin/imbalanced_peer.py --share 0.02

Prints one JSON line per setting: accuracy, balanced accuracy, the shirts' recall, seconds.
Needs Debian's python3-sklearn and dataset-fashion-mnist.
"""
import argparse
import gzip
import json
import os
import time

import numpy as np

FASHION = os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")
RARE = 6  # Shirt
MASK = (1 << 64) - 1
GOLDEN_GAMMA = 0x9E3779B97F4A7C15


class SplitMix:
    """The sequence of java.util.SplittableRandom(seed).nextDouble(), so that the subset is the
    one ImbalancedHeads trains on (its algorithm is SplitMix64, specified by the JDK)."""

    def __init__(self, seed):
        self.seed = seed & MASK

    def next_long(self):
        self.seed = (self.seed + GOLDEN_GAMMA) & MASK
        z = self.seed
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def next_double(self):
        return (self.next_long() >> 11) * (1.0 / (1 << 53))


def idx(name, offset):
    with gzip.open(os.path.join(FASHION, name)) as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--share", type=float, default=0.02)
    a = p.parse_args()
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import balanced_accuracy_score, recall_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x = idx("train-images-idx3-ubyte.gz", 16).reshape(-1, 784).astype(np.float32) / 255
    y = idx("train-labels-idx1-ubyte.gz", 8).astype(np.int64)
    tx = idx("t10k-images-idx3-ubyte.gz", 16).reshape(-1, 784).astype(np.float32) / 255
    ty = idx("t10k-labels-idx1-ubyte.gz", 8).astype(np.int64)
    pick = SplitMix(11)
    keep = [i for i in range(len(y)) if not (y[i] == RARE and pick.next_double() >= a.share)]
    x, y = x[keep], y[keep]
    for weights in (None, "balanced"):
        t0 = time.perf_counter()
        model = make_pipeline(StandardScaler(), LogisticRegression(
            class_weight=weights, max_iter=300)).fit(x, y)
        seconds = time.perf_counter() - t0
        pred = model.predict(tx)
        print(json.dumps({
            "peer": "scikit-learn LogisticRegression (lbfgs, C=1, standardised)",
            "class_weight": weights or "none", "training_images": len(y),
            "shirts": int((y == RARE).sum()),
            "accuracy": round(float((pred == ty).mean()), 4),
            "balanced_accuracy": round(float(balanced_accuracy_score(ty, pred)), 4),
            "shirt_recall": round(float(recall_score(ty, pred, labels=[RARE], average=None)[0]),
                                  3),
            "seconds": round(seconds, 1)}), flush=True)


if __name__ == "__main__":
    main()
