#!/usr/bin/env python3
"""Export a torchvision (or timm) image model to ONNX for embeddings4j.

Examples:

  # ImageNet classifier with its default pretrained weights (needs the weights
  # in the torch hub cache or internet access):
  python3 scripts/onnx/export.py resnet50 --output resnet50.onnx

  # pooled feature vector instead of logits (classifier replaced by Identity):
  python3 scripts/onnx/export.py resnet50 --features --output resnet50.onnx

  # specific weights, or random init (works offline; for testing the pipeline):
  python3 scripts/onnx/export.py vit_b_16 --weights IMAGENET1K_SWAG_LINEAR_V1 --features -o vit.onnx
  python3 scripts/onnx/export.py convnext_tiny --random --features -o convnext.onnx

  # timm models (when `timm` is importable): prefix with timm: or use --source timm
  python3 scripts/onnx/export.py timm:convnext_small.fb_in22k --features -o cs.onnx

then embed a folder of images with the Java CLI:

  embeddings4j embed --model resnet50.onnx --preprocess imagenet --input photos/ --output e.npy

Output: FILE.onnx (input `input` [batch,3,H,W] float32 NCHW, output `features`
[batch,D] with --features or `logits` [batch,classes] otherwise, dynamic batch
axis, opset 17) and FILE.onnx.json with the preprocessing the model expects
(preset name imagenet/clip/inception/custom, input size, resize size, crop size,
interpolation, mean, std).

Checks: the file is validated with onnx.checker; if onnxruntime is importable
its output on a random batch is compared with PyTorch's (the batch size differs
from the one used for tracing, so the dynamic batch axis is exercised too).
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn

OPSET_MAX = 17  # torch 1.13 exports up to opset 17

IMAGENET = ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
CLIP = ([0.48145466, 0.4578275, 0.40821073], [0.26862954, 0.26130258, 0.27577711])
INCEPTION = ([0.5, 0.5, 0.5], [0.5, 0.5, 0.5])


def preset_name(mean, std):
    for name, (m, s) in (("imagenet", IMAGENET), ("clip", CLIP), ("inception", INCEPTION)):
        if np.allclose(mean, m, atol=1e-4) and np.allclose(std, s, atol=1e-4):
            return name
    return "custom"


def _first(v):
    return int(v[0]) if isinstance(v, (list, tuple)) else int(v)


def _interp_name(mode):
    s = str(getattr(mode, "value", mode)).lower()
    for k in ("bicubic", "bilinear", "nearest", "lanczos", "box", "hamming"):
        if k in s:
            return k
    return s


# ----------------------------------------------------------------------------
# torchvision
# ----------------------------------------------------------------------------

def rescale(pre, crop):
    """Another crop size, with the resize in the same proportion (256 for 224 becomes 439 for
    384), so the crop keeps the share of the image the weights were trained on."""
    old = pre["crop_size"]
    pre["input_size"] = [crop, crop]
    pre["crop_size"] = crop
    pre["resize_size"] = int(round(pre["resize_size"] * crop / old))


def torchvision_model(name, weights, random_init):
    import torchvision.models as tvm
    if name not in tvm.list_models():
        raise SystemExit("unknown torchvision model %r; known: %s" % (name, ", ".join(tvm.list_models())))
    enum = tvm.get_model_weights(name)
    w = None
    if weights is not None and weights.upper() != "DEFAULT":
        w = getattr(enum, weights.split(".")[-1], None)
        if w is None:
            raise SystemExit("unknown weights %r for %s; available: %s"
                             % (weights, name, ", ".join(e.name for e in enum)))
    else:
        w = enum.DEFAULT
    kwargs = {}
    if random_init:
        if name in ("inception_v3", "googlenet"):
            kwargs["init_weights"] = True
        model = tvm.get_model(name, weights=None, **kwargs)
    else:
        try:
            model = tvm.get_model(name, weights=w)
        except Exception as e:  # typically no internet: urllib.error.URLError
            raise SystemExit("could not load weights %s (%s: %s).\nDownload %s into %s on a machine "
                             "with internet access, or use --random." % (
                                 w, type(e).__name__, e, w.url,
                                 os.path.join(torch.hub.get_dir(), "checkpoints")))
    t = w.transforms()
    crop = _first(t.crop_size)
    pre = {
        "preset": preset_name(list(t.mean), list(t.std)),
        "input_size": [crop, crop],
        "resize_size": _first(t.resize_size),
        "crop_size": crop,
        "interpolation": _interp_name(t.interpolation),
        "mean": list(t.mean),
        "std": list(t.std),
        "from": str(w) + ".transforms()",
    }
    if isinstance(getattr(model, "image_size", None), int):
        # ViT: the architecture fixes the input size (SWAG weights use 384/512/518)
        pre["input_size"] = [model.image_size, model.image_size]
        if model.image_size != crop:
            pre["note"] = ("weights %s expect %d px crops but the random-init architecture takes %d px"
                           % (w, crop, model.image_size))
            rescale(pre, model.image_size)
    return model, ("random" if random_init else str(w)), pre


def cut_classifier(model):
    """Replace the final classification layer by Identity; returns a description.

    Rules: `fc` (ResNet, ResNeXt, RegNet, Inception, GoogLeNet, ShuffleNet),
    `heads` (ViT), `head` (Swin), `classifier` (EfficientNet, MobileNet,
    ConvNeXt, DenseNet, VGG, AlexNet, MNASNet). A Linear attribute becomes
    Identity; in a Sequential only the LAST Linear is replaced, so layers before it
    (ConvNeXt's LayerNorm2d+Flatten, MobileNetV3's Linear+Hardswish pre-logits)
    are kept."""
    for attr in ("fc", "heads", "head", "classifier"):
        mod = getattr(model, attr, None)
        if mod is None:
            continue
        if isinstance(mod, nn.Linear):
            setattr(model, attr, nn.Identity())
            return "%s (Linear %d->%d) -> Identity" % (attr, mod.in_features, mod.out_features)
        if isinstance(mod, nn.Sequential):
            names = [n for n, m in mod.named_modules() if isinstance(m, nn.Linear)]
            if names:
                last = names[-1]
                parent = mod
                parts = last.split(".")
                for p in parts[:-1]:
                    parent = getattr(parent, p)
                lin = getattr(parent, parts[-1])
                setattr(parent, parts[-1], nn.Identity())
                return "%s.%s (Linear %d->%d) -> Identity" % (attr, last, lin.in_features, lin.out_features)
    raise SystemExit("--features: do not know how to cut the classifier of %s; "
                     "export without --features" % type(model).__name__)


# ----------------------------------------------------------------------------
# timm
# ----------------------------------------------------------------------------

def timm_model(name, weights, random_init, features):
    import math
    import timm
    from timm.data import resolve_data_config
    if weights and weights.upper() != "DEFAULT":
        name = name if "." in name else name + "." + weights
    kwargs = {"num_classes": 0} if features else {}
    model = timm.create_model(name, pretrained=not random_init, **kwargs)
    cfg = resolve_data_config({}, model=model)
    _, h, w = cfg["input_size"]
    crop_pct = cfg.get("crop_pct", 0.875) or 1.0
    pre = {
        "preset": preset_name(list(cfg["mean"]), list(cfg["std"])),
        "input_size": [h, w],
        "resize_size": int(math.floor(min(h, w) / crop_pct)),   # timm: floor(size / crop_pct)
        "crop_size": min(h, w),
        "interpolation": cfg.get("interpolation", "bilinear"),
        "mean": list(cfg["mean"]),
        "std": list(cfg["std"]),
        "crop_pct": crop_pct,
        "from": "timm.data.resolve_data_config",
    }
    return model, ("random" if random_init else "timm pretrained " + name), pre


# ----------------------------------------------------------------------------

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", help="torchvision model name (e.g. resnet50, vit_b_16, convnext_tiny) "
                                  "or timm:NAME for a timm model")
    ap.add_argument("-o", "--output", help="output .onnx file (default: MODEL.onnx)")
    ap.add_argument("--weights", default="DEFAULT",
                    help="weights to load: DEFAULT (the model's default pretrained weights) or an enum "
                         "name such as IMAGENET1K_V1 (torchvision) / a pretrained tag (timm). "
                         "Downloads into the torch hub cache if not there yet.")
    ap.add_argument("--random", action="store_true",
                    help="random initialisation instead of pretrained weights (no download; for testing)")
    ap.add_argument("--features", action="store_true",
                    help="cut the classifier so the output is the pooled feature vector (output name "
                         "`features`); without it the output is the logits (`logits`)")
    ap.add_argument("--source", choices=("auto", "torchvision", "timm"), default="auto",
                    help="model library; auto = torchvision, or timm for a timm: prefix or a name "
                         "torchvision does not know (default: auto)")
    ap.add_argument("--input-size", type=int, help="square input size (default: the weights' crop size)")
    ap.add_argument("--dynamic-hw", action="store_true",
                    help="also make height/width dynamic (CNNs only; ViTs have fixed positional embeddings)")
    ap.add_argument("--opset", type=int, default=OPSET_MAX,
                    help="ONNX opset (default and maximum with torch 1.13: %(default)s)")
    ap.add_argument("--no-check", action="store_true", help="skip onnx.checker and the onnxruntime comparison")
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0 = torch default)")
    args = ap.parse_args(argv)

    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    name = args.model
    source = args.source
    if name.startswith("timm:"):
        name, source = name[5:], "timm"
    if source == "auto":
        import torchvision.models as tvm
        source = "torchvision" if name in tvm.list_models() else "timm"
    if source == "timm":
        try:
            import timm  # noqa: F401
        except ImportError:
            raise SystemExit("%s: not a torchvision model and timm is not importable "
                             "(pip install timm)" % name)
        model, weights_desc, pre = timm_model(name, args.weights, args.random, args.features)
        cut = "timm num_classes=0 (pooled pre-logits features)" if args.features else None
    else:
        model, weights_desc, pre = torchvision_model(name, args.weights, args.random)
        cut = cut_classifier(model) if args.features else None
    model.eval()

    if args.input_size:
        rescale(pre, args.input_size)
    h, w = pre["input_size"]
    out_name = "features" if args.features else "logits"
    output = args.output or (name.replace("/", "_") + ".onnx")
    os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)

    dummy = torch.randn(2, 3, h, w)
    with torch.no_grad():
        ref_out = model(dummy)
    if isinstance(ref_out, (tuple, list)):          # e.g. GoogLeNet/Inception aux outputs
        raise SystemExit("model returns %d outputs in eval mode; not supported" % len(ref_out))
    dyn_in = {0: "batch"}
    if args.dynamic_hw:
        dyn_in.update({2: "height", 3: "width"})
    dyn = {"input": dyn_in, out_name: {0: "batch"}}
    print("exporting %s (%s, weights: %s) -> %s, input [batch,3,%d,%d], opset %d"
          % (name, source, weights_desc, output, h, w, args.opset))
    # NOT under torch.no_grad(): with grad disabled, nn.MultiheadAttention (torchvision ViT,
    # Swin) in eval mode takes its fused "fast path" (aten::_native_multi_head_attention),
    # which torch 1.13 cannot export to ONNX.
    for p in model.parameters():
        p.requires_grad_(True)
    # Into a folder of its own first: over 2 GB, torch writes every weight as a loose file named
    # after the tensor (onnx__MatMul_4064, ...) beside the model, which would mix with (and
    # overwrite) other models' files. Those are gathered into one OUTPUT.data below.
    import onnx
    import shutil
    import tempfile
    staging = tempfile.mkdtemp(prefix=".export-", dir=os.path.dirname(os.path.abspath(output)))
    try:
        staged = os.path.join(staging, os.path.basename(output))
        torch.onnx.export(model, dummy, staged, opset_version=args.opset, input_names=["input"],
                          output_names=[out_name], dynamic_axes=dyn, do_constant_folding=True,
                          training=torch.onnx.TrainingMode.EVAL)
        data = output + ".data"
        if len(os.listdir(staging)) > 1:
            proto = onnx.load(staged)  # reads the loose weight files too
            if os.path.exists(data):
                os.remove(data)  # onnx appends to an existing data file
            onnx.save_model(proto, output, save_as_external_data=True,
                            all_tensors_to_one_file=True, location=os.path.basename(data),
                            size_threshold=1024)
            del proto
        else:
            os.replace(staged, output)
            if os.path.exists(data):
                os.remove(data)  # a stale data file of an earlier, larger export
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    out_shape = ["batch"] + list(ref_out.shape[1:])
    meta = {
        "model": name,
        "source": source,
        "weights": weights_desc,
        "features": bool(args.features),
        "classifier_cut": cut,
        "onnx": {"file": os.path.basename(output), "opset": args.opset,
                 "input": "input", "input_shape": ["batch", 3, "height" if args.dynamic_hw else h,
                                                   "width" if args.dynamic_hw else w],
                 "output": out_name, "output_shape": out_shape, "layout": "NCHW float32 RGB"},
        "preprocessing": pre,
        "exported_with": {"torch": torch.__version__, "onnx": onnx.__version__},
    }
    try:
        import torchvision
        meta["exported_with"]["torchvision"] = torchvision.__version__
    except ImportError:
        pass

    status = 0
    if not args.no_check:
        onnx.checker.check_model(output, full_check=True)
        print("onnx.checker: OK")
        meta["checks"] = {"onnx_checker": "ok"}
        try:
            import onnxruntime as ort
        except ImportError:
            ort = None
            print("onnxruntime is not importable: skipped the numerical comparison with PyTorch")
            meta["checks"]["onnxruntime"] = "skipped (not installed)"
        if ort is not None:
            x = torch.randn(3, 3, h, w)
            with torch.no_grad():
                ref = model(x).numpy()
            sess = ort.InferenceSession(output, providers=["CPUExecutionProvider"])
            got = sess.run([out_name], {"input": x.numpy()})[0]
            diff = float(np.abs(got - ref).max())
            rel = diff / max(float(np.abs(ref).max()), 1e-12)
            ok = got.shape == ref.shape and rel < 1e-3
            print("onnxruntime %s vs PyTorch on a random batch of 3: max|diff| = %.3g (relative %.3g) %s"
                  % (ort.__version__, diff, rel, "OK" if ok else "MISMATCH"))
            meta["checks"]["onnxruntime"] = {"version": ort.__version__, "max_abs_diff": diff,
                                             "relative": rel, "ok": ok}
            status = 0 if ok else 2

    with open(output + ".json", "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    data = output + ".data"
    weights = (", weights in %s (%.1f MB, keep it beside the model)"
               % (data, os.path.getsize(data) / 1e6)) if os.path.exists(data) else ""
    print("wrote %s (%.1f MB%s) and %s.json; output %s %s; preprocessing: preset %s, resize %d (%s), "
          "crop %d" % (output, os.path.getsize(output) / 1e6, weights, output, out_name, out_shape,
                       pre["preset"], pre["resize_size"], pre["interpolation"], pre["crop_size"]))
    return status


if __name__ == "__main__":
    sys.exit(main())
