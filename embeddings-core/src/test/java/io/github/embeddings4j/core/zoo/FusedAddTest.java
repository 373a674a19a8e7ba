package io.github.embeddings4j.core.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.core.backend.NativeFlavour;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.impl.ElementWiseVertex;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.zoo.model.ResNet50;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The one-pass residual addition gives DL4J's results bit for bit, and only replaces adds. */
class FusedAddTest {

  @Test
  void resNetOutputsAreIdenticalWithTheFusedAdditions() {
    NativeFlavour.select();
    // He initialisation: the zoo's default N(0, 0.5) overflows without trained statistics.
    ComputationGraph plain = ResNet50.builder().seed(7).numClasses(10)
        .weightInit(WeightInit.RELU.getWeightInitFunction())
        .inputShape(new int[] {3, 160, 160}).build().init();
    ComputationGraph fused = plain.clone();
    int replaced = FusedAdd.apply(fused);
    assertEquals(16, replaced, "ResNet50 has 16 residual additions");
    int adds = 0;
    for (GraphVertex v : fused.getVertices()) {
      if (v instanceof ElementWiseVertex) {
        assertTrue(v instanceof FusedAdd.Vertex, v.getVertexName());
        adds++;
      }
    }
    assertEquals(16, adds);
    assertEquals(0, FusedAdd.apply(fused), "applying twice changes nothing");

    Nd4j.getRandom().setSeed(3);
    INDArray in = Nd4j.rand(DataType.FLOAT, 2, 3, 160, 160).muli(255);
    float[] expected = plain.outputSingle(in).dup().data().asFloat();
    float[] actual = fused.outputSingle(in).dup().data().asFloat();
    assertArrayEquals(expected, actual, 0f);
    // The vertex found by name is the fused one too.
    assertTrue(fused.getVertex("short2a_branch") instanceof FusedAdd.Vertex);
  }
}
