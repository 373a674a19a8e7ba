#!/usr/bin/env python3
"""Recall/queries-per-second curves of the approximate-search peers, hnswlib and FAISS.

The ann-benchmarks protocol, as issue 19 asks: build an HNSW graph (M = 16, construction beam
200) over the base vectors, then for each search beam ``ef`` of a sweep answer every query one
at a time from a Python loop on one thread (``knn_query`` / ``search`` on a single vector, as
ann-benchmarks' wrappers do) and count recall@10 against exact search. Each point's queries/s
is the median of ``--repeats`` passes over all queries; all passes run in this one process.
The same sweep is also run in batch mode (all queries in one call, ``--batch-threads``
threads), written as separate lines with ``"mode": "batch"``.

Output: one JSON object per line, the same fields as the Java program
(``io.github.embeddings4j.benchmarks.AnnCurve``) prints::

    {"library": "hnswlib", "dataset": "fashion-mnist-784", "metric": "euclidean", "M": 16,
     "efC": 200, "ef": 64, "recall": 0.9871, "qps": 4321.0, "build_s": 12.3, "threads": 1,
     "mode": "single", "query_threads": 1, "version": "0.6.1", "n": 60000, "queries": 10000,
     "repeats": 3, "index_rss_mib": 210.0}

(``threads``: the build's; ``index_rss_mib``: resident memory after the build less before it.)

Datasets (``--dataset``):

- ``fashion``: Fashion-MNIST's 60,000 training images as the base and its 10,000 test images
  as the queries, 784 raw pixel values (0-255) as float32, Euclidean, read from the IDX files
  of Debian's ``dataset-fashion-mnist`` (``$FASHION_MNIST_DIR``, else
  ``/usr/share/datasets/fashion-mnist``, as ``core/data/FashionMnist.java`` looks).
- ``random1m``: 1,000,000 x 512 unit vectors (standard normal, normalised; seed
  ``--seed``), 10,000 queries from a second stream; Euclidean (on unit vectors the same
  order as cosine). ``--n`` keeps the first n rows (the 100k set is the prefix of the 1M one).

The cache folder (``--cache``, default ``embeddings-benchmarks/results/cache``) keeps, per
dataset, what both sides read so that they measure the same thing: ``<name>/base.npy`` and
``queries.npy`` (float32, C order), ``gt-ids.npy`` (int32, queries x 10, row numbers of the
exact 10 nearest, ties by lower row) and ``gt-dist.npy`` (float32, their Euclidean
distances), and ``info.json`` (name, sizes, source; written last, it marks the folder
complete and is compared with the request before the cache is reused). ``--prepare-only``
writes them, prints the folder and stops: the driver runs it first and gives the folder to the
Java side, which needs no IDX reader or random generator of its own and, reading
``gt-dist.npy`` (float32, readable by ``core.io.Npy``), counts recall by the same rule.

Recall@10 is counted as ann-benchmarks does: a returned row counts when its exact distance
to the query is at most the 10th true distance + 1e-3 (so ties at the 10th distance do not
cost recall); the distance is recomputed from the vectors, not taken from the library.

    /usr/bin/python3 embeddings-benchmarks/bin/ann_peers.py --dataset fashion --threads 1 \\
        --out embeddings-benchmarks/results/ann/fashion-peers.jsonl

Needs numpy; hnswlib and faiss (Debian ``python3-hnswlib``, ``python3-faiss``) for the peers
they name (``--libraries``). Not run in CI.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.metadata
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

from report import write_atomic  # one atomic writer for the benchmark scripts
import numpy as np

K = 10
M = 16
EF_CONSTRUCTION = 200
DEFAULT_EFS = [10, 16, 20, 32, 40, 64, 80, 128, 200, 256, 400]
# Random 512-d vectors have no low-dimensional structure: recall rises slowly with ef
# (0.82 at ef 128 on 5,000 of them), so their sweep goes further.
RANDOM_EFS = DEFAULT_EFS + [512, 800, 1200]
FASHION_DIR = "/usr/share/datasets/fashion-mnist"
RANDOM_ROWS, RANDOM_DIM, RANDOM_QUERIES = 1_000_000, 512, 10_000
CHUNK = 100_000  # random rows are drawn in chunks so that a smaller set is a prefix of a larger
RECALL_EPSILON = 1e-3
DEFAULT_SEED = 42
F32_EPS = float(np.finfo(np.float32).eps)


def fail(message: str) -> None:
    sys.exit(f"ann_peers.py: {message}")


# ---- data ------------------------------------------------------------------------------

def read_idx_images(path: Path) -> np.ndarray:
    """An IDX3 image file (plain or .gz) as a (count, rows * columns) uint8 array."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 16 or raw[:4] != b"\x00\x00\x08\x03":
        fail(f"{path} is not an IDX image file (magic {raw[:4].hex()}, expected 00000803); "
             "reinstall dataset-fashion-mnist")
    count, rows, cols = (int.from_bytes(raw[i:i + 4], "big") for i in (4, 8, 12))
    if len(raw) != 16 + count * rows * cols:
        fail(f"{path} holds {len(raw) - 16} pixel bytes, expected {count} x {rows} x {cols}; "
             "the file is truncated, reinstall dataset-fashion-mnist")
    return np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(count, rows * cols)


def fashion_dir() -> Path:
    return Path(os.environ.get("FASHION_MNIST_DIR") or FASHION_DIR)


def find_idx(folder: Path, stem: str) -> Path:
    for name in (stem + ".gz", stem):
        if (folder / name).is_file():
            return folder / name
    fail(f"no {stem}[.gz] in {folder}; install Debian's dataset-fashion-mnist "
         "(apt-get install dataset-fashion-mnist) or set FASHION_MNIST_DIR to its folder")
    raise AssertionError


def load_fashion(n: int | None, queries: int | None) -> tuple[np.ndarray, np.ndarray]:
    folder = fashion_dir()
    base = read_idx_images(find_idx(folder, "train-images-idx3-ubyte"))
    test = read_idx_images(find_idx(folder, "t10k-images-idx3-ubyte"))
    return (np.ascontiguousarray(base[:n], dtype=np.float32),
            np.ascontiguousarray(test[:queries], dtype=np.float32))


def unit_rows(rng: np.random.Generator, rows: int, dim: int) -> np.ndarray:
    x = rng.standard_normal((rows, dim), dtype=np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


def load_random(n: int, queries: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    base = np.empty((n, RANDOM_DIM), dtype=np.float32)
    for start in range(0, n, CHUNK):
        rows = unit_rows(rng, CHUNK, RANDOM_DIM)  # whole chunks: the prefix property
        base[start:start + CHUNK] = rows[:n - start]
    q = unit_rows(np.random.default_rng(seed + 1), queries, RANDOM_DIM)
    return base, q


def dataset_name(kind: str, n: int, queries: int, full_n: int, full_q: int) -> str:
    name = "fashion-mnist-784" if kind == "fashion" else f"random-unit-512-{n_label(n)}"
    if kind == "fashion" and n != full_n:
        name += f"-n{n}"
    if queries != full_q:
        name += f"-q{queries}"
    return name


def n_label(n: int) -> str:
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}m"
    if n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)


# ---- exact ground truth ---------------------------------------------------------------

def exact_knn(base: np.ndarray, queries: np.ndarray, k: int = K, block: int = 1024,
              chunk: int = 65536, margin: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """The exact k nearest rows of ``base`` to each query (Euclidean), ties by lower row.

    Candidates come from float32 products (BLAS), scanned in chunks of base rows; they are
    re-ranked in float64. A query's candidates are proven to hold its true k nearest when the
    smallest float32 distance left out, less the worst-case float32 error, exceeds the k-th
    exact distance; a query where that fails is searched again entirely in float64.
    """
    n, d = base.shape
    m = min(n, k + margin)
    norms = np.einsum("ij,ij->i", base, base, dtype=np.float64)
    max_sq = float(norms.max())
    norms32 = norms.astype(np.float32)
    ids = np.empty((len(queries), k), dtype=np.int32)
    dist = np.empty((len(queries), k), dtype=np.float32)
    redone = 0
    for s in range(0, len(queries), block):
        q = queries[s:s + block]
        qn = np.einsum("ij,ij->i", q, q, dtype=np.float64)
        # Running best m + 1 (float32 distance, row) per query; the last is the first left out.
        best_d = np.full((len(q), 0), np.inf, dtype=np.float32)
        best_i = np.empty((len(q), 0), dtype=np.int64)
        for c0 in range(0, n, chunk):
            part = base[c0:c0 + chunk]
            d2 = norms32[None, c0:c0 + len(part)] - 2.0 * (q @ part.T)
            d2 += qn.astype(np.float32)[:, None]
            cd, ci = smallest(d2, m + 1, c0)
            cd = np.concatenate([best_d, cd], axis=1)
            ci = np.concatenate([best_i, ci], axis=1)
            if cd.shape[1] > m + 1:
                sel = np.argpartition(cd, m, axis=1)[:, :m + 1]
                cd, ci = np.take_along_axis(cd, sel, axis=1), np.take_along_axis(ci, sel, axis=1)
            best_d, best_i = cd, ci
        for r in range(len(q)):
            order = np.lexsort((best_i[r], best_d[r]))
            cand = best_i[r][order]
            left_out = float(best_d[r][order[m]]) if m < n else np.inf
            cand = cand[:m]
            exact = exact_d2(base[cand], q[r])
            top = np.lexsort((cand, exact))[:k]
            kth = exact[top[-1]]
            # Worst-case error of a float32 squared distance: the d-term dot product plus the
            # two float32 additions of the norms.
            bound = 1.01 * (2.0 * d * F32_EPS * np.sqrt(qn[r] * max_sq)
                            + 4.0 * F32_EPS * (qn[r] + max_sq)) + 1e-9
            if not left_out - bound > kth:
                cand = np.arange(n)
                exact = exact_d2(base, q[r])
                top = np.lexsort((cand, exact))[:k]
                redone += 1
            ids[s + r] = cand[top]
            dist[s + r] = np.sqrt(exact[top])
    if redone:
        print(f"ann_peers.py: ground truth: {redone} of {len(queries)} queries re-searched "
              "in float64 (float32 candidates not provably enough)", file=sys.stderr)
    return ids, dist


def smallest(d2: np.ndarray, count: int, offset: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the ``count`` smallest values (any order) and their columns + ``offset``."""
    if d2.shape[1] <= count:
        cols = np.broadcast_to(np.arange(d2.shape[1]), d2.shape)
    else:
        cols = np.argpartition(d2, count - 1, axis=1)[:, :count]
    return np.take_along_axis(d2, cols, axis=1), cols.astype(np.int64) + offset


def exact_d2(rows: np.ndarray, q: np.ndarray) -> np.ndarray:
    diff = rows.astype(np.float64) - q.astype(np.float64)
    return np.einsum("ij,ij->i", diff, diff)


def recall_at_k(base: np.ndarray, queries: np.ndarray, found: np.ndarray,
                gt_dist: np.ndarray) -> float:
    """Mean recall@k as ann-benchmarks counts it (exact distances, 1e-3 slack at the k-th)."""
    hits = 0
    threshold = gt_dist[:, K - 1].astype(np.float64) + RECALL_EPSILON
    for i in range(len(queries)):
        f = found[i][found[i] >= 0]
        dd = np.sqrt(exact_d2(base[f], queries[i]))
        hits += int(np.count_nonzero(dd <= threshold[i]))
    return hits / (K * len(queries))


# ---- cache ----------------------------------------------------------------------------

def save_npy_atomic(path: Path, array: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix="." + path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.save(f, np.ascontiguousarray(array), allow_pickle=False)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def prepared(args) -> tuple[str, Path, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The dataset's base, queries and ground truth, from the cache or made and cached."""
    if args.dataset == "fashion":
        full_n, full_q = 60_000, 10_000
    else:
        full_n, full_q = RANDOM_ROWS, RANDOM_QUERIES
    n = args.n or full_n
    nq = args.queries or full_q
    if args.dataset == "fashion" and (n > full_n or nq > full_q):
        fail(f"Fashion-MNIST has {full_n} base and {full_q} query images; "
             f"--n {n} / --queries {nq} ask for more")
    name = dataset_name(args.dataset, n, nq, full_n, full_q)
    if args.dataset != "fashion" and args.seed != DEFAULT_SEED:
        name += f"-seed{args.seed}"
    folder = args.cache / name
    files = {k: folder / f"{k}.npy" for k in ("base", "queries", "gt-ids", "gt-dist")}
    info = {"dataset": name, "metric": "euclidean", "n": n, "queries": nq,
            "dimension": 784 if args.dataset == "fashion" else RANDOM_DIM, "k": K,
            "source": (str(fashion_dir()) if args.dataset == "fashion"
                       else f"numpy default_rng({args.seed}) normal, unit rows; "
                            f"queries default_rng({args.seed + 1})")}
    info_file = folder / "info.json"
    if info_file.is_file() and all(f.is_file() for f in files.values()):
        try:
            same = json.loads(info_file.read_text(encoding="utf-8")) == info
        except ValueError:
            same = False
        if same:
            print(f"ann_peers.py: {name}: cached in {folder}", file=sys.stderr)
            return (name, folder, np.load(files["base"]), np.load(files["queries"]),
                    np.load(files["gt-ids"]), np.load(files["gt-dist"]))
        print(f"ann_peers.py: {info_file} does not match the request; remaking {folder}",
              file=sys.stderr)
    info_file.unlink(missing_ok=True)
    t = time.perf_counter()
    if args.dataset == "fashion":
        base, q = load_fashion(n, nq)
    else:
        base, q = load_random(n, nq, args.seed)
    ids, dist = exact_knn(base, q)
    for key, arr in (("base", base), ("queries", q), ("gt-ids", ids), ("gt-dist", dist)):
        save_npy_atomic(files[key], arr)
    # info.json last: a folder that has it is complete.
    write_atomic(info_file, (json.dumps(info, indent=1) + "\n").encode("utf-8"))
    print(f"ann_peers.py: {name}: {base.shape[0]} x {base.shape[1]} base, {len(q)} queries, "
          f"exact top {K} in {time.perf_counter() - t:.1f} s, cached in {folder}",
          file=sys.stderr)
    return name, folder, base, q, ids, dist


# ---- peers ----------------------------------------------------------------------------

class Hnswlib:
    name = "hnswlib"

    def __init__(self):
        import hnswlib  # noqa: PLC0415 (optional dependency)
        self.mod = hnswlib
        self.version = package_version("hnswlib")

    def build(self, base: np.ndarray, threads: int, seed: int) -> None:
        self.index = self.mod.Index(space="l2", dim=base.shape[1])
        self.index.init_index(max_elements=len(base), ef_construction=EF_CONSTRUCTION, M=M,
                              random_seed=seed)
        self.index.set_num_threads(threads)
        self.index.add_items(base, np.arange(len(base)), num_threads=threads)
        self.index.set_num_threads(1)

    def set_ef(self, ef: int) -> None:
        self.index.set_ef(ef)

    def one(self, q: np.ndarray) -> np.ndarray:
        return self.index.knn_query(q, k=K, num_threads=1)[0][0]

    def batch(self, queries: np.ndarray, threads: int) -> np.ndarray:
        return self.index.knn_query(queries, k=K, num_threads=threads)[0]


class Faiss:
    name = "faiss"

    def __init__(self):
        import faiss  # noqa: PLC0415 (optional dependency)
        self.mod = faiss
        self.version = getattr(faiss, "__version__", None) or package_version("faiss")

    def build(self, base: np.ndarray, threads: int, seed: int) -> None:
        self.mod.omp_set_num_threads(threads)
        self.index = self.mod.IndexHNSWFlat(base.shape[1], M, self.mod.METRIC_L2)
        self.index.hnsw.efConstruction = EF_CONSTRUCTION
        self.index.add(base)
        self.mod.omp_set_num_threads(1)

    def set_ef(self, ef: int) -> None:
        self.index.hnsw.efSearch = ef

    def one(self, q: np.ndarray) -> np.ndarray:
        return self.index.search(q, K)[1][0]

    def batch(self, queries: np.ndarray, threads: int) -> np.ndarray:
        self.mod.omp_set_num_threads(threads)
        try:
            return self.index.search(queries, K)[1]
        finally:
            self.mod.omp_set_num_threads(1)


PEERS = {"hnswlib": Hnswlib, "faiss": Faiss}


def package_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def rss_mib() -> float:
    """This process's resident memory now (Linux), MiB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return float("nan")


def measure(peer, name: str, base, queries, gt_dist, args, emit) -> None:
    rss0 = rss_mib()
    t = time.perf_counter()
    peer.build(base, args.threads, args.seed)
    build_s = time.perf_counter() - t
    rss = rss_mib() - rss0
    print(f"ann_peers.py: {peer.name} {peer.version}: built in {build_s:.2f} s on "
          f"{args.threads} thread(s), resident memory +{rss:.0f} MiB", file=sys.stderr)
    singles = [q[None, :] for q in queries]  # (1, d) views, made before the clock starts
    common = {"library": peer.name, "dataset": name, "metric": "euclidean", "M": M,
              "efC": EF_CONSTRUCTION, "build_s": round(build_s, 3), "threads": args.threads,
              "version": peer.version, "n": int(len(base)), "queries": int(len(queries)),
              "repeats": args.repeats, "index_rss_mib": round(rss, 1)}
    for ef in args.ef:
        peer.set_ef(ef)
        for mode in (["single", "batch"] if args.batch else ["single"]):
            seconds, found = [], None
            for _ in range(args.repeats):
                if mode == "single":
                    out = np.empty((len(queries), K), dtype=np.int64)
                    one = peer.one
                    t = time.perf_counter()
                    for i, q in enumerate(singles):
                        out[i] = one(q)
                    seconds.append(time.perf_counter() - t)
                else:
                    t = time.perf_counter()
                    out = peer.batch(queries, args.batch_threads)
                    seconds.append(time.perf_counter() - t)
                found = out if found is None else found
            recall = recall_at_k(base, queries, np.asarray(found, dtype=np.int64), gt_dist)
            qps = len(queries) / statistics.median(seconds)
            emit({**common, "ef": ef, "recall": round(recall, 5), "qps": round(qps, 1),
                  "mode": mode, "query_threads": 1 if mode == "single" else args.batch_threads})


# ---- main -----------------------------------------------------------------------------

def parse_args(argv=None):
    here = Path(__file__).resolve().parent.parent
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", choices=["fashion", "random1m"], default="fashion")
    ap.add_argument("--n", type=int, help="base rows (default: all; random1m: 1,000,000)")
    ap.add_argument("--queries", type=int, help="queries (default: all, 10,000)")
    ap.add_argument("--threads", type=int, default=1,
                    help="threads of the build (default 1; queries always run on one)")
    ap.add_argument("--batch-threads", type=int, default=1,
                    help="threads of the batch-mode pass (default 1)")
    ap.add_argument("--no-batch", dest="batch", action="store_false",
                    help="skip the batch-mode pass")
    ap.add_argument("--ef", help="search beams of the sweep, comma-separated (default "
                    + ",".join(map(str, DEFAULT_EFS)) + "; random1m adds "
                    + ",".join(map(str, RANDOM_EFS[len(DEFAULT_EFS):])) + ")")
    ap.add_argument("--repeats", type=int, default=3,
                    help="query passes per point; queries/s is their median (default 3)")
    ap.add_argument("--libraries", default="hnswlib,faiss", help="peers to run, of "
                    + ", ".join(PEERS))
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random data and hnswlib's levels")
    ap.add_argument("--cache", type=Path, default=here / "results" / "cache")
    ap.add_argument("--prepare-only", action="store_true",
                    help="write the dataset and ground truth into the cache, run no peer")
    ap.add_argument("--out", type=Path, help="JSONL file to append to (default: stdout only)")
    a = ap.parse_args(argv)
    if a.ef is None:
        a.ef = ",".join(map(str, DEFAULT_EFS if a.dataset == "fashion" else RANDOM_EFS))
    try:
        a.ef = [int(x) for x in a.ef.split(",") if x.strip()]
    except ValueError:
        ap.error(f"--ef {a.ef!r}: expected comma-separated integers such as 10,40,128")
    if not a.ef or min(a.ef) < 1:
        ap.error(f"--ef {a.ef}: each beam must be >= 1")
    a.libraries = [x.strip() for x in a.libraries.split(",") if x.strip()]
    unknown = [x for x in a.libraries if x not in PEERS]
    if unknown:
        ap.error(f"--libraries: unknown {', '.join(unknown)}; choose from {', '.join(PEERS)}")
    for opt in ("n", "queries"):
        v = getattr(a, opt)
        if v is not None and v < K + 1:
            ap.error(f"--{opt} {v}: must be at least {K + 1}")
    if a.threads < 1 or a.batch_threads < 1 or a.repeats < 1:
        ap.error("--threads, --batch-threads and --repeats must be at least 1")
    return a


def main(argv=None) -> int:
    args = parse_args(argv)
    name, folder, base, queries, _, gt_dist = prepared(args)
    if args.prepare_only:
        print(folder)  # the driver hands this folder to the Java side
        return 0
    out = None
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        out = open(args.out, "a", encoding="utf-8")  # noqa: SIM115 (closed below)

    def emit(row):
        line = json.dumps(row, sort_keys=False)
        print(line, flush=True)
        if out:
            out.write(line + "\n")
            out.flush()

    failed = []
    try:
        for lib in args.libraries:
            try:
                peer = PEERS[lib]()
            except ImportError as e:
                failed.append(f"{lib}: not importable ({e}); install python3-{lib}")
                continue
            try:
                measure(peer, name, base, queries, gt_dist, args, emit)
            except Exception as e:  # noqa: BLE001 (one peer failing must not lose the others)
                failed.append(f"{lib}: {type(e).__name__}: {e}")
    finally:
        if out:
            out.close()
    print(f"ann_peers.py: python {platform.python_version()}, numpy {np.__version__}",
          file=sys.stderr)
    for f in failed:
        print(f"ann_peers.py: FAILED {f}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
