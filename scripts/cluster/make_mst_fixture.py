#!/usr/bin/env python3
"""Writes the fixture HdbscanTest checks the core distances and the spanning tree against.

Seeded points in 4 dimensions (three groups and some uniform noise), their core distances for
min_samples = 4 (the 4th nearest point, itself counted, as scikit-learn's HDBSCAN counts), and
the merge heights of SciPy's single linkage on the mutual reachability distances, which are the
weights of their minimum spanning tree. Run with Debian's Python:

    /usr/bin/python3 scripts/cluster/make_mst_fixture.py \
        > embeddings-core/src/test/resources/cluster/mst-scipy.csv
"""
import sys

import numpy as np
import scipy
from scipy.cluster.hierarchy import linkage
from scipy.spatial.distance import cdist, squareform


def main():
    rng = np.random.default_rng(7)
    groups = [rng.normal(c, s, size=(20, 4)) for c, s in ((0, 0.5), (5, 1.0), (-6, 0.3))]
    noise = rng.uniform(-10, 10, size=(10, 4))
    x = np.concatenate(groups + [noise]).astype(np.float32)
    d = cdist(x.astype(np.float64), x.astype(np.float64))
    k = 4
    core = np.sort(d, axis=1)[:, k - 1]
    mreach = np.maximum(d, np.maximum(core[:, None], core[None, :]))
    np.fill_diagonal(mreach, 0)
    heights = np.sort(linkage(squareform(mreach, checks=False), method="single")[:, 2])
    out = sys.stdout
    out.write(f"# scipy {scipy.__version__}, min_samples {k}; rows: x0..x3,core; then heights\n")
    for i in range(len(x)):
        out.write(",".join([repr(float(v)) for v in x[i]] + [repr(float(core[i]))]) + "\n")
    out.write("heights\n")
    out.write("\n".join(repr(float(h)) for h in heights) + "\n")


if __name__ == "__main__":
    main()
