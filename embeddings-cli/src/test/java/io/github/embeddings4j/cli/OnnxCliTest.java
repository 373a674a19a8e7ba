package io.github.embeddings4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.core.io.Npy;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line on ONNX models: the core module's fixtures (scripts/onnx/make_fixtures.py),
 * embedded from an image and from prepared tensors, inspected, and refused clearly when bad.
 */
class OnnxCliTest {

  static final Path FIXTURES = Path.of("../embeddings-core/src/test/resources/onnx");

  @TempDir Path dir;

  private static float[] unit(float[] v) {
    double n = 0;
    for (float x : v) {
      n += (double) x * x;
    }
    float[] out = v.clone();
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) (out[i] / Math.sqrt(n));
    }
    return out;
  }

  @Test
  void embedsAnImageWithTheImagenetPresetAsPyTorchDoes() throws Exception {
    Path out = dir.resolve("e.npy");
    CliRun r = CliRun.of("embed", "--model", FIXTURES.resolve("resnet_tiny.onnx").toString(),
        "--preprocess", "imagenet", "--input", FIXTURES.resolve("image.png").toString(),
        "--output", out.toString(), "--normalize");
    assertEquals(0, r.code(), r.toString());
    float[][] got = Npy.read(out);
    float[][] map = Npy.readRows(FIXTURES.resolve("image.resnet_tiny.output.npy"));
    float[] pooled = new float[64];
    for (int c = 0; c < 64; c++) {
      double s = 0;
      for (int p = 0; p < 196; p++) {
        s += map[0][c * 196 + p];
      }
      pooled[c] = (float) (s / 196);
    }
    assertEquals(1, got.length);
    assertArrayEquals(unit(pooled), got[0], 1e-4f, "PyTorch's pooled features, normalised");
  }

  @Test
  void embedsPreparedTensorsOfAFixedBatchModel() throws Exception {
    Path out = dir.resolve("t.npy");
    CliRun r = CliRun.of("embed", "--model", FIXTURES.resolve("mobile_se.onnx").toString(),
        "--input", FIXTURES.resolve("mobile_se.input.npy").toString(), "--output",
        out.toString(), "--normalize");
    assertEquals(0, r.code(), r.toString());
    float[][] got = Npy.read(out);
    float[][] want = Npy.read(FIXTURES.resolve("mobile_se.output.npy"));
    assertEquals(3, got.length);
    for (int i = 0; i < 3; i++) {
      assertArrayEquals(unit(want[i]), got[i], 1e-4f, "row " + i);
    }
    assertEquals(java.util.List.of("0", "1", "2"), Npy.readIds(Npy.idsFile(out)));
  }

  @Test
  void searchesAnIndexMadeWithTheSameModelAndRefusesAnotherPreprocessing() throws Exception {
    Path index = dir.resolve("index.npy");
    String model = FIXTURES.resolve("resnet_tiny.onnx").toString();
    String image = FIXTURES.resolve("image.png").toString();
    assertEquals(0, CliRun.of("embed", "--model", model, "--preprocess", "imagenet", "--input",
        image, "--output", index.toString(), "--normalize").code());
    CliRun same = CliRun.of("search", "--model", model, "--preprocess", "imagenet", "--index",
        index.toString(), "--query", image, "--k", "1", "--json", "--normalize");
    assertEquals(0, same.code(), same.toString());
    assertTrue(same.out().contains("\"distance\": 0.0}"), "the image finds itself: " + same);
    CliRun other = CliRun.of("search", "--model", model, "--preprocess", "clip", "--index",
        index.toString(), "--query", image, "--k", "1", "--normalize");
    assertEquals(2, other.code(), other.toString());
    assertTrue(other.err().contains("does not match") && other.err().contains("bicubic"),
        other.toString());
  }

  @Test
  void inspectsAModel() {
    CliRun r = CliRun.of("models", "--inspect", FIXTURES.resolve("vit_tiny.onnx").toString());
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().contains("input:       input float32 [?, 3, 32, 32]"), r.out());
    assertTrue(r.out().contains("output:      tokens float32 [?, 17, 64]"), r.out());
    assertTrue(r.out().contains("output:      tokens_layer1"), r.out());
    assertTrue(r.out().contains("preprocess:  none recorded (no vit_tiny.onnx.json)"), r.out());
    assertTrue(r.out().contains("operator sets {=17}") || r.out().contains("\"\"=17")
        || r.out().contains("{=17"), r.out());
    String fineTune = r.out().lines().filter(l -> l.startsWith("fine-tune:")).findFirst()
        .orElse("");
    assertTrue(fineTune.startsWith("fine-tune:   no: ")
        && fineTune.contains("outputs [tokens, tokens_layer1]"), r.out());
    CliRun vit = CliRun.of("models", "--inspect", FIXTURES.resolve("vit_mha.onnx").toString());
    assertEquals(0, vit.code(), vit.toString());
    assertTrue(vit.out().contains("fine-tune:   yes, read at 32x32 as ")
        && vit.out().contains("feature layer /Gather_4, classifier /heads/head/Gemm"),
        vit.out());
    CliRun cnn = CliRun.of("models", "--inspect", FIXTURES.resolve("convnet_se.onnx")
        .toString());
    assertEquals(0, cnn.code(), cnn.toString());
    assertTrue(cnn.out().contains("fine-tune:   yes, read at 224x224 as ")
        && cnn.out().contains("feature layer /head/head.1/Mul, classifier /head/head.2/Gemm"),
        cnn.out());
    assertFalse(cnn.out().contains("fine-tuned:"), cnn.out());
  }

  @Test
  void inspectSaysWhyAFileWhoseOperatorsAreKnownStillCannotBeFineTuned() throws Exception {
    // Transpose has a layer only to channels-last and back; this one swaps height and width.
    io.github.embeddings4j.core.onnx.OnnxProto.Graph g =
        new io.github.embeddings4j.core.onnx.OnnxProto.Graph("swap");
    g.input("input", new long[] {-1, 3, 16, 16});
    g.node("Transpose", java.util.List.of("input"), "/swap",
        io.github.embeddings4j.core.onnx.OnnxProto.ints("perm", 0, 1, 3, 2));
    g.node("GlobalAveragePool", java.util.List.of("/swap"), "/pool");
    g.node("Flatten", java.util.List.of("/pool"), "features");
    g.output("features", 2);
    Path file = dir.resolve("swap.onnx");
    Files.write(file, g.model(13));
    CliRun r = CliRun.of("models", "--inspect", file.toString());
    assertEquals(0, r.code(), r.toString());
    String fineTune = r.out().lines().filter(l -> l.startsWith("fine-tune:")).findFirst()
        .orElse("");
    assertTrue(fineTune.startsWith("fine-tune:   no: node '/swap' (Transpose): Transpose [0, 1,"
        + " 3, 2]"), r.out());
  }

  @Test
  void aUint8ModelIsInspectedAndEmbeddedWithRawPixels() throws Exception {
    String model = FIXTURES.resolve("mobile_se_uint8.onnx").toString();
    CliRun r = CliRun.of("models", "--inspect", model);
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().contains("input:       pixels uint8 [1, 64, 64, 3]"), r.out());
    assertTrue(r.out().contains("default raw (the pixels, 0 to 255, for its uint8 input)"),
        r.out());
    Path out = dir.resolve("u8.npy");
    CliRun ok = CliRun.of("embed", "-q", "--model", model, "--input",
        FIXTURES.resolve("image.png").toString(), "--output", out.toString());
    assertEquals(0, ok.code(), ok.toString());
    assertEquals(48, io.github.embeddings4j.core.io.Npy.readRows(out)[0].length);
    CliRun scaled = CliRun.of("embed", "-q", "--model", model, "--preprocess", "imagenet",
        "--input", FIXTURES.resolve("image.png").toString(), "--output",
        dir.resolve("u8-imagenet.npy").toString());
    assertEquals(2, scaled.code(), scaled.toString());
    assertTrue(scaled.err().contains("uint8 pixels, 0 to 255")
        && scaled.err().contains("--preprocess raw"), scaled.err());
    assertFalse(Files.exists(dir.resolve("u8-imagenet.npy")));
  }

  @Test
  void aModelWithExternalDataIsInspectedAndEmbeddedByItsPath() throws Exception {
    CliRun r = CliRun.of("models", "--inspect",
        FIXTURES.resolve("mobile_se_ext.onnx").toString());
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().contains("weights in:  mobile_se_ext.onnx.data (external data, 19.9 KB)"),
        r.out());
    Files.writeString(dir.resolve("with.onnx.json"), "{\"preprocessing\": {\"preset\": \"clip\","
        + " \"input_size\": [64, 64], \"resize_size\": [64]}}");
    Files.copy(FIXTURES.resolve("mobile_se.onnx"), dir.resolve("with.onnx"));
    CliRun sidecar = CliRun.of("models", "--inspect", dir.resolve("with.onnx").toString());
    assertTrue(sidecar.out().contains("preprocess:  clip") && sidecar.out().contains(
        "crop 64x64") && sidecar.out().contains("from with.onnx.json"), sidecar.out());
    Path model = Files.copy(FIXTURES.resolve("mobile_se_ext.onnx"),
        dir.resolve("mobile_se_ext.onnx"));
    Path out = dir.resolve("e.npy");
    CliRun missing = CliRun.of("embed", "--model", model.toString(), "--input",
        FIXTURES.resolve("image.png").toString(), "--output", out.toString());
    assertEquals(2, missing.code(), missing.toString());
    assertTrue(missing.err().contains("mobile_se_ext.onnx.data, which is missing; copy that"
        + " file"), missing.err());
    assertFalse(Files.exists(out));
    assertTrue(CliRun.of("models", "--inspect", model.toString()).out().contains(
        "(external data, missing: copy it beside the model)"));
    Files.copy(FIXTURES.resolve("mobile_se_ext.onnx.data"), dir.resolve("mobile_se_ext.onnx.data"));
    CliRun ok = CliRun.of("embed", "--model", model.toString(), "--input",
        FIXTURES.resolve("image.png").toString(), "--output", out.toString());
    assertEquals(0, ok.code(), ok.toString());
    CliRun inline = CliRun.of("embed", "--model", FIXTURES.resolve("mobile_se.onnx").toString(),
        "--input", FIXTURES.resolve("image.png").toString(), "--output",
        dir.resolve("inline.npy").toString());
    assertEquals(0, inline.code(), inline.toString());
    assertArrayEquals(Npy.readRows(dir.resolve("inline.npy"))[0], Npy.readRows(out)[0]);
  }

  @Test
  void badModelsExitTwoNamingTheFileAndWriteNothing() throws Exception {
    Path out = dir.resolve("never.npy");
    Path text = Files.writeString(dir.resolve("notes.onnx"), "not a model");
    String image = FIXTURES.resolve("image.png").toString();
    String[][] cases = {
        {dir.resolve("missing.onnx").toString(), null, "no such file"},
        {text.toString(), null, "not an ONNX model"},
        {FIXTURES.resolve("vit_tiny.onnx").toString(), "pooled", "no output or tensor named"},
        {FIXTURES.resolve("gray_cnn.onnx").toString(), null, null}};
    for (String[] c : cases) {
      java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("embed",
          "--model", c[0], "--input", image, "--output", out.toString()));
      if (c[1] != null) {
        args.addAll(java.util.List.of("--output-name", c[1]));
      }
      if (c[2] == null) {
        args.addAll(java.util.List.of("--preprocess", "imagenet"));
      }
      CliRun r = CliRun.of(args.toArray(String[]::new));
      assertEquals(2, r.code(), r.toString());
      assertTrue(r.err().contains(c[0]), "names the file: " + r);
      assertTrue(r.err().contains(c[2] == null ? "takes 1-channel images" : c[2]), r.toString());
      assertFalse(Files.exists(out), "nothing written: " + r);
    }
  }
}
