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
  convnet_shuffle.onnx     ShuffleNetV2's blocks and the other things PyTorch computes from
                           shapes, input [N,3,32,32] -> logits [N,3], any height and width: max
                           pooling with ceil_mode (as GoogLeNet's), channel shuffles written
                           from x.size() (Shape, Gather, Div, Unsqueeze, Concat feeding Reshape,
                           Transpose, Reshape), chunk (Slice with computed ends), x.mean([2, 3])
                           (ReduceMean) and x.view(x.size(0), -1).
  convnet_shuffle.input.npy / convnet_shuffle.output.npy   as for convnet_mix
  convnet_next.onnx        ConvNeXt's blocks, input [N,3,32,32] -> logits [N,3], any height and
                           width: a patchifying stem, layer norms over channels-last views
                           (Transpose, the norm spelled out as ReduceMean, Sub, Pow, Sqrt, Div,
                           then its scale and shift), a 7x7 depthwise convolution, pointwise
                           layers as MatMul (weights transposed at run time: exported without
                           constant folding), the exact GELU (Div, Erf, Add, Mul, Mul), a layer
                           scale and a residual, a downsampling layer, a normed head.
  convnet_next.input.npy / convnet_next.output.npy   as for convnet_mix
  convnet_nhwc.onnx        the layout tf2onnx gives Keras CNNs: input [N,32,32,3] -> logits
                           [N,3], channels last, transposed to channels first for the
                           convolutions, a per-channel scale and shift (an inference-mode batch
                           norm left unfolded), global pooling as ReduceMean over axes 1 and 2 of
                           a channels-last view, a dense layer as MatMul + Add.
  convnet_nhwc.input.npy / convnet_nhwc.output.npy   as for convnet_mix (input channels last)
  vit_mha.onnx             torchvision's VisionTransformer, small: input [N,3,32,32] -> logits
                           [N,3], patches of 8 (16 tokens and a class token), 2 encoder blocks of
                           4 heads on 32 channels; nn.MultiheadAttention as PyTorch 1.13 spells
                           it out (batch-second, one fused in-projection sliced three ways with
                           ends computed from shapes, batch and heads folded into one axis), the
                           class token expanded to the batch (Expand of shapes worked out through
                           Where/Equal/ConstantOfShape), a position embedding, layer norms spelled
                           out, the exact GELU, x[:, 0] (Gather) before the head.
  vit_mha.input.npy / vit_mha.output.npy   as for convnet_mix
  vit_mha.input48.npy / vit_mha.output48.npy   a batch of 48x48 inputs, and the logits of the
                           same ViT built for 48 px with its position embedding resampled from
                           the 4x4 grid of patches to 6x6 (F.interpolate, bicubic,
                           align_corners=False, as timm and Hugging Face resample them)
  vit_pooled.onnx          the attention of timm and of CLIP towers, input [N,3,32,32] -> logits
                           [N,3]: a fused qkv projection reshaped to [N, T, 3, heads, d],
                           permuted and unbound (Gather), in one block; separate q, k and v
                           projections with the scale on q in the next; no class token: the
                           tokens' mean (ReduceMean over axis 1) before the head.
  vit_pooled.input.npy / vit_pooled.output.npy   as for convnet_mix
  vit_clip.onnx            CLIP's image tower as Hugging Face writes it, input [N,3,32,32] ->
                           image embeds [N,16]: a 1-d class embedding expanded to the batch,
                           positions from an nn.Embedding (folded to a constant), a layer norm
                           before the encoder, separate q/k/v projections, quick GELU (x *
                           sigmoid(1.702 x)), the class token's output layer-normed as a vector
                           and projected without bias.
  vit_clip.input.npy / vit_clip.output.npy   as for convnet_mix

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


def channel_shuffle(x, groups):
    # torchvision's ShuffleNetV2 code, which exports the shape arithmetic as nodes
    n, c, h, w = x.size()
    x = x.view(n, groups, c // groups, h, w)
    x = torch.transpose(x, 1, 2).contiguous()
    return x.view(n, -1, h, w)


def branch(cin, cout, stride):
    return nn.Sequential(nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(),
                         nn.Conv2d(cout, cout, 3, stride, 1, groups=cout, bias=False),
                         nn.BatchNorm2d(cout),
                         nn.Conv2d(cout, cout, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU())


class ConvNetShuffle(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 12, 3, 2, 1, bias=False), nn.BatchNorm2d(12),
                                  nn.ReLU())
        self.pool = nn.MaxPool2d(3, 2, ceil_mode=True)          # 16 -> 8 (floor: 7)
        self.down1 = nn.Sequential(nn.Conv2d(12, 12, 3, 2, 1, groups=12, bias=False),
                                   nn.BatchNorm2d(12), nn.Conv2d(12, 12, 1, bias=False),
                                   nn.BatchNorm2d(12), nn.ReLU())
        self.down2 = branch(12, 12, 2)                           # 8 -> 4, 24 channels
        self.unit = branch(12, 12, 1)
        self.fc = nn.Linear(48, 3)

    def forward(self, x):
        x = self.pool(self.stem(x))
        x = channel_shuffle(torch.cat((self.down1(x), self.down2(x)), dim=1), 2)
        a, b = x.chunk(2, dim=1)
        x = channel_shuffle(torch.cat((a, self.unit(b)), dim=1), 2)
        mean = x.mean([2, 3])
        top = F.adaptive_max_pool2d(x, 1).view(x.size(0), -1)
        return self.fc(torch.cat((mean, top), dim=1))


class LayerNorm2d(nn.LayerNorm):
    # torchvision's ConvNeXt code: a layer norm over the channels of a channels-last view
    def forward(self, x):
        x = x.permute(0, 2, 3, 1)
        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)


class Permute(nn.Module):
    def __init__(self, dims):
        super().__init__()
        self.dims = dims

    def forward(self, x):
        return torch.permute(x, self.dims)


class NextBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.block = nn.Sequential(nn.Conv2d(c, c, 7, padding=3, groups=c), Permute([0, 2, 3, 1]),
                                   nn.LayerNorm(c, eps=1e-6), nn.Linear(c, 4 * c), nn.GELU(),
                                   nn.Linear(4 * c, c), Permute([0, 3, 1, 2]))
        self.layer_scale = nn.Parameter(torch.ones(c, 1, 1) * 0.5)

    def forward(self, x):
        return self.layer_scale * self.block(x) + x


class ConvNetNext(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 4, 4), LayerNorm2d(8, eps=1e-6))  # 32 -> 8
        self.stage1 = NextBlock(8)
        self.down = nn.Sequential(LayerNorm2d(8, eps=1e-6), nn.Conv2d(8, 16, 2, 2))  # -> 4
        self.stage2 = NextBlock(16)
        self.norm = LayerNorm2d(16, eps=1e-6)
        self.fc = nn.Linear(16, 3)

    def forward(self, x):
        x = self.stage2(self.down(self.stage1(self.stem(x))))
        x = self.norm(F.adaptive_avg_pool2d(x, 1))
        return self.fc(torch.flatten(x, 1))


class ConvNetNhwc(nn.Module):
    def __init__(self, gen):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, 2, 1)
        self.scale = nn.Parameter(torch.rand(8, 1, 1, generator=gen) + 0.5)
        self.shift = nn.Parameter(torch.randn(8, 1, 1, generator=gen) * 0.1)
        self.conv2 = nn.Conv2d(8, 12, 3, 1, 1)
        self.w = nn.Parameter(torch.randn(12, 3, generator=gen) * 0.3)
        self.b = nn.Parameter(torch.randn(3, generator=gen) * 0.1)

    def forward(self, x):
        x = x.permute(0, 3, 1, 2)                              # [N, H, W, C] -> [N, C, H, W]
        x = F.relu(self.conv1(x) * self.scale + self.shift)
        x = F.relu(self.conv2(x)).permute(0, 2, 3, 1)          # channels last again
        x = x.mean([1, 2])                                      # GlobalAveragePooling2D
        return torch.matmul(x, self.w) + self.b                 # Dense


class FusedAttention(nn.Module):
    """timm's Attention: one qkv projection, reshaped, permuted and unbound."""

    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.scale = (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, n, c = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        a = (q @ k.transpose(-2, -1)) * self.scale
        x = (a.softmax(dim=-1) @ v).transpose(1, 2).reshape(b, n, c)
        return self.proj(x)


class SeparateAttention(nn.Module):
    """CLIP's (Hugging Face) attention: q, k and v projections, the scale on q."""

    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.d = dim // heads
        self.q_proj = nn.Linear(dim, dim)
        self.k_proj = nn.Linear(dim, dim)
        self.v_proj = nn.Linear(dim, dim)
        self.out_proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, n, c = x.shape
        q = self.q_proj(x) * self.d ** -0.5
        q = q.view(b, n, self.heads, self.d).transpose(1, 2)
        k = self.k_proj(x).view(b, -1, self.heads, self.d).transpose(1, 2)
        v = self.v_proj(x).view(b, -1, self.heads, self.d).transpose(1, 2)
        w = torch.matmul(q, k.transpose(2, 3)).softmax(dim=-1)
        x = torch.matmul(w, v).transpose(1, 2).reshape(b, n, c)
        return self.out_proj(x)


class Block(nn.Module):
    def __init__(self, dim, attention):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = attention
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class VitPooled(nn.Module):
    def __init__(self, gen):
        super().__init__()
        self.patch = nn.Conv2d(3, 24, 8, 8)
        self.pos = nn.Parameter(torch.randn(1, 16, 24, generator=gen) * 0.1)
        self.blocks = nn.Sequential(Block(24, FusedAttention(24, 3)),
                                    Block(24, SeparateAttention(24, 3)))
        self.norm = nn.LayerNorm(24, eps=1e-6)
        self.head = nn.Linear(24, 3)

    def forward(self, x):
        x = self.patch(x).flatten(2).transpose(1, 2) + self.pos
        return self.head(self.norm(self.blocks(x)).mean(1))


class ClipVision(nn.Module):
    """The image tower of CLIP as Hugging Face's CLIPVisionModelWithProjection writes it: a
    1-d class embedding expanded to the batch, positions looked up in an nn.Embedding, a layer
    norm before the encoder, quick GELU, the class token's output normed and projected."""

    def __init__(self, gen, dim=32, heads=4, layers=2, out=16):
        super().__init__()
        self.patch = nn.Conv2d(3, dim, 8, 8, bias=False)
        self.class_embedding = nn.Parameter(torch.randn(dim, generator=gen) * 0.1)
        self.position_embedding = nn.Embedding(17, dim)
        self.register_buffer("position_ids", torch.arange(17).expand((1, -1)))
        self.pre_layrnorm = nn.LayerNorm(dim)
        self.blocks = nn.ModuleList()
        for _ in range(layers):
            block = nn.Module()
            block.layer_norm1 = nn.LayerNorm(dim)
            block.self_attn = SeparateAttention(dim, heads)
            block.layer_norm2 = nn.LayerNorm(dim)
            block.fc1 = nn.Linear(dim, 2 * dim)
            block.fc2 = nn.Linear(2 * dim, dim)
            self.blocks.append(block)
        self.post_layernorm = nn.LayerNorm(dim)
        self.visual_projection = nn.Linear(dim, out, bias=False)

    def forward(self, x):
        b = x.shape[0]
        x = self.patch(x).flatten(2).transpose(1, 2)
        cls = self.class_embedding.expand(b, 1, -1)
        x = torch.cat([cls, x], dim=1) + self.position_embedding(self.position_ids)
        x = self.pre_layrnorm(x)
        for blk in self.blocks:
            x = x + blk.self_attn(blk.layer_norm1(x))
            h = blk.fc1(blk.layer_norm2(x))
            x = x + blk.fc2(h * torch.sigmoid(1.702 * h))
        return self.visual_projection(self.post_layernorm(x[:, 0, :]))


def vit_tiny(gen):
    import torchvision
    torch.manual_seed(11)
    vit = torchvision.models.VisionTransformer(image_size=32, patch_size=8, num_layers=2,
                                               num_heads=4, hidden_dim=32, mlp_dim=64,
                                               num_classes=3)
    with torch.no_grad():
        vit.class_token.copy_(torch.randn(1, 1, 32, generator=gen) * 0.1)
        vit.heads.head.weight.copy_(torch.randn(3, 32, generator=gen) * 0.2)
        vit.heads.head.bias.copy_(torch.randn(3, generator=gen) * 0.1)
    randomize_ln(vit, gen)
    return vit


def resized_vit(vit, size):
    """The same ViT for another image size, its position embedding resampled bicubically."""
    import torchvision
    big = torchvision.models.VisionTransformer(image_size=size, patch_size=vit.patch_size,
                                               num_layers=len(vit.encoder.layers),
                                               num_heads=4, hidden_dim=vit.hidden_dim,
                                               mlp_dim=64, num_classes=3)
    state = dict(vit.state_dict())
    pos = state["encoder.pos_embedding"]
    old, new, c = int((pos.shape[1] - 1) ** 0.5), size // vit.patch_size, pos.shape[2]
    grid = pos[:, 1:].reshape(1, old, old, c).permute(0, 3, 1, 2)
    grid = F.interpolate(grid, size=(new, new), mode="bicubic", align_corners=False)
    state["encoder.pos_embedding"] = torch.cat(
        [pos[:, :1], grid.permute(0, 2, 3, 1).reshape(1, new * new, c)], dim=1)
    big.load_state_dict(state)
    return big.eval()


def randomize_ln(module, gen):
    for m in module.modules():
        if isinstance(m, nn.LayerNorm):
            c = m.normalized_shape[0]
            m.weight.data = torch.rand(c, generator=gen) + 0.5
            m.bias.data = torch.randn(c, generator=gen) * 0.1


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
    batch = {"input": {0: "n"}, "logits": {0: "n"}}
    any_size = {"input": {0: "n", 2: "h", 3: "w"}, "logits": {0: "n"}}
    save(out, "convnet_mix", model, torch.randn(3, 3, 32, 32, generator=gen),
         dynamic_axes=batch)

    se = ConvNetSe()
    randomize_bn(se, gen)
    se.eval()
    save(out, "convnet_se", se, torch.randn(3, 3, 32, 32, generator=gen),
         dynamic_axes=any_size, training=torch.onnx.TrainingMode.PRESERVE,
         do_constant_folding=False)

    shuffle = ConvNetShuffle()
    randomize_bn(shuffle, gen)
    shuffle.eval()
    save(out, "convnet_shuffle", shuffle, torch.randn(3, 3, 32, 32, generator=gen),
         dynamic_axes=any_size)

    nxt = ConvNetNext()
    randomize_ln(nxt, gen)
    nxt.eval()
    save(out, "convnet_next", nxt, torch.randn(3, 3, 32, 32, generator=gen),
         dynamic_axes=any_size, do_constant_folding=False)

    nhwc = ConvNetNhwc(gen)
    nhwc.eval()
    save(out, "convnet_nhwc", nhwc, torch.randn(3, 32, 32, 3, generator=gen),
         dynamic_axes=batch)

    vit = vit_tiny(gen)
    vit.eval()
    save(out, "vit_mha", vit, torch.randn(3, 3, 32, 32, generator=gen), dynamic_axes=batch)

    pooled = VitPooled(gen)
    randomize_ln(pooled, gen)
    pooled.eval()
    save(out, "vit_pooled", pooled, torch.randn(3, 3, 32, 32, generator=gen),
         dynamic_axes=batch)

    clip = ClipVision(gen)
    randomize_ln(clip, gen)
    clip.eval()
    save(out, "vit_clip", clip, torch.randn(3, 3, 32, 32, generator=gen), dynamic_axes=batch)

    # Last, since building another ViT draws from the global generator.
    x48 = torch.randn(2, 3, 48, 48, generator=torch.Generator().manual_seed(48))
    with torch.no_grad():
        y48 = resized_vit(vit, 48)(x48)
    np.save(os.path.join(out, "vit_mha.input48.npy"), x48.numpy().astype(np.float32))
    np.save(os.path.join(out, "vit_mha.output48.npy"), y48.numpy().astype(np.float32))


def save(out, name, model, x, **export_args):
    """Exports model (input "input", output "logits", opset 13) with x and PyTorch's output."""
    with torch.no_grad():
        y = model(x)
    path = os.path.join(out, name + ".onnx")
    torch.onnx.export(model, x, path, opset_version=13, input_names=["input"],
                      output_names=["logits"], **export_args)
    np.save(os.path.join(out, name + ".input.npy"), x.numpy().astype(np.float32))
    np.save(os.path.join(out, name + ".output.npy"), y.numpy().astype(np.float32))
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
