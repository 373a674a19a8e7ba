#!/usr/bin/env python3
"""Tests of ann_peers.py's exact ground truth, recall count and IDX reading.

    python3 -m unittest discover -s embeddings-benchmarks/bin -p 'test_*.py'

Need numpy (skipped without it: CI's Python may have the standard library only); never
hnswlib or faiss.
"""

import gzip
import sys
import tempfile
import unittest
from pathlib import Path

try:
    import numpy as np
except ImportError:  # the whole module is skipped below
    np = None

sys.path.insert(0, str(Path(__file__).resolve().parent))


def brute(base, queries, k=10):
    d2 = ((queries.astype(np.float64)[:, None, :] - base.astype(np.float64)[None]) ** 2).sum(-1)
    ids = np.array([np.lexsort((np.arange(len(base)), row))[:k] for row in d2])
    return ids, np.sqrt(np.take_along_axis(d2, ids, axis=1))


@unittest.skipIf(np is None, "numpy is not installed (ann_peers.py needs it; CI may not have it)")
class ExactKnnTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        import ann_peers
        cls.ap = ann_peers

    def test_pixels_with_duplicate_rows_match_brute_force_ties_by_lower_row(self):
        rng = np.random.default_rng(7)
        base = rng.integers(0, 256, (1500, 784)).astype(np.float32)
        q = rng.integers(0, 256, (60, 784)).astype(np.float32)
        base[100] = base[900] = base[50]
        q[3] = base[50]
        ids, dist = self.ap.exact_knn(base, q, chunk=311, block=16)
        ref_ids, ref_dist = brute(base, q)
        np.testing.assert_array_equal(ids, ref_ids)
        np.testing.assert_allclose(dist, ref_dist, rtol=1e-6)
        self.assertEqual(list(ids[3][:3]), [50, 100, 900])
        self.assertEqual((ids.dtype, ids.shape), (np.int32, (60, 10)))

    def test_unit_vectors_match_brute_force(self):
        rng = np.random.default_rng(8)
        base = self.ap.unit_rows(rng, 2000, 64)
        q = self.ap.unit_rows(rng, 40, 64)
        ids, _ = self.ap.exact_knn(base, q, chunk=500, block=7)
        np.testing.assert_array_equal(ids, brute(base, q)[0])

    def test_random_set_is_a_prefix_of_the_larger_one(self):
        chunk = self.ap.CHUNK
        self.ap.CHUNK = 400  # the real chunk is 100,000 rows: too slow for a unit test
        try:
            small, q1 = self.ap.load_random(1000, 20, seed=3)
            large, q2 = self.ap.load_random(1500, 20, seed=3)
        finally:
            self.ap.CHUNK = chunk
        np.testing.assert_array_equal(small, large[:1000])
        np.testing.assert_array_equal(q1, q2)
        np.testing.assert_allclose(np.linalg.norm(large, axis=1), 1.0, rtol=1e-5)

    def test_recall_counts_ties_at_the_tenth_distance_as_hits(self):
        base = np.zeros((30, 2), dtype=np.float32)
        base[:, 0] = np.arange(30)
        base[11, 0] = 9.0  # row 11 ties with row 9 at distance 9 from the query at 0
        q = np.zeros((1, 2), dtype=np.float32)
        _, gt_dist = self.ap.exact_knn(base, q)
        tie = np.array([[0, 1, 2, 3, 4, 5, 6, 7, 8, 11]])  # row 11 in place of row 9
        self.assertEqual(self.ap.recall_at_k(base, q, tie, gt_dist), 1.0)
        miss = np.array([[0, 1, 2, 3, 4, 5, 6, 7, 8, 12]])
        self.assertAlmostEqual(self.ap.recall_at_k(base, q, miss, gt_dist), 0.9)
        padded = np.array([[0, 1, 2, 3, 4, -1, -1, -1, -1, -1]])  # FAISS pads with -1
        self.assertAlmostEqual(self.ap.recall_at_k(base, q, padded, gt_dist), 0.5)

    def test_truncated_idx_file_is_refused_with_its_name(self):
        with tempfile.TemporaryDirectory() as tmp:
            f = Path(tmp) / "train-images-idx3-ubyte.gz"
            header = b"\x00\x00\x08\x03" + (2).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2
            f.write_bytes(gzip.compress(header + bytes(784 * 2)))
            self.assertEqual(self.ap.read_idx_images(f).shape, (2, 784))
            f.write_bytes(gzip.compress(header + bytes(784)))
            with self.assertRaises(SystemExit) as e:
                self.ap.read_idx_images(f)
            self.assertIn(f"{f} holds 784 pixel bytes, expected 2 x 28 x 28", str(e.exception))

    def test_dataset_names_tell_subsets_apart(self):
        name = self.ap.dataset_name
        self.assertEqual(name("fashion", 60000, 10000, 60000, 10000), "fashion-mnist-784")
        self.assertEqual(name("fashion", 5000, 500, 60000, 10000),
                         "fashion-mnist-784-n5000-q500")
        self.assertEqual(name("random1m", 100000, 10000, 10**6, 10000), "random-unit-512-100k")
        self.assertEqual(name("random1m", 10**6, 10000, 10**6, 10000), "random-unit-512-1m")


if __name__ == "__main__":
    unittest.main()
