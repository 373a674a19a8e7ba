package io.github.embeddings4j.core.zoo.dnnl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.core.backend.NativeFlavour;
import io.github.embeddings4j.core.image.ColorOrder;
import io.github.embeddings4j.core.image.InputFormat;
import io.github.embeddings4j.core.image.PixelScaling;
import io.github.embeddings4j.core.zoo.ZooModel;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.conf.layers.Upsampling2D;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.zoo.model.ResNet50;
import org.deeplearning4j.zoo.model.SqueezeNet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The oneDNN executor computes what DL4J computes: on ResNet50 and SqueezeNet as the embedders
 * build them, and on a graph made to hit every padding mode, pooling, activation and fusion
 * case; and it refuses what it cannot run, naming the vertex.
 */
class DnnlGraphTest {

  @BeforeAll
  static void backend() {
    NativeFlavour.select();
    Arena.poison = true; // memory no primitive wrote is NaN, so reading it fails everywhere
  }

  private static double relativeError(float[] actual, float[] expected) {
    double scale = 0;
    for (float x : expected) {
      scale = Math.max(scale, Math.abs(x));
    }
    assertTrue(scale > 0, "the reference output is all zeros");
    return DnnlGraph.relativeError(actual, expected);
  }

  private static float[] dl4j(ComputationGraph g, INDArray in) {
    return g.outputSingle(false, in).dup('c').data().asFloat();
  }

  private static INDArray images(int n, InputFormat f, long seed) {
    Nd4j.getRandom().setSeed(seed);
    return Nd4j.rand(DataType.FLOAT, n, f.channels(), f.height(), f.width()).subi(0.5).muli(200);
  }

  /**
   * The zoo's graph as the embedders build it with random weights (ResNet50 with He
   * initialisation, as {@code ZooModel} has it), cut after its default random-init layer. Its batch
   * norms are left in: the compiler folds them into their convolutions itself (the embedders fold
   * them in the DL4J graph first, {@code BatchNormFolding}; {@code ZooEmbedderGraphTest} runs that
   * path).
   */
  private static ComputationGraph prepared(ZooModel model, InputFormat f) {
    int[] shape = {f.channels(), f.height(), f.width()};
    org.deeplearning4j.zoo.ZooModel<?> zoo = switch (model) {
      case RESNET50 -> ResNet50.builder().seed(11).numClasses(1000).inputShape(shape)
          .weightInit(WeightInit.RELU.getWeightInitFunction()).build();
      case SQUEEZENET -> SqueezeNet.builder().seed(11).numClasses(1000).inputShape(shape).build();
      default -> throw new IllegalArgumentException(model.name());
    };
    return cut((ComputationGraph) zoo.init(), model.defaultLayer(false));
  }

  /** The graph without the vertices that do not lead to {@code layer}. */
  private static ComputationGraph cut(ComputationGraph g, String layer) {
    List<String> keep = new ArrayList<>(List.of(layer));
    for (int i = 0; i < keep.size(); i++) {
      for (String in : g.getConfiguration().getVertexInputs().getOrDefault(keep.get(i),
          List.of())) {
        if (!keep.contains(in)) {
          keep.add(in);
        }
      }
    }
    TransferLearning.GraphBuilder b = new TransferLearning.GraphBuilder(g);
    for (String v : g.getConfiguration().getVertices().keySet()) {
      if (!keep.contains(v)) {
        b.removeVertexAndConnections(v);
      }
    }
    return b.setOutputs(layer).build();
  }

  private static void assertSame(ComputationGraph g, InputFormat f, int[] batches, double tol)
      throws Exception {
    DnnlGraph compiled = DnnlGraph.compile(g, f);
    try (DnnlGraph.Runner runner = compiled.runner()) {
      for (int n : batches) {
        INDArray in = images(n, f, 100 + n);
        float[] expected = dl4j(g, in);
        float[] actual = runner.forward(in.dup('c').data().asFloat(), n);
        assertEquals(expected.length, actual.length, "output length at batch " + n);
        double err = relativeError(actual, expected);
        System.out.printf("DnnlGraphTest: %d operations, batch %d, relative error %.2e%n",
            compiled.operations(), n, err);
        assertTrue(err < tol, "batch " + n + ": relative error " + err);
      }
    }
  }

  @Test
  void resNet50MatchesDl4jWithEveryResidualAdditionFused() throws Exception {
    InputFormat f = new InputFormat(96, 96, ColorOrder.BGR, PixelScaling.IMAGENET_MEAN);
    ComputationGraph g = prepared(ZooModel.RESNET50, f);
    DnnlGraph compiled = DnnlGraph.compile(g, f);
    assertEquals(16, compiled.fusedAdditions(), "ResNet50's 16 additions become sum post-ops");
    // 53 convolutions and one max pooling: every batch norm, ReLU and addition fused away.
    assertEquals(54, compiled.operations());
    // Batch sizes up, down and up again: plans share one arena that grows.
    assertSame(g, f, new int[] {1, 3, 2, 3}, 1e-4);
    try (DnnlGraph.Runner runner = compiled.runner()) {
      runner.forward(images(4, f, 1).dup('c').data().asFloat(), 4);
      long buffers = runner.bufferBytes();
      long all = compiled.tensorBytes(4);
      System.out.printf("DnnlGraphTest: ResNet50 batch 4 buffers %d KB of %d KB of tensors%n",
          buffers / 1024, all / 1024);
      // Buffers are reused once their tensors are read for the last time: without that they
      // would take all the tensors' bytes; with it, little more than the stem's output (a
      // fifth of all) and the few tensors a residual block holds at once. Measured: 32%.
      assertTrue(buffers < all * 0.4, buffers + " bytes of buffers for " + all + " of tensors");
      assertTrue(buffers >= 4L * 4 * 64 * 48 * 48, "at least the stem's output");
    }
  }

  @Test
  void squeezeNetMatchesDl4j() throws Exception {
    InputFormat f = new InputFormat(99, 99, ColorOrder.BGR, PixelScaling.IMAGENET_MEAN);
    ComputationGraph g = prepared(ZooModel.SQUEEZENET, f);
    assertSame(g, f, new int[] {2}, 1e-4);
  }

  /** A graph builder with one 3-channel image input "in", He initialisation, floats. */
  private static ComputationGraphConfiguration.GraphBuilder graph(long seed, int height,
      int width) {
    return new NeuralNetConfiguration.Builder().seed(seed).weightInit(WeightInit.RELU)
        .dataType(DataType.FLOAT).graphBuilder()
        .addInputs("in")
        .setInputTypes(InputType.convolutional(height, width, 3));
  }

  private static ComputationGraph init(ComputationGraphConfiguration.GraphBuilder b) {
    ComputationGraph g = new ComputationGraph(b.build());
    g.init();
    return g;
  }

  /** A graph built to reach every case: padding modes, pooling kinds, activations, fusions. */
  private static ComputationGraph everyCase() {
    ComputationGraph g = init(graph(5, 23, 21)
        // Same mode, stride 2 on odd sizes: asymmetric padding; leaky ReLU in the layer.
        .addLayer("c1", new ConvolutionLayer.Builder(3, 3).stride(2, 2).nOut(16)
            .convolutionMode(ConvolutionMode.Same).activation(Activation.LEAKYRELU).build(), "in")
        // Zero padding folded into the next convolution; truncate mode with rows left over.
        .addLayer("zp", new ZeroPaddingLayer.Builder(1, 2, 0, 1).build(), "c1")
        .addLayer("c2", new ConvolutionLayer.Builder(4, 3).stride(3, 2).nOut(16)
            .convolutionMode(ConvolutionMode.Truncate).activation(Activation.IDENTITY).build(),
            "zp")
        // c2 is read twice: by c3 and by the addition, so the addition cannot overwrite it.
        .addLayer("c3", new ConvolutionLayer.Builder(3, 3).nOut(16).dilation(2, 2)
            .convolutionMode(ConvolutionMode.Same).activation(Activation.TANH).build(), "c2")
        .addVertex("add1", new ElementWiseVertex(ElementWiseVertex.Op.Add), "c2", "c3")
        .addLayer("relu1", new ActivationLayer.Builder().activation(Activation.RELU).build(),
            "add1")
        // Average pooling both ways, max pooling with padding.
        .addLayer("avgIn", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.AVG, new int[] {3, 3},
            new int[] {1, 1}).convolutionMode(ConvolutionMode.Same)
            .avgPoolIncludePadInDivisor(true).build(), "relu1")
        .addLayer("avgEx", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.AVG, new int[] {3, 3},
            new int[] {1, 1}).convolutionMode(ConvolutionMode.Same)
            .avgPoolIncludePadInDivisor(false).build(), "relu1")
        // An addition of two poolings: a standalone addition with a sigmoid after it.
        .addVertex("add2", new ElementWiseVertex(ElementWiseVertex.Op.Add), "avgIn", "avgEx")
        .addLayer("sig", new ActivationLayer.Builder().activation(Activation.SIGMOID).build(),
            "add2")
        .addLayer("max", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX, new int[] {2, 2},
            new int[] {2, 2}).padding(1, 1).convolutionMode(ConvolutionMode.Truncate).build(),
            "sig")
        .addLayer("drop", new DropoutLayer.Builder(0.5).build(), "max")
        .addLayer("e1", new ConvolutionLayer.Builder(1, 1).nOut(8)
            .activation(Activation.RELU).build(), "drop")
        .addLayer("e3", new ConvolutionLayer.Builder(3, 3).nOut(8).padding(1, 1)
            .activation(Activation.RELU).hasBias(false).build(), "drop")
        .addVertex("cat", new MergeVertex(), "e1", "e3")
        .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.MAX).build(), "cat")
        .setOutputs("gap"));
    return g;
  }

  @Test
  void everyCaseMatchesDl4j() throws Exception {
    InputFormat f = new InputFormat(23, 21, ColorOrder.RGB, PixelScaling.UNIT);
    ComputationGraph g = everyCase();
    DnnlGraph compiled = DnnlGraph.compile(g, f);
    // add1 becomes c3's sum post-op on a copy of c2 (c3 reads c2 too); add2 adds poolings.
    assertEquals(1, compiled.fusedAdditions());
    assertSame(g, f, new int[] {1, 4}, 1e-5);
  }

  @Test
  void anAdditionFusesIntoTheLaterConvolutionAndAddsInPlaceOrOnACopy() throws Exception {
    ComputationGraph g = init(graph(9, 12, 12)
        .addLayer("a", new ConvolutionLayer.Builder(3, 3).nOut(16)
            .convolutionMode(ConvolutionMode.Same).activation(Activation.RELU).build(), "in")
        .addLayer("b", new ConvolutionLayer.Builder(1, 1).nOut(16).build(), "a")
        // "a" is also read after the addition: the fused sum must work on a copy of it.
        .addVertex("s1", new ElementWiseVertex(ElementWiseVertex.Op.Add), "a", "b")
        .addLayer("c", new ConvolutionLayer.Builder(3, 3).nOut(16)
            .convolutionMode(ConvolutionMode.Same).activation(Activation.IDENTITY).build(), "s1")
        // Here "s1" is read by nothing later: the sum goes in place.
        .addVertex("s2", new ElementWiseVertex(ElementWiseVertex.Op.Add), "s1", "c")
        .addLayer("r", new ActivationLayer.Builder().activation(Activation.RELU).build(), "s2")
        .addVertex("s3", new ElementWiseVertex(ElementWiseVertex.Op.Add), "r", "a")
        .setOutputs("s3"));
    InputFormat f = new InputFormat(12, 12, ColorOrder.RGB, PixelScaling.UNIT);
    DnnlGraph compiled = DnnlGraph.compile(g, f);
    assertEquals(2, compiled.fusedAdditions());
    assertSame(g, f, new int[] {2}, 1e-5);
  }

  /** Gives a graph's batch norms random statistics (DL4J initialises them to the identity). */
  private static void randomStatistics(ComputationGraph g, long seed) {
    Nd4j.getRandom().setSeed(seed);
    for (org.deeplearning4j.nn.api.Layer l : g.getLayers()) {
      if (l.conf().getLayer() instanceof BatchNormalization) {
        for (String key : new String[] {"gamma", "beta", "mean", "log10stdev", "var"}) {
          INDArray p = l.paramTable().get(key);
          if (p != null) {
            INDArray r = Nd4j.rand(DataType.FLOAT, p.shape());
            l.setParam(key, key.equals("gamma") || key.equals("var") ? r.addi(0.5)
                : key.equals("log10stdev") ? r.subi(0.5).muli(0.6) : r.subi(0.5));
          }
        }
      }
    }
  }

  @Test
  void separableConvolutionsAndBatchNormsMatchDl4j() throws Exception {
    ComputationGraph g = init(graph(13, 17, 19)
        // Identity activation: its batch norm folds into the convolution.
        .addLayer("c", new ConvolutionLayer.Builder(3, 3).nOut(8)
            .activation(Activation.IDENTITY).build(), "in")
        .addLayer("bn1", new BatchNormalization.Builder().build(), "c")
        // Two filters per channel, stride 2, Same mode; a sigmoid before its batch norm, which
        // then stands alone with the ReLU after it fused.
        .addLayer("sep", new SeparableConvolution2D.Builder(3, 3).depthMultiplier(2).nOut(12)
            .stride(2, 2).convolutionMode(ConvolutionMode.Same).activation(Activation.SIGMOID)
            .build(), "bn1")
        .addLayer("bn2", new BatchNormalization.Builder().useLogStd(false).build(), "sep")
        .addLayer("relu", new ActivationLayer.Builder().activation(Activation.RELU).build(),
            "bn2")
        // A batch norm after a pooling: alone, no activation.
        .addLayer("pool", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX,
            new int[] {2, 2}, new int[] {1, 1}).build(), "relu")
        .addLayer("bn3", new BatchNormalization.Builder().build(), "pool")
        .addLayer("sep2", new SeparableConvolution2D.Builder(3, 3).nOut(6).hasBias(false)
            .activation(Activation.TANH).build(), "bn3")
        .setOutputs("sep2"));
    randomStatistics(g, 77);
    InputFormat f = new InputFormat(17, 19, ColorOrder.RGB, PixelScaling.UNIT);
    DnnlGraph compiled = DnnlGraph.compile(g, f);
    // c (bn1 folded), sep as two, bn2 (ReLU fused), pool, bn3, sep2 as two.
    assertEquals(8, compiled.operations());
    assertSame(g, f, new int[] {1, 3}, 1e-5);
  }

  /**
   * A standing batch norm over a pooled map whose channels do not fill oneDNN's blocks (6 and
   * 12 in blocks of 8): the AVX2 kernel left the padding of its result undefined, and the
   * convolution after it multiplied that in (all NaN on an AMD EPYC without AVX-512, 2026-12-06).
   */
  @Test
  void aBatchNormOverPaddedChannelsLeavesNothingForTheNextConvolutionToReadIn() throws Exception {
    for (int channels : new int[] {6, 12, 16}) {
      for (boolean separable : new boolean[] {false, true}) {
        ComputationGraph g = init(graph(3, 9, 9)
            .addLayer("c", new ConvolutionLayer.Builder(1, 1).nOut(channels)
                .activation(Activation.IDENTITY).build(), "in")
            .addLayer("pool", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX,
                new int[] {2, 2}, new int[] {1, 1}).build(), "c")
            .addLayer("bn", new BatchNormalization.Builder().build(), "pool")
            .addLayer("out", separable
                ? new SeparableConvolution2D.Builder(3, 3).nOut(6).hasBias(false)
                    .activation(Activation.TANH).build()
                : new ConvolutionLayer.Builder(3, 3).nOut(6).activation(Activation.TANH)
                    .build(), "bn")
            .setOutputs("out"));
        randomStatistics(g, 77);
        assertSame(g, new InputFormat(9, 9, ColorOrder.RGB, PixelScaling.UNIT),
            new int[] {1, 3}, 1e-4);
      }
    }
  }

  @Test
  void unsupportedLayersAreNamed() {
    ComputationGraph up = init(graph(1, 8, 8)
        .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(4).build(), "in")
        .addLayer("up", new Upsampling2D.Builder(2).build(), "conv")
        .setOutputs("up"));
    InputFormat f = new InputFormat(8, 8, ColorOrder.RGB, PixelScaling.UNIT);
    DnnlGraph.Unsupported e = assertThrows(DnnlGraph.Unsupported.class,
        () -> DnnlGraph.compile(up, f));
    assertEquals("up: Upsampling2D", e.getMessage());

    ComputationGraph output = init(graph(1, 8, 8)
        .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(4).build(), "in")
        .addLayer("out", new OutputLayer.Builder().nOut(5).build(), "conv")
        .setOutputs("out"));
    e = assertThrows(DnnlGraph.Unsupported.class, () -> DnnlGraph.compile(output, f));
    assertTrue(e.getMessage().startsWith("out: input preprocessor"), e.getMessage());
  }

  @Test
  void denseLayersAfterAFeatureMapMatchDl4j() throws Exception {
    ComputationGraph g = init(graph(21, 12, 10)
        .addLayer("c", new ConvolutionLayer.Builder(3, 3).nOut(8).activation(Activation.RELU)
            .build(), "in")
        // As DL4J's VGG16 has it: a reshape that leaves the image batch as it is.
        .inputPreProcessor("c", new FeedForwardToCnnPreProcessor(12, 10, 3))
        .addLayer("pool", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX,
            new int[] {2, 2}, new int[] {2, 2}).build(), "c")
        // Over the 8 x 5 x 4 map as DL4J flattens it (its preprocessor), ReLU fused.
        .addLayer("fc1", new DenseLayer.Builder().nOut(32).activation(Activation.RELU)
            .dropOut(0.5).build(), "pool")
        .addLayer("drop", new DropoutLayer.Builder(0.5).build(), "fc1")
        // Over a vector, no bias, then a tanh layer fused into it.
        .addLayer("fc2", new DenseLayer.Builder().nOut(16).hasBias(false)
            .activation(Activation.IDENTITY).build(), "drop")
        .addLayer("tanh", new ActivationLayer.Builder().activation(Activation.TANH).build(),
            "fc2")
        .setOutputs("tanh"));
    InputFormat f = new InputFormat(12, 10, ColorOrder.RGB, PixelScaling.UNIT);
    DnnlGraph compiled = DnnlGraph.compile(g, f);
    assertEquals(4, compiled.operations());
    assertEquals(16, compiled.outputShape()[0]);
    assertSame(g, f, new int[] {1, 5}, 1e-5);
    // An image's vector does not depend on how many images share its pass: oneDNN sums one
    // row differently from several, so one image runs as two rows (bit for bit here).
    float[] three = images(3, f, 8).dup('c').data().asFloat();
    try (DnnlGraph.Runner r = compiled.runner()) {
      float[] alone = r.forward(java.util.Arrays.copyOf(three, f.size()), 1);
      float[] first = java.util.Arrays.copyOf(r.forward(three, 3), 16);
      assertArrayEquals(first, alone, 0f);
      assertArrayEquals(first, java.util.Arrays.copyOf(r.forward(
          java.util.Arrays.copyOf(three, 2 * f.size()), 2), 16), 0f);
    }
  }

  @Test
  void theWeightsGoWithTheLastRunner() throws Exception {
    InputFormat f = new InputFormat(23, 21, ColorOrder.RGB, PixelScaling.UNIT);
    DnnlGraph compiled = DnnlGraph.compile(everyCase(), f);
    float[] data = images(1, f, 3).dup('c').data().asFloat();
    DnnlGraph.Runner a = compiled.runner();
    DnnlGraph.Runner b = compiled.runner();
    float[] before = a.forward(data, 1);
    a.close();
    compiled.close();
    assertFalse(compiled.released(), "a runner is still open");
    // The open runner still works after the graph was closed...
    assertArrayEquals(before, b.forward(data, 1), 0f);
    // ...and no new one starts.
    assertThrows(IllegalStateException.class, () -> compiled.runner());
    b.close();
    assertTrue(compiled.released());
    b.close(); // twice is harmless
  }

  @Test
  void runnersOfOneGraphGiveTheSameVectors() throws Exception {
    InputFormat f = new InputFormat(23, 21, ColorOrder.RGB, PixelScaling.UNIT);
    ComputationGraph g = everyCase();
    DnnlGraph compiled = DnnlGraph.compile(g, f);
    INDArray in = images(3, f, 42);
    float[] data = in.dup('c').data().asFloat();
    try (DnnlGraph.Runner a = compiled.runner(); DnnlGraph.Runner b = compiled.runner()) {
      float[] first = a.forward(data, 3);
      assertArrayEquals(first, b.forward(data, 3), 0f);
      assertArrayEquals(first, a.forward(data, 3), 0f, "a plan run twice");
    }
  }
}
