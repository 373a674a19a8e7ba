package io.github.embeddings4j.core.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.zoo.model.ResNet50;
import org.deeplearning4j.zoo.model.SimpleCNN;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The oneDNN helpers compute what DL4J's own layers compute: the same random network with and
 * without them, on the same input, agrees within 1e-5 relative. Runs on whatever native build
 * the JVM loaded (on a oneDNN build the helpers use oneDNN).
 */
class OneDnnTest {

  @BeforeAll
  static void chooseFlavour() {
    NativeFlavour.select();
  }

  private static void assertClose(INDArray expected, INDArray actual) {
    float[] e = expected.castTo(DataType.FLOAT).dup().data().asFloat();
    float[] a = actual.castTo(DataType.FLOAT).dup().data().asFloat();
    assertEquals(e.length, a.length);
    double maxAbs = 0;
    for (float v : e) {
      maxAbs = Math.max(maxAbs, Math.abs(v));
    }
    for (int i = 0; i < e.length; i++) {
      assertEquals(e[i], a[i], 1e-5 * maxAbs + 1e-7, "element " + i);
    }
    assertTrue(maxAbs > 0, "non-trivial output");
  }

  @Test
  void convPoolAndBatchNormHelpersMatchTheirLayers() {
    MultiLayerNetwork plain = (MultiLayerNetwork) SimpleCNN.builder().seed(3).numClasses(10)
        .inputShape(new int[] {3, 32, 32}).build().init();
    MultiLayerNetwork fast = plain.clone();
    // SimpleCNN: 10 convolutions, 9 batch norms, 4 max-pools.
    assertEquals(23, OneDnn.attach(fast));
    Nd4j.getRandom().setSeed(5);
    INDArray x = Nd4j.rand(DataType.FLOAT, 4, 3, 32, 32);
    assertClose(plain.output(x, false), fast.output(x, false));
    assertHelpersRan(fast.getLayers());
  }

  /**
   * Training with the helpers (the training loop attaches them) follows the same path as without:
   * three seeded steps of SGD on the same batches leave parameters that agree closely.
   */
  @Test
  void trainingStepsWithHelpersMatchWithout() {
    var conf = new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder().seed(3)
        .updater(new org.nd4j.linalg.learning.config.Sgd(0.05))
        .convolutionMode(org.deeplearning4j.nn.conf.ConvolutionMode.Same).list()
        .layer(new org.deeplearning4j.nn.conf.layers.ConvolutionLayer.Builder(3, 3).nOut(8)
            .activation(org.nd4j.linalg.activations.Activation.RELU).build())
        .layer(new org.deeplearning4j.nn.conf.layers.BatchNormalization.Builder().build())
        .layer(new org.deeplearning4j.nn.conf.layers.SubsamplingLayer.Builder()
            .kernelSize(2, 2).stride(2, 2).build())
        .layer(new org.deeplearning4j.nn.conf.layers.ConvolutionLayer.Builder(3, 3).nOut(16)
            .activation(org.nd4j.linalg.activations.Activation.RELU).build())
        .layer(new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder().nOut(10)
            .activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build())
        .setInputType(org.deeplearning4j.nn.conf.inputs.InputType.convolutional(32, 32, 3))
        .build();
    MultiLayerNetwork plain = new MultiLayerNetwork(conf);
    plain.init();
    MultiLayerNetwork fast = plain.clone();
    assertEquals(4, OneDnn.attach(fast));
    Nd4j.getRandom().setSeed(11);
    INDArray x = Nd4j.rand(DataType.FLOAT, 8, 3, 32, 32);
    INDArray y = Nd4j.zeros(DataType.FLOAT, 8, 10);
    for (int i = 0; i < 8; i++) {
      y.putScalar(i, i % 10, 1f);
    }
    INDArray before = plain.params().dup();
    for (int step = 0; step < 3; step++) {
      plain.fit(x, y);
      fast.fit(x, y);
    }
    assertClose(plain.params(), fast.params());
    // The steps moved the weights (the comparison is not between two untouched copies).
    assertTrue(before.sub(plain.params()).norm2Number().doubleValue() > 1e-3, "weights moved");
    assertHelpersRan(fast.getLayers());
  }

  /**
   * The helpers really ran: a layer whose helper throws falls back to its own code silently and
   * counts the failure, which would make the equivalence above vacuous.
   */
  private static void assertHelpersRan(org.deeplearning4j.nn.api.Layer[] layers) {
    int convolutions = 0;
    for (org.deeplearning4j.nn.api.Layer layer : layers) {
      if (layer.getClass() == org.deeplearning4j.nn.layers.convolution.ConvolutionLayer.class) {
        convolutions++;
        assertTrue(layer.getHelper() != null, "helper attached");
        try {
          java.lang.reflect.Field fails = org.deeplearning4j.nn.layers.convolution.ConvolutionLayer
              .class.getDeclaredField("helperCountFail");
          fails.setAccessible(true);
          assertEquals(0, fails.getInt(layer), "helper failures");
        } catch (ReflectiveOperationException e) {
          throw new AssertionError(e);
        }
      }
    }
    assertTrue(convolutions > 0);
  }

  @Test
  void resNet50WithHelpersMatchesWithout() {
    // He initialisation: the zoo's default N(0, 0.5) overflows to NaN without trained statistics.
    ComputationGraph plain = ResNet50.builder().seed(3).numClasses(10)
        .weightInit(WeightInit.RELU.getWeightInitFunction())
        .inputShape(new int[] {3, 160, 160}).build().init();
    ComputationGraph fast = plain.clone();
    assertTrue(OneDnn.attach(fast) > 100);
    Nd4j.getRandom().setSeed(6);
    // 160 px: the smallest size the zoo's graph accepts is about that (its last pooling is 3 x 3).
    INDArray x = Nd4j.rand(DataType.FLOAT, 1, 3, 160, 160);
    assertClose(plain.outputSingle(false, x), fast.outputSingle(false, x));
    assertHelpersRan(fast.getLayers());
  }

  @Test
  void nonFloatNetworksAreLeftAlone() {
    MultiLayerNetwork doubles = ((MultiLayerNetwork) SimpleCNN.builder().seed(3).numClasses(10)
        .inputShape(new int[] {3, 16, 16}).build().init()).convertDataType(DataType.DOUBLE);
    assertEquals(0, OneDnn.attach(doubles));
    assertArrayEquals(new long[] {1, 10}, doubles.output(
        Nd4j.rand(DataType.DOUBLE, 1, 3, 16, 16), false).shape());
  }
}
