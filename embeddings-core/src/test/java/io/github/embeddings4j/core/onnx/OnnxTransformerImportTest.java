package io.github.embeddings4j.core.onnx;

import static io.github.embeddings4j.core.onnx.OnnxImportTest.assertClose;
import static io.github.embeddings4j.core.onnx.OnnxImportTest.npy;
import static io.github.embeddings4j.core.onnx.OnnxImportTest.ort;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.core.zoo.OnnxExport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Vision transformers read as Deeplearning4j graphs: the committed fixtures (scripts/onnx/
 * make_import_fixtures.py) against PyTorch's outputs — torchvision's ViT, whose attention
 * PyTorch 1.13 spells out batch-second with one fused projection, and the attention of timm
 * (fused, unbound) and of CLIP towers (three projections) — written back to ONNX and read
 * again, their gradients, and the size a position embedding fixes.
 */
class OnnxTransformerImportTest {

  private static final Path MHA = OnnxEmbedderTest.fixture("vit_mha.onnx");
  private static final Path POOLED = OnnxEmbedderTest.fixture("vit_pooled.onnx");
  private static final Path CLIP = OnnxEmbedderTest.fixture("vit_clip.onnx");

  private static long count(OnnxImport.Imported im, Class<?> layer) {
    return im.network().getConfiguration().getVertices().values().stream()
        .filter(v -> v instanceof LayerVertex lv && layer.isInstance(lv.getLayerConf()
            .getLayer())).count();
  }

  /**
   * The imported graph computes PyTorch's logits; written back to ONNX, ONNX Runtime computes
   * the same, and that file reads back to the same network.
   */
  private static void assertComputesAndRoundTrips(Path model, String name) throws Exception {
    OnnxImport.Imported im = OnnxImport.read(model, 32, 32);
    INDArray x = npy(name + ".input.npy");
    INDArray expected = npy(name + ".output.npy");
    assertClose(expected, im.network().outputSingle(x), 1e-5);
    byte[] back = OnnxExport.export(im.network(), 3, 32, 32, Map.of(im.output(), "logits"),
        Map.of());
    assertClose(expected, ort(back, x, "logits"), 1e-5);
    Path again = Files.createTempFile(name, ".onnx");
    try {
      Files.write(again, back);
      OnnxImport.Imported re = OnnxImport.read(again, 32, 32);
      assertEquals(count(im, SelfAttention.class), count(re, SelfAttention.class));
      assertEquals(count(im, TokenParameter.class), count(re, TokenParameter.class));
      assertClose(expected, re.network().outputSingle(x), 1e-5);
    } finally {
      Files.deleteIfExists(again);
    }
  }

  @Test
  void torchvisionsVisionTransformerComputesWhatPyTorchComputes() throws Exception {
    OnnxImport.Imported im = OnnxImport.read(MHA, 32, 32);
    assertEquals(2, count(im, SelfAttention.class), "one attention layer per encoder block");
    assertEquals(2, count(im, TokenParameter.class), "the class token and the positions");
    assertEquals("/heads/head/Gemm", im.classifier());
    assertEquals("/Gather_4", im.features(), "the class token, x[:, 0]");
    SelfAttention a = (SelfAttention) ((LayerVertex) im.network().getConfiguration()
        .getVertices().get("/encoder/layers/encoder_layer_0/self_attention")).getLayerConf()
        .getLayer();
    assertEquals(4, a.getHeads());
    assertEquals(17, a.getTokens());
    assertEquals(1 / Math.sqrt(8), a.getScale(), 1e-6);
    assertComputesAndRoundTrips(MHA, "vit_mha");
  }

  @Test
  void timmAndClipAttentionComputeWhatPyTorchComputes() throws Exception {
    OnnxImport.Imported im = OnnxImport.read(POOLED, 32, 32);
    assertEquals(2, count(im, SelfAttention.class));
    assertEquals(1, count(im, TokenParameter.class), "positions, no class token");
    assertEquals("/head/Gemm", im.classifier());
    assertComputesAndRoundTrips(POOLED, "vit_pooled");
  }

  /**
   * CLIP's image tower as Hugging Face writes it: a 1-d class embedding expanded to the batch,
   * positions looked up in an embedding table, quick GELU, the class token's output normed as a
   * vector; its projection is the classifier a fine-tune replaces.
   */
  @Test
  void clipsImageTowerComputesWhatPyTorchComputes() throws Exception {
    OnnxImport.Imported im = OnnxImport.read(CLIP, 32, 32);
    assertEquals(2, count(im, SelfAttention.class));
    assertEquals(2, count(im, TokenParameter.class), "the class token and the positions");
    assertEquals("/visual_projection/MatMul", im.classifier());
    assertEquals("/post_layernorm/Add_1", im.features(), "the normed class token");
    assertComputesAndRoundTrips(CLIP, "vit_clip");
  }

  /** Checkpoints hold the graph as DL4J's JSON: the attention and token layers too. */
  @Test
  void theImportedTransformersSurviveDl4jsJson() throws Exception {
    for (Path model : new Path[] {MHA, POOLED, CLIP}) {
      ComputationGraphConfiguration conf = OnnxImport.read(model, 32, 32).network()
          .getConfiguration();
      ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(
          conf.toJson());
      assertEquals(conf.getVertices(), back.getVertices(), model.getFileName().toString());
      assertEquals(conf.toJson(), back.toJson(), model.getFileName().toString());
    }
  }

  /**
   * The attention, the learned tokens and the token vertices learn the right way: DL4J's
   * gradient check (central differences in double precision against backpropagation) on the
   * class token, the second block's attention biases, and the first layer norm's scale, whose
   * gradient comes back through both attention layers, the class token's selection and the
   * MLPs; on the second fixture, the position embedding, through the mean over the tokens; on
   * CLIP's, the class token through a layer norm of a vector. (The
   * attention's weights pass too; checking all of them takes minutes.)
   */
  @Test
  void backpropagatesThroughAttentionAndTokens() throws Exception {
    OnnxImportTest.check(MHA, 32, p -> !p.equals("/Concat_2_P")
        && !p.matches("/encoder/layers/encoder_layer_1/self_attention_b.")
        && !p.equals("/encoder/layers/encoder_layer_0/ln_1/Add_1_W"));
    OnnxImportTest.check(POOLED, 32, p -> !p.equals("/Add_P"));
    // CLIP's: the class token's gradient comes back through the layer norm of a vector and
    // quick GELU; the vector's scale and shift.
    OnnxImportTest.check(CLIP, 32, p -> !p.equals("/Concat_2_P")
        && !p.startsWith("/post_layernorm/Add_1_"));
  }

  /**
   * Attention whose scores get something added (a mask, Swin's relative position bias) has no
   * layer: refused at its Softmax, saying what was added where.
   */
  @Test
  void refusesAttentionWithSomethingAddedToItsScores(@TempDir Path dir) throws Exception {
    OnnxProto.Graph g = new OnnxProto.Graph("biased");
    g.input("input", new long[] {-1, 3, 8, 8});
    java.util.Random random = new java.util.Random(5);
    java.util.function.IntFunction<float[]> values = n -> {
      float[] v = new float[n];
      for (int i = 0; i < n; i++) {
        v[i] = (float) random.nextGaussian();
      }
      return v;
    };
    g.initializer("patch", new long[] {4, 3, 4, 4}, values.apply(4 * 3 * 16));
    g.node("Conv", java.util.List.of("input", "patch"), "/patches",
        OnnxProto.ints("kernel_shape", 4, 4), OnnxProto.ints("strides", 4, 4));
    g.initializer("seq", new long[] {0, 4, 4});
    g.node("Reshape", java.util.List.of("/patches", "seq"), "/seq");
    g.node("Transpose", java.util.List.of("/seq"), "/tokens", OnnxProto.ints("perm", 0, 2, 1));
    for (String p : new String[] {"q", "k", "v"}) {
      g.initializer("W" + p, new long[] {4, 4}, values.apply(16));
      g.node("MatMul", java.util.List.of("/tokens", "W" + p), "/" + p);
    }
    g.node("Transpose", java.util.List.of("/k"), "/kt", OnnxProto.ints("perm", 0, 2, 1));
    g.node("MatMul", java.util.List.of("/q", "/kt"), "/scores");
    g.initializer("bias", new long[] {4, 4}, values.apply(16));
    g.node("Add", java.util.List.of("/scores", "bias"), "/biased");
    g.node("Softmax", java.util.List.of("/biased"), "/attn/Softmax",
        OnnxProto.integer("axis", -1));
    g.node("MatMul", java.util.List.of("/attn/Softmax", "/v"), "/mixed");
    g.node("ReduceMean", java.util.List.of("/mixed"), "/pooled", OnnxProto.ints("axes", 1),
        OnnxProto.integer("keepdims", 0));
    g.output("/pooled", 2);
    Path model = dir.resolve("biased.onnx");
    Files.write(model, g.model(13));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> OnnxImport.read(model, 8, 8));
    String m = e.getMessage();
    assertTrue(m.startsWith(model + ": node '/attn/Softmax' (Softmax): attention with something"
        + " added to its scores") && m.contains("node '/biased' (Add)"), m);
  }

  /**
   * Read at another size than the export's, a ViT's position embedding is resampled to the new
   * grid of patches as timm and Hugging Face do (bicubic): the graph computes what PyTorch's
   * same ViT built for 48 px computes, and it is written back at that size.
   */
  @Test
  void readsAtAnotherSizeWithItsPositionEmbeddingResampled() throws Exception {
    OnnxImport.Imported im = OnnxImport.read(MHA, 48, 48);
    INDArray x = npy("vit_mha.input48.npy");
    INDArray expected = npy("vit_mha.output48.npy");
    assertClose(expected, im.network().outputSingle(x), 1e-5);
    byte[] back = OnnxExport.export(im.network(), 3, 48, 48, Map.of(im.output(), "logits"),
        Map.of());
    assertClose(expected, ort(back, x, "logits"), 1e-5);
    // Rows and columns resampled apart: a grid of 4 x 6 patches.
    OnnxImport.Imported wide = OnnxImport.read(MHA, 32, 48);
    assertEquals(25, ((SelfAttention) ((LayerVertex) wide.network().getConfiguration()
        .getVertices().get("/encoder/layers/encoder_layer_0/self_attention")).getLayerConf()
        .getLayer()).getTokens());
  }

  /** The resampling itself, against PyTorch's bicubic interpolation of a 2 x 2 grid. */
  @Test
  void resamplesAPositionGridAsBicubicInterpolationDoes() {
    // A class token row, then a 2 x 2 grid of one channel: values 0, 1 / 2, 3.
    float[] table = {9, 0, 1, 2, 3};
    float[] same = PositionGrid.resample(table, 1, 1, 2, 2, 2);
    assertEquals(java.util.Arrays.toString(table), java.util.Arrays.toString(same));
    float[] up = PositionGrid.resample(table, 1, 1, 2, 4, 4);
    assertEquals(17, up.length);
    assertEquals(9f, up[0], "the class token's row is kept");
    // F.interpolate([[0, 1], [2, 3]], size=4, mode='bicubic', align_corners=False), float64:
    // (1, 1) 0.6796875, (0, 0) -0.31640625 (its taps clamp at the border), (3, 2) 2.984375.
    assertEquals(0.6796875f, up[1 + 4 + 1], 1e-6f);
    assertEquals(-0.31640625f, up[1], 1e-6f);
    assertEquals(2.984375f, up[1 + 3 * 4 + 2], 1e-6f);
    assertEquals(-1, PositionGrid.side(15));
    assertEquals(4, PositionGrid.side(16));
  }

}
