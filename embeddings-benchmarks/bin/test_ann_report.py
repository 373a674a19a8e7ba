#!/usr/bin/env python3
"""Tests of ann_report.py on made-up curves whose interpolated values are known.

    python3 -m unittest discover -s embeddings-benchmarks/bin -p 'test_*.py'

Standard library only: no matplotlib (the page is written with --no-plot), hnswlib or faiss.
"""

import json
import math
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ann_report  # noqa: E402
import report  # noqa: E402

FASHION = "fashion-mnist-784"


def row(library, ef, recall, qps, build_s=10.0, dataset=FASHION, **extra):
    r = {"library": library, "dataset": dataset, "metric": "euclidean", "M": 16, "efC": 200,
         "ef": ef, "recall": recall, "qps": qps, "build_s": build_s, "threads": 1}
    r.update(extra)
    return r


def point(recall, qps, ef=10):
    return ann_report.Point(library="x", dataset="d", mode="single", threads=1, m=16,
                            ef_construction=200, ef=ef, recall=recall, qps=qps, build_s=1.0)


def log_interp(r0, q0, r1, q1, t):
    f = (t - r0) / (r1 - r0)
    return math.exp(math.log(q0) + f * (math.log(q1) - math.log(q0)))


class InterpolationTest(unittest.TestCase):

    def test_log_qps_is_interpolated_between_the_points_either_side(self):
        c = [point(0.80, 4000, 10), point(0.90, 1000, 20), point(0.98, 250, 40)]
        at = ann_report.qps_at(c, 0.95)
        self.assertTrue(at.interpolated)
        self.assertAlmostEqual(at.qps, log_interp(0.90, 1000, 0.98, 250, 0.95), places=6)
        self.assertAlmostEqual(at.qps, 1000 * 0.25 ** 0.625, places=6)
        self.assertEqual(at.point.ef, 40)  # the measured point: the first reaching 0.95

    def test_dominated_points_do_not_bend_the_curve(self):
        c = [point(0.90, 1000, 20), point(0.97, 100, 30), point(0.98, 250, 40)]
        self.assertEqual([p.ef for p in ann_report.pareto(c)], [20, 40])
        self.assertAlmostEqual(ann_report.qps_at(c, 0.95).qps, 1000 * 0.25 ** 0.625, places=6)

    def test_sweep_starting_above_the_target_gives_the_fastest_point_reaching_it(self):
        c = [point(0.97, 900, 10), point(0.99, 300, 20)]
        at = ann_report.qps_at(c, 0.95)
        self.assertFalse(at.interpolated)
        self.assertEqual((at.qps, at.point.ef), (900, 10))

    def test_point_exactly_at_the_target_is_taken_as_is(self):
        c = [point(0.90, 1000, 10), point(0.95, 500, 20), point(0.99, 100, 40)]
        self.assertAlmostEqual(ann_report.qps_at(c, 0.95).qps, 500, places=6)

    def test_unreached_target_is_none_and_the_table_says_so(self):
        c = [point(0.80, 1000, 10), point(0.94, 300, 20)]
        self.assertIsNone(ann_report.qps_at(c, 0.95))
        self.assertEqual(ann_report.cell(None, c)[0], "not reached (best recall 0.9400)")


class InputTest(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = Path(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, lines):
        f = self.dir / name
        f.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n")
        return f

    def test_later_line_wins_and_log_lines_are_skipped(self):
        f = self.write("a.jsonl", ["building graph...", row("hnswlib", 10, 0.9, 100),
                                   "", row("hnswlib", 10, 0.91, 120),
                                   row("hnswlib", 10, 0.5, 999, mode="batch")])
        pts = ann_report.load_points([f])
        single = [p for p in pts if p.mode == "single"]
        self.assertEqual([(p.recall, p.qps) for p in single], [(0.91, 120)])
        self.assertEqual(len(pts), 2)

    def test_missing_field_names_the_file_line_and_field(self):
        bad = row("hnswlib", 10, 0.9, 100)
        del bad["qps"]
        f = self.write("b.jsonl", [row("hnswlib", 10, 0.9, 100), bad])
        with self.assertRaises(ann_report.InputError) as e:
            ann_report.load_points([f])
        self.assertIn(f"{f}:2: no \"qps\"", str(e.exception))

    def test_out_of_range_recall_and_broken_json_are_refused(self):
        f = self.write("c.jsonl", [row("faiss", 10, 1.5, 100)])
        with self.assertRaisesRegex(ann_report.InputError, r"c.jsonl:1: recall 1.5 is outside"):
            ann_report.load_points([f])
        g = self.write("d.jsonl", ['{"library": "faiss", '])
        with self.assertRaisesRegex(ann_report.InputError, r"d.jsonl:1: not JSON"):
            ann_report.load_points([g])


class PageTest(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = Path(self.tmp.name)
        self.page = self.dir / "BENCHMARKS.md"
        self.page.write_text("# Benchmarks\n\nintro\n\n" + report.MEANING_HEADING
                             + "\n\nmeaning\n")

    def tearDown(self):
        self.tmp.cleanup()

    def run_report(self, rows):
        f = self.dir / "points.jsonl"
        f.write_text("".join(json.dumps(r) + "\n" for r in rows))
        code = ann_report.main([str(f), "--out", str(self.page), "--no-plot"])
        self.assertEqual(code, 0)
        return self.page.read_text()

    def curves(self):
        return [row("embeddings4j", 10, 0.90, 2000, 30.0), row("embeddings4j", 20, 0.98, 500, 30.0),
                row("embeddings4j", 40, 0.995, 200, 30.0),
                row("hnswlib", 10, 0.90, 1000, 15.0), row("hnswlib", 20, 0.98, 250, 15.0),
                row("hnswlib", 40, 0.995, 150, 15.0),
                row("faiss", 10, 0.96, 400, 60.0), row("faiss", 20, 0.999, 100, 60.0)]

    def test_ratios_and_targets(self):
        page = self.run_report(self.curves())
        ours95 = 2000 * 0.25 ** 0.625
        # At 0.95 both interpolate over the same recalls: ours / hnswlib = 2000 / 1000.
        self.assertIn("| 1 | q/s at recall 0.95 | 2.00: met | "
                      f"{ours95 / 400:.2f} |", page)
        ours99 = log_interp(0.98, 500, 0.995, 200, 0.99)
        theirs99 = log_interp(0.98, 250, 0.995, 150, 0.99)
        self.assertIn(f"| 1 | q/s at recall 0.99 | {ours99 / theirs99:.2f}: met | "
                      f"{ours99 / log_interp(0.96, 400, 0.999, 100, 0.99):.2f} |", page)
        # Build: 30 s against 15 s is 2.00x, over the 1.5x target by a third; FAISS no target.
        self.assertIn("| 1 | build time | **2.00: missed by 33%** | 0.50 |", page)

    def test_library_rows_give_interpolated_and_measured_points(self):
        page = self.run_report(self.curves())
        self.assertIn(f"| {ours_label()} | ? | 30.0 (1) | {2000 * 0.25 ** 0.625:,.0f} "
                      "| ef 20: 0.9800, 500 |", page)
        self.assertIn("| FAISS `IndexHNSWFlat` | ? | 60.0 (1) | 400 (sweep starts above) "
                      "| ef 10: 0.9600, 400 |", page)

    def test_section_goes_before_the_meanings_then_is_replaced_in_place(self):
        page = self.run_report(self.curves())
        self.assertLess(page.index(report.ANN_BEGIN), page.index(report.MEANING_HEADING))
        self.assertTrue(page.startswith("# Benchmarks\n\nintro\n\n" + report.ANN_BEGIN))
        page2 = self.run_report([row("hnswlib", 10, 0.97, 800, dataset="random-unit-512-100k")])
        self.assertEqual(page2.count(report.ANN_BEGIN), 1)
        self.assertNotIn("### fashion-mnist-784", page2)
        self.assertIn("### random-unit-512-100k", page2)
        self.assertTrue(page2.endswith(report.MEANING_HEADING + "\n\nmeaning\n"))

    def test_targets_apply_to_fashion_mnist_only(self):
        rows = [dict(r, dataset="random-unit-512-100k") for r in self.curves()]
        page = self.run_report(rows)
        self.assertIn("| 1 | q/s at recall 0.95 | 2.00 | ", page)
        self.assertNotIn("met", page.split(report.ANN_BEGIN)[1])

    def test_java_rows_are_told_apart_by_jdk_and_java_peers_compared_on_the_same_one(self):
        j17, j25 = {"java": "17.0.15+6-Debian-1deb12u1"}, {"java": "25.0.3+9-LTS"}
        rows = [row("embeddings4j", 10, 0.90, 2000, 30.0, **j17),
                row("embeddings4j", 20, 0.99, 500, 30.0, **j17),
                row("embeddings4j", 10, 0.90, 4000, 20.0, **j25),
                row("embeddings4j", 20, 0.99, 1000, 20.0, **j25),
                row("lucene-hnsw", 10, 0.90, 1000, 40.0, **j17),
                row("lucene-hnsw", 20, 0.99, 250, 40.0, **j17),
                row("lucene-hnsw", 10, 0.90, 2000, 80.0, **j25),
                row("lucene-hnsw", 20, 0.99, 800, 80.0, **j25),
                row("hnswlib", 10, 0.90, 1000, 15.0), row("hnswlib", 20, 0.99, 400, 15.0)]
        page = self.run_report(rows)
        # Same library, two JDKs: two rows, neither replacing the other, older JDK first.
        self.assertLess(page.index(f"| {ours_label()}, JDK 17 | ? | 30.0 (1) |"),
                        page.index(f"| {ours_label()}, JDK 25 | ? | 20.0 (1) |"))
        self.assertIn("| Lucene `OnHeapHnswGraph` (HNSW), JDK 25 | ? | 80.0 (1) | ", page)
        self.assertNotIn("hnswlib `Index` (HNSW), JDK", page)
        # At 0.99 (a measured point): hnswlib for both; Lucene on the same JDK only.
        self.assertIn("| build threads, JDK | ratio | ours / hnswlib | ours / lucene-hnsw |",
                      page)
        self.assertIn("| 1, JDK 17 | q/s at recall 0.99 | 1.25: met | 2.00 |", page)
        self.assertIn("| 1, JDK 25 | q/s at recall 0.99 | 2.50: met | 1.25 |", page)
        self.assertIn("| 1, JDK 25 | build time | 1.33: met | 0.25 |", page)

    def test_one_marker_alone_is_an_error_naming_both(self):
        self.page.write_text("x\n" + report.ANN_BEGIN + "\nno end\n")
        f = self.dir / "p.jsonl"
        f.write_text(json.dumps(row("hnswlib", 10, 0.9, 100)) + "\n")
        code = ann_report.main([str(f), "--out", str(self.page), "--no-plot"])
        self.assertEqual(code, 2)
        self.assertEqual(self.page.read_text(), "x\n" + report.ANN_BEGIN + "\nno end\n")

    def test_no_input_writes_the_protocol_and_says_nothing_is_measured(self):
        self.assertEqual(ann_report.main(["--out", str(self.page), "--no-plot"]), 0)
        text = self.page.read_text()
        self.assertIn("No run recorded yet", text)
        self.assertIn("ann-bench.sh", text)


def ours_label():
    return ann_report.PEER_NAMES[ann_report.OURS]


if __name__ == "__main__":
    unittest.main()
