#!/usr/bin/env python3
"""Pure-NumPy model of Pillow's 8-bit BILINEAR / BICUBIC resize, checked bit for
bit against PIL.Image.resize.  It is the executable form of PIL_RESAMPLING.md
(the Java preprocessing follows that description).

    python3 scripts/onnx/pil_resample_check.py [IMAGE.png]

Default image: embeddings-core/src/test/resources/onnx/image.png (300x200).
Exit status 0 when every case matches exactly.
"""
import math
import os
import sys

import numpy as np
from PIL import Image

PRECISION_BITS = 32 - 8 - 2  # 22 fractional bits for the fixed-point weights


def bilinear(x):
    x = abs(x)
    return 1.0 - x if x < 1.0 else 0.0


def bicubic(x, a=-0.5):
    x = abs(x)
    if x < 1.0:
        return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0
    if x < 2.0:
        return (((x - 5.0) * x + 8.0) * x - 4.0) * a
    return 0.0


FILTERS = {"bilinear": (bilinear, 1.0), "bicubic": (bicubic, 2.0)}


def coefficients(in_size, out_size, filt, in0=0.0, in1=None, variant=None):
    """Per output index: (first source index, fixed-point int weights).
    All floating point is IEEE double, as in Pillow."""
    fn, base_support = FILTERS[filt]
    if in1 is None:
        in1 = float(in_size)
    scale = (in1 - in0) / out_size                 # source pixels per output pixel
    filterscale = max(scale, 1.0)                  # widen the kernel only when shrinking
    support = base_support * filterscale
    result = []
    for xx in range(out_size):
        center = in0 + (xx + 0.5) * scale          # centre of output pixel in source coords
        xmin = max(int(center - support + 0.5), 0)         # int(): truncation toward zero
        xmax = min(int(center + support + 0.5), in_size)   # exclusive end
        if variant == "floor_window":
            xmin = max(int(math.floor(center - support)), 0)
            xmax = min(int(math.ceil(center + support)), in_size)
        ss = 1.0 / filterscale                     # multiply by the reciprocal (not divide)
        w = [fn((x - center + 0.5) * ss) for x in range(xmin, xmax)]
        total = sum_seq(w)
        if total != 0.0:
            w = [v / total for v in w]
        # to fixed point: round half away from zero
        k = [int(v * (1 << PRECISION_BITS) + 0.5) if v >= 0 else int(v * (1 << PRECISION_BITS) - 0.5)
             for v in w]
        if variant == "no_fixed_point_rounding":
            k = [int(v * (1 << PRECISION_BITS)) for v in w]
        result.append((xmin, np.array(k, dtype=np.int64)))
    return result


def sum_seq(values):
    s = 0.0
    for v in values:        # left-to-right double accumulation
        s += v
    return s


def clip8(acc):
    """acc already includes the rounding bias 1 << (PRECISION_BITS-1)."""
    return np.clip(acc >> PRECISION_BITS, 0, 255).astype(np.uint8)  # arithmetic shift = floor


def pass_1d(img, coeffs, axis):
    """img: uint8 array [H, W, C]; resample along axis (1 = horizontal, 0 = vertical)."""
    src = np.moveaxis(img, axis, 0).astype(np.int64)
    out = np.empty((len(coeffs),) + src.shape[1:], dtype=np.uint8)
    for i, (xmin, k) in enumerate(coeffs):
        acc = np.full(src.shape[1:], 1 << (PRECISION_BITS - 1), dtype=np.int64)
        for j, kv in enumerate(k):
            acc += src[xmin + j] * int(kv)
        assert acc.max() < 2 ** 31 and acc.min() >= -2 ** 31  # Pillow uses 32-bit ints
        out[i] = clip8(acc)
    return np.moveaxis(out, 0, axis)


def resize(img, out_w, out_h, filt, variant=None):
    """img: uint8 [H, W, 3]. Horizontal pass first (uint8 intermediate), then vertical.
    A pass is skipped when that dimension does not change.  `variant` names a deliberate
    deviation, used only to show which details matter."""
    h, w = img.shape[:2]
    if variant == "vertical_first":
        if out_h != h:
            img = pass_1d(img, coefficients(h, out_h, filt), axis=0)
        if out_w != w:
            img = pass_1d(img, coefficients(w, out_w, filt), axis=1)
        return img
    if out_w != w:
        img = pass_1d(img, coefficients(w, out_w, filt, variant=variant), axis=1)
    if out_h != h:
        img = pass_1d(img, coefficients(h, out_h, filt, variant=variant), axis=0)
    return img


def float_reference(img, out_w, out_h, filt):
    """Same filters, but float weights and no intermediate rounding (to show what differs)."""
    def p(a, n_out, axis):
        src = np.moveaxis(a, axis, 0).astype(np.float64)
        n_in = src.shape[0]
        out = np.empty((n_out,) + src.shape[1:])
        fn, sup = FILTERS[filt]
        scale = n_in / n_out
        fs = max(scale, 1.0)
        for i in range(n_out):
            c = (i + 0.5) * scale
            lo, hi = max(int(c - sup * fs + 0.5), 0), min(int(c + sup * fs + 0.5), n_in)
            w = np.array([fn((x - c + 0.5) / fs) for x in range(lo, hi)])
            out[i] = np.tensordot(w / w.sum(), src[lo:hi], 1)
        return np.moveaxis(out, 0, axis)
    a = img.astype(np.float64)
    if out_w != img.shape[1]:
        a = p(a, out_w, 1)
    if out_h != img.shape[0]:
        a = p(a, out_h, 0)
    return np.clip(np.round(a), 0, 255).astype(np.uint8)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        here, "..", "..", "embeddings-core", "src", "test", "resources", "onnx", "image.png")
    pil = Image.open(path).convert("RGB")
    arr = np.asarray(pil)
    W, H = pil.size
    cases = [
        ("imagenet: shorter side 256, bilinear", 384, 256, "bilinear"),
        ("clip: shorter side 224, bicubic", 336, 224, "bicubic"),
        ("inception: shorter side 299, bilinear", 448, 299, "bilinear"),
        ("upscale x2.37 bicubic", 711, 474, "bicubic"),
        ("upscale x2.37 bilinear", 711, 474, "bilinear"),
        ("downscale to 224x149 bilinear (antialias)", 224, 149, "bilinear"),
        ("downscale to 224x149 bicubic (antialias)", 224, 149, "bicubic"),
        ("downscale to 97x61 bicubic", 97, 61, "bicubic"),
        ("downscale to 37x23 bilinear", 37, 23, "bilinear"),
        ("width only 300x123 bicubic", 300, 123, "bicubic"),
        ("mixed 150x400 bilinear", 150, 400, "bilinear"),
    ]
    pil_filters = {"bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC}
    bad = 0
    for name, ow, oh, filt in cases:
        ref = np.asarray(pil.resize((ow, oh), pil_filters[filt]))
        mine = resize(arr, ow, oh, filt)
        ndiff = int((ref != mine).sum())
        fl = float_reference(arr, ow, oh, filt)
        fdiff = int((ref != fl).sum())
        print("%-45s %4dx%-4d -> exact mismatches: %d / %d   (float-no-intermediate-rounding "
              "model differs on %d values, max %d)" % (
                  name, ow, oh, ndiff, ref.size, fdiff,
                  int(np.abs(ref.astype(int) - fl.astype(int)).max())))
        bad += ndiff
    # extra: random sizes on a random image
    rs = np.random.RandomState(0)
    rnd = rs.randint(0, 256, (37, 53, 3)).astype(np.uint8)
    rp = Image.fromarray(rnd, "RGB")
    nrand = 0
    for _ in range(60):
        ow, oh = int(rs.randint(1, 120)), int(rs.randint(1, 120))
        filt = ["bilinear", "bicubic"][rs.randint(2)]
        ref = np.asarray(rp.resize((ow, oh), pil_filters[filt]))
        nrand += int((ref != resize(rnd, ow, oh, filt)).sum())
    print("60 random sizes (1..119) of a random 53x37 noise image: exact mismatches: %d" % nrand)
    bad += nrand

    # which details matter: deliberate deviations, on the clip and a downscale case
    for variant in ("vertical_first", "floor_window", "no_fixed_point_rounding"):
        for ow, oh, filt in ((336, 224, "bicubic"), (224, 149, "bilinear"), (97, 61, "bicubic")):
            ref = np.asarray(pil.resize((ow, oh), pil_filters[filt]))
            n = int((ref != resize(arr, ow, oh, filt, variant=variant)).sum())
            print("  ablation %-24s %dx%d %-8s: %d values differ from PIL" % (variant, ow, oh, filt, n))

    # full torchvision pipelines re-done in NumPy from the model above vs the committed .npy
    fixdir = os.path.dirname(os.path.abspath(path))
    presets = {
        "imagenet": (256, "bilinear", 224, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
        "clip": (224, "bicubic", 224, [0.48145466, 0.4578275, 0.40821073],
                 [0.26862954, 0.26130258, 0.27577711]),
        "inception": (299, "bilinear", 299, None, None),
    }
    for name, (size, filt, crop, mean, std) in presets.items():
        f = os.path.join(fixdir, "image.%s.npy" % name)
        if not os.path.exists(f):
            continue
        short, long = (W, H) if W <= H else (H, W)
        new_long = int(size * long / short)                      # truncation
        ow, oh = (size, new_long) if W <= H else (new_long, size)
        r = arr if (ow, oh) == (W, H) else resize(arr, ow, oh, filt)
        top = int(round((oh - crop) / 2.0))                       # round half to even
        left = int(round((ow - crop) / 2.0))
        c = r[top:top + crop, left:left + crop]
        x = c.astype(np.float32) / np.float32(255)                # float32 division
        if mean is not None:
            x = (x - np.array(mean, np.float32)) / np.array(std, np.float32)
        else:
            x = x * np.float32(2) - np.float32(1)
        x = x.transpose(2, 0, 1)[None].astype(np.float32)
        ref = np.load(f)
        n = int((ref != x).sum())
        print("pipeline %-9s resize %dx%d crop@(%d,%d): values != image.%s.npy: %d (max |diff| %.3g)" % (
            name, ow, oh, left, top, name, n, float(np.abs(ref - x).max())))
        bad += n
    print("ALL EXACT" if bad == 0 else "MISMATCHES: %d" % bad)
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
