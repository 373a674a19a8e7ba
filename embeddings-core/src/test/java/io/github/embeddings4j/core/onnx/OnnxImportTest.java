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
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The importer against PyTorch's own outputs for the committed fixtures (made by
 * scripts/onnx/make_import_fixtures.py: folded and unfolded batch norms, depthwise and grouped
 * convolutions, ReLU6, padded max and average pooling, concatenation, a residual addition,
 * global pooling, dense layers; hard-swish, SiLU and squeeze-and-excitation; ShuffleNetV2's
 * channel shuffles and shape arithmetic, ceil_mode pooling), its gradients,
 * the way back to ONNX, and the refusals.
 */
class OnnxImportTest {

  private static final Path MIX = OnnxEmbedderTest.fixture("convnet_mix.onnx");
  private static final Path SE = OnnxEmbedderTest.fixture("convnet_se.onnx");
  private static final Path SHUFFLE = OnnxEmbedderTest.fixture("convnet_shuffle.onnx");
  private static final Path NEXT = OnnxEmbedderTest.fixture("convnet_next.onnx");
  private static final Path NHWC = OnnxEmbedderTest.fixture("convnet_nhwc.onnx");

  static INDArray npy(String name) {
    return Nd4j.createFromNpyFile(OnnxEmbedderTest.fixture(name).toFile());
  }

  /**
   * What ONNX Runtime computes from {@code x} (input "input") for one output of a model, given
   * as bytes or a file.
   */
  static INDArray ort(Object model, INDArray x, String output) throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession s = model instanceof byte[] bytes ? env.createSession(bytes,
            new OrtSession.SessionOptions())
            : env.createSession(model.toString(), new OrtSession.SessionOptions());
        OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x.dup('c').data()
            .asFloat()), x.shape());
        OrtSession.Result r = s.run(Map.of("input", t))) {
      Object v = r.get(output).get().getValue();
      return v instanceof float[][] rows ? Nd4j.create(rows) : Nd4j.create((float[][][][]) v);
    }
  }

  /**
   * A graph whose input {@code [N, 3, H, W]} goes through a 3 x 3 convolution of seeded weights
   * to {@code "/conv"}, of {@code channels} maps (padded to keep the size, or not).
   */
  private static OnnxProto.Graph convGraph(String name, int channels, long seed, boolean pad) {
    OnnxProto.Graph g = new OnnxProto.Graph(name);
    g.input("input", new long[] {-1, 3, -1, -1});
    java.util.Random random = new java.util.Random(seed);
    float[] w = new float[channels * 3 * 9];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) random.nextGaussian();
    }
    g.initializer("w", new long[] {channels, 3, 3, 3}, w);
    g.node("Conv", java.util.List.of("input", "w"), "/conv", pad ? new OnnxProto.Attribute[] {
        OnnxProto.ints("kernel_shape", 3, 3), OnnxProto.ints("pads", 1, 1, 1, 1)}
        : new OnnxProto.Attribute[] {OnnxProto.ints("kernel_shape", 3, 3)});
    return g;
  }

  /**
   * Reads a model at {@code h x w} and checks that the graph, and the file it is written back
   * to, compute what ONNX Runtime computes on the model for a seeded batch.
   */
  private static OnnxImport.Imported assertReadAndWrittenBackAsOnnxRuntime(byte[] model, int h,
      int w, String output, long seed) throws Exception {
    Path file = Files.createTempFile("graph", ".onnx");
    try {
      Files.write(file, model);
      OnnxImport.Imported im = OnnxImport.read(file, h, w);
      Nd4j.getRandom().setSeed(seed);
      INDArray x = Nd4j.randn(DataType.FLOAT, 2, 3, h, w);
      INDArray ours = im.network().outputSingle(x);
      assertClose(ort(model, x, output), ours, 1e-5);
      byte[] back = OnnxExport.export(im.network(), 3, h, w, Map.of(im.output(), "again"),
          Map.of());
      assertClose(ours, ort(back, x, "again"), 1e-5);
      return im;
    } finally {
      Files.deleteIfExists(file);
    }
  }

  static void assertClose(INDArray expected, INDArray actual, double tolerance) {
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
    assertClose(npy("convnet_se.output.npy"), ort(model, x, "logits"), 1e-5);
  }

  /**
   * ShuffleNetV2's blocks as PyTorch writes them: the shape arithmetic of {@code x.size()} is
   * worked out at import, the channel shuffles become {@link ChannelShuffle}, {@code
   * x.mean([2, 3])} and {@code x.view(x.size(0), -1)} pooling and flattening, the max pooling
   * with {@code ceil_mode} gets its extra window; written back, ONNX Runtime computes the same.
   */
  @Test
  void shuffleNetBlocksComputeWhatPyTorchComputes() throws Exception {
    OnnxImport.Imported im = OnnxImport.read(SHUFFLE, 32, 32);
    INDArray x = npy("convnet_shuffle.input.npy");
    assertClose(npy("convnet_shuffle.output.npy"), im.network().outputSingle(x), 1e-5);
    long shuffles = im.network().getConfiguration().getVertices().values().stream()
        .filter(v -> v instanceof ChannelShuffle).count();
    assertEquals(2, shuffles);
    byte[] model = OnnxExport.export(im.network(), 3, 32, 32, Map.of(im.output(), "logits"),
        Map.of());
    assertClose(npy("convnet_shuffle.output.npy"), ort(model, x, "logits"), 1e-5);
    // The shapes are worked out for the size asked for: another than the export's works.
    INDArray other = Nd4j.rand(DataType.FLOAT, 2, 3, 40, 48);
    assertClose(ort(SHUFFLE, other, "logits"), OnnxImport.read(SHUFFLE, 40, 48).network()
        .outputSingle(other), 1e-5);
  }

  /**
   * ConvNeXt's blocks as PyTorch writes them: the channels-last views cost nothing, the layer
   * norms spelled out in seven operators become {@link ChannelNorm} and a 1 x 1 depthwise
   * convolution (scale and shift), the MatMuls 1 x 1 convolutions, the GELU {@link
   * GeluActivation}; written back, ONNX Runtime computes the same.
   */
  @Test
  void convNextBlocksComputeWhatPyTorchComputes() throws Exception {
    OnnxImport.Imported im = OnnxImport.read(NEXT, 32, 32);
    assertEquals("/fc/Gemm", im.classifier());
    INDArray x = npy("convnet_next.input.npy");
    assertClose(npy("convnet_next.output.npy"), im.network().outputSingle(x), 1e-5);
    long norms = im.network().getConfiguration().getVertices().values().stream()
        .filter(v -> v instanceof ChannelNorm).count();
    assertEquals(5, norms, "stem, two blocks, downsampling, head");
    byte[] model = OnnxExport.export(im.network(), 3, 32, 32, Map.of(im.output(), "logits"),
        Map.of());
    assertClose(npy("convnet_next.output.npy"), ort(model, x, "logits"), 1e-5);
  }

  /**
   * ONNX's own LayerNormalization (opset 17) over a channels-last view, as PyTorch writes
   * {@code nn.LayerNorm} from that opset on: what ONNX Runtime computes, written back as the
   * spelled-out norm.
   */
  @Test
  void layerNormalizationOverChannelsComputesWhatOnnxRuntimeComputes() throws Exception {
    OnnxProto.Graph g = convGraph("ln", 6, 3, false);
    g.initializer("scale", new long[] {6}, new float[] {0.5f, 1, 1.5f, 2, -1, 0.25f});
    g.initializer("bias", new long[] {6}, new float[] {0, 0.1f, -0.2f, 0.3f, 1, -1});
    g.initializer("fc", new long[] {6, 2}, new float[] {1, -1, 0.5f, 2, -0.5f, 1, 0, 1, 1, 0,
        0.25f, -2});
    g.node("Transpose", java.util.List.of("/conv"), "/last", OnnxProto.ints("perm", 0, 2, 3, 1));
    g.node("LayerNormalization", java.util.List.of("/last", "scale", "bias"), "/ln",
        OnnxProto.integer("axis", -1), OnnxProto.real("epsilon", 1e-6f));
    g.node("Transpose", java.util.List.of("/ln"), "/first", OnnxProto.ints("perm", 0, 3, 1, 2));
    g.node("GlobalAveragePool", java.util.List.of("/first"), "/pool");
    g.node("Flatten", java.util.List.of("/pool"), "/flat");
    g.node("MatMul", java.util.List.of("/flat", "fc"), "logits");
    g.output("logits", 2);
    OnnxImport.Imported im = assertReadAndWrittenBackAsOnnxRuntime(g.model(17), 12, 10,
        "logits", 6);
    assertEquals("logits", im.classifier(), "a MatMul of the pooled vector is the classifier");
  }


  /**
   * Split along channels, as PyTorch 2 exports {@code chunk} (ShuffleNetV2's): given sizes
   * (opset 13) and equal parts (opset 18's {@code num_outputs}, the last part smaller).
   */
  @Test
  void splitOfChannelsComputesWhatOnnxRuntimeComputes() throws Exception {
    for (int opset : new int[] {13, 18}) {
      OnnxProto.Graph g = convGraph("split", 7, opset, true);
      if (opset == 13) {
        g.initializer("sizes", new long[] {2, 5});
        g.node("Split", java.util.List.of("/conv", "sizes"), java.util.List.of("/a", "/b"),
            OnnxProto.integer("axis", 1));
      } else {
        g.node("Split", java.util.List.of("/conv"), java.util.List.of("/a", "/b"),
            OnnxProto.integer("axis", 1), OnnxProto.integer("num_outputs", 2));
      }
      g.node("Relu", java.util.List.of("/a"), "/a_relu");
      g.node("Concat", java.util.List.of("/b", "/a_relu"), "mixed", OnnxProto.integer("axis",
          1));
      g.output("mixed", 4);
      assertReadAndWrittenBackAsOnnxRuntime(g.model(opset), 6, 5, "mixed", opset);
    }
  }


  /**
   * The other activations CNNs use (ELU, SELU, Softplus, Mish and opset 20's Gelu as single
   * operators) and PReLU with a learned slope per channel and with one: what ONNX Runtime
   * computes, and so does the file written back.
   */
  @Test
  void otherActivationsAndPreluComputeWhatOnnxRuntimeComputes() throws Exception {
    OnnxProto.Graph g = convGraph("acts", 4, 9, true);
    g.initializer("slopes", new long[] {4, 1, 1}, new float[] {0.1f, 0.25f, -0.5f, 2f});
    g.initializer("slope", new long[] {1}, new float[] {0.3f});
    String x = "/conv";
    String[][] steps = {{"Elu", "/elu"}, {"PRelu", "/prelu"}, {"Selu", "/selu"},
        {"Softplus", "/softplus"}, {"Mish", "/mish"}, {"PRelu", "/prelu1"}, {"Gelu", "out"}};
    for (String[] step : steps) {
      java.util.List<String> in = step[1].equals("/prelu") ? java.util.List.of(x, "slopes")
          : step[1].equals("/prelu1") ? java.util.List.of(x, "slope") : java.util.List.of(x);
      if (step[0].equals("Elu")) {
        g.node(step[0], in, step[1], OnnxProto.real("alpha", 0.7f));
      } else {
        g.node(step[0], in, step[1]);
      }
      x = step[1];
    }
    g.output("out", 4);
    assertReadAndWrittenBackAsOnnxRuntime(g.model(20), 5, 6, "out", 9);
  }


  /**
   * Arithmetic with constants as Keras models through tf2onnx and spelled-out hard-swishes
   * have it: a scalar times, plus, minus (both ways) and divided into a map, per-channel
   * subtraction and division (a Normalization layer), and a difference of two maps.
   */
  @Test
  void arithmeticWithConstantsComputesWhatOnnxRuntimeComputes(@TempDir Path dir)
      throws Exception {
    OnnxProto.Graph g = convGraph("arith", 4, 5, true);
    g.initializer("half", new long[0], new float[] {0.5f});
    g.initializer("three", new long[0], new float[] {3f});
    g.initializer("one", new long[0], new float[] {1f});
    g.initializer("two", new long[0], new float[] {2f});
    g.initializer("six", new long[0], new float[] {6f});
    g.initializer("zero", new long[0], new float[] {0f});
    g.initializer("mean", new long[] {4, 1, 1}, new float[] {0.1f, -0.2f, 0.3f, 0f});
    g.initializer("std", new long[] {4, 1, 1}, new float[] {2f, 0.5f, 1f, 4f});
    g.node("Mul", java.util.List.of("/conv", "half"), "/scaled");
    g.node("Add", java.util.List.of("three", "/scaled"), "/plus3");
    g.node("Sub", java.util.List.of("/plus3", "one"), "/minus1");
    g.node("Sub", java.util.List.of("two", "/minus1"), "/flipped");
    g.node("Clip", java.util.List.of("/flipped", "zero", "six"), "/relu6");
    g.node("Mul", java.util.List.of("/scaled", "/relu6"), "/swish");
    g.node("Div", java.util.List.of("/swish", "six"), "/sixth");
    g.node("Sub", java.util.List.of("/sixth", "/conv"), "/diff");
    g.node("Sub", java.util.List.of("/diff", "mean"), "/centred");
    g.node("Div", java.util.List.of("/centred", "std"), "out");
    g.output("out", 4);
    OnnxImport.Imported im = assertReadAndWrittenBackAsOnnxRuntime(g.model(13), 5, 4, "out", 5);
    org.deeplearning4j.nn.conf.ComputationGraphConfiguration conf =
        im.network().getConfiguration();
    assertEquals(conf.getVertices(), org.deeplearning4j.nn.conf.ComputationGraphConfiguration
        .fromJson(conf.toJson()).getVertices(), "AffineActivation in DL4J's JSON");
    OnnxProto.Graph bad = new OnnxProto.Graph("bad");
    bad.input("input", new long[] {-1, 3, 4, 4});
    bad.initializer("six", new long[0], new float[] {6f});
    bad.node("Div", java.util.List.of("six", "input"), "out");
    bad.output("out", 4);
    Path file = dir.resolve("bad.onnx");
    Files.write(file, bad.model(13));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> OnnxImport.read(file, 4, 4));
    assertTrue(e.getMessage().contains("Div of a constant by a map"), e.getMessage());
  }


  /** Checkpoints hold the graph as DL4J's JSON: the vertices and activations made here too. */
  @Test
  void theImportedGraphsSurviveDl4jsJson() throws Exception {
    for (Path model : new Path[] {SHUFFLE, NEXT, SE, NHWC}) {
      org.deeplearning4j.nn.conf.ComputationGraphConfiguration conf = OnnxImport.read(model, 32,
          32).network().getConfiguration();
      org.deeplearning4j.nn.conf.ComputationGraphConfiguration back =
          org.deeplearning4j.nn.conf.ComputationGraphConfiguration.fromJson(conf.toJson());
      assertEquals(conf.getVertices(), back.getVertices(), model.getFileName().toString());
      assertEquals(conf.toJson(), back.toJson(), model.getFileName().toString());
    }
  }

  /**
   * A file whose input is channels last, as tf2onnx writes Keras CNNs: the graph here takes
   * the same pixels channels first; pooling over axes 1 and 2 of a channels-last view, a
   * per-channel scale and shift, a dense layer as MatMul and Add.
   */
  @Test
  void readsAChannelsLastInputAsTheSamePixelsChannelsFirst() throws Exception {
    OnnxImport.Imported im = OnnxImport.read(NHWC, 32, 32);
    assertTrue(im.channelsLast());
    assertEquals(3, im.channels());
    assertEquals("/Add_1", im.classifier(), "the MatMul and its bias, one dense layer");
    INDArray nhwc = npy("convnet_nhwc.input.npy");
    INDArray x = nhwc.permute(0, 3, 1, 2).dup('c');
    assertClose(npy("convnet_nhwc.output.npy"), im.network().outputSingle(x), 1e-5);
    assertTrue(OnnxImport.channelsLast(new long[] {-1, 224, 224, 3}));
    assertTrue(!OnnxImport.channelsLast(new long[] {-1, 3, 224, 224}));
    assertTrue(!OnnxImport.channelsLast(new long[] {-1, 3, 3, 3}), "ambiguous: channels first");
  }

  @Test
  void channelShuffleMovesChannelsAsTheReshapeAndTransposeDo() {
    // 6 channels in 2 groups: [0 1 2 | 3 4 5] -> 0 3 1 4 2 5; the inverse has 3 groups.
    INDArray x = Nd4j.arange(6 * 2).castTo(DataType.FLOAT).reshape(1, 6, 1, 2);
    org.deeplearning4j.nn.workspace.LayerWorkspaceMgr none =
        org.deeplearning4j.nn.workspace.LayerWorkspaceMgr.noWorkspaces();
    INDArray y = ChannelShuffle.shuffle(x, 2, none,
        org.deeplearning4j.nn.workspace.ArrayType.ACTIVATIONS);
    float[] order = new float[6];
    for (int c = 0; c < 6; c++) {
      order[c] = y.getFloat(0, c, 0, 0) / 2;
    }
    assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, order);
    assertEquals(x, ChannelShuffle.shuffle(y, 3, none,
        org.deeplearning4j.nn.workspace.ArrayType.ACTIVATIONS));
    assertThrows(IllegalArgumentException.class, () -> ChannelShuffle.shuffle(x, 4, none,
        org.deeplearning4j.nn.workspace.ArrayType.ACTIVATIONS));
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
    // Through both channel shuffles, the chunk's slices and the ceil_mode pooling.
    check(SHUFFLE, 16, name -> !name.startsWith("/stem/") && !name.startsWith("/unit/unit.5/"));
    // A whole ConvNeXt block (depthwise convolution, layer norm, MatMuls, GELU, layer scale)
    // and every layer norm's scale and shift; the other convolutions are as above.
    check(NEXT, 16, name -> name.startsWith("/stem/stem.0/") || name.startsWith("/down/down.1/")
        || name.startsWith("/stage2/") && !name.startsWith("/stage2/block/block.2/Add_1"));
  }

  static void check(Path model, int size, java.util.function.Predicate<String> skip)
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
  void refusesOperatorsItCannotTrainNamingThem(@TempDir Path dir) throws Exception {
    // Local response normalisation (AlexNet's first paper): no layer here.
    OnnxProto.Graph g = convGraph("lrn", 4, 3, true);
    g.node("LRN", java.util.List.of("/conv"), "/lrn", OnnxProto.integer("size", 3));
    g.output("/lrn", 4);
    Path lrn = dir.resolve("lrn.onnx");
    Files.write(lrn, g.model(13));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> OnnxImport.read(lrn, 32, 32));
    String m = e.getMessage();
    assertTrue(m.startsWith(lrn + ": node '/lrn' (LRN)"), m);
    assertTrue(m.contains("ONNX Runtime"), m);
    // A file with two outputs: which one to train is not the importer's guess.
    IllegalArgumentException two = assertThrows(IllegalArgumentException.class,
        () -> OnnxImport.read(OnnxEmbedderTest.fixture("vit_tiny.onnx"), 32, 32));
    assertTrue(two.getMessage().contains("outputs [tokens, tokens_layer1]"), two.getMessage());
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

  /**
   * A small network with PyTorch's {@code ceil_mode} poolings (GoogLeNet's max poolings, the
   * average pooling of timm's ResNet-D shortcuts), on maps where rounding up adds a last window:
   * the imported graph computes what ONNX Runtime computes, negative values included (the extra
   * window ignores what lies past the map), and so does the file it is written back to.
   */
  @Test
  void ceilModePoolingComputesWhatOnnxRuntimeComputes(@TempDir Path dir) throws Exception {
    Path model = dir.resolve("ceil.onnx");
    Files.write(model, ceilModel("MaxPool", 0));
    // 10 x 10 -> 3 x 3 stride 2: 5 windows (floor: 4) -> 2 x 2 stride 2: 3 (floor: 2);
    // 11 x 11 -> 5 windows either way -> 3 (floor: 2).
    assertPoolsAsOnnxRuntime(model, 10, 3);
    assertPoolsAsOnnxRuntime(model, 11, 3);
    // Average pooling divides the extra window by the pixels inside the map, as PyTorch does
    // with or without count_include_pad when nothing is padded. ONNX Runtime 1.26 divides by
    // the whole window on such a file where count_include_pad is 1 (and, after a 4-channel
    // convolution, where it is 0): the reference is the definition, and the file written back
    // (explicit padding, which ONNX Runtime reads as PyTorch does) is checked against it.
    for (int include = 0; include < 2; include++) {
      OnnxProto.Graph g = new OnnxProto.Graph("avg");
      g.input("input", new long[] {-1, 1, -1, -1});
      g.node("AveragePool", java.util.List.of("input"), "pooled",
          OnnxProto.ints("kernel_shape", 3, 3), OnnxProto.ints("strides", 2, 2),
          OnnxProto.integer("ceil_mode", 1), OnnxProto.integer("count_include_pad", include));
      g.output("pooled", 4);
      Path avg = dir.resolve("avg" + include + ".onnx");
      Files.write(avg, g.model(13));
      for (int size : new int[] {10, 11}) {
        Nd4j.getRandom().setSeed(size);
        INDArray x = Nd4j.randn(DataType.FLOAT, 2, 1, size, size);
        OnnxImport.Imported im = OnnxImport.read(avg, size, size);
        INDArray ours = im.network().outputSingle(x);
        int out = (size - 3 + 1) / 2 + 1;
        INDArray means = Nd4j.create(DataType.FLOAT, 2, 1, out, out);
        for (int b = 0; b < 2; b++) {
          for (int i = 0; i < out; i++) {
            for (int j = 0; j < out; j++) {
              INDArray window = x.get(NDArrayIndex.point(b), NDArrayIndex.point(0),
                  NDArrayIndex.interval(2 * i, Math.min(size, 2 * i + 3)),
                  NDArrayIndex.interval(2 * j, Math.min(size, 2 * j + 3)));
              means.putScalar(new long[] {b, 0, i, j}, window.meanNumber().floatValue());
            }
          }
        }
        assertClose(means, ours, 1e-6);
        byte[] back = OnnxExport.export(im.network(), 1, size, size, Map.of(im.output(),
            "pooled"), Map.of());
        assertClose(ours, ort(back, x, "pooled"), 1e-6);
      }
    }
    // Padded on both sides, rounding up places windows that "same" padding does not.
    Path padded = dir.resolve("padded.onnx");
    Files.write(padded, ceilModel("MaxPool", 1));
    assertThrows(IllegalArgumentException.class, () -> OnnxImport.read(padded, 8, 8));
  }

  private static void assertPoolsAsOnnxRuntime(Path model, int size, int pooled)
      throws Exception {
    OnnxImport.Imported im = OnnxImport.read(model, size, size);
    Nd4j.getRandom().setSeed(size);
    INDArray x = Nd4j.randn(DataType.FLOAT, 3, 1, size, size);
    INDArray ours = im.network().outputSingle(x);
    assertTrue(ours.minNumber().doubleValue() < 0, "the test should see negative maxima");
    INDArray expected = ort(model, x, "pooled");
    assertArrayEquals(new long[] {3, 4, pooled, pooled}, expected.shape());
    assertClose(expected, ours, 1e-6);
    // Written back (a fine-tuned file), the poolings have the same windows.
    byte[] back = OnnxExport.export(im.network(), 1, size, size, Map.of(im.output(), "pooled"),
        Map.of());
    assertClose(ours, ort(back, x, "pooled"), 1e-6);
  }

  /** input [N, 1, H, W] -> 3 x 3 conv (4 maps) -> two ceil_mode poolings, output "pooled". */
  private static byte[] ceilModel(String pool, int pad) {
    OnnxProto.Graph g = new OnnxProto.Graph("ceil");
    g.input("input", new long[] {-1, 1, -1, -1});
    float[] w = new float[4 * 9];
    java.util.Random random = new java.util.Random(2);
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) random.nextGaussian();
    }
    g.initializer("w", new long[] {4, 1, 3, 3}, w);
    // Maps mostly below zero: zero padding in place of the missing pixels would show.
    g.initializer("b", new long[] {4}, new float[] {-10, -10, -10, -10});
    g.node("Conv", java.util.List.of("input", "w", "b"), "/conv",
        OnnxProto.ints("kernel_shape", 3, 3), OnnxProto.ints("pads", 1, 1, 1, 1));
    g.node(pool, java.util.List.of("/conv"), "/pool1", OnnxProto.ints("kernel_shape", 3, 3),
        OnnxProto.ints("strides", 2, 2), OnnxProto.ints("pads", pad, pad, pad, pad),
        OnnxProto.integer("ceil_mode", 1));
    g.node("MaxPool", java.util.List.of("/pool1"), "pooled", OnnxProto.ints("kernel_shape", 2,
        2), OnnxProto.ints("strides", 2, 2), OnnxProto.integer("ceil_mode", 1));
    g.output("pooled", 4);
    return g.model(13);
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
