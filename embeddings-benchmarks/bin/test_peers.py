"""Tests of peers.py's pairing of rounds and of its page section (no FAISS or JVM needed)."""

import importlib.util
import tempfile
import unittest
from pathlib import Path

HAVE_NUMPY = importlib.util.find_spec("numpy") is not None
if HAVE_NUMPY:
    import peers


@unittest.skipUnless(HAVE_NUMPY, "peers.py needs numpy")
class PeersTest(unittest.TestCase):

    def test_ratios_are_medians_of_same_round_pairs_and_order_rotates(self):
        calls = []
        ours_times = [9.0, 1.0, 2.0, 4.0]      # round 0 is the warm-up
        peer_times = [9.0, 3.0, 2.0, 2.0]

        def ours(r):
            calls.append(("ours", r))
            return ours_times[r], 10.0

        def peer(r):
            calls.append(("peer", r))
            return peer_times[r], 11.0

        res = peers.alternate({"embeddings4j": ours, "faiss": peer}, 3, {"k": 10}, warmup=1)
        # Paired ratios 3, 1, 0.5: median 1 (the medians of each side would give 2 / 2 = 1 too,
        # but a drift between rounds would not cancel there).
        self.assertEqual(res["contenders"]["faiss"]["ratio"], 1.0)
        self.assertEqual(res["contenders"]["embeddings4j"]["median_seconds"], 2.0)
        self.assertAlmostEqual(res["contenders"]["embeddings4j"]["spread"], 3.0)
        self.assertEqual(res["contenders"]["faiss"]["median_inertia"], 11.0)
        self.assertEqual(calls[:4], [("ours", 0), ("peer", 0), ("peer", 1), ("ours", 1)])

    def test_section_is_replaced_between_its_markers_only(self):
        with tempfile.TemporaryDirectory() as tmp:
            doc = Path(tmp) / "B.md"
            doc.write_text(f"head\n{peers.BEGIN}\nold\n{peers.END}\ntail\n")
            peers.replace_section(doc, f"{peers.BEGIN}\nnew\n{peers.END}")
            self.assertEqual(doc.read_text(), f"head\n{peers.BEGIN}\nnew\n{peers.END}\ntail\n")
            plain = Path(tmp) / "C.md"
            plain.write_text("page\n")
            peers.replace_section(plain, f"{peers.BEGIN}\nx\n{peers.END}")
            self.assertTrue(plain.read_text().endswith(f"{peers.END}\n"))


if __name__ == "__main__":
    unittest.main()
