package io.github.embeddings4j.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.EmbedderDescription;
import java.nio.file.Path;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** A trained embedder describes itself by its weights, so a saved copy matches and others not. */
class TrainedEmbedderDescriptionTest {

  @TempDir Path dir;

  private static TrainedEmbedder tiny(long seed) {
    MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(seed).list()
        .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).name("conv").build())
        .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).name("pool").build())
        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
            .activation(Activation.SOFTMAX).name("out").build())
        .setInputType(InputType.convolutional(8, 8, 1)).build();
    MultiLayerNetwork net = new MultiLayerNetwork(conf);
    net.init();
    return TrainedEmbedder.of(net, 8, 8, 1, "pool");
  }

  @Test
  void aSavedCopyMatchesAndOtherWeightsDoNot() throws Exception {
    try (TrainedEmbedder a = tiny(3); TrainedEmbedder b = tiny(4)) {
      EmbedderDescription d = a.describe();
      assertEquals("trained network", d.model());
      assertEquals("pool", d.layer());
      assertEquals("8x8x1", d.inputSize());
      assertEquals("GRAY", d.colorOrder());
      assertEquals(4, d.dimension());
      assertTrue(d.weights().matches("params sha256=[0-9a-f]{64}"), d.weights());
      Path file = dir.resolve("a.zip");
      a.save(file);
      try (TrainedEmbedder loaded = TrainedEmbedder.load(file)) {
        assertEquals(d, loaded.describe());
      }
      assertNotEquals(d.weights(), b.describe().weights());
      assertEquals(1, d.differences(b.describe()).size());
    }
  }
}
