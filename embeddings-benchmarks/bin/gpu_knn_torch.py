#!/usr/bin/env python3
"""The PyTorch peer of GpuSearchDuel: exact k-NN on the GPU as a matrix product plus top-k in
blocks of 1,024 queries, over random unit vectors, timed with CUDA events after a warm-up.

    python3 gpu_knn_torch.py --rows 1000000 --dim 512 --queries 10000 --k 10 --rounds 5 \
        --dtypes float32,float16 [--out results.jsonl]

Prints one JSON line per dtype (median seconds of the rounds, queries per second). float32
matrix products run in true float32 (TF32 is off, PyTorch's default for matmul), as cuBLAS's
SGEMM does in embeddings4j. Needs PyTorch with CUDA; not run in CI.
"""
import argparse
import json
import statistics
import sys


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--dim", type=int, default=512)
    p.add_argument("--queries", type=int, default=10_000)
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--block", type=int, default=1024)
    p.add_argument("--dtypes", default="float32,float16")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--device", default="cuda",
                   help="cuda (default), or cpu to try the script without a GPU")
    p.add_argument("--out")
    a = p.parse_args(argv)

    import time

    import torch

    torch.backends.cuda.matmul.allow_tf32 = False
    dev = torch.device(a.device)
    cuda = dev.type == "cuda"
    g = torch.Generator(device=dev).manual_seed(a.seed)
    x32 = torch.randn(a.rows, a.dim, device=dev, generator=g)
    x32 /= x32.norm(dim=1, keepdim=True)
    q32 = torch.randn(a.queries, a.dim, device=dev, generator=g)
    q32 /= q32.norm(dim=1, keepdim=True)
    for name in a.dtypes.split(","):
        dtype = {"float32": torch.float32, "float16": torch.float16,
                 "bfloat16": torch.bfloat16}[name.strip()]
        x = x32.to(dtype)
        q = q32.to(dtype)
        if not cuda and dtype != torch.float32:
            # PyTorch's CPU build may have no 16-bit matrix product (1.13 has none): store in
            # 16 bits, multiply in float32. Only for trying the script without a GPU.
            x = x.to(torch.float32)
            q = q.to(torch.float32)

        def search():
            ids = []
            for s in range(0, a.queries, a.block):
                scores = q[s:s + a.block] @ x.T
                ids.append(torch.topk(scores, a.k, dim=1).indices)
            return torch.cat(ids).cpu()

        search()  # warm-up: cuBLAS handles, kernels, the allocator's pool
        if cuda:
            torch.cuda.synchronize()
        seconds = []
        for _ in range(a.rounds):
            if cuda:
                start = torch.cuda.Event(enable_timing=True)
                end = torch.cuda.Event(enable_timing=True)
                start.record()
                search()
                end.record()
                torch.cuda.synchronize()
                seconds.append(start.elapsed_time(end) / 1000.0)
            else:
                t0 = time.perf_counter()
                search()
                seconds.append(time.perf_counter() - t0)
        median = statistics.median(seconds)
        line = {"peer": "pytorch", "torch": torch.__version__, "storage": name.strip(),
                "rows": a.rows, "dim": a.dim, "queries": a.queries, "k": a.k,
                "rounds": a.rounds, "seconds_median": round(median, 4),
                "seconds": [round(s, 4) for s in seconds], "qps": round(a.queries / median),
                "gpu": torch.cuda.get_device_name(0) if cuda else "cpu"}
        print(json.dumps(line), flush=True)
        if a.out:
            # Each line as soon as it is measured, so that a later failure keeps it.
            with open(a.out, "a") as f:
                f.write(json.dumps(line) + "\n")
        del x, q
        if cuda:
            torch.cuda.empty_cache()


if __name__ == "__main__":
    sys.exit(main())
