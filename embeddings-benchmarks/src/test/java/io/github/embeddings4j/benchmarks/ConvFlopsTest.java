package io.github.embeddings4j.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.lossfunctions.LossFunctions;

class ConvFlopsTest {

  /** in(8x8x3) -> c1 (3x3, 4 filters) -> pool -> d (5) -> out (2); side (1x1, 6) off in. */
  private static ComputationGraphConfiguration graph() {
    return new NeuralNetConfiguration.Builder().graphBuilder()
        .addInputs("in")
        .setInputTypes(InputType.convolutional(8, 8, 3))
        .addLayer("c1", new ConvolutionLayer.Builder(3, 3).nOut(4).build(), "in")
        .addLayer("side", new ConvolutionLayer.Builder(1, 1).nOut(6).build(), "in")
        .addLayer("pool", new GlobalPoolingLayer.Builder().build(), "c1")
        .addLayer("d", new DenseLayer.Builder().nOut(5).build(), "pool")
        .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(2)
            .build(), "d")
        .addLayer("sideOut", new GlobalPoolingLayer.Builder().build(), "side")
        .setOutputs("out", "sideOut")
        .build();
  }

  @Test
  void countsConvolutionsAndDenseLayersUpToTheLayer() {
    ComputationGraphConfiguration g = graph();
    InputType in = InputType.convolutional(8, 8, 3);
    // 3x3 valid convolution: 6x6 outputs, 4 filters, 3 channels x 9 taps, 2 FLOPs each.
    long conv = 2L * 6 * 6 * 4 * 3 * 3 * 3;
    assertEquals(7776, conv);
    assertEquals(conv, ConvFlops.perImage(g, in, "c1"));
    assertEquals(conv, ConvFlops.perImage(g, in, "pool"));
    assertEquals(conv + 2 * 4 * 5, ConvFlops.perImage(g, in, "d"));
    assertEquals(conv + 2 * 4 * 5 + 2 * 5 * 2, ConvFlops.perImage(g, in, "out"));
    // The side branch is not on the way to "out" and is counted only for its own output.
    assertEquals(2L * 8 * 8 * 6 * 3, ConvFlops.perImage(g, in, "sideOut"));
  }

  @Test
  void unknownLayerIsNamedWithTheValidOnes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ConvFlops.perImage(graph(), InputType.convolutional(8, 8, 3), "fc9"));
    assertTrue(e.getMessage().contains("fc9") && e.getMessage().contains("c1"), e.getMessage());
  }
}
