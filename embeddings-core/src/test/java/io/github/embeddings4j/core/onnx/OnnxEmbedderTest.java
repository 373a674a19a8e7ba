package io.github.embeddings4j.core.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.EmbeddingException;
import io.github.embeddings4j.api.EmbeddingResult;
import io.github.embeddings4j.api.ImageSource;
import io.github.embeddings4j.core.embed.Activations;
import io.github.embeddings4j.core.embed.NetworkEmbedder;
import io.github.embeddings4j.core.embed.Pooling;
import io.github.embeddings4j.core.image.Preprocessing;
import io.github.embeddings4j.core.io.Npy;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ONNX embedder against PyTorch's own outputs for the committed fixtures (made by
 * scripts/onnx/make_fixtures.py): a ResNet-style CNN (feature map output), a depthwise-separable
 * network with squeeze-and-excitation exported with a fixed batch of 1, and a small vision
 * transformer (token sequence output, plus an intermediate layer's tokens).
 */
class OnnxEmbedderTest {

  static Path fixture(String name) {
    try {
      return Path.of(OnnxEmbedderTest.class.getResource("/onnx/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static java.awt.image.BufferedImage noise(int width, int height, long seed) {
    java.util.Random random = new java.util.Random(seed);
    java.awt.image.BufferedImage image = new java.awt.image.BufferedImage(width, height,
        java.awt.image.BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        image.setRGB(x, y, random.nextInt(1 << 24));
      }
    }
    return image;
  }

  static float[] flat(float[][] rows) {
    int n = rows[0].length;
    float[] out = new float[rows.length * n];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(rows[i], 0, out, i * n, n);
    }
    return out;
  }

  /** Max |a - b| over max |b|. */
  private static double relative(float[] a, float[] b) {
    assertEquals(b.length, a.length);
    double diff = 0;
    double scale = 0;
    for (int i = 0; i < a.length; i++) {
      diff = Math.max(diff, Math.abs(a[i] - b[i]));
      scale = Math.max(scale, Math.abs(b[i]));
    }
    return diff / scale;
  }

  /** PyTorch's output pooled and normalised as the embedder does, item by item. */
  static float[][] expected(String output, int n, int[] item, Pooling pooling)
      throws IOException {
    float[] data = flat(Npy.readRows(fixture(output)));
    return NetworkEmbedder.pool(new Activations(data, n, item, false), pooling, true);
  }

  static void assertClose(float[][] expected, float[][] actual, String what) {
    assertEquals(expected.length, actual.length);
    for (int i = 0; i < expected.length; i++) {
      double r = relative(actual[i], expected[i]);
      assertTrue(r < 1e-4, what + " row " + i + ": relative difference " + r);
    }
  }

  @Test
  void aResNetStyleCnnGivesPyTorchsFeaturesFromTensors() throws Exception {
    try (OnnxEmbedder e = OnnxEmbedder.builder(fixture("resnet_tiny.onnx"))
        .preprocessing(Preprocessing.builder().size(64, 48).resize(64).build()).build()) {
      assertEquals(64, e.dimension());
      assertEquals("features", e.outputName());
      assertEquals(Pooling.AVG, e.pooling());
      float[][] got = e.embedTensors(flat(Npy.readRows(fixture("resnet_tiny.input.npy"))), 3);
      assertClose(expected("resnet_tiny.output.npy", 3, new int[] {64, 4, 3}, Pooling.AVG), got,
          "resnet_tiny");
    }
    try (OnnxEmbedder max = OnnxEmbedder.builder(fixture("resnet_tiny.onnx"))
        .preprocessing(Preprocessing.builder().size(64, 48).resize(64).build())
        .pooling(Pooling.MAX).build()) {
      float[][] got = max.embedTensors(flat(Npy.readRows(fixture("resnet_tiny.input.npy"))), 3);
      assertClose(expected("resnet_tiny.output.npy", 3, new int[] {64, 4, 3}, Pooling.MAX), got,
          "resnet_tiny max");
    }
  }

  @Test
  void aFixedBatchModelRunsBatchesInParts() throws Exception {
    try (OnnxEmbedder e = OnnxEmbedder.builder(fixture("mobile_se.onnx")).build()) {
      assertEquals(64, e.preprocessing().height(), "the preset at the model's fixed size");
      float[][] got = e.embedTensors(flat(Npy.readRows(fixture("mobile_se.input.npy"))), 3);
      assertClose(expected("mobile_se.output.npy", 3, new int[] {48}, Pooling.AVG), got,
          "mobile_se");
    }
  }

  @Test
  void aVisionTransformerGivesItsClassTokenOrTheMeanOrAnInnerLayer() throws Exception {
    Preprocessing p32 = Preprocessing.imagenet().toBuilder().size(32, 32).resize(32).build();
    float[] input = flat(Npy.readRows(fixture("vit_tiny.input.npy")));
    try (OnnxEmbedder cls = OnnxEmbedder.builder(fixture("vit_tiny.onnx")).preprocessing(p32)
        .build();
        OnnxEmbedder mean = OnnxEmbedder.builder(fixture("vit_tiny.onnx")).preprocessing(p32)
            .pooling(Pooling.AVG).build();
        OnnxEmbedder inner = OnnxEmbedder.builder(fixture("vit_tiny.onnx")).preprocessing(p32)
            .output("tokens_layer1").build()) {
      assertEquals(Pooling.CLS, cls.pooling(), "sequences default to the class token");
      assertEquals(64, cls.dimension());
      int[] item = {17, 64};
      assertClose(expected("vit_tiny.output.npy", 3, item, Pooling.CLS),
          cls.embedTensors(input, 3), "vit cls");
      assertClose(expected("vit_tiny.output.npy", 3, item, Pooling.AVG),
          mean.embedTensors(input, 3), "vit mean");
      assertClose(expected("vit_tiny.output_layer1.npy", 3, item, Pooling.CLS),
          inner.embedTensors(input, 3), "vit layer 1");
    }
  }

  @Test
  void theImagenetPresetGivesTorchvisionsInputAndPyTorchsFeaturesFromAnImage()
      throws Exception {
    java.awt.image.BufferedImage image = javax.imageio.ImageIO.read(
        fixture("image.png").toFile());
    // siglip: Hugging Face's processor (Pillow resize of both sides, no crop), emulated with
    // Pillow and NumPy by scripts/onnx/derive_fixtures.py.
    for (String preset : List.of("imagenet", "clip", "inception", "siglip")) {
      Preprocessing p = Preprocessing.preset(preset);
      float[] ours = new float[p.size()];
      p.write(image, ours, 0);
      float[] torch = flat(Npy.readRows(fixture("image." + preset + ".npy")));
      double worst = 0;
      for (int i = 0; i < ours.length; i++) {
        worst = Math.max(worst, Math.abs(ours[i] - torch[i]));
      }
      // Pillow's resampling reproduced to the bit: what is left is float rounding.
      assertTrue(worst < 1e-5, preset + ": max difference " + worst);
    }
    try (OnnxEmbedder e = OnnxEmbedder.builder(fixture("resnet_tiny.onnx"))
        .preprocessing(Preprocessing.imagenet()).build()) {
      float[] v = e.embed(ImageSource.of(fixture("image.png")));
      float[][] want = expected("image.resnet_tiny.output.npy", 1, new int[] {64, 14, 14},
          Pooling.AVG);
      double r = relative(v, want[0]);
      assertTrue(r < 1e-4, "relative difference " + r);
    }
  }

  @Test
  void anInnerTensorIsAddedAsAnOutputAndGivesWhatTheRealOutputGives() throws Exception {
    // vit_tiny_one_output.onnx is vit_tiny.onnx whose tokens_layer1 is no longer an output
    // (scripts/onnx/derive_fixtures.py): the embedder adds it, and must get the real output's
    // values, which the test above checks against PyTorch.
    Preprocessing p32 = Preprocessing.imagenet().toBuilder().size(32, 32).resize(32).build();
    float[] input = flat(Npy.readRows(fixture("vit_tiny.input.npy")));
    assertTrue(OnnxModelInfo.parse(Files.readAllBytes(fixture("vit_tiny_one_output.onnx")))
        .outputs().stream().noneMatch(t -> t.name().equals("tokens_layer1")));
    try (OnnxEmbedder added = OnnxEmbedder.builder(fixture("vit_tiny_one_output.onnx"))
        .preprocessing(p32).output("tokens_layer1").pooling(Pooling.AVG).build();
        OnnxEmbedder real = OnnxEmbedder.builder(fixture("vit_tiny.onnx"))
            .preprocessing(p32).output("tokens_layer1").pooling(Pooling.AVG).build()) {
      float[][] a = added.embedTensors(input, 3);
      float[][] b = real.embedTensors(input, 3);
      for (int i = 0; i < 3; i++) {
        assertArrayEquals(b[i], a[i], "row " + i);
      }
    }
  }

  @Test
  void aSequenceWithoutAClassTokenGivesItsPooledOutputOrItsMean() throws Exception {
    // vit_tiny_hf.onnx is shaped like a SigLIP export (scripts/onnx/derive_fixtures.py):
    // last_hidden_state holds vit_tiny's 16 patch tokens without its class token, and
    // pooler_output is their mean.
    Preprocessing p32 = Preprocessing.imagenet().toBuilder().size(32, 32).resize(32).build();
    float[] input = flat(Npy.readRows(fixture("vit_tiny.input.npy")));
    try (OnnxEmbedder pooled = OnnxEmbedder.builder(fixture("vit_tiny_hf.onnx"))
        .preprocessing(p32).build();
        OnnxEmbedder patches = OnnxEmbedder.builder(fixture("vit_tiny_hf.onnx"))
            .preprocessing(p32).output("last_hidden_state").build();
        OnnxEmbedder cls = OnnxEmbedder.builder(fixture("vit_tiny.onnx")).preprocessing(p32)
            .build()) {
      assertEquals("pooler_output", pooled.outputName());
      assertEquals(Pooling.AVG, patches.pooling(), "16 = 4 x 4 tokens: no class token");
      assertEquals(Pooling.CLS, cls.pooling(), "17 = 4 x 4 + 1 tokens: a class token first");
      assertClose(patches.embedTensors(input, 3), pooled.embedTensors(input, 3),
          "pooler_output against the mean of the patches");
    }
    List<OnnxModelInfo.Tensor> clip = List.of(
        new OnnxModelInfo.Tensor("last_hidden_state", "float32", new long[] {-1, 50, 768}),
        new OnnxModelInfo.Tensor("image_embeds", "float32", new long[] {-1, 512}));
    assertEquals("image_embeds", OnnxEmbedder.Builder.defaultOutput(clip));
    // ViTModel from a fine-tuned checkpoint: a class token, and a pooler of random weights.
    List<OnnxModelInfo.Tensor> vit = List.of(
        new OnnxModelInfo.Tensor("last_hidden_state", "float32", new long[] {-1, 197, 768}),
        new OnnxModelInfo.Tensor("pooler_output", "float32", new long[] {-1, 768}));
    assertEquals("last_hidden_state", OnnxEmbedder.Builder.defaultOutput(vit));
    assertEquals("features", OnnxEmbedder.Builder.defaultOutput(List.of(
        new OnnxModelInfo.Tensor("features", "float32", new long[] {-1, 48}),
        new OnnxModelInfo.Tensor("pooler_output", "float32", new long[] {-1, 48}))));
  }

  @Test
  void aPresetByNameTakesTheSizeTheModelFixes() throws Exception {
    // mobile_se takes 64x64 images: clip and siglip at 64, their resize in proportion.
    try (OnnxEmbedder clip = OnnxEmbedder.builder(fixture("mobile_se.onnx"))
        .preprocessing(Preprocessing.clip()).build();
        OnnxEmbedder siglip = OnnxEmbedder.builder(fixture("mobile_se.onnx"))
            .preprocessing(Preprocessing.siglip()).build()) {
      assertEquals(64, clip.preprocessing().height());
      assertEquals(64, clip.preprocessing().resize());
      assertEquals(Preprocessing.Interpolation.BICUBIC, clip.preprocessing().interpolation());
      assertEquals(64, siglip.preprocessing().width());
      assertTrue(siglip.preprocessing().stretch());
      assertEquals(48, siglip.embed(ImageSource.of(fixture("image.png"))).length);
    }
    // A size set by hand is the user's: refused where it does not fit.
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> OnnxEmbedder.builder(fixture("mobile_se.onnx"))
            .preprocessing(Preprocessing.clip().toBuilder().size(96, 96).build()).build());
    assertTrue(e.getMessage().contains("the model takes 64x64 images"), e.getMessage());
  }

  @Test
  void eightThreadsGetTheSerialVectors() throws Exception {
    try (OnnxEmbedder e = OnnxEmbedder.builder(fixture("resnet_tiny.onnx"))
        .preprocessing(Preprocessing.imagenet().toBuilder().size(64, 64).resize(72).build())
        .networkBatchSize(2).concurrency(4).build()) {
      List<ImageSource> images = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        images.add(ImageSource.of(noise(80 + i, 70, i), "noise-" + i));
      }
      List<float[]> serial = new ArrayList<>();
      for (ImageSource s : images) {
        serial.add(e.embed(s));
      }
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        List<Future<float[]>> futures = new ArrayList<>();
        for (int round = 0; round < 4; round++) {
          for (ImageSource s : images) {
            futures.add(pool.submit(() -> e.embed(s)));
          }
        }
        for (int k = 0; k < futures.size(); k++) {
          assertArrayEquals(serial.get(k % images.size()), futures.get(k).get(), 1e-6f,
              "image " + (k % images.size()));
        }
      } finally {
        pool.shutdownNow();
      }
      List<EmbeddingResult> batch = e.embedBatch(images);
      for (int i = 0; i < images.size(); i++) {
        assertArrayEquals(serial.get(i), batch.get(i).vectorOrThrow(), 1e-5f);
      }
    }
  }

  @Test
  void badModelsAreRefusedNamingTheFileAndTheFix(@TempDir Path dir) throws Exception {
    Path missing = dir.resolve("missing.onnx");
    EmbeddingException m = assertThrows(EmbeddingException.class,
        () -> OnnxEmbedder.builder(missing).build());
    assertTrue(m.getMessage().startsWith(missing + ": no such file"), m.getMessage());

    Path text = Files.writeString(dir.resolve("notes.onnx"), "this is not a model\n");
    EmbeddingException t = assertThrows(EmbeddingException.class,
        () -> OnnxEmbedder.builder(text).build());
    assertTrue(t.getMessage().startsWith(text + ": "), t.getMessage());
    assertTrue(t.getMessage().contains("not an ONNX model")
        || t.getMessage().contains("truncated"), t.getMessage());

    byte[] whole = Files.readAllBytes(fixture("resnet_tiny.onnx"));
    Path cut = Files.write(dir.resolve("cut.onnx"), java.util.Arrays.copyOf(whole,
        whole.length / 2));
    EmbeddingException c = assertThrows(EmbeddingException.class,
        () -> OnnxEmbedder.builder(cut).build());
    assertTrue(c.getMessage().contains("truncated or damaged"), c.getMessage());

    IllegalArgumentException gray = assertThrows(IllegalArgumentException.class,
        () -> OnnxEmbedder.builder(fixture("gray_cnn.onnx"))
            .preprocessing(Preprocessing.imagenet().toBuilder().size(28, 28).build()).build());
    assertTrue(gray.getMessage().contains("takes 1-channel images"), gray.getMessage());

    IllegalArgumentException out = assertThrows(IllegalArgumentException.class,
        () -> OnnxEmbedder.builder(fixture("vit_tiny.onnx")).output("pooled").build());
    assertTrue(out.getMessage().contains("no output or tensor named 'pooled'")
        && out.getMessage().contains("[tokens, tokens_layer1]"), out.getMessage());

    // A model whose only input is not an image: a 2-D [batch, 8] input, written here.
    OnnxProto.Graph g = new OnnxProto.Graph("vectors");
    g.input("x", new long[] {-1, 8});
    g.node("Relu", List.of("x"), "y");
    g.output("y", 2);
    IllegalArgumentException noImage = assertThrows(IllegalArgumentException.class,
        () -> OnnxEmbedder.builder(g.model(13), "vectors.onnx").build());
    assertTrue(noImage.getMessage().startsWith("vectors.onnx: no image-shaped input"),
        noImage.getMessage());

    // A model that needs a second input besides the image (scripts/onnx/derive_fixtures.py):
    // refused before ONNX Runtime would fail on the missing feed.
    IllegalArgumentException two = assertThrows(IllegalArgumentException.class,
        () -> OnnxEmbedder.builder(fixture("mobile_se_two_inputs.onnx")).build());
    assertTrue(two.getMessage().contains("besides its image input 'input' the model needs"
        + " [scale float32 [1]]") && two.getMessage().contains("CLIPVisionModelWithProjection"),
        two.getMessage());
  }

  @Test
  void theExportScriptsSidecarSetsThePreprocessing(@TempDir Path dir) throws Exception {
    Path model = Files.copy(fixture("resnet_tiny.onnx"), dir.resolve("m.onnx"));
    Files.writeString(dir.resolve("m.onnx.json"), "{\"model\": \"resnet50\", \"preprocessing\": {"
        + "\"preset\": \"imagenet\", \"input_size\": [224, 224], \"resize_size\": 232,"
        + " \"crop_size\": 224, \"interpolation\": \"bicubic\", \"mean\": [0.5, 0.5, 0.5],"
        + " \"std\": [0.25, 0.25, 0.25]}}");
    try (OnnxEmbedder e = OnnxEmbedder.builder(model).build();
        OnnxEmbedder explicit = OnnxEmbedder.builder(model)
            .preprocessing(Preprocessing.imagenet()).build()) {
      Preprocessing p = e.preprocessing();
      assertEquals(232, p.resize());
      assertEquals(Preprocessing.Interpolation.BICUBIC, p.interpolation());
      assertEquals(Preprocessing.imagenet().toBuilder().resize(232)
          .interpolation(Preprocessing.Interpolation.BICUBIC).mean(0.5f).std(0.25f).build(), p);
      assertEquals(Preprocessing.imagenet(), explicit.preprocessing(), "explicit wins");
    }
    Files.writeString(dir.resolve("m.onnx.json"), "{\"preprocessing\": {\"std\": [0, 1, 1]}}");
    EmbeddingException bad = assertThrows(EmbeddingException.class,
        () -> OnnxEmbedder.builder(model).build());
    assertTrue(bad.getMessage().startsWith(dir.resolve("m.onnx.json") + ": "), bad.getMessage());
  }

  @Test
  void aOneChannelModelGetsGrayInputByDefault() throws Exception {
    try (OnnxEmbedder e = OnnxEmbedder.builder(fixture("gray_cnn.onnx")).build()) {
      assertEquals(1, e.preprocessing().channels());
      float[][] got = e.embedTensors(flat(Npy.readRows(fixture("gray_cnn.input.npy"))), 3);
      assertClose(expected("gray_cnn.output.npy", 3, new int[] {32}, Pooling.AVG), got,
          "gray_cnn");
    }
  }

  @Test
  void theInspectionListsWhatTheFileHolds() throws Exception {
    OnnxModelInfo info = OnnxModelInfo.parse(Files.readAllBytes(fixture("vit_tiny.onnx")));
    assertEquals(17, info.opset());
    assertEquals(List.of("input"), info.inputs().stream().map(OnnxModelInfo.Tensor::name)
        .toList());
    assertEquals(List.of("tokens", "tokens_layer1"), info.outputs().stream()
        .map(OnnxModelInfo.Tensor::name).toList());
    assertArrayEquals(new long[] {-1, 3, 32, 32}, info.inputs().get(0).shape());
    assertTrue(info.operators().containsKey("MatMul"), info.operators().toString());
    assertTrue(info.parameters() > 50_000, "parameters " + info.parameters());
    assertTrue(info.tensors().contains("tokens_layer1"));
  }
}
