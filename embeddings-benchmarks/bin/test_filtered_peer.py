#!/usr/bin/env python3
"""Tests of filtered_peer.py's recall count and its check of the exported folder.

    python3 -m unittest discover -s embeddings-benchmarks/bin -p 'test_*.py'

Need numpy (skipped without it: CI's Python may have the standard library only); never faiss.
"""

import sys
import tempfile
import unittest
from pathlib import Path

try:
    import numpy as np
except ImportError:  # the whole module is skipped below
    np = None

sys.path.insert(0, str(Path(__file__).resolve().parent))


@unittest.skipIf(np is None, "numpy is not installed (filtered_peer.py needs it)")
class FilteredPeerTest(unittest.TestCase):

    def test_recall_counts_found_ids_among_the_exact_ones_and_ignores_padding(self):
        import filtered_peer
        truth = np.array([[1, 2, 3, 4], [5, 6, -1, -1]])
        # Query 0: 2 of 4 found (order does not matter); query 1: both of its 2; -1 pads.
        found = [np.array([4, 9, 1, -1]), np.array([6, 5, -1, -1])]
        self.assertAlmostEqual(4 / 6, filtered_peer.recall(truth, found))
        self.assertEqual(1.0, filtered_peer.recall(np.full((2, 3), -1), found))

    def test_a_share_list_that_does_not_match_the_masks_is_refused_by_name(self):
        import filtered_peer
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            np.save(folder / "base.npy", np.zeros((4, 2), np.float32))
            np.save(folder / "queries.npy", np.zeros((1, 2), np.float32))
            np.save(folder / "base-labels.npy", np.zeros((4, 1), np.float32))
            np.save(folder / "query-labels.npy", np.zeros((1, 1), np.float32))
            np.save(folder / "masks.npy", np.ones((2, 4), np.float32))
            with self.assertRaises(SystemExit) as stop:
                filtered_peer.main([str(folder), "--shares", "0.5"])
            message = str(stop.exception)
            self.assertIn("masks.npy holds 2 filters", message)
            self.assertIn("--shares names 1", message)


if __name__ == "__main__":
    unittest.main()
