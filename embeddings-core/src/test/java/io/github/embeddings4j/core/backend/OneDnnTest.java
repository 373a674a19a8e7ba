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
    INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 160, 160);
    assertClose(plain.outputSingle(false, x), fast.outputSingle(false, x));
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
