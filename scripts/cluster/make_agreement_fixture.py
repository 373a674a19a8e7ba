#!/usr/bin/env python3
"""Writes the fixture ClusteringAgreementTest checks against scikit-learn.

Seeded pairs of labellings (true classes, clusters; -1 never used), with scikit-learn's
normalized_mutual_info_score (arithmetic mean, its default) and adjusted_rand_score. One line
per pair: nmi;ari;truth (comma-separated);clusters (comma-separated). Run with Debian's Python:

    /usr/bin/python3 scripts/cluster/make_agreement_fixture.py \
        > embeddings-core/src/test/resources/cluster/agreement-sklearn.txt
"""
import sys

import numpy as np
import sklearn
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score


def main():
    rng = np.random.default_rng(42)
    out = sys.stdout
    out.write(f"# scikit-learn {sklearn.__version__}: nmi;ari;truth;clusters\n")
    cases = []
    for _ in range(12):
        n = int(rng.integers(5, 300))
        k = int(rng.integers(1, 8))
        truth = rng.integers(0, k, size=n)
        noise = rng.random(n) < rng.random()
        clusters = np.where(noise, rng.integers(0, int(rng.integers(1, 9)), size=n),
                            (truth * 3 + 1) % 7)
        cases.append((truth, clusters))
    cases.append((np.array([0, 0, 1, 1]), np.array([0, 0, 1, 1])))
    cases.append((np.array([0, 0, 1, 1]), np.array([5, 5, 5, 5])))
    cases.append((np.array([0, 0, 0, 0]), np.array([0, 1, 2, 3])))
    for truth, clusters in cases:
        out.write(f"{normalized_mutual_info_score(truth, clusters)!r};"
                  f"{adjusted_rand_score(truth, clusters)!r};"
                  f"{','.join(map(str, truth))};{','.join(map(str, clusters))}\n")


if __name__ == "__main__":
    main()
