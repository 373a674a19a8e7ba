#!/usr/bin/env python3
"""Generate the ONNX test fixtures of embeddings-core.

Writes, into embeddings-core/src/test/resources/onnx/ (or --out DIR):

  resnet_tiny.onnx   ResNet-style CNN, output the last feature map [N,64,h,w]
                     (no pooling), dynamic batch/height/width.
  mobile_se.onnx     depthwise-separable + squeeze-excitation + hardswish CNN,
                     global average pool + flatten -> [1,48]; FIXED batch 1.
  vit_tiny.onnx      tiny ViT (32x32, patch 8, dim 64, 2 layers, 4 heads),
                     outputs `tokens` [N,17,64] and `tokens_layer1` [N,17,64].
  gray_cnn.onnx      1-channel CNN, input [N,1,28,28] -> [N,32].
  M.input.npy / M.output.npy (/ vit_tiny.output_layer1.npy): a seeded batch of
                     3 inputs and PyTorch's outputs for it (float32).
  image.png          300x200 RGB test picture (gradients, shapes, seeded noise).
  image.{imagenet,clip,inception}.npy   torchvision/PIL preprocessing of it.
  image.resnet_tiny.output.npy          resnet_tiny on image.imagenet.npy.
  fixtures.json      inventory: shapes, dtypes, sha256, names, versions and
                     the exact preprocessing rules.

Deterministic: every model and tensor comes from fixed seeds; re-running
reproduces the .npy references (up to float rounding across machines).

As onnxruntime is not always installed, the script checks every exported
graph with onnx.checker and, when onnxruntime is missing, with a small NumPy
evaluator of the ONNX operators these graphs use (see `NumpyOnnx`), comparing
against PyTorch.  Usage:

    python3 scripts/onnx/make_fixtures.py [--out DIR]
"""
import argparse
import hashlib
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from PIL import Image, ImageDraw
from torchvision import transforms as T

OPSET = 17
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.normpath(
    os.path.join(HERE, "..", "..", "embeddings-core", "src", "test", "resources", "onnx"))


# ----------------------------------------------------------------------------
# Models
# ----------------------------------------------------------------------------

def randomize_bn(module, gen):
    """Give every BatchNorm non-trivial affine params and running stats."""
    for m in module.modules():
        if isinstance(m, nn.BatchNorm2d):
            c = m.num_features
            with torch.no_grad():
                m.weight.copy_(torch.rand(c, generator=gen) * 1.0 + 0.5)
                m.bias.copy_(torch.randn(c, generator=gen) * 0.2)
                m.running_mean.copy_(torch.randn(c, generator=gen) * 0.3)
                m.running_var.copy_(torch.rand(c, generator=gen) * 1.5 + 0.5)


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                      nn.BatchNorm2d(cout))

    def forward(self, x):
        idt = x if self.down is None else self.down(x)
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + idt)


class ResNetTiny(nn.Module):
    """stem conv3x3/2 + BN + ReLU, maxpool 3/2, stages 16/32/64 (strides 1/2/2),
    two basic blocks each.  Output: last feature map, stride 16, no pooling."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 2, 1, bias=False),
                                  nn.BatchNorm2d(16), nn.ReLU(inplace=True))
        self.pool = nn.MaxPool2d(3, 2, 1)
        layers = []
        cin = 16
        for cout, stride in ((16, 1), (32, 2), (64, 2)):
            layers += [BasicBlock(cin, cout, stride), BasicBlock(cout, cout, 1)]
            cin = cout
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return self.layers(self.pool(self.stem(x)))


class SqueezeExcite(nn.Module):
    def __init__(self, c, r=4):
        super().__init__()
        self.fc1 = nn.Conv2d(c, c // r, 1)
        self.fc2 = nn.Conv2d(c // r, c, 1)

    def forward(self, x):
        s = F.adaptive_avg_pool2d(x, 1)
        s = F.hardsigmoid(self.fc2(F.relu(self.fc1(s))))
        return x * s


class DwSepSE(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.dw = nn.Conv2d(cin, cin, 3, stride, 1, groups=cin, bias=False)
        self.bn1 = nn.BatchNorm2d(cin)
        self.se = SqueezeExcite(cin)
        self.pw = nn.Conv2d(cin, cout, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)

    def forward(self, x):
        x = F.hardswish(self.bn1(self.dw(x)))
        x = self.se(x)
        return F.hardswish(self.bn2(self.pw(x)))


class MobileSE(nn.Module):
    """Input [1,3,64,64] -> [1,48] (global average pool + flatten inside)."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 2, 1, bias=False),
                                  nn.BatchNorm2d(16), nn.Hardswish())
        self.blocks = nn.Sequential(DwSepSE(16, 24, 2), DwSepSE(24, 32, 2),
                                    DwSepSE(32, 48, 1))
        self.pool = nn.AdaptiveAvgPool2d(1)

    def forward(self, x):
        return torch.flatten(self.pool(self.blocks(self.stem(x))), 1)


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.hd = dim // heads
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, t, c = x.shape
        qkv = self.qkv(x).reshape(b, t, 3, self.heads, self.hd).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        a = torch.softmax((q @ k.transpose(-2, -1)) * (self.hd ** -0.5), dim=-1)
        y = (a @ v).transpose(1, 2).reshape(b, t, c)
        return self.proj(y)


class EncoderLayer(nn.Module):
    def __init__(self, dim, heads, mlp):
        super().__init__()
        self.ln1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, heads)
        self.ln2 = nn.LayerNorm(dim, eps=1e-6)
        self.fc1 = nn.Linear(dim, mlp)
        self.fc2 = nn.Linear(mlp, dim)

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))


class ViTTiny(nn.Module):
    """32x32 input, patch 8 -> 16 patches + cls = 17 tokens of dim 64.
    Returns (tokens after final LayerNorm, tokens after encoder layer 1)."""

    def __init__(self, dim=64, heads=4, depth=2, mlp=128):
        super().__init__()
        self.patch = nn.Conv2d(3, dim, 8, 8)
        self.cls = nn.Parameter(torch.randn(1, 1, dim) * 0.5)
        self.pos = nn.Parameter(torch.randn(1, 17, dim) * 0.5)
        self.layers = nn.ModuleList([EncoderLayer(dim, heads, mlp) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        with torch.no_grad():  # non-trivial LayerNorm affine params
            for m in self.modules():
                if isinstance(m, nn.LayerNorm):
                    m.weight.uniform_(0.5, 1.5)
                    m.bias.normal_(0, 0.1)

    def forward(self, x):
        x = self.patch(x).flatten(2).transpose(1, 2)            # [N,16,64]
        cls = self.cls.expand(x.shape[0], -1, -1)
        x = torch.cat([cls, x], dim=1) + self.pos               # [N,17,64]
        x = self.layers[0](x)
        layer1 = x
        for layer in self.layers[1:]:
            x = layer(x)
        return self.norm(x), layer1


class GrayCNN(nn.Module):
    """Input [N,1,28,28] -> [N,32]."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 16, 3, 2, 1)
        self.c2 = nn.Conv2d(16, 32, 3, 2, 1)

    def forward(self, x):
        x = F.relu(self.c2(F.relu(self.c1(x))))
        return torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)


# ----------------------------------------------------------------------------
# Minimal NumPy evaluator for the ONNX operators used by the fixtures
# (used as an independent check when onnxruntime is not installed)
# ----------------------------------------------------------------------------

class NumpyOnnx:
    def __init__(self, path):
        import onnx
        from onnx import numpy_helper
        self.model = onnx.load(path)
        g = self.model.graph
        self.init = {t.name: numpy_helper.to_array(t) for t in g.initializer}
        self.nodes = list(g.node)
        self.inputs = [i.name for i in g.input if i.name not in self.init]
        self.outputs = [o.name for o in g.output]

    @staticmethod
    def _attrs(node):
        import onnx
        return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}

    @staticmethod
    def _conv(x, w, b, a):
        strides = a.get("strides", [1, 1])
        pads = a.get("pads", [0, 0, 0, 0])
        dil = a.get("dilations", [1, 1])
        group = a.get("group", 1)
        assert dil == [1, 1]
        x = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
        n, c, h, wd = x.shape
        m, cg, kh, kw = w.shape
        oh = (h - kh) // strides[0] + 1
        ow = (wd - kw) // strides[1] + 1
        out = np.zeros((n, m, oh, ow), np.float64)
        mg = m // group
        for g in range(group):
            xs = x[:, g * cg:(g + 1) * cg]
            ws = w[g * mg:(g + 1) * mg].astype(np.float64)
            for i in range(kh):
                for j in range(kw):
                    patch = xs[:, :, i:i + strides[0] * oh:strides[0], j:j + strides[1] * ow:strides[1]]
                    out[:, g * mg:(g + 1) * mg] += np.einsum("nchw,mc->nmhw", patch, ws[:, :, i, j],
                                                             optimize=True)
        if b is not None:
            out += b.reshape(1, -1, 1, 1)
        return out.astype(np.float32)

    @staticmethod
    def _maxpool(x, a):
        k = a["kernel_shape"]; s = a.get("strides", [1, 1]); p = a.get("pads", [0, 0, 0, 0])
        x = np.pad(x, ((0, 0), (0, 0), (p[0], p[2]), (p[1], p[3])), constant_values=-np.inf)
        n, c, h, w = x.shape
        oh = (h - k[0]) // s[0] + 1
        ow = (w - k[1]) // s[1] + 1
        out = np.full((n, c, oh, ow), -np.inf, np.float32)
        for i in range(k[0]):
            for j in range(k[1]):
                out = np.maximum(out, x[:, :, i:i + s[0] * oh:s[0], j:j + s[1] * ow:s[1]])
        return out

    def __call__(self, feeds):
        v = dict(self.init)
        v.update(feeds)
        verf = np.vectorize(math.erf)
        for nd in self.nodes:
            a = self._attrs(nd)
            i = [v[n] if n else None for n in nd.input]
            op = nd.op_type
            if op == "Conv":
                r = self._conv(i[0], i[1], i[2] if len(i) > 2 else None, a)
            elif op == "BatchNormalization":
                x, sc, bi, mu, var = i
                eps = a.get("epsilon", 1e-5)
                sh = (1, -1, 1, 1)
                r = ((x - mu.reshape(sh)) / np.sqrt(var.reshape(sh) + eps) * sc.reshape(sh)
                     + bi.reshape(sh)).astype(np.float32)
            elif op == "Sigmoid":
                r = (1.0 / (1.0 + np.exp(-i[0].astype(np.float64)))).astype(np.float32)
            elif op == "Relu":
                r = np.maximum(i[0], 0)
            elif op == "MaxPool":
                r = self._maxpool(i[0], a)
            elif op == "Add":
                r = i[0] + i[1]
            elif op == "Sub":
                r = i[0] - i[1]
            elif op == "Mul":
                r = i[0] * i[1]
            elif op == "Div":
                if np.issubdtype(np.asarray(i[0]).dtype, np.integer):   # integer division truncates
                    q = np.abs(i[0]) // np.abs(i[1])
                    r = (q * np.sign(i[0]) * np.sign(i[1])).astype(np.asarray(i[0]).dtype)
                else:
                    r = i[0] / i[1]
            elif op == "Pow":
                r = np.power(i[0], i[1]).astype(i[0].dtype)
            elif op == "Sqrt":
                r = np.sqrt(i[0])
            elif op == "Erf":
                r = verf(i[0].astype(np.float64)).astype(np.float32)
            elif op == "HardSigmoid":
                al = a.get("alpha", 0.2); be = a.get("beta", 0.5)
                r = np.clip(al * i[0] + be, 0, 1).astype(np.float32)
            elif op == "HardSwish":
                r = (i[0] * np.clip(i[0] / 6 + 0.5, 0, 1)).astype(np.float32)
            elif op == "GlobalAveragePool":
                r = i[0].mean(axis=(2, 3), keepdims=True)
            elif op == "ReduceMean":
                axes = a.get("axes", list(range(i[0].ndim)))
                r = i[0].mean(axis=tuple(axes), keepdims=bool(a.get("keepdims", 1)))
            elif op == "Flatten":
                ax = a.get("axis", 1)
                r = i[0].reshape(int(np.prod(i[0].shape[:ax])), -1)
            elif op == "Shape":
                r = np.array(i[0].shape, np.int64)
            elif op == "Gather":
                r = np.take(i[0], i[1], axis=a.get("axis", 0))
            elif op == "Unsqueeze":
                r = i[0]
                for ax in sorted(int(x) for x in i[1]):
                    r = np.expand_dims(r, ax)
            elif op == "Squeeze":
                r = np.squeeze(i[0], axis=tuple(int(x) for x in i[1])) if len(i) > 1 else np.squeeze(i[0])
            elif op == "Concat":
                r = np.concatenate(i, axis=a["axis"])
            elif op == "Reshape":
                shape = [int(s) for s in i[1]]
                shape = [i[0].shape[k] if s == 0 else s for k, s in enumerate(shape)]
                r = i[0].reshape(shape)
            elif op == "Transpose":
                r = np.transpose(i[0], a.get("perm"))
            elif op == "Expand":
                r = i[0] * np.ones([int(s) for s in i[1]], i[0].dtype)
            elif op == "ConstantOfShape":
                val = a["value"]
                from onnx import numpy_helper
                r = np.full([int(s) for s in i[0]], numpy_helper.to_array(val).reshape(-1)[0])
            elif op == "Constant":
                from onnx import numpy_helper
                r = numpy_helper.to_array(a["value"])
            elif op == "Equal":
                r = i[0] == i[1]
            elif op == "Where":
                r = np.where(i[0], i[1], i[2])
            elif op == "Slice":
                x = i[0]
                starts, ends = i[1], i[2]
                axes = i[3] if len(i) > 3 and i[3] is not None else range(len(starts))
                steps = i[4] if len(i) > 4 and i[4] is not None else [1] * len(starts)
                sl = [slice(None)] * x.ndim
                for s, e, ax, st in zip(starts, ends, axes, steps):
                    sl[int(ax)] = slice(int(s), int(min(e, 2 ** 62)), int(st))
                r = x[tuple(sl)]
            elif op == "Split":
                ax = a.get("axis", 0)
                sizes = [int(s) for s in i[1]]
                idx = np.cumsum(sizes)[:-1]
                r = np.split(i[0], idx, axis=ax)
            elif op == "MatMul":
                r = np.matmul(i[0].astype(np.float64), i[1].astype(np.float64)).astype(np.float32)
            elif op == "Gemm":
                A, B = i[0], i[1]
                if a.get("transA", 0): A = A.T
                if a.get("transB", 0): B = B.T
                r = (a.get("alpha", 1.0) * (A.astype(np.float64) @ B.astype(np.float64))
                     + a.get("beta", 1.0) * (i[2] if len(i) > 2 else 0)).astype(np.float32)
            elif op == "Softmax":
                ax = a.get("axis", -1)
                e = np.exp(i[0] - i[0].max(axis=ax, keepdims=True))
                r = (e / e.sum(axis=ax, keepdims=True)).astype(np.float32)
            elif op == "LayerNormalization":
                ax = a.get("axis", -1)
                eps = a.get("epsilon", 1e-5)
                x = i[0].astype(np.float64)
                axes = tuple(range(ax % x.ndim, x.ndim))
                mu = x.mean(axis=axes, keepdims=True)
                var = ((x - mu) ** 2).mean(axis=axes, keepdims=True)
                r = ((x - mu) / np.sqrt(var + eps) * i[1] + (i[2] if len(i) > 2 and i[2] is not None else 0)
                     ).astype(np.float32)
            elif op == "Cast":
                import onnx
                if hasattr(onnx.helper, "tensor_dtype_to_np_dtype"):
                    r = i[0].astype(onnx.helper.tensor_dtype_to_np_dtype(a["to"]))
                else:  # onnx < 1.13
                    r = i[0].astype(onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[a["to"]])
            elif op == "Identity":
                r = i[0]
            else:
                raise NotImplementedError("NumpyOnnx: operator " + op)
            if isinstance(r, list):
                for name, val in zip(nd.output, r):
                    v[name] = val
            else:
                v[nd.output[0]] = np.asarray(r)
        return [v[o] for o in self.outputs]


def onnx_run(path, x):
    """Run an .onnx file on x with onnxruntime if importable, else NumpyOnnx."""
    try:
        import onnxruntime as ort
        s = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        return s.run(None, {s.get_inputs()[0].name: x}), "onnxruntime"
    except ImportError:
        return NumpyOnnx(path)({"input": x}), "numpy-reference-evaluator"


# ----------------------------------------------------------------------------
# Image and preprocessing
# ----------------------------------------------------------------------------

def make_image(path):
    w, h = 300, 200
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 255 * xx / (w - 1)
    g = 255 * yy / (h - 1)
    b = 127.5 + 127.5 * np.sin(xx / 9.0) * np.cos(yy / 13.0)
    img = np.stack([r, g, b], -1)
    # high-frequency checkerboard (aliasing-sensitive) in the lower right
    cb = ((xx // 3 + yy // 3) % 2) * 255
    m = (xx >= 200) & (yy >= 120)
    img[m] = np.stack([cb, 255 - cb, cb], -1)[m]
    pil = Image.fromarray(np.clip(np.round(img), 0, 255).astype(np.uint8), "RGB")
    d = ImageDraw.Draw(pil)
    d.rectangle([20, 20, 90, 70], fill=(230, 30, 40), outline=(0, 0, 0), width=3)
    d.ellipse([110, 40, 190, 150], fill=(20, 60, 220), outline=(255, 255, 0), width=2)
    d.polygon([(220, 20), (290, 60), (240, 100)], fill=(250, 250, 250))
    d.line([(0, 199), (299, 0)], fill=(0, 0, 0), width=2)
    d.line([(10, 180), (150, 110)], fill=(255, 128, 0), width=1)
    arr = np.asarray(pil).astype(np.int16)
    rs = np.random.RandomState(1234)
    arr = arr + np.round(rs.normal(0, 10, arr.shape)).astype(np.int16)
    pil = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")
    pil.save(path, format="PNG")


IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]
CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
CLIP_STD = [0.26862954, 0.26130258, 0.27577711]

PRESETS = {
    "imagenet": dict(resize=256, interpolation="bilinear", crop=224,
                     mean=IMAGENET_MEAN, std=IMAGENET_STD, scale="x/255 then (x-mean)/std"),
    "clip": dict(resize=224, interpolation="bicubic", crop=224,
                 mean=CLIP_MEAN, std=CLIP_STD, scale="x/255 then (x-mean)/std"),
    "inception": dict(resize=299, interpolation="bilinear", crop=299,
                      mean=None, std=None, scale="x/255 then x*2-1 (range [-1,1])"),
}


def preset_transform(name):
    p = PRESETS[name]
    interp = {"bilinear": T.InterpolationMode.BILINEAR,
              "bicubic": T.InterpolationMode.BICUBIC}[p["interpolation"]]
    ts = [T.Resize(p["resize"], interpolation=interp), T.CenterCrop(p["crop"]), T.ToTensor()]
    if p["mean"] is not None:
        ts.append(T.Normalize(mean=p["mean"], std=p["std"]))
    else:
        ts.append(T.Lambda(lambda x: x * 2 - 1))
    return T.Compose(ts)


def resize_geometry(w, h, size, crop):
    """torchvision 0.14 rules, for documentation in fixtures.json."""
    short, long = (w, h) if w <= h else (h, w)
    new_long = int(size * long / short)            # truncation, not rounding
    nw, nh = (size, new_long) if w <= h else (new_long, size)
    top = int(round((nh - crop) / 2.0))             # Python round: half to even
    left = int(round((nw - crop) / 2.0))
    return dict(resized_w=nw, resized_h=nh, crop_left=left, crop_top=top)


# ----------------------------------------------------------------------------

def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def export(model, dummy, path, output_names, dynamic_axes):
    torch.onnx.export(model, dummy, path, opset_version=OPSET, input_names=["input"],
                      output_names=output_names, dynamic_axes=dynamic_axes,
                      do_constant_folding=True, training=torch.onnx.TrainingMode.EVAL)
    import onnx
    m = onnx.load(path)
    # torch names non-dynamic output dims it cannot infer (e.g. 'Addtokens_dim_1'); pin
    # every output dim that is not a declared dynamic axis to its static value.
    with torch.no_grad():
        outs = model(dummy)
    outs = outs if isinstance(outs, (tuple, list)) else [outs]
    dyn = dynamic_axes or {}
    changed = False
    for o, t in zip(m.graph.output, outs):
        for k, d in enumerate(o.type.tensor_type.shape.dim):
            if k not in dyn.get(o.name, {}) and d.dim_param:
                d.ClearField("dim_param")
                d.dim_value = int(t.shape[k])
                changed = True
    if changed:
        onnx.save(m, path)
    onnx.checker.check_model(m, full_check=True)
    return m


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=DEFAULT_OUT, help="output folder (default: %(default)s)")
    args = ap.parse_args()
    out = args.out
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(1)
    P = lambda n: os.path.join(out, n)  # noqa: E731

    inventory = {"generator": "scripts/onnx/make_fixtures.py", "opset": OPSET,
                 "torch": torch.__version__, "torchvision": torchvision.__version__,
                 "numpy": np.__version__, "pillow": Image.__version__ if hasattr(Image, "__version__") else None,
                 "models": {}, "files": {}, "preprocessing": {}}
    try:
        import PIL
        inventory["pillow"] = PIL.__version__
    except Exception:
        pass
    import onnx
    inventory["onnx"] = onnx.__version__
    checks = {}

    def record_model(name, model_proto, inputs_desc, outputs_desc, notes):
        inventory["models"][name] = {
            "file": name + ".onnx", "opset": OPSET,
            "inputs": inputs_desc, "outputs": outputs_desc, "notes": notes,
            "graph_inputs": [i.name for i in model_proto.graph.input],
            "graph_outputs": [o.name for o in model_proto.graph.output],
        }

    def check(name, path, x, refs, batch_one=False):
        if batch_one:
            outs = [np.concatenate(o, 0) for o in zip(*[onnx_run(path, x[k:k + 1])[0] for k in range(len(x))])]
            how = onnx_run(path, x[:1])[1]
        else:
            outs, how = onnx_run(path, x)
        diffs = [float(np.abs(o - r).max()) for o, r in zip(outs, refs)]
        checks[name] = {"engine": how, "max_abs_diff": diffs}
        print("  %s: %s max|diff| = %s" % (name, how, diffs))
        assert all(d < 1e-3 for d in diffs), (name, diffs)

    # 1. resnet_tiny ---------------------------------------------------------
    torch.manual_seed(1)
    gen = torch.Generator().manual_seed(101)
    m = ResNetTiny()
    randomize_bn(m, gen)
    m.eval()
    rs = np.random.RandomState(11)
    x = rs.standard_normal((3, 3, 64, 48)).astype(np.float32)
    with torch.no_grad():
        y = m(torch.from_numpy(x)).numpy()
    proto = export(m, torch.from_numpy(x[:2, :, :40, :56].copy()), P("resnet_tiny.onnx"), ["features"],
                   {"input": {0: "batch", 2: "height", 3: "width"},
                    "features": {0: "batch", 2: "out_height", 3: "out_width"}})
    np.save(P("resnet_tiny.input.npy"), x)
    np.save(P("resnet_tiny.output.npy"), y)
    record_model("resnet_tiny", proto,
                 {"input": ["batch", 3, "height", "width"]},
                 {"features": ["batch", 64, "ceil(ceil(ceil(ceil(height/2)/2)/2)/2)", "same for width"]},
                 "ResNet-style CNN (stem conv3x3/2+BN+ReLU, maxpool3/2, 3 stages x 2 basic blocks, "
                 "16/32/64 ch, strides 1/2/2); output stride 16; NO pooling inside: the Java side pools. "
                 "224x224 -> [N,64,14,14].")
    check("resnet_tiny", P("resnet_tiny.onnx"), x, [y])
    resnet = m

    # 2. mobile_se -----------------------------------------------------------
    torch.manual_seed(2)
    gen = torch.Generator().manual_seed(202)
    m = MobileSE()
    randomize_bn(m, gen)
    m.eval()
    rs = np.random.RandomState(22)
    x = rs.standard_normal((3, 3, 64, 64)).astype(np.float32)
    with torch.no_grad():
        y = m(torch.from_numpy(x)).numpy()
    proto = export(m, torch.from_numpy(x[:1]), P("mobile_se.onnx"), ["features"], None)
    np.save(P("mobile_se.input.npy"), x)
    np.save(P("mobile_se.output.npy"), y)
    record_model("mobile_se", proto, {"input": [1, 3, 64, 64]}, {"features": [1, 48]},
                 "Depthwise-separable blocks with squeeze-and-excitation (hardsigmoid gate) and "
                 "hardswish; global average pool + flatten inside. FIXED batch 1 (no dynamic axes): "
                 "the fixture input has batch 3, so callers must split the batch and run 3 times.")
    check("mobile_se", P("mobile_se.onnx"), x, [y], batch_one=True)

    # 3. vit_tiny ------------------------------------------------------------
    torch.manual_seed(3)
    m = ViTTiny()
    m.eval()
    rs = np.random.RandomState(33)
    x = rs.standard_normal((3, 3, 32, 32)).astype(np.float32)
    with torch.no_grad():
        y, y1 = [t.numpy() for t in m(torch.from_numpy(x))]
    proto = export(m, torch.from_numpy(x[:2].copy()), P("vit_tiny.onnx"), ["tokens", "tokens_layer1"],
                   {"input": {0: "batch"}, "tokens": {0: "batch"}, "tokens_layer1": {0: "batch"}})
    np.save(P("vit_tiny.input.npy"), x)
    np.save(P("vit_tiny.output.npy"), y)
    np.save(P("vit_tiny.output_layer1.npy"), y1)
    record_model("vit_tiny", proto, {"input": ["batch", 3, 32, 32]},
                 {"tokens": ["batch", 17, 64], "tokens_layer1": ["batch", 17, 64]},
                 "Tiny ViT: patch 8 conv on 32x32, dim 64, 2 pre-norm encoder layers (4 heads, MLP 128, "
                 "GELU erf), cls token first + learned positional embedding, final LayerNorm. Output "
                 "`tokens` = final sequence (cls at index 0); `tokens_layer1` = sequence after encoder "
                 "layer 1 (before the final LayerNorm). Spatial input size is FIXED at 32x32.")
    check("vit_tiny", P("vit_tiny.onnx"), x, [y, y1])

    # 4. gray_cnn ------------------------------------------------------------
    torch.manual_seed(4)
    m = GrayCNN()
    m.eval()
    rs = np.random.RandomState(44)
    x = rs.standard_normal((3, 1, 28, 28)).astype(np.float32)
    with torch.no_grad():
        y = m(torch.from_numpy(x)).numpy()
    proto = export(m, torch.from_numpy(x[:2].copy()), P("gray_cnn.onnx"), ["features"],
                   {"input": {0: "batch"}, "features": {0: "batch"}})
    np.save(P("gray_cnn.input.npy"), x)
    np.save(P("gray_cnn.output.npy"), y)
    record_model("gray_cnn", proto, {"input": ["batch", 1, 28, 28]}, {"features": ["batch", 32]},
                 "1-channel CNN (2 strided convs + ReLU, global average pool): feeding it RGB "
                 "(3-channel) input must be rejected with a clear error.")
    check("gray_cnn", P("gray_cnn.onnx"), x, [y])

    # 5. image + preprocessing ----------------------------------------------
    make_image(P("image.png"))
    pil = Image.open(P("image.png")).convert("RGB")
    for name in ("imagenet", "clip", "inception"):
        t = preset_transform(name)(pil).unsqueeze(0).numpy().astype(np.float32)
        np.save(P("image.%s.npy" % name), t)
        p = dict(PRESETS[name])
        p["geometry_for_image_png"] = resize_geometry(pil.width, pil.height, p["resize"], p["crop"])
        p["output_shape"] = list(t.shape)
        inventory["preprocessing"][name] = p
    with torch.no_grad():
        yi = resnet(torch.from_numpy(np.load(P("image.imagenet.npy")))).numpy()
    np.save(P("image.resnet_tiny.output.npy"), yi)
    check("image.resnet_tiny", P("resnet_tiny.onnx"), np.load(P("image.imagenet.npy")), [yi])

    inventory["preprocessing_rules"] = {
        "decode": "PIL.Image.open(path).convert('RGB') -> uint8 HxWx3",
        "resize_int_size": (
            "torchvision Resize(size:int) scales the SHORTER side to `size`; the longer side is "
            "int(size * long / short) computed in Python float (true division then multiply order: "
            "size*long/short), i.e. TRUNCATION toward zero, not rounding "
            "(transforms/functional.py::_compute_resized_output_size). If the computed (h,w) equals "
            "the input size, the image is returned unchanged (no resampling). max_size is unused."),
        "resize_backend": (
            "PIL Image.resize((w,h), BILINEAR|BICUBIC) -- PIL always antialiases (the filter support "
            "is scaled by the downscale factor); the `antialias` argument is ignored for PIL images. "
            "See scripts/onnx/PIL_RESAMPLING.md for the exact integer algorithm."),
        "center_crop": (
            "top = int(round((H - crop_h) / 2.0)), left = int(round((W - crop_w) / 2.0)) with Python 3 "
            "round() = round-half-to-EVEN (banker's rounding): e.g. (448-299)/2 = 74.5 -> 74, while "
            "75.5 -> 76. If the crop is larger than the image, it is first zero-padded: left/top pad "
            "(crop-size)//2, right/bottom pad (crop-size+1)//2."),
        "to_tensor": "float32(u8) / 255 (float32 true division), HWC -> CHW",
        "normalize": "(x - float32(mean)) / float32(std), both in float32 (tensor.sub_(mean).div_(std))",
        "inception_scale": ("x * 2 - 1 in float32 after ToTensor (Normalize(0.5,0.5) would compute "
                            "(x-0.5)/0.5 which can differ by 1 ulp)"),
        "layout": "[1, 3, H, W] float32, channels R,G,B",
    }
    inventory["export_checks"] = checks

    for fn in sorted(os.listdir(out)):
        if fn == "fixtures.json":
            continue
        full = P(fn)
        e = {"bytes": os.path.getsize(full), "sha256": sha256(full)}
        if fn.endswith(".npy"):
            a = np.load(full)
            e.update(shape=list(a.shape), dtype=str(a.dtype))
        elif fn.endswith(".png"):
            im = Image.open(full)
            e.update(width=im.width, height=im.height, mode=im.mode)
        inventory["files"][fn] = e
    with open(P("fixtures.json"), "w") as f:
        json.dump(inventory, f, indent=2)
        f.write("\n")
    print("wrote", len(inventory["files"]) + 1, "files to", out)


if __name__ == "__main__":
    main()
