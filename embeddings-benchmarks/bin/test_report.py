#!/usr/bin/env python3
"""Tests of report.py on a made-up run whose ratios are known.

    python3 -m unittest discover -s embeddings-benchmarks/bin -p 'test_*.py'
"""

import json
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import report  # noqa: E402

P = report.PKG


def entry(method, unit, values, mode="avgt", **params):
    return {"benchmark": P + method, "mode": mode,
            "params": {k: str(v) for k, v in params.items()},
            "primaryMetric": {"score": sum(values) / len(values), "scoreUnit": unit,
                              "rawData": [values]}}


def make_run(folder: Path) -> None:
    limits = [
        # 2^30 bytes in 0.1 s = 10.74 GB/s; sgemm 2 * 2048^3 in 1 s = 17.18 GFLOP/s.
        entry("MachineLimitsBenchmark.readOneThread", "ms/op", [200, 200, 900]),
        entry("MachineLimitsBenchmark.readAllThreads", "ms/op", [100, 90, 110]),
        entry("MachineLimitsBenchmark.sgemm", "ms/op", [1000, 1000, 1000], n=2048),
    ]
    kernels = []
    for metric in ["dot", "cosine", "euclidean", "manhattan", "hamming"]:
        kernels.append(entry("KernelBenchmark.call", "ns/op", [20], dimension=512, metric=metric,
                             impl="panama"))
        kernels.append(entry("KernelBenchmark.call", "ns/op", [80], dimension=512, metric=metric,
                             impl="scalar"))
        kernels.append(entry("KernelBenchmark.call", "ns/op", [300 if metric == "dot" else 2000],
                             dimension=512, metric=metric, impl="nd4j"))
        if metric != "manhattan":
            kernels.append(entry("LuceneKernelBenchmark.call", "ns/op",
                                 [16 if metric == "cosine" else 30], dimension=512,
                                 metric=metric))
    scan = [
        # 2.048e9 bytes in 0.256 s = 8 GB/s = 0.8 of 10 GB/s... of 10.74 here: 0.745.
        entry("ScanBenchmark.search", "ms/op", [256], rows=1000000, dimension=512, k=10),
        entry("ScanBenchmark.search", "ms/op", [1], rows=10000, dimension=512, k=10),
        entry("HammingScanBenchmark.search", "ms/op", [10], bits=256, rows=1000000, k=10),
    ]
    flops = 2.0 * 1000 * 100000 * 512
    batch = [
        # 1.024e11 FLOPs in 10 s = 10.24 GFLOP/s = 0.596 of 17.18.
        entry("BatchSearchBenchmark.searchAll", "ms/op", [10000, 9000, 11000], mode="ss",
              queries=1000, rows=100000, dimension=512, k=10),
        entry("BatchSearchBenchmark.searchAllMatrixProduct", "ms/op", [20000], mode="ss",
              queries=1000, rows=100000, dimension=512, k=10),
        entry("BatchSearchBenchmark.nd4jProduct", "ms/op", [flops / 17.179869184e9 * 1e3],
              mode="ss", queries=1000, rows=100000, dimension=512, k=10),
    ]
    pca = [entry("PcaBenchmark.ours", "ms/op", [2000], mode="ss", components=50),
           entry("PcaBenchmark.nd4jPcaFactor", "ms/op", [5000], mode="ss", components=50)]
    kmeans = [entry("KMeansBenchmark.fit", "ms/op", [110], mode="ss", k=10, iterations=10,
                    dimension=128)]
    embedder = [entry("EmbedderBenchmark.embed", "ms/op", [500], model="SQUEEZENET", batch=16),
                # 16 images in 4 s = 4/s; ceiling 17.18e9 / 2.2e9 = 7.81/s: 0.512.
                entry("EmbedderBenchmark.embed", "ms/op", [4000], model="RESNET50", batch=16)]
    for name, rows in [("limits", limits), ("kernels", kernels), ("scan", scan),
                       ("batch", batch), ("pca", pca), ("kmeans", kmeans),
                       ("embedder", embedder)]:
        (folder / f"{name}.json").write_text(json.dumps(rows))
    (folder / "run.properties").write_text(
        "java.version=17.0.15\nprofile=quick\ncommand=java -jar x quick\n"
        "start=2026-11-29T02\\:00\\:00Z\nload.start=1.0 2.0 3.0\n")
    (folder / "run.log").write_text(
        "embeddings4j-fact: flops.SQUEEZENET=500000000\n"
        "embeddings4j-fact: layer.SQUEEZENET=fire9\n"
        "embeddings4j-fact: flops.RESNET50=2200000000\n"
        "embeddings4j-fact: layer.RESNET50=res5c_branch\n"
        "INFO: Java vector incubator API enabled; uses preferredBitSize=512; FMA enabled\n")


class ReportTest(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.folder = Path(self.tmp.name) / "run"
        self.folder.mkdir()
        make_run(self.folder)
        self.run = report.load(self.folder)

    def tearDown(self):
        self.tmp.cleanup()

    def test_limits_use_medians(self):
        lim = report.limits(self.run)
        self.assertAlmostEqual(lim["bw"], 2 ** 30 / 0.1 / 1e9, places=6)
        self.assertAlmostEqual(lim["bw1"], 2 ** 30 / 0.2 / 1e9, places=6)
        self.assertAlmostEqual(lim["sgemm"], 2 * 2048 ** 3 / 1e9, places=6)

    def test_goal_ratios(self):
        g = report.goal_values(self.run)
        self.assertAlmostEqual(g["scan"], (2.048e9 / 0.256 / 1e9) / (2 ** 30 / 0.1 / 1e9), 6)
        self.assertAlmostEqual(g["nd4j"], 300 / 20)        # dot is the worst
        self.assertAlmostEqual(g["lucene"], 16 / 20)       # cosine is the worst
        self.assertAlmostEqual(g["batch"], 1.024e11 / 10 / 1e9 / (2 * 2048 ** 3 / 1e9), 6)
        self.assertAlmostEqual(g["pca"], 2.5)
        self.assertAlmostEqual(g["resnet"], (16 / 4) / (2 * 2048 ** 3 / 2.2e9), 6)

    def test_resnet_goal_absent_without_its_benchmark(self):
        emb = self.folder / "embedder.json"
        rows = [r for r in json.loads(emb.read_text()) if r["params"]["model"] != "RESNET50"]
        emb.write_text(json.dumps(rows))
        run = report.load(self.folder)
        g = report.goal_values(run)
        self.assertNotEqual(g["resnet"], g["resnet"])  # NaN: "not run here"

    def test_page_states_misses_by_how_much_and_why(self):
        out = Path(self.tmp.name) / "B.md"
        sys.argv = ["report.py", str(self.folder), "--out", str(out)]
        report.main()
        page = out.read_text()
        self.assertIn("| JDK 17.0.15 |", page)
        self.assertIn("0.80 (cosine): missed by 20%", page)      # Lucene / ours = 0.8
        self.assertIn("15.00 (dot): met", page)         # ND4J / ours = 15
        self.assertIn("2.50: met", page)
        self.assertIn(report.WHY["lucene"][:40], page)
        self.assertIn(report.WHY_LUCENE["cosine"][:40], page)
        self.assertNotIn(report.WHY_LUCENE["hamming"][:40], page)
        self.assertNotIn(report.WHY["pca"][:40], page)
        self.assertIn("0.51: met", page)                  # ResNet50 at batch 16
        self.assertNotIn(report.WHY["resnet"][:40], page)
        self.assertIn("FMA enabled", page)
        # SqueezeNet: 16 images in 0.5 s = 32/s; ceiling 17.18e9 / 5e8 = 34.4/s.
        self.assertIn("| 32.00 | 0.50 | 16.00 | 34.36 | 0.93 |", page)

    def test_alternated_batch_ratio_is_the_goals_figure_when_present(self):
        log = self.folder / "run.log"
        log.write_text(log.read_text()
                       + "embeddings4j-fact: batchSearch.alternated.pairs=7\n"
                       "embeddings4j-fact: batchSearch.alternated.searchAllGflops=150.0\n"
                       "embeddings4j-fact: batchSearch.alternated.sgemmGflops=200.0\n"
                       "embeddings4j-fact: batchSearch.alternated.ratio=0.74\n")
        run = report.load(self.folder)
        self.assertAlmostEqual(report.goal_values(run)["batch"], 0.74)
        out = Path(self.tmp.name) / "B.md"
        sys.argv = ["report.py", str(self.folder), "--out", str(out)]
        report.main()
        text = out.read_text()
        self.assertIn("0.74: met", text)
        self.assertIn("paired ratio **0.74**", text)

    def test_facts_are_read_from_facts_txt_without_the_log(self):
        # Git keeps facts.txt; run.log (*.log) is ignored, so a checkout has only the former.
        log = self.folder / "run.log"
        facts = [line for line in log.read_text().splitlines() if "embeddings4j-fact:" in line]
        (self.folder / "facts.txt").write_text("\n".join(
            facts + ["embeddings4j-fact: batchSearch.alternated.ratio=0.74"]) + "\n")
        log.unlink()
        run = report.load(self.folder)
        self.assertAlmostEqual(report.goal_values(run)["batch"], 0.74)
        for line in facts:
            key = line.split("embeddings4j-fact: ")[1].split("=")[0]
            self.assertIn(key, run.facts)

    def test_rewriting_the_page_keeps_the_ann_section(self):
        out = Path(self.tmp.name) / "B.md"
        block = f"{report.ANN_BEGIN}\n## Approximate search\n\n| made | up |\n{report.ANN_END}"
        out.write_text("old page\n\n" + block + "\n\nold tail\n")
        sys.argv = ["report.py", str(self.folder), "--out", str(out)]
        report.main()
        page = out.read_text()
        self.assertEqual(page.count(block), 1)
        self.assertNotIn("old page", page)
        self.assertLess(page.index(block), page.index(report.MEANING_HEADING))

    def test_rewriting_the_page_keeps_the_peers_section(self):
        out = Path(self.tmp.name) / "B.md"
        block = f"{report.PEERS_BEGIN}\n### Against FAISS\n\n| a | b |\n{report.PEERS_END}"
        out.write_text("old page\n\n" + block + "\n\nold tail\n")
        sys.argv = ["report.py", str(self.folder), "--out", str(out)]
        report.main()
        page = out.read_text()
        self.assertEqual(page.count(block), 1)
        self.assertNotIn("old tail", page)

    def test_rewriting_the_page_keeps_the_lab_section_after_the_ann_section(self):
        out = Path(self.tmp.name) / "B.md"
        ann = f"{report.ANN_BEGIN}\n## Approximate search\n{report.ANN_END}"
        lab = f"{report.LAB_BEGIN}\n### Decoding images\n\nwritten by hand\n{report.LAB_END}"
        out.write_text("old page\n\n" + ann + "\n\n" + lab + "\n\nold tail\n")
        sys.argv = ["report.py", str(self.folder), "--out", str(out)]
        report.main()
        page = out.read_text()
        self.assertEqual(page.count(lab), 1)
        self.assertNotIn("old tail", page)
        self.assertLess(page.index(ann), page.index(lab))
        self.assertLess(page.index(lab), page.index(report.MEANING_HEADING))


if __name__ == "__main__":
    unittest.main()
