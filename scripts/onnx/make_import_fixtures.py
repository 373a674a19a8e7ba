#!/usr/bin/env python3
"""Generate the fixture of the ONNX importer (OnnxImport) and the ONNX fine-tuner.

Writes, into embeddings-core/src/test/resources/onnx/ (or --out DIR):

  convnet_mix.onnx         a small CNN, input [N,3,32,32] -> logits [N,5], that uses every
                           operator family the importer converts, as torch.onnx.export writes
                           them from eval mode: convolutions with folded batch norms, a batch
                           norm that cannot be folded (after a concatenation, as in DenseNet),
                           a depthwise convolution with ReLU6 (Clip, as in MobileNetV2), a
                           grouped convolution (ResNeXt), max pooling with padding, average
                           pooling that counts its zero padding (Pad + AveragePool), a residual
                           addition, LeakyReLU, global average pooling, flatten, two dense
                           layers.
  convnet_mix.input.npy    a seeded batch of 3 inputs (float32)
  convnet_mix.output.npy   PyTorch's logits for it
  convnet_se.onnx          a small CNN with the blocks of MobileNetV3 and EfficientNet, input
                           [N,3,32,32] -> logits [N,4]: hard-swish (HardSigmoid + Mul), SiLU
                           (Sigmoid + Mul), squeeze-and-excitation (global pooling, two 1x1
                           convolutions, a gate multiplied into the map), batch norms kept
                           (exported with training=PRESERVE), any height and width.
  convnet_se.input.npy / convnet_se.output.npy   as for convnet_mix

Deterministic (fixed seeds). Usage: python3 scripts/onnx/make_import_fixtures.py [--out DIR]
"""
import argparse
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.normpath(
    os.path.join(HERE, "..", "..", "embeddings-core", "src", "test", "resources", "onnx"))


class ConvNetMix(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16),
                                  nn.ReLU())
        self.pool = nn.MaxPool2d(3, 2, 1)                       # 32 -> 16
        self.depthwise = nn.Sequential(nn.Conv2d(16, 32, 3, 1, 1, groups=16, bias=False),
                                       nn.BatchNorm2d(32), nn.ReLU6())
        self.grouped = nn.Conv2d(32, 16, 3, 1, 1, groups=4)
        self.side = nn.Conv2d(16, 8, 1)
        self.norm = nn.BatchNorm2d(24)                          # after a concat: not folded
        self.trans = nn.Conv2d(24, 24, 1, bias=False)
        self.res = nn.Sequential(nn.Conv2d(24, 24, 3, 2, 1), nn.LeakyReLU(0.1))
        self.skip = nn.Conv2d(24, 24, 1, 2)
        self.down = nn.AvgPool2d(3, 2, padding=1, count_include_pad=True)
        self.fc1 = nn.Linear(24, 12)
        self.fc2 = nn.Linear(12, 5)

    def forward(self, x):
        x = self.pool(self.stem(x))
        x = self.depthwise(x)
        g = F.relu(self.grouped(x))
        x = torch.cat([g, self.side(g)], dim=1)                 # 24 channels
        x = F.relu(self.norm(x))
        x = self.trans(x)
        x = self.down(x)                                        # 16 -> 8, zero-padded
        x = self.res(x) + self.skip(x)                          # 8 -> 4
        x = F.adaptive_avg_pool2d(x, 1)
        x = torch.flatten(x, 1)
        return self.fc2(F.relu(self.fc1(x)))


class SqueezeExcite(nn.Module):
    def __init__(self, c, r):
        super().__init__()
        self.reduce = nn.Conv2d(c, r, 1)
        self.expand = nn.Conv2d(r, c, 1)

    def forward(self, x):
        s = F.adaptive_avg_pool2d(x, 1)
        s = F.silu(self.reduce(s))
        return x * torch.sigmoid(self.expand(s))


class ConvNetSe(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 2, 1, bias=False), nn.BatchNorm2d(16),
                                  nn.Hardswish())
        self.depthwise = nn.Sequential(nn.Conv2d(16, 16, 3, 1, 1, groups=16, bias=False),
                                       nn.BatchNorm2d(16), nn.SiLU())
        self.se = SqueezeExcite(16, 4)
        self.project = nn.Sequential(nn.Conv2d(16, 24, 1, bias=False), nn.BatchNorm2d(24))
        self.head = nn.Sequential(nn.Linear(24, 16), nn.Hardswish(), nn.Linear(16, 4))

    def forward(self, x):
        x = self.se(self.depthwise(self.stem(x)))
        x = self.project(x)
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        return self.head(x)


def randomize_bn(module, gen):
    for m in module.modules():
        if isinstance(m, nn.BatchNorm2d):
            c = m.num_features
            m.weight.data = torch.rand(c, generator=gen) + 0.5
            m.bias.data = torch.randn(c, generator=gen) * 0.1
            m.running_mean.data = torch.randn(c, generator=gen) * 0.1
            m.running_var.data = torch.rand(c, generator=gen) + 0.5


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=DEFAULT_OUT)
    out = ap.parse_args().out
    torch.manual_seed(7)
    gen = torch.Generator().manual_seed(7)
    model = ConvNetMix()
    randomize_bn(model, gen)
    model.eval()
    x = torch.randn(3, 3, 32, 32, generator=gen)
    with torch.no_grad():
        y = model(x)
    path = os.path.join(out, "convnet_mix.onnx")
    torch.onnx.export(model, x, path, opset_version=13, input_names=["input"],
                      output_names=["logits"],
                      dynamic_axes={"input": {0: "n"}, "logits": {0: "n"}})
    np.save(os.path.join(out, "convnet_mix.input.npy"), x.numpy().astype(np.float32))
    np.save(os.path.join(out, "convnet_mix.output.npy"), y.numpy().astype(np.float32))
    report(path)

    se = ConvNetSe()
    randomize_bn(se, gen)
    se.eval()
    x = torch.randn(3, 3, 32, 32, generator=gen)
    with torch.no_grad():
        y = se(x)
    path = os.path.join(out, "convnet_se.onnx")
    torch.onnx.export(se, x, path, opset_version=13, input_names=["input"],
                      output_names=["logits"],
                      dynamic_axes={"input": {0: "n", 2: "h", 3: "w"}, "logits": {0: "n"}},
                      training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False)
    np.save(os.path.join(out, "convnet_se.input.npy"), x.numpy().astype(np.float32))
    np.save(os.path.join(out, "convnet_se.output.npy"), y.numpy().astype(np.float32))
    report(path)


def report(path):
    try:
        import onnx
        ops = sorted({n.op_type for n in onnx.load(path).graph.node})
        print("operators:", ", ".join(ops))
    except ImportError:
        pass
    print("wrote", path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
