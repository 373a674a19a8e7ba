package io.github.embeddings4j.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.core.data.LabeledImages;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

class FineTunerTest {

  @Test
  void frozenLayersKeepTheirWeightsAndTheHeadIsReplaced() throws Exception {
    TrainedEmbedder base = TestData.trainedSmallCnn().embedder();
    MultiLayerNetwork source = (MultiLayerNetwork) base.network();
    INDArray sourceBefore = source.params().dup();
    LabeledImages train = TestData.train(400).selectClasses(5, 6, 7, 8, 9);
    LabeledImages val = TestData.validation(300).selectClasses(5, 6, 7, 8, 9);
    TrainingResult r = FineTuner.builder(base).freezeUpTo("pool2").classes(5)
        .hyperparameters(Hyperparameters.builder().epochs(2).batchSize(20).seed(3).build())
        .build().fit(train, val);
    MultiLayerNetwork tuned = (MultiLayerNetwork) r.embedder().network();
    for (int layer = 0; layer <= 5; layer++) { // conv1 .. pool2
      assertEquals(source.getLayer(layer).params(), tuned.getLayer(layer).params(),
          "frozen layer " + layer);
    }
    assertNotEquals(source.getLayer(6).params(), tuned.getLayer(6).params(),
        "the embedding layer is trained");
    assertEquals(5, tuned.getLayer(7).getParam("W").size(1), "new head has 5 classes");
    assertEquals(sourceBefore, source.params(), "the source network is not changed");
    // Five classes: chance is 0.2.
    assertTrue(r.bestValidationAccuracy() > 0.5, r.historyTable());
  }

  @Test
  void fineTunesAGraphFrozenUpToANamedLayer() throws Exception {
    ComputationGraph graph = new ComputationGraph(new NeuralNetConfiguration.Builder()
        .seed(5).updater(new Adam(1e-3)).convolutionMode(ConvolutionMode.Same)
        .graphBuilder().addInputs("in")
        .addLayer("conv", new ConvolutionLayer.Builder(3, 3).stride(2, 2).nOut(4)
            .activation(Activation.RELU).build(), "in")
        .addLayer("embedding", new DenseLayer.Builder().nOut(16)
            .activation(Activation.RELU).build(), "conv")
        .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10)
            .activation(Activation.SOFTMAX).build(), "embedding")
        .setOutputs("out").setInputTypes(InputType.convolutional(28, 28, 1)).build());
    graph.init();
    TrainingResult r = FineTuner.builder(graph, 28, 28, 1, "embedding").freezeUpTo("conv")
        .classes(3).hyperparameters(Hyperparameters.builder().epochs(1).batchSize(25).build())
        .build().fit(TestData.train(300).selectClasses(0, 1, 2), null);
    ComputationGraph tuned = (ComputationGraph) r.embedder().network();
    assertEquals(graph.getLayer("conv").params(), tuned.getLayer("conv").params());
    assertNotEquals(graph.getLayer("embedding").params(), tuned.getLayer("embedding").params());
    assertEquals(3, tuned.getLayer("out").getParam("W").size(1));
    assertEquals(16, r.embedder().dimension());
  }

  @Test
  void unknownFreezeLayerListsTheLayers() throws Exception {
    TrainedEmbedder base = TestData.trainedSmallCnn().embedder();
    FineTuner tuner = FineTuner.builder(base).freezeUpTo("block5_pool").build();
    LabeledImages train = TestData.train(50);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> tuner.fit(train, null));
    assertTrue(e.getMessage().contains("'block5_pool'") && e.getMessage().contains("pool2"),
        e.getMessage());
  }

  @Test
  void balancedClassWeightsFindTheRareClassAndScoreEpochsByBalancedAccuracy() throws Exception {
    TrainedEmbedder base = TestData.trainedSmallCnn().embedder();
    // T-shirts, pullovers and coats; 8 coats among some 800 training images.
    LabeledImages three = TestData.train(4000).selectClasses(0, 2, 4);
    int[] keep = java.util.stream.IntStream.range(0, three.size())
        .filter(i -> three.label(i) != 2 || i % 50 == 0).toArray();
    LabeledImages train = three.subset(keep);
    int coats = (int) java.util.Arrays.stream(train.labels()).filter(l -> l == 2).count();
    LabeledImages val = TestData.validation(1500).selectClasses(0, 2, 4);
    double[] recall = new double[2];
    StringBuilder seen = new StringBuilder(coats + " coats;");
    for (ClassWeights w : ClassWeights.values()) {
      TrainingResult r = FineTuner.builder(base).freezeUpTo("pool2").classes(3)
          .hyperparameters(Hyperparameters.builder().epochs(3).batchSize(32).seed(3)
              .classWeights(w).build())
          .build().fit(train, val);
      int[] predicted = r.embedder().predict(val);
      int[] right = new int[3];
      int[] total = new int[3];
      for (int i = 0; i < predicted.length; i++) {
        total[val.label(i)]++;
        right[val.label(i)] += predicted[i] == val.label(i) ? 1 : 0;
      }
      assertEquals(w.score(right, total), r.bestValidationAccuracy(), 1e-12, r.historyTable());
      recall[w.ordinal()] = (double) right[2] / total[2];
      seen.append(' ').append(w).append(": coat recall ").append(recall[w.ordinal()]);
    }
    assertTrue(coats > 0 && coats < 10, seen.toString());
    assertTrue(recall[1] > recall[0] + 0.2, seen.toString());
  }
}
