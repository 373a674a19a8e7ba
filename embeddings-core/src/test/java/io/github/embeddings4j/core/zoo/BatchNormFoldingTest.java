package io.github.embeddings4j.core.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.core.image.InputFormat;
import java.util.Arrays;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class BatchNormFoldingTest {

  /**
   * ResNet50 (the zoo's graph at 160 x 160, about the smallest input it builds for) with batch-norm statistics and scales drawn at
   * random, so that folding has something to fold: the folded graph has no batch norms left and
   * gives the unfolded graph's output.
   */
  @Test
  void foldedResNet50ComputesWhatTheOriginalComputes() {
    InputFormat small = ZooModel.RESNET50.inputFormat().withSize(160, 160);
    // Cut at the embedding layer: its activations, not near-uniform class probabilities.
    ComputationGraph original = (ComputationGraph) FeatureNet.truncate(
        ZooModel.RESNET50.dl4j(4, small).init(), ZooModel.RESNET50.defaultLayer(false));
    Nd4j.getRandom().setSeed(9);
    int norms = 0;
    for (Layer layer : original.getLayers()) {
      if (layer instanceof BatchNormalization) {
        norms++;
        for (String key : layer.paramTable().keySet()) {
          INDArray p = layer.getParam(key);
          INDArray r = Nd4j.rand(p.dataType(), p.shape());
          layer.setParam(key, switch (key) {
            // Scales below 1 keep 50 layers of residual sums from growing without bound.
            case "gamma" -> r.muli(0.5).addi(0.4);
            case "beta", "mean" -> r.subi(0.5).muli(0.2);
            case "var" -> r.addi(0.5);
            case "log10stdev" -> r.muli(0.2).subi(0.1);
            default -> p;
          });
        }
      }
    }
    assertEquals(53, norms);
    ComputationGraph folded = BatchNormFolding.fold(original);
    assertNotSame(original, folded);
    assertTrue(Arrays.stream(folded.getLayers()).noneMatch(l -> l instanceof BatchNormalization),
        "every batch norm folded");
    assertTrue(folded.getLayers().length <= original.getLayers().length - 53,
        folded.getLayers().length + " layers of " + original.getLayers().length);

    INDArray x = Nd4j.rand(DataType.FLOAT, 1, 3, 160, 160).muli(255);
    float[] want = FeatureNet.forward(original, x).dup('c').data().asFloat();
    float[] got = FeatureNet.forward(folded, x).dup('c').data().asFloat();
    assertEquals(want.length, got.length);
    double scale = 0;
    for (float v : want) {
      scale = Math.max(scale, Math.abs(v));
    }
    assertTrue(scale > 0);
    for (int i = 0; i < want.length; i++) {
      assertEquals(want[i], got[i], 1e-4 * scale, "output " + i);
    }
  }

  @Test
  void aGraphWithoutBatchNormsIsReturnedAsItIs() {
    InputFormat small = ZooModel.SQUEEZENET.inputFormat().withSize(64, 64);
    ComputationGraph g = (ComputationGraph) ZooModel.SQUEEZENET.dl4j(2, small).init();
    assertTrue(g == BatchNormFolding.fold(g));
  }
}
