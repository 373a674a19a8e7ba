#!/usr/bin/env python3
"""Writes the test fixtures derived from those of make_fixtures.py, with the `onnx` package
(Debian: python3-onnx) and, for the last, Pillow and NumPy; every run writes the same bytes.

    python3 scripts/onnx/derive_fixtures.py [--out embeddings-core/src/test/resources/onnx]

- mobile_se_ext.onnx + mobile_se_ext.onnx.data: every weight in one external data file, the
  layout torch.onnx.export and onnx.save_model use for models over 2 GB.
- mobile_se_fp16io.onnx, mobile_se_bf16io.onnx: the same network taking and giving float16
  (bfloat16) tensors, with Cast nodes at its edges, as models converted to half precision with
  their inputs and outputs do.
- mobile_se_uint8.onnx: the same network behind a uint8 [1, 64, 64, 3] input (channels last)
  that it casts, transposes and normalises itself with ImageNet's mean and deviation, as
  exports with their preprocessing inside (TensorFlow's, tf2onnx's) take images.
- mobile_se_two_inputs.onnx: the same network whose output is scaled by a second input, a
  model that needs more than an image.
- vit_tiny_one_output.onnx: vit_tiny.onnx with tokens_layer1 no longer an output.
- vit_tiny_hf.onnx: vit_tiny.onnx shaped like a Hugging Face SigLIP export: last_hidden_state
  (the patch tokens, no class token) and pooler_output (their mean).
- image.siglip.npy: image.png prepared as Hugging Face's SigLIP processor does (needs Pillow
  and NumPy too).
"""
import argparse
import os

import onnx
from onnx import TensorProto, helper

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "..", "..", "embeddings-core", "src", "test", "resources", "onnx")


def external(model, out):
    data = "mobile_se_ext.onnx.data"
    path = os.path.join(out, "mobile_se_ext.onnx")
    if os.path.exists(os.path.join(out, data)):
        os.remove(os.path.join(out, data))  # save_model appends to an existing data file
    onnx.save_model(model, path, save_as_external_data=True, all_tensors_to_one_file=True,
                    location=data, size_threshold=0)
    onnx.checker.check_model(path)
    return [path, os.path.join(out, data)]


def half_io(model, elem_type, name, out):
    """The graph's only input and output become elem_type, cast to and from float32."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    g = m.graph
    inp, outp = g.input[0], g.output[0]
    inner_in, inner_out = inp.name + "_f32", outp.name + "_f32"
    for node in g.node:
        node.input[:] = [inner_in if x == inp.name else x for x in node.input]
        node.output[:] = [inner_out if x == outp.name else x for x in node.output]
    g.node.insert(0, helper.make_node("Cast", [inp.name], [inner_in], to=TensorProto.FLOAT,
                                      name="cast_input"))
    g.node.append(helper.make_node("Cast", [inner_out], [outp.name], to=elem_type,
                                   name="cast_output"))
    inp.type.tensor_type.elem_type = elem_type
    outp.type.tensor_type.elem_type = elem_type
    path = os.path.join(out, name)
    onnx.save_model(m, path)
    onnx.checker.check_model(path)
    return [path]


def uint8_pixels(model, out):
    """A uint8 NHWC input, scaled inside: (x - 255 mean) / (255 std), then the network."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    g = m.graph
    inp = g.input[0]
    dims = [d.dim_value for d in inp.type.tensor_type.shape.dim]  # [1, 3, 64, 64]
    inner = inp.name + "_normalised"
    for node in g.node:
        node.input[:] = [inner if x == inp.name else x for x in node.input]
    mean = [255 * v for v in (0.485, 0.456, 0.406)]
    std = [255 * v for v in (0.229, 0.224, 0.225)]
    g.initializer.append(helper.make_tensor("pixel_mean", TensorProto.FLOAT, [1, 3, 1, 1], mean))
    g.initializer.append(helper.make_tensor("pixel_std", TensorProto.FLOAT, [1, 3, 1, 1], std))
    nodes = [
        helper.make_node("Cast", ["pixels"], ["pixels_f32"], to=TensorProto.FLOAT, name="cast"),
        helper.make_node("Transpose", ["pixels_f32"], ["pixels_nchw"], perm=[0, 3, 1, 2],
                         name="to_nchw"),
        helper.make_node("Sub", ["pixels_nchw", "pixel_mean"], ["pixels_centred"], name="centre"),
        helper.make_node("Div", ["pixels_centred", "pixel_std"], [inner], name="scale"),
    ]
    for i, node in enumerate(nodes):
        g.node.insert(i, node)
    new_input = helper.make_tensor_value_info("pixels", TensorProto.UINT8,
                                              [dims[0], dims[2], dims[3], dims[1]])
    g.input.remove(inp)
    g.input.insert(0, new_input)
    path = os.path.join(out, "mobile_se_uint8.onnx")
    onnx.save_model(m, path)
    onnx.checker.check_model(path)
    return [path]


def two_inputs(model, out):
    """The network's features times a second input, 'scale' [1]: a model that needs more than
    the image (as a whole CLIP model needs its text inputs)."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    g = m.graph
    outp = g.output[0]
    inner = outp.name + "_unscaled"
    for node in g.node:
        node.output[:] = [inner if x == outp.name else x for x in node.output]
    g.input.append(helper.make_tensor_value_info("scale", TensorProto.FLOAT, [1]))
    g.node.append(helper.make_node("Mul", [inner, "scale"], [outp.name], name="scale_output"))
    path = os.path.join(out, "mobile_se_two_inputs.onnx")
    onnx.save_model(m, path)
    onnx.checker.check_model(path)
    return [path]


def one_output(out):
    """vit_tiny.onnx without its second output, tokens_layer1, which stays an inner tensor: the
    embedder must add it as an output to embed it, and get what vit_tiny.onnx gives for it."""
    m = onnx.load(os.path.join(out, "vit_tiny.onnx"))
    keep = [o for o in m.graph.output if o.name != "tokens_layer1"]
    del m.graph.output[:]
    m.graph.output.extend(keep)
    path = os.path.join(out, "vit_tiny_one_output.onnx")
    onnx.save_model(m, path)
    onnx.checker.check_model(path)
    return [path]


def hf_outputs(out):
    """vit_tiny.onnx shaped like Hugging Face's SigLIP export: last_hidden_state is its 16 patch
    tokens without the class token (4 x 4, a square grid), and pooler_output their mean, as
    SigLIP's own pooling head gives a vector."""
    m = onnx.load(os.path.join(out, "vit_tiny.onnx"))
    g = m.graph
    del g.output[:]
    for name, value in (("starts", 1), ("ends", 1 << 30), ("axes", 1)):
        g.initializer.append(helper.make_tensor("hf_" + name, TensorProto.INT64, [1], [value]))
    g.node.append(helper.make_node("Slice", ["tokens", "hf_starts", "hf_ends", "hf_axes"],
                                   ["last_hidden_state"], name="patches"))
    g.node.append(helper.make_node("ReduceMean", ["last_hidden_state"], ["pooler_output"],
                                   axes=[1], keepdims=0, name="pool"))
    g.output.append(helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT,
                                                  ["batch", 16, 64]))
    g.output.append(helper.make_tensor_value_info("pooler_output", TensorProto.FLOAT,
                                                  ["batch", 64]))
    path = os.path.join(out, "vit_tiny_hf.onnx")
    onnx.save_model(m, path)
    onnx.checker.check_model(path)
    return [path]


def siglip_input(out):
    """image.png as Hugging Face's SiglipImageProcessor prepares it: Pillow's resize of both
    sides to 224 (BICUBIC), x / 255 in float64 cast to float32, then (x - 0.5) / 0.5. Emulated
    with Pillow and NumPy (transformers is not installed here), step for step."""
    import numpy as np
    from PIL import Image
    img = Image.open(os.path.join(out, "image.png")).convert("RGB")
    img = img.resize((224, 224), resample=Image.BICUBIC)
    x = (np.asarray(img).astype(np.float64) * (1 / 255)).astype(np.float32)
    x = (x - np.float32(0.5)) / np.float32(0.5)
    path = os.path.join(out, "image.siglip.npy")
    np.save(path, x.transpose(2, 0, 1)[None].astype(np.float32))
    return [path]


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=DEFAULT_OUT, help="fixture folder (default: %(default)s)")
    args = ap.parse_args()
    source = os.path.join(args.out, "mobile_se.onnx")
    # A fresh copy for each: saving with external data moves the weights out of the proto.
    written = external(onnx.load(source), args.out)
    written += half_io(onnx.load(source), TensorProto.FLOAT16, "mobile_se_fp16io.onnx", args.out)
    written += half_io(onnx.load(source), TensorProto.BFLOAT16, "mobile_se_bf16io.onnx",
                       args.out)
    written += uint8_pixels(onnx.load(source), args.out)
    written += two_inputs(onnx.load(source), args.out)
    written += one_output(args.out)
    written += hf_outputs(args.out)
    written += siglip_input(args.out)
    for p in written:
        print(f"{p}: {os.path.getsize(p)} bytes")


if __name__ == "__main__":
    main()
