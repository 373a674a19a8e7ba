#!/usr/bin/env python3
"""Writes the approximate-search section of docs/BENCHMARKS.md from recall/QPS curves.

Reads one or more JSONL files, one measured point per line, as the Java program
``io.github.embeddings4j.benchmarks.AnnCurve`` and ``ann_peers.py`` print them::

    {"library": "embeddings4j", "dataset": "fashion-mnist-784", "metric": "euclidean", "M": 16,
     "efC": 200, "ef": 64, "recall": 0.987, "qps": 5000.0, "build_s": 9.1, "threads": 1}

(optional: ``"mode": "single"`` or ``"batch"``, missing means single; ``version``;
``query_threads``). Lines that do not start with ``{`` are skipped (a program's log lines);
when the same point (dataset, library, mode, build threads, M, efC, ef) appears twice, the
later line wins. For each dataset it writes

- a Markdown table: per library, queries/s at recall@10 >= 0.95 and >= 0.99, build seconds, and
  the ratios of ours (``embeddings4j``) to hnswlib and to FAISS;
- a PNG plot, recall@10 against queries/s (log scale), one line per library:
  ``docs/img/ann-fashion-mnist.png`` for Fashion-MNIST, ``docs/img/ann-<dataset>.png`` for others;

and replaces the part of the page between ``<!-- ann:begin -->`` and ``<!-- ann:end -->``
(added before "## What each figure means" when the page has no such part; ``report.py`` keeps
it when it rewrites the rest of the page). Every file is written to a temporary file and
moved into place.

    python3 embeddings-benchmarks/bin/ann_report.py embeddings-benchmarks/results/ann/*.jsonl \\
        --out docs/BENCHMARKS.md --img docs/img

Python 3.11, standard library only, except matplotlib for the plot (``--no-plot`` skips it).
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import report  # noqa: E402  (the page's markers and the atomic write)

OURS = "embeddings4j"
PEERS = ["hnswlib", "faiss"]
# The peers AnnCurve runs in our JVM: compared with ours on the same Java runtime only.
JAVA_PEERS = ["lucene-hnsw", "jvector"]
PEER_NAMES = {"hnswlib": "hnswlib `Index` (HNSW)", "faiss": "FAISS `IndexHNSWFlat`",
              "lucene-hnsw": "Lucene `OnHeapHnswGraph` (HNSW)",
              "jvector": "JVector `OnHeapGraphIndex`", OURS: "embeddings4j `GraphIndex`"}
TARGETS = (0.95, 0.99)
FASHION = "fashion-mnist-784"
PLOT_NAMES = {FASHION: "ann-fashion-mnist.png"}
# Issue 19's targets, on Fashion-MNIST only: ours / hnswlib queries/s at each recall, and
# ours / hnswlib build time (lower is better for the last).
GOALS = {0.95: 1.0, 0.99: 0.8}
BUILD_GOAL = 1.5
REQUIRED = {"library": str, "dataset": str, "ef": (int, float), "recall": (int, float),
            "qps": (int, float), "build_s": (int, float)}


class InputError(ValueError):
    """A JSONL line that is not a measured point; the message names the file and line."""


@dataclass(frozen=True)
class Point:
    library: str
    dataset: str
    mode: str
    threads: int
    m: int
    ef_construction: int
    ef: int
    recall: float
    qps: float
    build_s: float
    query_threads: int = 1
    version: str = ""
    source: str = ""
    runtime: str = ""    # "JDK 25" for the Java rows (from their "java" field), else ""


def runtime_of(row: dict) -> str:
    """"JDK <feature version>" of a row's "java" field ("25.0.3+9-LTS" gives "JDK 25")."""
    java = str(row.get("java", "")).strip()
    if not java:
        return ""
    major = java.split(".")[0].split("+")[0].split("-")[0]
    return f"JDK {major}"


def parse_line(text: str, where: str) -> Point:
    try:
        row = json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(f"{where}: not JSON ({e.msg} at column {e.colno}); expected one "
                         "object per line as AnnCurve and ann_peers.py print") from None
    if not isinstance(row, dict):
        raise InputError(f"{where}: a JSON {type(row).__name__}, expected an object")
    for key, kind in REQUIRED.items():
        if key not in row:
            raise InputError(f"{where}: no \"{key}\"; each point needs "
                             + ", ".join(REQUIRED))
        if not isinstance(row[key], kind) or isinstance(row[key], bool):
            raise InputError(f"{where}: \"{key}\" is {row[key]!r}, expected a "
                             + ("string" if kind is str else "number"))
    recall, qps = float(row["recall"]), float(row["qps"])
    if not 0.0 <= recall <= 1.0:
        raise InputError(f"{where}: recall {recall} is outside [0, 1]")
    if not qps > 0 or math.isinf(qps):
        raise InputError(f"{where}: qps {qps} must be a positive finite number")
    mode = row.get("mode", "single")
    if mode not in ("single", "batch"):
        raise InputError(f"{where}: mode {mode!r}, expected \"single\" or \"batch\"")
    return Point(library=row["library"], dataset=row["dataset"], mode=mode,
                 threads=int(row.get("threads", 1)), m=int(row.get("M", 0)),
                 ef_construction=int(row.get("efC", 0)), ef=int(row["ef"]), recall=recall,
                 qps=qps, build_s=float(row["build_s"]),
                 query_threads=int(row.get("query_threads", 1)),
                 version=str(row.get("version", "")), source=where.rsplit(":", 1)[0],
                 runtime=runtime_of(row))


def load_points(files: list[Path]) -> list[Point]:
    """All points of the files; a later line replaces an earlier one of the same point."""
    points: dict[tuple, Point] = {}
    for f in files:
        try:
            lines = f.read_text(encoding="utf-8").splitlines()
        except OSError as e:
            raise InputError(f"{f}: cannot be read ({e.strerror}); pass the JSONL files "
                             "written by ann-bench.sh") from None
        for i, line in enumerate(lines, 1):
            if not line.lstrip().startswith("{"):
                continue
            p = parse_line(line, f"{f}:{i}")
            points[(p.dataset, p.library, p.runtime, p.mode, p.threads, p.m,
                    p.ef_construction, p.ef)] = p
    return list(points.values())


def pareto(points: list[Point]) -> list[Point]:
    """The points no other point beats on both recall and queries/s, by rising recall."""
    best: list[Point] = []
    top_qps = -1.0
    for p in sorted(points, key=lambda p: (-p.recall, -p.qps)):
        if p.qps > top_qps:
            best.append(p)
            top_qps = p.qps
    return best[::-1]


@dataclass(frozen=True)
class AtRecall:
    """Queries/s at a target recall: interpolated, and the measured point it rests on."""
    qps: float           # interpolated (see qps_at)
    point: Point         # the fastest measured point at or above the target
    interpolated: bool   # False when no frontier point lies below the target


def qps_at(points: list[Point], target: float) -> AtRecall | None:
    """Queries/s of a curve at recall ``target``, or None when no point reaches it.

    On the Pareto frontier, log(queries/s) is interpolated linearly in recall between the last
    point below the target and the first at or above it. When the first point already reaches
    the target, its own queries/s is given (no extrapolation beyond the sweep).
    """
    front = pareto(points)
    above = [p for p in front if p.recall >= target]
    if not above:
        return None
    b = above[0]
    below = [p for p in front if p.recall < target]
    if not below:
        return AtRecall(b.qps, b, False)
    a = below[-1]
    f = (target - a.recall) / (b.recall - a.recall)
    return AtRecall(math.exp(math.log(a.qps) + f * (math.log(b.qps) - math.log(a.qps))), b, True)


Key = tuple[str, int, str]  # (library, build threads, runtime)


def curves(points: list[Point], dataset: str, mode: str) -> dict[Key, list[Point]]:
    """Points of one dataset and mode per (library, build threads, runtime), by rising ef."""
    out: dict[Key, list[Point]] = {}
    for p in points:
        if p.dataset == dataset and p.mode == mode:
            out.setdefault((p.library, p.threads, p.runtime), []).append(p)
    order = {name: i for i, name in enumerate([OURS] + PEERS + JAVA_PEERS)}
    return {k: sorted(v, key=lambda p: p.ef)
            for k, v in sorted(out.items(), key=lambda kv: (order.get(kv[0][0], 99),
                                                           runtime_order(kv[0][2]), kv[0]))}


def runtime_order(runtime: str) -> int:
    """Older JDKs first; rows without a runtime (the Python peers) sort as one."""
    digits = runtime.removeprefix("JDK ")
    return int(digits) if digits.isdigit() else 0


def label(key: Key, keys) -> str:
    lib, threads, runtime = key
    name = PEER_NAMES.get(lib, lib)
    if runtime and len({k[2] for k in keys if k[2]}) > 1:
        name += f", {runtime}"
    if len({k[1] for k in keys}) > 1:
        name += f", built on {threads} thread{'s' if threads > 1 else ''}"
    return name


def fmt_qps(x: float) -> str:
    return f"{x:,.0f}"


def cell(at: AtRecall | None, pts: list[Point]) -> tuple[str, str]:
    if at is None:
        return (f"not reached (best recall {max(p.recall for p in pts):.4f})", "—")
    p = at.point
    return (fmt_qps(at.qps) + ("" if at.interpolated else " (sweep starts above)"),
            f"ef {p.ef}: {p.recall:.4f}, {fmt_qps(p.qps)}")


def ratio_text(x: float | None, goal: float | None = None, lower_is_better=False) -> str:
    if x is None:
        return "—"
    text = f"{x:.2f}"
    if goal is None:
        return text
    met = x <= goal if lower_is_better else x >= goal
    if met:
        return text + ": met"
    missed = (x / goal - 1) if lower_is_better else (1 - x / goal)
    return f"**{text}: missed by {100 * missed:.0f}%**"


def dataset_tables(points: list[Point], dataset: str, plot: str | None) -> list[str]:
    single = curves(points, dataset, "single")
    L = [f"### {dataset}", ""]
    pts = [p for p in points if p.dataset == dataset]
    sources = sorted({p.source for p in pts})
    L += ["From " + ", ".join(f"`{s}`" for s in sources) + ".", ""]
    if plot:
        L += [f"![recall@10 against queries/s, {dataset}]({plot})", ""]
    if single:
        L += ["One query at a time, one thread (q/s interpolated on the Pareto frontier; the "
              "measured column is the fastest sweep point at or above the recall):", "",
              "| library | version | build s (threads) | q/s at recall 0.95 | measured "
              "| q/s at recall 0.99 | measured | best recall |",
              "|---|---|---:|---:|---|---:|---|---:|"]
        for key, c in single.items():
            cells = [x for t in TARGETS for x in cell(qps_at(c, t), c)]
            L.append(f"| {label(key, single)} | {c[0].version or '?'} | "
                     f"{c[0].build_s:.1f} ({key[1]}) | " + " | ".join(cells)
                     + f" | {max(p.recall for p in c):.4f} |")
        L.append("")
        L += ratio_table(single, dataset)
    batch = curves(points, dataset, "batch")
    if batch:
        L += ["Batch mode (all queries in one call; for comparison only, not the protocol):", "",
              "| library | query threads | q/s at recall 0.95 | q/s at recall 0.99 |",
              "|---|---:|---:|---:|"]
        for key, c in batch.items():
            L.append(f"| {label(key, batch)} | {c[0].query_threads} | "
                     + " | ".join(cell(qps_at(c, t), c)[0] for t in TARGETS) + " |")
        L.append("")
    return L


def ratio_table(single: dict, dataset: str) -> list[str]:
    ours = [k for k in single if k[0] == OURS]
    peers = [p for p in PEERS + JAVA_PEERS if any(k[0] == p for k in single)]
    if not ours or not peers:
        return []
    goals = dataset == FASHION
    runtimes = len({k[2] for k in ours}) > 1
    java_note = ("; the Java peers against ours on the same JDK" if any(p in JAVA_PEERS
                                                                       for p in peers) else "")
    L = ["Ours against the peers (queries/s: ours / theirs, higher is better; build time: "
         "ours / theirs, lower is better; the same build threads" + java_note
         + ("; targets: issue 19's, against hnswlib" if goals else "") + "):", "",
         "| build threads" + (", JDK" if runtimes else "") + " | ratio | "
         + " | ".join(f"ours / {p}" for p in peers) + " |",
         "|---:|---|" + "---:|" * len(peers)]

    def theirs_of(p: str, threads: int, runtime: str):
        return single.get((p, threads, runtime if p in JAVA_PEERS else ""))

    for ok in ours:
        threads, runtime = ok[1], ok[2]
        first = f"{threads}, {runtime}" if runtimes else f"{threads}"
        mine = single[ok]
        for t in TARGETS:
            cells = []
            for p in peers:
                theirs = theirs_of(p, threads, runtime)
                a, b = qps_at(mine, t), qps_at(theirs, t) if theirs else None
                x = a.qps / b.qps if a and b else None
                cells.append(ratio_text(x, GOALS.get(t) if goals and p == "hnswlib" else None))
            L.append(f"| {first} | q/s at recall {t} | " + " | ".join(cells) + " |")
        cells = []
        for p in peers:
            theirs = theirs_of(p, threads, runtime)
            x = mine[0].build_s / theirs[0].build_s if theirs and theirs[0].build_s > 0 else None
            cells.append(ratio_text(x, BUILD_GOAL if goals and p == "hnswlib" else None,
                                    lower_is_better=True))
        L.append(f"| {first} | build time | " + " | ".join(cells) + " |")
    L.append("")
    return L


def plot_name(dataset: str) -> str:
    return PLOT_NAMES.get(dataset, "ann-" + "".join(c if c.isalnum() or c in "-_" else "-"
                                                     for c in dataset) + ".png")


def plot_png(points: list[Point], dataset: str) -> bytes:
    import matplotlib  # noqa: PLC0415 (only the plot needs it)
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415
    single = curves(points, dataset, "single")
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=110)
    for key, c in single.items():
        xs = [p.recall for p in c]
        ys = [p.qps for p in c]
        ax.plot(xs, ys, marker="o", markersize=3.5, linewidth=1.4,
                label=label(key, single).replace("`", ""))
    for t in TARGETS:
        ax.axvline(t, color="0.75", linestyle="--", linewidth=0.8)
    ax.set_yscale("log")
    ax.set_xlabel("recall@10")
    ax.set_ylabel("queries/s (one thread, one query a call)")
    ax.set_title(f"{dataset}\nHNSW, M = 16, efConstruction = 200, ef swept", fontsize=10)
    ax.grid(True, which="both", linewidth=0.3)
    ax.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


PROTOCOL = """\
## Approximate search: recall against queries per second

Generated by `embeddings-benchmarks/bin/ann_report.py`; do not edit between the markers.
The protocol is ann-benchmarks': an HNSW graph of degree M = 16 and construction beam 200 is
built over the base vectors, then for each search beam `ef` of a sweep (10 to 400; to 1,200 on
random vectors) every query is answered one at a time on one thread (a loop calling the library
once per query: a Java loop over `GraphIndex.search` for ours and over the Java peers' searches
(Lucene's `HnswGraphSearcher`, JVector's `GraphSearcher`), a Python loop over hnswlib's
`knn_query` and FAISS's `search` for the Python peers, as ann-benchmarks' own wrappers do) and its 10
results are compared with the exact 10 nearest. Recall@10 counts a result when its exact
distance is at most the 10th true distance + 0.001, as ann-benchmarks does. Queries/s of a
point is the median of R passes over all queries (R is the `repeats` field, 3 by default), all
measured in one session with the libraries run one after the other, not alternated: one ANN
sweep takes minutes, too long to alternate round by round. Build time is one build on the
number of threads shown, the same for every library of a row group. The Java rows name their
JDK when a run has more than one: Lucene and JVector switch their Vector API paths on from JDK
21 (Lucene 10 there, Lucene 9 on JDK 17), so each is compared with ours on the same JDK.

- Fashion-MNIST: the 60,000 training images are the base, the 10,000 test images the queries,
  784 raw pixels (0-255) as floats, Euclidean distance.
- random-unit-512: 1,000,000 (or the first 100,000) standard-normal vectors of 512 dimensions
  scaled to unit length, seed 42, and 10,000 queries drawn the same way; Euclidean.
- The base, queries and exact answers are computed once by `ann_peers.py` and kept in
  `embeddings-benchmarks/results/cache/<dataset>/` (`base.npy`, `queries.npy`, `gt-ids.npy`,
  `gt-dist.npy`), so both sides search the same vectors against the same truth.
- "q/s at recall 0.95" is read off the curve's Pareto frontier, interpolating log(q/s)
  linearly in recall between the sweep points either side; the "measured" column gives the
  fastest sweep point at or above that recall (its ef, recall and q/s).
- Batch mode (all queries in one library call) is listed apart: it removes the per-call
  overhead, which weighs more on the Python peers than on a Java loop.

Run it (the peers need Debian's `python3-hnswlib` and `python3-faiss`; not part of CI):

```
embeddings-benchmarks/bin/ann-bench.sh fashion            # build, ours, the peers, this section
JDKS="/usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/java-17-openjdk-amd64" \\
    ANN_LIBRARIES=embeddings4j,lucene,jvector \\
    embeddings-benchmarks/bin/ann-bench.sh fashion --threads 2   # also Lucene and JVector, on both JDKs
embeddings-benchmarks/bin/ann-bench.sh random1m --n 100000
embeddings-benchmarks/bin/ann-bench.sh random1m
```

or the steps by hand (the driver's file names; `ann_peers.py --out` appends):

```
/usr/bin/python3 embeddings-benchmarks/bin/ann_peers.py --dataset fashion --prepare-only
java --add-modules jdk.incubator.vector -Xmx4g -cp embeddings-benchmarks/target/benchmarks.jar \\
    io.github.embeddings4j.benchmarks.AnnCurve \\
    --data embeddings-benchmarks/results/cache/fashion-mnist-784 --name fashion-mnist-784 \\
    | tee embeddings-benchmarks/results/ann/fashion-embeddings4j.jsonl
/usr/bin/python3 embeddings-benchmarks/bin/ann_peers.py --dataset fashion \\
    --out embeddings-benchmarks/results/ann/fashion-peers.jsonl
/usr/bin/python3 embeddings-benchmarks/bin/ann_report.py embeddings-benchmarks/results/ann/*.jsonl \\
    --out docs/BENCHMARKS.md
```

The driver's options: `--n N` (the first N base rows) and `--queries Q` choose the data
(`--prepare-only` prints the folder it wrote); `--threads T` (build threads; queries always
run on one), `--ef LIST` and `--repeats R` go to both sides; `--no-batch`, `--batch-threads T`,
`--libraries hnswlib,faiss` and `--seed S` to the peers only. Its environment (`JDKS`,
`ANN_LIBRARIES`, `PEERS`, `XMX`, ...) is described at the top of the script.
"""


def section(points: list[Point], files: list[Path], plots: dict[str, str]) -> str:
    L = [PROTOCOL]
    datasets = sorted({p.dataset for p in points}, key=lambda d: (d != FASHION, d))
    if not datasets:
        L += ["No run recorded yet: the commands above write the tables and plots here.", ""]
    for d in datasets:
        L += dataset_tables(points, d, plots.get(d))
    return "\n".join(L).rstrip() + "\n"


def replace_section(page: str, body: str) -> str:
    """The page with the text between the ann markers replaced (or the markers added)."""
    block = f"{report.ANN_BEGIN}\n{body.rstrip()}\n{report.ANN_END}"
    begin, end = page.find(report.ANN_BEGIN), page.find(report.ANN_END)
    if begin >= 0 and end > begin:
        return page[:begin] + block + page[end + len(report.ANN_END):]
    if (begin >= 0) != (end >= 0) or (begin >= 0 and end < begin):
        raise InputError(f"the page has one ann marker without the other (or in the wrong "
                         f"order); restore \"{report.ANN_BEGIN}\" ... \"{report.ANN_END}\" "
                         "or delete both")
    anchor = page.find(report.MEANING_HEADING)
    if anchor >= 0:
        return page[:anchor] + block + "\n\n" + page[anchor:]
    return page.rstrip() + "\n\n" + block + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="*", type=Path, help="JSONL files of measured points")
    ap.add_argument("--out", type=Path, default=Path("docs/BENCHMARKS.md"))
    ap.add_argument("--img", type=Path, help="folder of the plots (default: img/ beside --out)")
    ap.add_argument("--no-plot", action="store_true", help="write no PNG (no matplotlib needed)")
    a = ap.parse_args(argv)
    try:
        points = load_points(a.files)
        page = a.out.read_text(encoding="utf-8") if a.out.exists() else ""
        img = a.img or a.out.parent / "img"
        plots = {}
        for d in sorted({p.dataset for p in points}):
            if a.no_plot or not curves(points, d, "single"):
                continue
            png = img / plot_name(d)
            report.write_atomic(png, plot_png(points, d))
            # The page links the plot relative to itself.
            plots[d] = Path(os.path.relpath(png, a.out.parent)).as_posix()
            print(f"wrote {png}")
        report.write_atomic(a.out, replace_section(page, section(points, a.files, plots))
                            .encode("utf-8"))
    except InputError as e:
        print(f"ann_report.py: {e}", file=sys.stderr)
        return 2
    print(f"wrote {a.out} ({len(points)} points)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
