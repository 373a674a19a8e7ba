#!/usr/bin/env python3
"""Writes the fixture that SilhouetteTest checks against scikit-learn.

Points from four overlapping Gaussian groups in 8 dimensions (seeded), labels that are the groups
with a tenth of them moved to a wrong group and one point made a cluster of its own, and
scikit-learn's silhouette_samples for them. Run with Debian's Python (python3-sklearn):

    /usr/bin/python3 scripts/cluster/make_silhouette_fixture.py \
        > embeddings-core/src/test/resources/cluster/silhouette-sklearn.csv
"""
import sys

import numpy as np
import sklearn
from sklearn.metrics import silhouette_samples, silhouette_score


def main():
    rng = np.random.default_rng(20261206)
    groups, per, dim = 4, 60, 8
    centres = rng.normal(0.0, 3.0, size=(groups, dim))
    x = np.concatenate([centres[g] + rng.normal(0.0, 1.5, size=(per, dim))
                        for g in range(groups)]).astype(np.float32)
    labels = np.repeat(np.arange(groups), per)
    moved = rng.choice(len(labels), size=len(labels) // 10, replace=False)
    labels[moved] = (labels[moved] + 1) % groups
    labels[7] = groups  # a cluster of one point
    values = silhouette_samples(x.astype(np.float64), labels)
    out = sys.stdout
    out.write(f"# scikit-learn {sklearn.__version__}, silhouette_score "
              f"{silhouette_score(x.astype(np.float64), labels):.17g}\n")
    out.write(",".join([f"x{j}" for j in range(dim)] + ["label", "silhouette"]) + "\n")
    for i in range(len(labels)):
        out.write(",".join([repr(float(v)) for v in x[i]]
                           + [str(int(labels[i])), repr(float(values[i]))]) + "\n")


if __name__ == "__main__":
    main()
