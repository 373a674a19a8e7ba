#!/usr/bin/env python3
"""Fine-tuning a torchvision CNN or ViT brought as ONNX: embeddings4j's graph beside PyTorch.

For each model: export torchvision's architecture (seeded random weights; no download) to ONNX
with its batch norms kept (training=PRESERVE, as docs/training.md advises for fine-tuning),
then, in alternated rounds, time training steps of the same network with its classifier
replaced by one of --classes outputs (softmax cross-entropy, Adam, batch norms in training
mode) on a seeded random batch:

  embeddings4j  OnnxImport + DL4J (io.github.embeddings4j.benchmarks.OnnxTrainStep), which
                also checks the imported graph's output against ONNX Runtime
  pytorch       the torchvision module itself

Each engine runs in a fresh process per round; the report gives the median of the paired
ratios (embeddings4j time / PyTorch time). Run from the repository root after
  mvn -B -q -o -DskipDocs -pl embeddings-benchmarks -am package -DskipTests

  /usr/bin/python3 embeddings-benchmarks/bin/onnx_finetune_bench.py \\
      --models resnet18,mobilenet_v2 --size 112 --batch 16 --rounds 3
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

JAR = "embeddings-benchmarks/target/benchmarks.jar"


def sized(name, size):
    """A ViT built for the size (torchvision fixes it; its position embedding follows)."""
    return {"image_size": size} if name.startswith("vit_") else {}


def export(name, size, path):
    import torch
    import torch.nn as nn
    import torchvision
    torch.manual_seed(0)
    m = getattr(torchvision.models, name)(**sized(name, size))
    # Batch-norm statistics and classifiers as trained networks have them, not torchvision's
    # initial ones (whose outputs are near zero for some families, which would make the check
    # against ONNX Runtime say nothing).
    g = torch.Generator().manual_seed(1)
    for mod in m.modules():
        if isinstance(mod, nn.BatchNorm2d):
            c = mod.num_features
            mod.weight.data = torch.rand(c, generator=g) + 0.5
            mod.bias.data = torch.randn(c, generator=g) * 0.1
            mod.running_mean.data = torch.randn(c, generator=g) * 0.1
            mod.running_var.data = torch.rand(c, generator=g) + 0.5
        elif isinstance(mod, nn.LayerNorm):
            c = mod.normalized_shape[0]
            mod.weight.data = torch.rand(c, generator=g) + 0.5
            mod.bias.data = torch.randn(c, generator=g) * 0.1
        elif isinstance(mod, nn.Linear):
            mod.weight.data = torch.randn(mod.weight.shape, generator=g) * 0.05
    if hasattr(m, "class_token"):  # a ViT's, zero at initialisation
        m.class_token.data = torch.randn(m.class_token.shape, generator=g) * 0.1
    m.eval()
    torch.onnx.export(m, torch.randn(1, 3, size, size), path, opset_version=13,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "n"}, "logits": {0: "n"}},
                      training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False)


def torch_steps(name, size, batch, steps, warmup, classes):
    import torch
    import torch.nn as nn
    import torchvision
    torch.manual_seed(0)
    # Debian's build starts with one thread here (OpenMP sees a CPU quota); use every core, as
    # ND4J does.
    torch.set_num_threads(os.cpu_count())
    # Without the auxiliary classifiers, which the exported (eval-mode) graph does not have.
    extra = {"aux_logits": False} if name in ("googlenet", "inception_v3") else {}
    m = getattr(torchvision.models, name)(**extra, **sized(name, size))
    last = None
    for parent in m.modules():
        for child_name, child in parent.named_children():
            if isinstance(child, nn.Linear):
                last = (parent, child_name, child)
    parent, child_name, linear = last
    setattr(parent, child_name, nn.Linear(linear.in_features, classes))
    m.train()
    opt = torch.optim.Adam(m.parameters(), lr=1e-4)
    g = torch.Generator().manual_seed(3)
    x = torch.randn(batch, 3, size, size, generator=g)
    y = torch.randint(0, classes, (batch,), generator=g)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss = loss_fn(m(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(warmup):
        step()
    t0 = time.perf_counter()
    for _ in range(steps):
        loss = step()
    ms = (time.perf_counter() - t0) * 1000 / steps
    return {"engine": "pytorch", "model": name, "size": size, "batch": batch,
            "ms_per_step": round(ms, 1), "images_per_s": round(batch * 1000 / ms, 2),
            "loss": round(loss, 4), "threads": torch.get_num_threads(),
            "torch": torch.__version__}


def java_steps(path, size, batch, steps, warmup, classes):
    out = subprocess.run(["java", "-cp", JAR, "io.github.embeddings4j.benchmarks.OnnxTrainStep",
                          path, str(size), str(batch), str(steps), str(warmup), str(classes)],
                         capture_output=True, text=True)
    if out.returncode != 0:
        refusal = [l for l in out.stderr.splitlines() if "IllegalArgumentException" in l]
        return {"engine": "embeddings4j", "model": os.path.basename(path),
                "refused": (refusal or out.stderr.splitlines()[-1:] or ["?"])[0]}
    line = [l for l in out.stdout.splitlines() if l.startswith("{")][-1]
    return json.loads(line)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default="resnet18,mobilenet_v2")
    ap.add_argument("--size", type=int, default=112)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--classes", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--check-only", action="store_true",
                    help="only import each model and compare it with ONNX Runtime")
    ap.add_argument("--torch-step", nargs=1, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.torch_step:
        print(json.dumps(torch_steps(a.torch_step[0], a.size, a.batch, a.steps, a.warmup,
                                     a.classes)))
        return
    if not os.path.isfile(JAR):
        sys.exit(JAR + " is missing: build it first (see the module's README)")
    with tempfile.TemporaryDirectory() as tmp:
        for name in a.models.split(","):
            path = os.path.join(tmp, name + ".onnx")
            export(name, a.size, path)
            if a.check_only:
                print(json.dumps(java_steps(path, a.size, 2, 0, 0, a.classes)), flush=True)
                continue
            ratios = []
            for r in range(a.rounds):
                order = ["java", "torch"] if r % 2 == 0 else ["torch", "java"]
                got = {}
                for engine in order:
                    if engine == "java":
                        got[engine] = java_steps(path, a.size, a.batch, a.steps, a.warmup,
                                                 a.classes)
                    else:
                        out = subprocess.run([sys.executable, __file__, "--torch-step", name,
                                              "--size", str(a.size), "--batch", str(a.batch),
                                              "--steps", str(a.steps), "--warmup",
                                              str(a.warmup), "--classes", str(a.classes)],
                                             capture_output=True, text=True, check=True)
                        got[engine] = json.loads(out.stdout.strip().splitlines()[-1])
                    print(json.dumps(dict(got[engine], round=r + 1)), flush=True)
                ratios.append(got["java"]["ms_per_step"] / got["torch"]["ms_per_step"])
            print(json.dumps({"model": name, "size": a.size, "batch": a.batch,
                              "paired_ratios_ours_over_pytorch": [round(x, 3) for x in ratios],
                              "median": round(statistics.median(ratios), 3)}), flush=True)


if __name__ == "__main__":
    main()
