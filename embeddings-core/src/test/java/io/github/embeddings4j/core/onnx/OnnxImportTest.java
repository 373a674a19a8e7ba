package io.github.embeddings4j.core.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.github.embeddings4j.core.zoo.OnnxExport;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The importer against PyTorch's own outputs for the committed fixture (made by
 * scripts/onnx/make_import_fixtures.py: folded and unfolded batch norms, depthwise and grouped
 * convolutions, ReLU6, padded max and average pooling, concatenation, a residual addition,
 * global pooling, dense layers), the way back to ONNX, and the refusals.
 */
class OnnxImportTest {

  private static final Path MIX = OnnxEmbedderTest.fixture("convnet_mix.onnx");

  private static INDArray npy(String name) {
    return Nd4j.createFromNpyFile(OnnxEmbedderTest.fixture(name).toFile());
  }

  private static void assertClose(INDArray expected, INDArray actual, double tolerance) {
    assertArrayEquals(expected.shape(), actual.shape());
    double scale = Math.max(1e-6, expected.amaxNumber().doubleValue());
    double worst = expected.sub(actual).amaxNumber().doubleValue() / scale;
    assertTrue(worst < tolerance, "largest difference " + worst + " of the largest value");
  }

  @Test
  void computesWhatPyTorchComputes() throws Exception {
    OnnxImport.Imported im = OnnxImport.read(MIX, 32, 32);
    assertEquals(3, im.channels());
    assertEquals("/fc2/Gemm", im.classifier());
    assertEquals("/Relu_2", im.features());
    assertEquals("/fc2/Gemm", im.output());
    INDArray out = im.network().outputSingle(npy("convnet_mix.input.npy"));
    assertClose(npy("convnet_mix.output.npy"), out, 1e-5);
    // The grouped convolution became one convolution per group, side by side.
    assertTrue(im.network().getConfiguration().getVertices().containsKey(
        "/grouped/Conv/group3"));
  }

  @Test
  void writesTheSameNetworkBackAsOnnx() throws Exception {
    OnnxImport.Imported im = OnnxImport.read(MIX, 32, 32);
    Map<String, String> outputs = new LinkedHashMap<>();
    outputs.put(im.features(), "features");
    outputs.put(im.output(), "logits");
    byte[] model = OnnxExport.export(im.network(), 3, 32, 32, outputs, Map.of("k", "v"));
    INDArray x = npy("convnet_mix.input.npy");
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession s = env.createSession(model, new OrtSession.SessionOptions());
        OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x.dup('c').data()
            .asFloat()), x.shape());
        OrtSession.Result r = s.run(Map.of("input", t))) {
      assertEquals("v", s.getMetadata().getCustomMetadata().get("k"));
      float[][] logits = (float[][]) r.get("logits").get().getValue();
      assertClose(npy("convnet_mix.output.npy"), Nd4j.create(logits), 1e-5);
      float[][] features = (float[][]) r.get("features").get().getValue();
      INDArray expected = im.network().feedForward(x, false).get(im.features());
      assertClose(expected, Nd4j.create(features), 1e-5);
    }
    // ... and that file is imported again to the same network.
    Path again = Files.createTempFile("convnet_mix", ".onnx");
    try {
      Files.write(again, OnnxExport.export(im.network(), 3, 32, 32, Map.of(im.output(),
          "logits"), Map.of()));
      INDArray out = OnnxImport.read(again, 32, 32).network().outputSingle(x);
      assertClose(npy("convnet_mix.output.npy"), out, 1e-5);
    } finally {
      Files.deleteIfExists(again);
    }
  }

  @Test
  void refusesOperatorsItCannotTrainNamingThem() {
    // mobile_se: squeeze-and-excitation (broadcast Mul) and hardswish; fixed 64 x 64 input.
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> OnnxImport.read(OnnxEmbedderTest.fixture("mobile_se.onnx"), 64, 64));
    assertTrue(e.getMessage().contains("mobile_se.onnx"), e.getMessage());
    assertTrue(e.getMessage().contains("Mul") || e.getMessage().contains("HardSigmoid"),
        e.getMessage());
    assertTrue(e.getMessage().contains("ONNX Runtime"), e.getMessage());
    IllegalArgumentException vit = assertThrows(IllegalArgumentException.class,
        () -> OnnxImport.read(OnnxEmbedderTest.fixture("vit_tiny.onnx"), 32, 32));
    assertTrue(vit.getMessage().contains("vit_tiny.onnx: "), vit.getMessage());
  }

  @Test
  void refusesAnotherSizeThanAFixedInput() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> OnnxImport.read(OnnxEmbedderTest.fixture("mobile_se.onnx"), 32, 32));
    assertTrue(e.getMessage().contains("fixed size of 64x64"), e.getMessage());
  }

  @Test
  void refusesWhatIsNotAnOnnxModel(@TempDir Path dir) throws Exception {
    Path bad = dir.resolve("photo.onnx");
    Files.write(bad, new byte[] {(byte) 0xff, (byte) 0xd8, (byte) 0xff, (byte) 0xe0, 1, 2});
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> OnnxImport.read(bad, 32, 32));
    assertTrue(e.getMessage().startsWith(bad + ": "), e.getMessage());
    assertThrows(java.nio.file.NoSuchFileException.class,
        () -> OnnxImport.read(dir.resolve("missing.onnx"), 32, 32));
  }
}
