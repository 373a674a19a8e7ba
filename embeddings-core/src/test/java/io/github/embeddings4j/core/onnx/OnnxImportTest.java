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
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The importer against PyTorch's own outputs for the committed fixtures (made by
 * scripts/onnx/make_import_fixtures.py: folded and unfolded batch norms, depthwise and grouped
 * convolutions, ReLU6, padded max and average pooling, concatenation, a residual addition,
 * global pooling, dense layers; hard-swish, SiLU and squeeze-and-excitation), its gradients,
 * the way back to ONNX, and the refusals.
 */
class OnnxImportTest {

  private static final Path MIX = OnnxEmbedderTest.fixture("convnet_mix.onnx");
  private static final Path SE = OnnxEmbedderTest.fixture("convnet_se.onnx");

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
  void squeezeExcitationHardSwishAndSiluComputeWhatPyTorchComputes() throws Exception {
    OnnxImport.Imported im = OnnxImport.read(SE, 32, 32);
    INDArray x = npy("convnet_se.input.npy");
    assertClose(npy("convnet_se.output.npy"), im.network().outputSingle(x), 1e-5);
    // ... and is written back to the same thing.
    byte[] model = OnnxExport.export(im.network(), 3, 32, 32, Map.of(im.output(), "logits"),
        Map.of());
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession s = env.createSession(model, new OrtSession.SessionOptions());
        OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x.dup('c').data()
            .asFloat()), x.shape());
        OrtSession.Result r = s.run(Map.of("input", t))) {
      float[][] logits = (float[][]) r.get("logits").get().getValue();
      assertClose(npy("convnet_se.output.npy"), Nd4j.create(logits), 1e-5);
    }
  }

  /**
   * The imported layers learn the right way: DL4J's gradient check (central differences in
   * double precision against backpropagation). Every parameter of the squeeze-and-excitation
   * fixture at 8 x 8 (the gate {@link ChannelScale}, {@link HardSigmoidActivation}, SiLU,
   * batch norms in training mode); for the other fixture (fixed at 32 x 32), the weights of its
   * depthwise convolution, whose gradient comes back through everything after it: the grouped
   * convolution's channel slices, concatenation, batch norm, padded average pooling, the
   * residual addition, LeakyReLU, global pooling and the dense layers.
   */
  @Test
  void backpropagatesTheGradientsOfEveryImportedLayer() throws Exception {
    check(SE, 8, name -> name.endsWith("_mean") || name.endsWith("_var"));
    check(MIX, 32, name -> !name.equals("/depthwise/depthwise.0/Conv_W"));
  }

  private static void check(Path model, int size, java.util.function.Predicate<String> skip)
      throws Exception {
    OnnxImport.Imported im = OnnxImport.read(model, size, size);
    ComputationGraph net = new TransferLearning.GraphBuilder(im.network())
        .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(new NoOp())
            .seed(3).build())
        .addLayer("check", new OutputLayer.Builder(LossFunctions.LossFunction.MSE)
            .nIn(im.network().getLayer(im.output()).getParam("W").size(1)).nOut(2)
            .activation(Activation.IDENTITY).build(), im.output())
        .setOutputs("check").build();
    net = net.convertDataType(DataType.DOUBLE);
    java.util.Set<String> skipped = new java.util.HashSet<>();
    for (String p : net.paramTable().keySet()) {
      if (skip.test(p)) {
        skipped.add(p);
      }
    }
    Nd4j.getRandom().setSeed(12);
    INDArray x = Nd4j.rand(DataType.DOUBLE, 2, 3, size, size).subi(0.5).muli(4);
    INDArray y = Nd4j.rand(DataType.DOUBLE, 2, 2);
    DataType before = Nd4j.dataType();
    Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE); // the check insists
    boolean ok;
    try {
      ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig()
          .net(net).inputs(new INDArray[] {x}).labels(new INDArray[] {y}).epsilon(1e-6)
          .maxRelError(1e-3).minAbsoluteError(1e-8).excludeParams(skipped)
          .print(GradientCheckUtil.PrintMode.FAILURES_ONLY));
    } finally {
      Nd4j.setDefaultDataTypes(before, before);
    }
    assertTrue(ok, model.getFileName() + ": gradients differ from central differences");
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
  void readsTheOtherFixturesSqueezeExcitationNetwork() throws Exception {
    // mobile_se (scripts/onnx/make_fixtures.py, opset 17): HardSwish as one operator, SE gates.
    OnnxImport.Imported im = OnnxImport.read(OnnxEmbedderTest.fixture("mobile_se.onnx"), 64, 64);
    assertEquals(null, im.classifier());
    INDArray out = im.network().outputSingle(npy("mobile_se.input.npy"));
    assertClose(npy("mobile_se.output.npy"), out, 1e-5);
  }

  @Test
  void refusesOperatorsItCannotTrainNamingThem() {
    // A vision transformer: layer norms, attention (MatMul, Softmax over tokens), reshapes.
    IllegalArgumentException vit = assertThrows(IllegalArgumentException.class,
        () -> OnnxImport.read(OnnxEmbedderTest.fixture("vit_tiny.onnx"), 32, 32));
    String m = vit.getMessage();
    assertTrue(m.startsWith(OnnxEmbedderTest.fixture("vit_tiny.onnx") + ": node '"), m);
    assertTrue(m.contains("LayerNormalization") && m.contains("MatMul"), m);
    assertTrue(m.contains("ONNX Runtime"), m);
  }

  @Test
  void trainsAtAnotherSizeThanTheExportedOneWhereTheLayersAllow() throws Exception {
    // mobile_se was exported at a fixed 64 x 64; its global pooling takes any size.
    OnnxImport.Imported im = OnnxImport.read(OnnxEmbedderTest.fixture("mobile_se.onnx"), 32, 32);
    INDArray out = im.network().outputSingle(Nd4j.rand(DataType.FLOAT, 2, 3, 32, 32));
    assertArrayEquals(new long[] {2, 48}, out.shape());
    // Where a dense layer reads a map, the size is the export's: refused, naming both.
    Path flat = Files.createTempFile("flat", ".onnx");
    try {
      OnnxImport.Imported mix = OnnxImport.read(MIX, 32, 32);
      // A copy of the fixture that flattens its last 4 x 4 map into a dense layer (384 inputs).
      ComputationGraph g = new TransferLearning.GraphBuilder(mix.network())
          .removeVertexAndConnections("/fc2/Gemm").removeVertexAndConnections("/Relu_2")
          .removeVertexAndConnections("/fc1/Gemm")
          .removeVertexAndConnections("/GlobalAveragePool")
          .addLayer("dense", new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder().nIn(384)
              .nOut(5).activation(Activation.IDENTITY).build(), "/Add")
          .setOutputs("dense").build();
      Files.write(flat, OnnxExport.export(g, 3, 32, 32, Map.of("dense", "logits"), Map.of()));
      assertArrayEquals(new long[] {1, 5}, OnnxImport.read(flat, 32, 32).network()
          .outputSingle(Nd4j.rand(DataType.FLOAT, 1, 3, 32, 32)).shape());
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> OnnxImport.read(flat, 64, 64));
      assertTrue(e.getMessage().contains("for 384 inputs, but gets 1536")
          && e.getMessage().contains("(32x32)"), e.getMessage());
    } finally {
      Files.deleteIfExists(flat);
    }
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
