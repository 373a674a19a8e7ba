#!/usr/bin/env python3
"""The peer of `ImbalancedTraining`: the same small CNN in PyTorch, trained from scratch with
and without class weights (`CrossEntropyLoss(weight=n / (C n_c))`) on the same Fashion-MNIST
subset (every training image of nine classes and a share of the shirts, drawn as the Java
program draws them), 10% held out (stratified) to keep the best epoch, scored on the whole
test set.

    /usr/bin/python3 embeddings-benchmarks/bin/imbalanced_training_peer.py --share 0.02 \
        --seeds 2 --epochs 3

The network: conv 3x3 32 (same) + ReLU + batch norm + max pool 2, conv 3x3 64 + ReLU + batch
norm + max pool 2, dense 128 + ReLU, dropout 0.5, softmax; Adam, rate 0.002, batch 128, L2
1e-4, pixels / 255 (the `train` command's defaults). Prints one JSON line per run. Needs
Debian's python3-torch and dataset-fashion-mnist.

To find what makes two frameworks differ, DL4J's choices can be put back one at a time:
`--init he` (He-normal convolutions and dense layer, Xavier output, zero biases: DL4J's RELU
and XAVIER), `--l2 weights` (no L2 on biases and batch norm, as DL4J's `l2`), `--reduction
batch` (the weighted loss divided by the batch size, as DL4J, not by the sum of the weights);
`--weights balanced` runs only the weighted network.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from imbalanced_peer import RARE, SplitMix, idx  # noqa: E402


def network(torch):
    nn = torch.nn
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.BatchNorm2d(32), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.BatchNorm2d(64), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(128, 10))


def he_init(torch, net):
    """DL4J's RELU init (normal, variance 2 / fan-in) for all but the last layer, XAVIER
    (normal, variance 2 / (fan-in + fan-out)) for the last; biases zero."""
    nn = torch.nn
    layers = [m for m in net if isinstance(m, (nn.Conv2d, nn.Linear))]
    for m in layers[:-1]:
        nn.init.normal_(m.weight, 0, (2.0 / m.weight[0].numel()) ** 0.5)
        nn.init.zeros_(m.bias)
    last = layers[-1]
    nn.init.normal_(last.weight, 0, (2.0 / (last.in_features + last.out_features)) ** 0.5)
    nn.init.zeros_(last.bias)


def optimizer(torch, net, l2):
    """Adam, rate 0.002, L2 1e-4 on every parameter or (DL4J) on weights only."""
    if l2 == "all":
        return torch.optim.Adam(net.parameters(), lr=0.002, weight_decay=1e-4)
    nn = torch.nn
    weights = [m.weight for m in net if isinstance(m, (nn.Conv2d, nn.Linear))]
    ids = {id(t) for t in weights}
    rest = [t for t in net.parameters() if id(t) not in ids]
    return torch.optim.Adam([{"params": weights, "weight_decay": 1e-4},
                             {"params": rest, "weight_decay": 0}], lr=0.002)


def criterion(torch, w, reduction):
    """Weighted cross-entropy divided by the sum of the batch's weights (PyTorch) or by the
    batch size (DL4J)."""
    weight = torch.tensor(w, dtype=torch.float32)
    if reduction == "weights":
        return torch.nn.CrossEntropyLoss(weight=weight)
    summed = torch.nn.CrossEntropyLoss(weight=weight, reduction="sum")
    return lambda out, target: summed(out, target) / len(target)


def scores(pred, truth):
    recalls = [float((pred[truth == c] == c).mean()) for c in range(10) if (truth == c).any()]
    return float((pred == truth).mean()), float(np.mean(recalls)), recalls


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--share", type=float, default=0.02)
    p.add_argument("--seeds", type=int, default=2)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--init", choices=("pytorch", "he"), default="pytorch")
    p.add_argument("--l2", choices=("all", "weights"), default="all")
    p.add_argument("--reduction", choices=("weights", "batch"), default="weights")
    p.add_argument("--weights", choices=("both", "none", "balanced"), default="both")
    a = p.parse_args()
    import torch
    torch.set_num_threads(os.cpu_count() or 1)
    x = idx("train-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28).astype(np.float32) / 255
    y = idx("train-labels-idx1-ubyte.gz", 8).astype(np.int64)
    tx = idx("t10k-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28).astype(np.float32) / 255
    ty = idx("t10k-labels-idx1-ubyte.gz", 8).astype(np.int64)
    pick = SplitMix(11)
    keep = [i for i in range(len(y)) if not (y[i] == RARE and pick.next_double() >= a.share)]
    x, y = x[keep], y[keep]
    for s in range(a.seeds):
        seed = 100 + s
        order = (False, True) if s % 2 == 0 else (True, False)
        for weighted in [w for w in order if a.weights == "both"
                         or w == (a.weights == "balanced")]:
            rng = np.random.default_rng(seed)
            held = np.concatenate([rng.permutation(np.flatnonzero(y == c))[
                :int(round(0.1 * (y == c).sum()))] for c in range(10)])
            mask = np.ones(len(y), bool)
            mask[held] = False
            trx, tr_y, vx, vy = x[mask], y[mask], x[held], y[held]
            counts = np.bincount(tr_y, minlength=10)
            w = len(tr_y) / (10 * counts) if weighted else np.ones(10)
            torch.manual_seed(seed)
            net = network(torch)
            if a.init == "he":
                he_init(torch, net)
            opt = optimizer(torch, net, a.l2)
            loss = criterion(torch, w, a.reduction)
            t0 = time.perf_counter()
            best, best_state, best_epoch = -1.0, None, 0
            for epoch in range(1, a.epochs + 1):
                net.train()
                order = rng.permutation(len(tr_y))
                for b in range(0, len(order), 128):
                    i = order[b:b + 128]
                    opt.zero_grad()
                    loss(net(torch.from_numpy(trx[i])), torch.from_numpy(tr_y[i])).backward()
                    opt.step()
                net.eval()
                with torch.no_grad():
                    vp = net(torch.from_numpy(vx)).argmax(1).numpy()
                acc, bal, _ = scores(vp, vy)
                score = bal if weighted else acc
                if score > best:
                    best, best_epoch = score, epoch
                    best_state = {k: v.clone() for k, v in net.state_dict().items()}
            net.load_state_dict(best_state)
            net.eval()
            with torch.no_grad():
                pred = net(torch.from_numpy(tx)).argmax(1).numpy()
            acc, bal, recalls = scores(pred, ty)
            print(json.dumps({
                "peer": "PyTorch " + torch.__version__, "seed": seed, "init": a.init,
                "l2": a.l2, "reduction": a.reduction,
                "class_weights": "balanced" if weighted else "none",
                "training_images": int(len(tr_y)), "shirts": int((y == RARE).sum()),
                "accuracy": round(acc, 4), "balanced_accuracy": round(bal, 4),
                "shirt_recall": round(recalls[RARE], 3), "kept_epoch": best_epoch,
                "seconds": round(time.perf_counter() - t0, 1)}), flush=True)


if __name__ == "__main__":
    main()
