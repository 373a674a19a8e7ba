#!/usr/bin/env python3
"""Writes docs/BENCHMARKS.md from the folders of one or more benchmark runs.

Each folder is what ``java -jar embeddings-benchmarks/target/benchmarks.jar quick|full --out DIR``
wrote: one JMH JSON file per group, ``run.log`` (JMH's output and the forks': Lucene's line about
its SIMD path, the ``embeddings4j-fact:`` lines) and ``run.properties`` (command, JDK, CPU, time,
load). Every figure in the page is computed here from those files; nothing is typed by hand.

    python3 embeddings-benchmarks/bin/report.py embeddings-benchmarks/results/jdk17-quick \
        embeddings-benchmarks/results/jdk25-quick --out docs/BENCHMARKS.md

Python 3.11, standard library only. Scores are medians of the measured iterations of all forks.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import tempfile
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path

PKG = "io.github.embeddings4j.benchmarks."
UNIT_SECONDS = {"ns/op": 1e-9, "us/op": 1e-6, "ms/op": 1e-3, "s/op": 1.0}
READ_BYTES = 1 << 30
# The approximate-search section is written by ann_report.py between these markers, and the
# peers' section (k-means and batch search against FAISS and scikit-learn) by peers.py; this
# script keeps both when it rewrites the rest of the page.
ANN_BEGIN = "<!-- ann:begin -->"
ANN_END = "<!-- ann:end -->"
PEERS_BEGIN = "<!-- peers:begin -->"
PEERS_END = "<!-- peers:end -->"
# The figures of the lab programs and scripts (filtered search, read in place, decoding, ...),
# written by hand after runs of their own, sit between these markers; kept like the two above.
LAB_BEGIN = "<!-- lab:begin -->"
LAB_END = "<!-- lab:end -->"
MEANING_HEADING = "## What each figure means"

# The goals of issue 6: (key, description, target, "higher" means the value must be >= target).
GOALS = [
    ("scan", "Out-of-cache single-query scan (1M x 512) / read bandwidth, all threads", 0.80),
    ("nd4j", "Per-pair kernels at 512-d: ND4J per-pair time / ours (worst metric)", 10.0),
    ("lucene", "Per-pair kernels at 512-d: Lucene VectorUtil time / ours (worst metric)", 1.0),
    ("batch", "1,000 x 100,000 batch search GFLOP/s / ND4J sgemm GFLOP/s", 0.70),
    ("pca", "PCA fit 60,000 x 784: ND4J pca_factor time / ours", 2.0),
    # Issue 4's goal, from the embedder benchmark: the better of one and two network copies.
    ("resnet", "ResNet50 embedder, batch 16: images/s / ceiling (sgemm ÷ FLOPs per image)", 0.5),
]

# Why a goal is missed, when it is: the causes measured while building the suite. The page
# prints the one of a goal only where that goal is missed in a run.
WHY = {
    "resnet": (
        "the embedder's rate and the sgemm denominator come from JMH forks minutes apart, and "
        "this shared machine's speed drifts by up to 2x over minutes; docs/models.md (H) "
        "measures the same network with each batch paired with a product (ZooThroughput: "
        "63-77% at batch 16 on the oneDNN graph executor)."),
    "scan": (
        "A scan does more per byte than the read loop: a dot product per 2 KiB row that ends "
        "in a horizontal sum of its vector accumulators, and a top-k test; the rows are split "
        "between the threads and the slower one decides, so when a search thread waits for a "
        "core taken by another job, that time counts as lost bandwidth. The in-cache row of the "
        "scan table shows the kernel's own speed where memory is not the bound."),
    "nd4j": (
        "the worst metric is the one where ND4J's per-pair call is cheapest: for dot product "
        "the benchmark calls BLAS `dot` through `Nd4j.getBlasWrapper()`, one JNI call into "
        "`cblas_sdot` on buffers made in setup (about 0.4-0.5 us), where `Transforms.cosineSim` "
        "and the distances build an op and run it through the executioner (tens of "
        "microseconds). Ours must then take under a tenth of a JNI round trip: a 512-d dot "
        "product is 64 loads of 64 bytes, and a Java array's data starts 16 bytes past the "
        "object's 8-byte-aligned start, so wherever the heap puts the two arrays most of those "
        "loads straddle two cache lines; that placement changes from fork to fork and moved "
        "one fork's time by up to a third (compare the best-iteration column). Until session 3 "
        "our kernels were also too large for C2 to inline (345-429 bytecodes, over "
        "FreqInlineSize 325), which cost the 512-d dot product about 18 ns of 45."),
    "lucene": (
        "the metric named is the one where Lucene's call was fastest relative to ours. Both "
        "kernels do the same loads and fused multiply-adds at the widest vectors (on JDK 17 "
        "Lucene 9 runs scalar loops, on JDK 25 Lucene 10 its Panama ones); each fork places "
        "the arrays anew, and whether the 64-byte loads straddle cache lines moves a fork by "
        "up to a third. The spread between runs is as large as the gaps: in session 3, on the "
        "same code and an idle machine, our 512-d cosine over Lucene 10's measured 58.5 / 65.0 "
        "ns in one 4-fork run and 66.1 / 55.5 ns in a 6-fork run (JMH runs all forks of one "
        "benchmark before the next, so a drift of the machine lands on one side). Ratios "
        "within about 15% of 1 are a tie at this resolution; a gap that repeats across runs "
        "and in the best-iteration column would be real."),
    "batch": (
        "the default route for 1,000 queries is matrix products (BatchScorer) with ND4J's "
        "oneDNN build, over the index's 8,192-row storage blocks; besides the products, each "
        "search copies every block into ND4J's memory (about 45 ms for 100,000 x 512, memory "
        "bound), selects candidates from the 1,000 x rows scores (a SIMD filter over each "
        "query's scores, about 60 ms) and re-ranks them exactly. Session 4 took the route from "
        "0.40 to about 0.7 of the rate (it had allocated a 16 MB native buffer and a 32 MB "
        "score array per block and selected with a scalar loop); on this shared machine the "
        "ratio of one run moves by 0.1 with the load. Keeping the index's rows in ND4J's "
        "memory between searches would remove the copies, at twice the memory."),
    "pca": (
        "Both fits spend their time in the same native BLAS/LAPACK: the covariance product "
        "(ours, ssyrk) or the SVD (ND4J); when the machine is loaded the native threads "
        "compete with the other builds and the ratio moves towards 1."),
}


# Per metric, why Lucene's VectorUtil can be faster than ours there.
WHY_LUCENE = {
    "hamming": (
        "ours and Lucene's `xorBitCount` do the same work, `Long.bitCount` of the XOR over the "
        "same eight 64-bit words (our Vector-API provider keeps the scalar loop: `popcnt` "
        "already does 64 bits an instruction), so the gap is the noise of a 10 ns call."),
    "dot": (
        "on JDK 17 Lucene runs its scalar loop (its log says the JDK is too old for its "
        "Panama path); on JDK 25 Lucene 10's Panama `dotProduct` is a four-accumulator FMA "
        "loop at the widest vectors, like ours, and a gap that repeats across runs would be "
        "real."),
    "cosine": (
        "Lucene computes the dot product and both norms in one pass with separate "
        "accumulators, as ours does (two sets of three, 286 bytecodes, inlined by C2); before "
        "session 3 ours was too large to inline and ran 15-20% behind Lucene 10's."),
    "euclidean": (
        "Lucene 10's `squareDistance` uses four accumulators of (a - b) squared with FMA, as "
        "ours does (324 bytecodes, inlined); the gap is within the fork-to-fork spread unless "
        "it repeats."),
}


def write_atomic(path: Path, data: bytes) -> None:
    """Writes a file through a temporary file in its folder, moved into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix="." + path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def kept_ann_section(path: Path) -> str:
    """The ann_report.py section of the current page, markers included, or ""."""
    return kept_section(path, ANN_BEGIN, ANN_END)


def kept_section(path: Path, begin_marker: str, end_marker: str) -> str:
    """A section another script maintains, markers included, or "" when the page lacks it."""
    if not path.is_file():
        return ""
    page = path.read_text(encoding="utf-8")
    begin, end = page.find(begin_marker), page.find(end_marker)
    return page[begin:end + len(end_marker)] if 0 <= begin < end else ""


def median(values):
    return statistics.median(values) if values else float("nan")


@dataclass
class Run:
    folder: Path
    meta: dict[str, str]
    results: list[dict] = field(default_factory=list)
    facts: dict[str, str] = field(default_factory=dict)
    lucene_lines: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return "JDK " + self.meta.get("java.version", "?")

    def seconds(self, method: str, stat=None, **params) -> float:
        """The median (or, with stat=min, the best) seconds per operation of a benchmark."""
        for r in self.results:
            if r["benchmark"] != PKG + method:
                continue
            p = r.get("params", {})
            if all(str(p.get(k)) == str(v) for k, v in params.items()):
                pm = r["primaryMetric"]
                raw = [x for fork in pm.get("rawData", []) for x in fork]
                scale = UNIT_SECONDS.get(pm["scoreUnit"])
                if scale is None:
                    raise ValueError(f"{self.folder}: unit {pm['scoreUnit']} of {method}")
                return (stat or median)(raw) * scale if raw else float("nan")
        return float("nan")

    def has(self, method: str) -> bool:
        """Whether the run has results of a benchmark (older runs lack newer ones)."""
        return any(r["benchmark"] == PKG + method for r in self.results)

    def params_of(self, method: str, name: str) -> list[str]:
        values = []
        for r in self.results:
            if r["benchmark"] == PKG + method and name in r.get("params", {}):
                v = r["params"][name]
                if v not in values:
                    values.append(v)
        return values


def read_properties(path: Path) -> dict[str, str]:
    out = {}
    if not path.exists():
        return out
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#") or "=" not in line:
            continue
        k, v = line.split("=", 1)
        out[k.strip()] = v.replace("\\:", ":").replace("\\=", "=").replace("\\\\", "\\").strip()
    return out


def load(folder: Path) -> Run:
    if not folder.is_dir():
        sys.exit(f"report.py: no run folder {folder}")
    run = Run(folder, read_properties(folder / "run.properties"))
    for f in sorted(folder.glob("*.json")):
        text = f.read_text(encoding="utf-8").strip()
        if text:
            run.results.extend(json.loads(text))
    # facts.txt (the lines of run.log the report reads, written beside it) is what git keeps;
    # run.log, when present, holds the same lines and more.
    for log in (folder / "facts.txt", folder / "run.log"):
        if not log.exists():
            continue
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            # A fork's line may follow JMH's "# Warmup Iteration 1: " on the same line.
            m = re.search(r"embeddings4j-fact: ([^=\s]+)=(.*)$", line.strip())
            if m:
                run.facts[m.group(1)] = m.group(2)
            else:
                # Lucene's own message (java.util.logging prints a header line before it).
                m = re.search(r"((?:INFO|WARNING): .*vector incubator.*)$", line.strip())
                if m and m.group(1) not in run.lucene_lines:
                    run.lucene_lines.append(m.group(1))
    if not run.results:
        sys.exit(f"report.py: {folder} holds no JMH results")
    if not (folder / "facts.txt").exists() and not (folder / "run.log").exists():
        print(f"report.py: {folder} has neither facts.txt nor run.log: the goals that need the"
              " run's facts (the alternated batch ratio, FLOPs per image) fall back or are left"
              " out", file=sys.stderr)
    return run


def fmt(x: float, digits: int = 2) -> str:
    if x != x:  # NaN
        return "—"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.{digits}f}"


def ratio(x: float) -> str:
    return "—" if x != x else f"{x:.2f}"


def limits(run: Run) -> dict[str, float]:
    n = int((run.params_of("MachineLimitsBenchmark.sgemm", "n") or ["2048"])[0])
    return {
        "bw1": READ_BYTES / run.seconds("MachineLimitsBenchmark.readOneThread") / 1e9,
        "bw": READ_BYTES / run.seconds("MachineLimitsBenchmark.readAllThreads") / 1e9,
        "sgemm": 2.0 * n ** 3 / run.seconds("MachineLimitsBenchmark.sgemm", n=n) / 1e9,
        "n": n,
    }


def goal_values(run: Run) -> dict[str, float]:
    lim = limits(run)
    out = {}
    t = run.seconds("ScanBenchmark.search", rows=1000000, dimension=512)
    out["scan"] = (1e6 * 512 * 4 / t / 1e9) / lim["bw"]
    nd4j, luc = [], []
    for metric in ["dot", "cosine", "euclidean", "manhattan", "hamming"]:
        ours = run.seconds("KernelBenchmark.call", dimension=512, metric=metric, impl="panama")
        x = run.seconds("KernelBenchmark.call", dimension=512, metric=metric, impl="nd4j") / ours
        if x == x:
            nd4j.append((x, metric))
        lt = run.seconds("LuceneKernelBenchmark.call", dimension=512, metric=metric)
        if lt / ours == lt / ours:
            luc.append((lt / ours, metric))
    # The worst metric decides; its name goes into the table.
    out["nd4j"], out["nd4j.metric"] = min(nd4j, default=(float("nan"), ""))
    out["lucene"], out["lucene.metric"] = min(luc, default=(float("nan"), ""))
    # The same from each fork's best iteration: a call of tens of nanoseconds is stretched
    # a thousandfold in an iteration where its thread waits for a core, and the best
    # iteration is the one least disturbed.
    best_nd4j, best_luc = [], []
    for metric in ["dot", "cosine", "euclidean", "manhattan", "hamming"]:
        ours = run.seconds("KernelBenchmark.call", min, dimension=512, metric=metric,
                           impl="panama")
        x = run.seconds("KernelBenchmark.call", min, dimension=512, metric=metric,
                        impl="nd4j") / ours
        if x == x:
            best_nd4j.append((x, metric))
        y = run.seconds("LuceneKernelBenchmark.call", min, dimension=512, metric=metric) / ours
        if y == y:
            best_luc.append((y, metric))
    out["nd4j.best"], out["nd4j.bestMetric"] = min(best_nd4j, default=(float("nan"), ""))
    out["lucene.best"], out["lucene.bestMetric"] = min(best_luc, default=(float("nan"), ""))
    b = batch_rates(run)
    # Since session 4 the default route's fork also alternates searches with the sgemm product
    # and notes the median paired ratio: rates measured seconds apart, not in forks minutes
    # apart. Runs without it use the two forks' medians.
    alternated = run.facts.get("batchSearch.alternated.ratio")
    out["batch"] = float(alternated) if alternated else b["searchAll"] / lim["sgemm"]
    out["pca"] = run.seconds("PcaBenchmark.nd4jPcaFactor") / run.seconds("PcaBenchmark.ours")
    out["resnet"] = resnet_share(run, lim)
    return out


def resnet_share(run: Run, lim: dict[str, float]) -> float:
    """ResNet50 at batch 16: images/s over sgemm / FLOPs, the best of the copies measured."""
    flops = float(run.facts.get("flops.RESNET50", "nan"))
    if "RESNET50" not in run.params_of("EmbedderBenchmark.embed", "model") or flops != flops:
        return float("nan")
    copies = run.params_of("EmbedderBenchmark.embed", "copies") or [None]
    best = float("nan")
    for c in copies:
        where = {"model": "RESNET50", "batch": 16}
        if c is not None:
            where["copies"] = c
        t = run.seconds("EmbedderBenchmark.embed", **where)
        share = (16 / t) / (lim["sgemm"] * 1e9 / flops)
        if share == share and not share <= best:
            best = share
    return best


def batch_rates(run: Run) -> dict[str, float]:
    q = int((run.params_of("BatchSearchBenchmark.searchAll", "queries") or ["1000"])[0])
    rows = int((run.params_of("BatchSearchBenchmark.searchAll", "rows") or ["100000"])[0])
    d = int((run.params_of("BatchSearchBenchmark.searchAll", "dimension") or ["512"])[0])
    flops = 2.0 * q * rows * d
    return {m: flops / run.seconds("BatchSearchBenchmark." + m) / 1e9
            for m in ["searchAll", "searchAllKernels", "searchAllMatrixProduct", "nd4jProduct"]
            if run.has("BatchSearchBenchmark." + m)}


def duration(r: Run) -> str:
    from datetime import datetime
    try:
        start = datetime.fromisoformat(r.meta["start"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(r.meta["end"].replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return "?"
    seconds = int((end - start).total_seconds())
    return f"{seconds // 60} min {seconds % 60} s"


def header(runs: list[Run]) -> list[str]:
    out = ["| | " + " | ".join(r.label for r in runs) + " |",
           "|---|" + "---|" * len(runs)]
    rows = [
        ("command", lambda r: "`" + r.meta.get("command", "?") + "`"),
        ("profile", lambda r: r.meta.get("profile", "?")),
        ("JVM", lambda r: r.meta.get("java.vm", "?")),
        ("CPU (`/proc/cpuinfo` model name)", lambda r: r.meta.get("cpu", "?") + ", "
         + r.meta.get("processors", "?") + " processors"),
        ("started (UTC)", lambda r: r.meta.get("start", "?")[:19].replace("T", " ")),
        ("ended (UTC)", lambda r: r.meta.get("end", "?")[:19].replace("T", " ")),
        ("duration", duration),
        ("load average at start / end (1, 5, 15 min)",
         lambda r: r.meta.get("load.start", "?") + " / " + r.meta.get("load.end", "?")),
        ("ND4J native build", lambda r: r.facts.get("nd4j.nativeFlavour", "?")),
        ("Lucene", lambda r: r.facts.get("lucene.version", "?") + ", `VectorUtil` on "
         + r.facts.get("lucene.vectorUtilSupport", "?")),
        ("Lucene's log line", lambda r: "; ".join("`" + x + "`" for x in r.lucene_lines)
         or "none found in run.log"),
        ("PCA / k-means data", lambda r: r.facts.get("data", "?")),
        ("groups that failed", lambda r: r.meta.get("failed") or "none"),
    ]
    for name, f in rows:
        out.append(f"| {name} | " + " | ".join(f(r) for r in runs) + " |")
    return out


def run_tables(run: Run) -> list[str]:
    lim = limits(run)
    L = [f"### {run.label} ({run.meta.get('profile', '?')} profile)", ""]
    L += ["**Machine limits** (the denominators below)", "",
          "| limit | median | rate |", "|---|---:|---:|",
          f"| read 1 GiB, one thread | {fmt(1e3 * run.seconds('MachineLimitsBenchmark.readOneThread'))} ms | {fmt(lim['bw1'])} GB/s |",
          f"| read 1 GiB, all threads | {fmt(1e3 * run.seconds('MachineLimitsBenchmark.readAllThreads'))} ms | **{fmt(lim['bw'])} GB/s** |",
          f"| ND4J sgemm {lim['n']} x {lim['n']} | {fmt(1e3 * run.seconds('MachineLimitsBenchmark.sgemm', n=lim['n']))} ms | **{fmt(lim['sgemm'])} GFLOP/s** |",
          ""]

    # Per-pair kernels.
    dims = sorted({int(d) for d in run.params_of("KernelBenchmark.call", "dimension")})
    L += ["**Per-pair kernels** (ns per call, medians and each fork's best iteration; "
          "ratios > 1 mean ours is faster)", "",
          "| metric | dim | ours SIMD | ours scalar | ND4J | Lucene | ND4J / ours | Lucene / ours "
          "| best iterations: ours SIMD | ND4J / ours | Lucene / ours |",
          "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for metric in ["dot", "cosine", "euclidean", "manhattan", "hamming"]:
        for d in dims:
            ours = run.seconds("KernelBenchmark.call", dimension=d, metric=metric, impl="panama")
            sc = run.seconds("KernelBenchmark.call", dimension=d, metric=metric, impl="scalar")
            nd = run.seconds("KernelBenchmark.call", dimension=d, metric=metric, impl="nd4j")
            lu = run.seconds("LuceneKernelBenchmark.call", dimension=d, metric=metric)
            bo = run.seconds("KernelBenchmark.call", min, dimension=d, metric=metric,
                             impl="panama")
            bn = run.seconds("KernelBenchmark.call", min, dimension=d, metric=metric,
                             impl="nd4j")
            bl = run.seconds("LuceneKernelBenchmark.call", min, dimension=d, metric=metric)
            L.append(f"| {metric} | {d} | {fmt(ours * 1e9)} | {fmt(sc * 1e9)} | {fmt(nd * 1e9)} "
                     f"| {fmt(lu * 1e9)} | {ratio(nd / ours)} | {ratio(lu / ours)} "
                     f"| {fmt(bo * 1e9)} | {ratio(bn / bo)} | {ratio(bl / bo)} |")
    L.append("")

    # Scans.
    L += ["**Single-query scans** (top 10, all threads; bytes of the index read per second)", "",
          "| scan | median | GB/s | ÷ bandwidth (all threads) | vectors or codes per second |",
          "|---|---:|---:|---:|---:|"]
    for rows in sorted({int(x) for x in run.params_of("ScanBenchmark.search", "rows")}):
        t = run.seconds("ScanBenchmark.search", rows=rows)
        gbs = rows * 512 * 4 / t / 1e9
        where = "in cache" if rows * 2048 < 200 * 2 ** 20 else "out of cache"
        L.append(f"| {rows:,} x 512 floats, dot ({where}) | {fmt(t * 1e3)} ms | {fmt(gbs)} "
                 f"| {ratio(gbs / lim['bw'])} | {fmt(rows / t / 1e6)} M |")
    for bits in sorted({int(x) for x in run.params_of("HammingScanBenchmark.search", "bits")}):
        rows = int(run.params_of("HammingScanBenchmark.search", "rows")[0])
        t = run.seconds("HammingScanBenchmark.search", bits=bits)
        gbs = rows * bits / 8 / t / 1e9
        L.append(f"| {rows:,} x {bits}-bit codes, Hamming | {fmt(t * 1e3)} ms | {fmt(gbs)} "
                 f"| {ratio(gbs / lim['bw'])} | {fmt(rows / t / 1e6)} M |")
    L.append("")

    # Batch search.
    b = batch_rates(run)
    L += ["**Batch search**: 1,000 queries x 100,000 vectors x 512, dot product, top 10 "
          "(GFLOP/s = 2 x 1,000 x 100,000 x 512 / time)", "",
          "| route | median | GFLOP/s | ÷ sgemm 2048 | ÷ ND4J product, same shape |",
          "|---|---:|---:|---:|---:|"]
    names = {"searchAll": "`FlatIndex.searchAll` (default route"
                           + (": matrix products" if run.facts.get("batchSearch.matrixProductRoute")
                              == "true" else ": SIMD kernels") + ")",
             "searchAllKernels": "`FlatIndex.searchAll`, SIMD kernels forced (4 queries per row read)",
             "searchAllMatrixProduct": "`FlatIndex.searchAll`, matrix-product route forced",
             "nd4jProduct": "bare ND4J `gemm` 1000 x 512 x 100000, no top-k (peer)"}
    for m, name in names.items():
        if m not in b:
            continue
        t = run.seconds("BatchSearchBenchmark." + m)
        L.append(f"| {name} | {fmt(t)} s | {fmt(b[m])} | {ratio(b[m] / lim['sgemm'])} "
                 f"| {ratio(b[m] / b['nd4jProduct'])} |")
    L.append("")
    if run.facts.get("batchSearch.alternated.ratio"):
        f = run.facts
        L += [f"Alternated in the default route's fork ({f['batchSearch.alternated.pairs']} pairs "
              f"of one search and the 2048 x 2048 sgemm, medians): searchAll "
              f"{fmt(float(f['batchSearch.alternated.searchAllGflops']))} GFLOP/s, sgemm "
              f"{fmt(float(f['batchSearch.alternated.sgemmGflops']))} GFLOP/s, paired ratio "
              f"**{ratio(float(f['batchSearch.alternated.ratio']))}** (the goal's figure).", ""]

    # PCA.
    ours = run.seconds("PcaBenchmark.ours")
    nd = run.seconds("PcaBenchmark.nd4jPcaFactor")
    comps = (run.params_of("PcaBenchmark.ours", "components") or ["?"])[0]
    L += [f"**PCA fit**, 60,000 x 784, {comps} components", "",
          "| fit | median | ND4J / ours |", "|---|---:|---:|",
          f"| ours, `Pca.fit` | {fmt(ours)} s | {ratio(nd / ours)} |",
          f"| ND4J `PCA.pca_factor` (peer) | {fmt(nd)} s | 1.00 |", ""]

    # k-means.
    L += ["**k-means**, 60,000 x 128, Lloyd iterations (each call: the iterations, one final "
          "assignment and the inertia)", "",
          "| k | iterations per call | median per call | per iteration | assignment GFLOP/s | ÷ sgemm |",
          "|---:|---:|---:|---:|---:|---:|"]
    for k in sorted({int(x) for x in run.params_of("KMeansBenchmark.fit", "k")}):
        its = int(run.params_of("KMeansBenchmark.fit", "iterations")[0])
        d = int(run.params_of("KMeansBenchmark.fit", "dimension")[0])
        t = run.seconds("KMeansBenchmark.fit", k=k)
        g = (its + 1) * 2.0 * 60000 * k * d / t / 1e9
        L.append(f"| {k} | {its} | {fmt(t * 1e3)} ms | {fmt(t / its * 1e3)} ms | {fmt(g)} "
                 f"| {ratio(g / lim['sgemm'])} |")
    L.append("")

    # Embedders.
    L += ["**Embedders** (random weights; images of the model's size already in memory; "
          "copies: network copies running a call's batches side by side)", "",
          "| model | batch | copies | median per batch | images/s | GFLOP per image | GFLOP/s | ceiling images/s (sgemm ÷ FLOPs) | ÷ ceiling |",
          "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    # Runs before session 4 have no "copies" parameter: one copy.
    copies_values = sorted({int(x) for x in run.params_of("EmbedderBenchmark.embed", "copies")})
    for model in run.params_of("EmbedderBenchmark.embed", "model"):
        flops = float(run.facts.get("flops." + model, "nan"))
        for batch in sorted({int(x) for x in run.params_of("EmbedderBenchmark.embed", "batch")}):
            for copies in copies_values or [None]:
                if copies is not None and copies > 1 and batch == 1:
                    continue  # one image is one forward pass whatever the copies
                where = {"model": model, "batch": batch}
                if copies is not None:
                    where["copies"] = copies
                t = run.seconds("EmbedderBenchmark.embed", **where)
                ips = batch / t
                ceiling = lim["sgemm"] * 1e9 / flops
                L.append(f"| {model} (to `{run.facts.get('layer.' + model, '?')}`) | {batch} "
                         f"| {copies or 1} | {fmt(t * 1e3)} ms | {fmt(ips)} "
                         f"| {fmt(flops / 1e9)} | {fmt(ips * flops / 1e9)} | {fmt(ceiling)} "
                         f"| {ratio(ips / ceiling)} |")
    L.append("")
    return L


def goals_table(runs: list[Run]) -> list[str]:
    values = [goal_values(r) for r in runs]
    L = ["| goal | target | " + " | ".join(r.label for r in runs) + " |",
         "|---|---:|" + "---|" * len(runs)]
    missed = {}
    for key, desc, target in GOALS:
        cells = []
        for r, v in zip(runs, values):
            x = v[key]
            which = f" ({v[key + '.metric']})" if v.get(key + ".metric") else ""
            best = ""
            if key + ".best" in v and v[key + ".best"] == v[key + ".best"]:
                b = v[key + ".best"]
                best = (f"; best iterations: {b:.2f} ({v[key + '.bestMetric']}), "
                        + ("met" if b >= target else
                           f"missed by {100 * (1 - b / target):.0f}%"))
            if x != x:
                cells.append("not run here (see the command)")
            elif x >= target:
                cells.append(f"{x:.2f}{which}: met{best}")
            else:
                cells.append(f"**{x:.2f}{which}: missed by {100 * (1 - x / target):.0f}%**{best}")
                missed.setdefault(key, []).append(r.label + which)
        L.append(f"| {desc} | ≥ {target:g} | " + " | ".join(cells) + " |")
    L.append("")
    if missed:
        L += ["Why the missed goals are missed:", ""]
        for key, labels in missed.items():
            desc = next(d for k, d, _ in GOALS if k == key)
            L.append(f"- **{desc}** ({', '.join(labels)}): {WHY[key]}")
            if key == "lucene":
                for label in labels:
                    m = re.search(r"\((\w+)\)", label)
                    if m and m.group(1) in WHY_LUCENE:
                        L.append(f"  {label}: {WHY_LUCENE[m.group(1)]}")
        L.append("")
    return L


MEANING = """\
## What each figure means

- **Read bandwidth**: `MachineLimitsBenchmark.readOneThread` / `readAllThreads` sum a 1 GiB
  `int[]` (four times the 260 MiB L3 cache) with the widest vectors of the JDK's Vector API; GB/s
  = 2^30 bytes / median time. The all-threads figure is the denominator of every scan, because
  the scans use all threads.
- **sgemm**: `MachineLimitsBenchmark.sgemm`, ND4J's single-precision matrix product of two
  2048 x 2048 matrices into a preallocated result; GFLOP/s = 2 x 2048^3 / time. The
  denominator of the batch search, k-means and the embedders' ceiling. It is what ND4J's
  bundled OpenBLAS reaches on this shared machine, far below the CPU's AVX-512 peak; the goals
  are relative to it, as the issue asks, so a faster BLAS would raise the bar.
- **Per-pair kernels**: one call on one pair of vectors (`KernelBenchmark`,
  `LuceneKernelBenchmark`): ours through the Vector API (`panama`) and in plain Java
  (`scalar`), ND4J's `Transforms` / BLAS `dot` on row vectors made once, Lucene's `VectorUtil`.
  Hamming: packed 64-bit words for ours, `xorBitCount` on the same bytes for Lucene, 0/1 floats
  for ND4J (it has no packed form). Lucene has no Manhattan distance. Euclidean is the squared
  distance for ours and Lucene, the distance for ND4J. Each implementation runs in its own
  fork, minutes apart from its peers; on this shared machine a fork whose thread keeps waiting
  for a core reports times hundreds of times the kernel's own, so the table also gives each
  fork's best iteration (the least disturbed) and the ratios of those.
- **Scans**: one query's top 10 over every stored vector, all threads: the index is streamed
  once per query, so GB/s of index read is compared with the read bandwidth. 10,000 x 512
  floats (20 MB) fit in the L3 cache, so that ratio may exceed 1; 1,000,000 x 512 (2 GB) do not.
- **Batch search**: 1,000 queries' top 10 over 100,000 vectors of 512 floats in one
  `searchAll` call; GFLOP/s counts 2 x 512 FLOPs per query-vector pair whatever the route. The
  goal's ratio is the median of seven paired ratios measured at the end of the default route's
  fork, each search followed by the 2048 x 2048 sgemm of the machine-limits table (after one
  warm-up product); the table's "÷ sgemm 2048" column divides medians of forks run minutes
  apart, which moved the ratio by 0.25 between runs on this shared machine.
- **PCA**: fitting 50 components to Fashion-MNIST's 60,000 training images (784 pixels
  scaled to [0, 1]). ND4J's peer is `PCA.pca_factor(copy, 50, true)` on a column-major copy (on a
  row-major array it returns wrong directions, and without `true` it does not centre); ND4J's
  other route, `new PCA(data)`, fails on this data (it inverts the singular covariance matrix).
  The benchmark checks that both find the same three leading directions.
- **k-means**: `KMeans.fit` on Fashion-MNIST projected on 128 principal components, exactly
  the given number of Lloyd iterations from seeded centroids, checked against Lloyd in double
  precision. GFLOP/s counts the assignments only (2 x n x k x d per pass); not a goal of the
  issue. k = 10 assigns with the per-pair SIMD kernels (`Assigner.Strategy.JAVA`), k = 100
  (k x d >= 4096) through one ND4J matrix product per 8,192 points and an argmin in Java
  (`Strategy.BLAS`); each iteration also recomputes the means and the centroid shift in plain
  Java, which the FLOP count leaves out.
- **Embedders**: `ZooEmbedder.embedBatch` of `batch` in-memory images of the model's size,
  network batch = `batch`; with 2 copies the call's images run as two network batches of half
  the size side by side (the embedder's default on 2 cores). FLOPs per image are counted from the zoo's graph
  up to the embedding layer (convolutions and dense layers; `ConvFlops`); the ceiling is the
  sgemm rate divided by them. The zoo's ResNet-50 downsamples to 28 x 28 before its second
  stage, so it has 2.2 GFLOP per image, not the 7.7 of the published network. Since session 5
  SqueezeNet and ResNet50 run on the embedder's oneDNN graph executor (convolutions in oneDNN's
  blocked layout with activations, batch norms and residual additions fused; docs/models.md
  (H) has it against DL4J's forward pass, side by side); at batch 1 and on SqueezeNet's small
  layers each operation still waits for both OpenMP threads to be scheduled, which a loaded
  machine makes slow.
- Every benchmark checks its own result once before it is timed (against a double-precision
  reference, brute force, or the peer library); a wrong result fails the run.
- Scores are medians of the measured iterations. The machine is shared with other engineers'
  builds and tests and a training run: the load average is given above, absolute figures move
  with it, and the ratios, measured in the same run minutes apart, move less.
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("runs", nargs="+", type=Path, help="run folders (e.g. jdk17, then jdk25)")
    ap.add_argument("--out", type=Path, default=Path("docs/BENCHMARKS.md"))
    a = ap.parse_args()
    runs = [load(f) for f in a.runs]
    L = ["# Benchmarks: against the machine's limits and other libraries", "",
         "Generated by `embeddings-benchmarks/bin/report.py` from the runs in "
         + ", ".join(f"`{r.folder.as_posix()}`" for r in runs)
         + "; do not edit by hand. Regenerate with", "", "```",
         "python3 embeddings-benchmarks/bin/report.py " + " ".join(r.folder.as_posix() for r in runs)
         + " --out " + a.out.as_posix(), "```", "",
         "What this page answers: how fast the vector kernels, the searches, PCA, k-means and the",
         "embedders are on this machine, as ratios to the machine's own limits (read bandwidth,",
         "matrix-multiply rate, FMA peak) and to the libraries a user would pick instead (ND4J, Lucene,",
         "ONNX Runtime). How",
         "to run the suite comes first, then the goals and what each figure means, then the dated",
         "runs. The history of the optimisations behind these figures is in [notes.md](notes.md).",
         ""]
    L += [RUNNING]
    L += ["## Goals", ""] + goals_table(runs)
    # The engines' side-by-side run (EngineDuel, not JMH) is written by hand beside the runs.
    engines = a.runs[0].parent / "engines.md"
    if engines.is_file():
        L += [engines.read_text(encoding="utf-8").rstrip(), ""]
    peers = kept_section(a.out, PEERS_BEGIN, PEERS_END)
    if peers:
        L += [peers, ""]
    ann = kept_ann_section(a.out)
    if ann:
        L += [ann, ""]
    lab = kept_section(a.out, LAB_BEGIN, LAB_END)
    if lab:
        L += [lab, ""]
    L += [MEANING]
    L += ["## Runs", ""]
    L += header(runs) + [""]
    L += ["## Tables", ""]
    for r in runs:
        L += run_tables(r)
    write_atomic(a.out, ("\n".join(L).rstrip() + "\n").encode("utf-8"))
    print(f"wrote {a.out}")


RUNNING = """\
## Running the suite

Build (JDK 17; Lucene 9.12.3 is the peer):

```
mvn -B -o -DskipDocs -pl embeddings-benchmarks -am package -DskipTests
java --add-modules jdk.incubator.vector -jar embeddings-benchmarks/target/benchmarks.jar quick \\
    --out embeddings-benchmarks/results/jdk17-quick
```

On JDK 21 or later the `lucene10` profile switches on by itself (Lucene 10.3.2, whose Panama
path is on there; classes compiled for release 21):

```
JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 mvn -B -o -DskipDocs -pl embeddings-benchmarks -am \\
    package -DskipTests
/usr/lib/jvm/temurin-25-jdk-amd64/bin/java --add-modules jdk.incubator.vector \\
    --enable-native-access=ALL-UNNAMED -jar embeddings-benchmarks/target/benchmarks.jar quick \\
    --out embeddings-benchmarks/results/jdk25-quick
```

- `quick`: every benchmark but the public-API dispatch (`MetricBenchmark`), the per-pair
  kernels at 512-d only, k-means with k = 10 only, short iterations; the single-shot groups
  take the call their setup checks as warm-up. Its wall time is in the "duration" row of the runs below.
  `full`: every parameter (128, 512, 1021, 2048; k = 10 and 100; batch 1 and 16), the
  iteration counts of the annotations, two forks for the kernels.
- `--only REGEX` keeps the benchmarks whose name matches (e.g. `--only 'Scan|MachineLimits'`).
- Anything else on the command line goes to JMH unchanged
  (`java -jar benchmarks.jar KernelBenchmark -p dimension=2048 -f 3`).
- A run writes one JSON file per group, `run.log`, `run.properties` and `facts.txt` (the
  lines of the log the page reads: commit it with the JSON, since git ignores `*.log`) into its
  folder; `embeddings-benchmarks/bin/report.py` turns one or more folders into this page.
- `embeddings-benchmarks/bin/run-both.sh` does all of it: both builds, both runs, the page.
- `embeddings-benchmarks/bin/ann-bench.sh fashion|random1m` measures the approximate search
  against hnswlib and FAISS and writes its section of this page (see below); report.py keeps
  that section when it rewrites the rest.

The same jar carries the lab programs behind the figures of the other pages (not JMH: each
prints its table): `io.github.embeddings4j.benchmarks.Experiments` (docs/RESULTS.md,
[training.md](training.md)), `io.github.embeddings4j.core.search.BatchCrossover`,
`...core.search.ScanThroughput`, `...core.search.FashionMnistKnn`,
`...core.search.TopKSelection` ([vector-math.md](vector-math.md)),
`...core.reduce.ReduceAndClusterFigures` and `...core.cluster.HdbscanSampling`
([reduce-and-cluster.md](reduce-and-cluster.md)) and `...core.classify.HeadThroughput` (heads
on frozen embeddings, [transfer-learning.md](transfer-learning.md)):

```
java --add-modules jdk.incubator.vector -Xmx6g -cp embeddings-benchmarks/target/benchmarks.jar \\
    io.github.embeddings4j.core.search.BatchCrossover 100000 512 euclidean 10 64,256,1024
```
"""

if __name__ == "__main__":
    main()
