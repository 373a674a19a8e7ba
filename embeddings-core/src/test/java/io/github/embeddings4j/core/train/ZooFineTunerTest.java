package io.github.embeddings4j.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.ImageSource;
import io.github.embeddings4j.core.data.ImageFolder;
import io.github.embeddings4j.core.zoo.FineTunedModel;
import io.github.embeddings4j.core.zoo.Weights;
import io.github.embeddings4j.core.zoo.ZooEmbedder;
import io.github.embeddings4j.core.zoo.ZooModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Fine-tuning SqueezeNet (random weights, 48 x 48 input) on tiny generated folders. */
class ZooFineTunerTest {

  private static final int SIZE = 48;

  @TempDir static Path shared;
  private static ImageFolder data;

  @BeforeAll
  static void folders() throws IOException {
    data = ImageFolder.scan(PhotoFolders.write(shared.resolve("data"), 40, 1, 6, 6));
  }

  private static ZooFineTuner.Builder tuner(int epochs) {
    return ZooFineTuner.builder(ZooModel.SQUEEZENET).weights(Weights.random(7))
        .inputSize(SIZE, SIZE).hyperparameters(Hyperparameters.builder().epochs(epochs)
            .batchSize(4).learningRate(1e-3).patience(5).seed(3).build());
  }

  /** The layers with parameters, in order, of a network built like the fine-tuner's. */
  private static ComputationGraph base() throws Exception {
    return (ComputationGraph) ZooModel.SQUEEZENET.network(Weights.random(7), SIZE, SIZE, null);
  }

  private static List<String> paramLayers(ComputationGraph g) {
    List<String> out = new ArrayList<>();
    for (String v : g.getConfiguration().getTopologicalOrderStr()) {
      if (g.getLayer(v) != null && g.getLayer(v).numParams() > 0) {
        out.add(v);
      }
    }
    return out;
  }

  @Test
  void aStepChangesOnlyTheUnfrozenLayersAndTheHeadLearnsFasterThanTheBackbone()
      throws Exception {
    ComputationGraph before = base();
    List<String> layers = paramLayers(before);
    String feature = ZooModel.SQUEEZENET.defaultLayer(false);
    String freeze = layers.get(layers.size() / 2);
    FineTuneResult r = tuner(1).freezeUpTo(freeze).augmentation(Augmentation.none())
        .backboneLearningRateScale(0.1).build().fit(data, null);
    ComputationGraph after = r.network();
    List<String> frozen = new ArrayList<>();
    List<String> trained = new ArrayList<>();
    for (String l : layers) {
      if (!after.getConfiguration().getVertices().containsKey(l)) {
        continue; // the old classifier, replaced
      }
      INDArray a = before.getLayer(l).params();
      INDArray b = after.getLayer(l).params();
      (a.equals(b) ? frozen : trained).add(l);
    }
    // Exactly the frozen layer and the layers it depends on kept their weights.
    java.util.Set<String> inputs = new java.util.HashSet<>();
    java.util.Deque<String> todo = new java.util.ArrayDeque<>(List.of(freeze));
    while (!todo.isEmpty()) {
      String v = todo.pop();
      if (inputs.add(v) && before.getConfiguration().getVertexInputs().get(v) != null) {
        todo.addAll(before.getConfiguration().getVertexInputs().get(v));
      }
    }
    List<String> expectedFrozen = new ArrayList<>(layers);
    expectedFrozen.retainAll(inputs);
    assertEquals(expectedFrozen, frozen);
    assertTrue(frozen.contains(freeze) && frozen.contains(layers.get(0)), frozen.toString());
    assertFalse(trained.isEmpty(), "no backbone layer after " + freeze + " changed");
    assertEquals(feature, r.model().embeddingLayer());
    double headRate = ((BaseLayer) after.getLayer(ZooFineTuner.HEAD_LAYER).conf().getLayer())
        .getIUpdater().getLearningRate(0, 0);
    double backboneRate = ((BaseLayer) after.getLayer(trained.get(0)).conf().getLayer())
        .getIUpdater().getLearningRate(0, 0);
    assertEquals(1e-3, headRate, 1e-12);
    assertEquals(1e-4, backboneRate, 1e-12);
  }

  @Test
  void resumingAfterAKillGivesTheWeightsOfAnUninterruptedRun(@TempDir Path dir)
      throws Exception {
    FineTuneResult whole = tuner(2).checkpoint(dir.resolve("a.ckpt")).build()
        .fit(data, data);
    Path ckpt = dir.resolve("b.ckpt");
    assertThrows(ZooFineTuner.Halted.class,
        () -> tuner(2).checkpoint(ckpt).haltAfterEpoch(1).build().fit(data, data));
    assertTrue(Files.isRegularFile(ckpt));
    FineTuneResult resumed = tuner(2).checkpoint(ckpt).resume(true).build().fit(data, data);
    assertEquals(2, resumed.history().size());
    assertEquals(whole.bestEpoch(), resumed.bestEpoch());
    assertEquals(whole.network().params(), resumed.network().params());
    // Another run's checkpoint is refused, naming what it was written for.
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> tuner(2).backboneLearningRateScale(0.5).checkpoint(ckpt).resume(true).build()
            .fit(data, data));
    assertTrue(e.getMessage().contains("checkpoint of another run"), e.getMessage());
  }

  @Test
  void damagedImagesAreSkippedAndNamedOnce(@TempDir Path dir) throws Exception {
    Path root = PhotoFolders.write(dir.resolve("d"), 40, 2, 4, 4);
    Path broken = root.resolve("class1").resolve("zz-broken.png");
    Files.write(broken, new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
    List<String> told = new ArrayList<>();
    FineTuneResult r = tuner(2).listener(p -> {
      if (p.task().startsWith("skipped")) {
        told.add(p.task());
      }
    }).build().fit(ImageFolder.scan(root), null);
    assertEquals(Map.of(broken, r.skipped().get(broken)), r.skipped());
    assertEquals(1, told.size(), told.toString());
    assertTrue(told.get(0).contains("zz-broken.png"), told.get(0));
    // The file is named once: the reason does not repeat it.
    assertEquals(told.get(0).indexOf("zz-broken.png"), told.get(0).lastIndexOf("zz-broken.png"),
        told.get(0));
    assertFalse(r.skipped().get(broken).contains("zz-broken.png"), r.skipped().get(broken));
    assertEquals("8", r.model().training().get("trainImages")); // 4 + 4 of 9
  }

  @Test
  void aClassWithOneImageTrainsAndAnEmptyClassIsRefused(@TempDir Path dir) throws Exception {
    Path root = PhotoFolders.write(dir.resolve("one"), 40, 3, 4, 1);
    ImageFolder.Splits s = ImageFolder.scan(root).split(0.75, 0.25, 0, 1);
    FineTuneResult r = tuner(1).build().fit(s.train(), s.validation());
    assertEquals(List.of("class0", "class1"), r.model().classes());
    Files.createDirectories(root.resolve("class2"));
    IOException e = assertThrows(IOException.class, () -> ImageFolder.scan(root));
    assertTrue(e.getMessage().contains("class2") && e.getMessage().contains("no images"),
        e.getMessage());
    Path single = PhotoFolders.write(dir.resolve("single"), 40, 3, 3);
    IllegalArgumentException one = assertThrows(IllegalArgumentException.class,
        () -> tuner(1).build().fit(ImageFolder.scan(single), null));
    assertTrue(one.getMessage().contains("at least 2 class"), one.getMessage());
  }

  @Test
  void theSavedFileEmbedsThePooledFeaturesItsClassifierReads(@TempDir Path dir)
      throws Exception {
    FineTuneResult r = tuner(1).build().fit(data, null);
    Path file = dir.resolve("tuned.zip");
    r.save(file);
    FineTunedModel m = FineTunedModel.read(file);
    assertEquals(r.model(), m);
    assertEquals(List.of("class0", "class1"), m.classes());
    Path image = data.entries().get(0).file();
    try (ZooEmbedder e = ZooEmbedder.fineTuned(file).normalize(false).build()) {
      assertEquals(SIZE, e.inputFormat().height());
      float[] v = e.embed(ImageSource.of(image));
      float[] input = m.inputFormat().toArray(javax.imageio.ImageIO.read(image.toFile()));
      INDArray x = Nd4j.create(input, new long[] {1, 3, SIZE, SIZE}, 'c');
      float[] expected = r.network().feedForward(x, false).get(ZooFineTuner.POOL_LAYER)
          .toFloatVector();
      assertEquals(expected.length, v.length);
      double maxAbs = 0;
      double maxDiff = 0;
      for (int i = 0; i < v.length; i++) {
        maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
        maxDiff = Math.max(maxDiff, Math.abs(expected[i] - v[i]));
      }
      assertTrue(maxDiff <= 1e-3 * maxAbs, "differs by " + maxDiff + " of " + maxAbs);
      assertNotEquals(0, maxAbs);
    }
  }

  @Test
  void aThousandClassesGetAThousandWideHead(@TempDir Path dir) throws Exception {
    int[] perClass = new int[1000];
    java.util.Arrays.fill(perClass, 1);
    ImageFolder many = ImageFolder.scan(PhotoFolders.write(dir.resolve("many"), 16, 5,
        perClass));
    assertEquals(1000, many.classNames().size());
    FineTuneResult r = ZooFineTuner.builder(ZooModel.SQUEEZENET).weights(Weights.random(7))
        .inputSize(32, 32).freezeUpTo(ZooModel.SQUEEZENET.defaultLayer(false))
        .augmentation(Augmentation.none())
        .hyperparameters(Hyperparameters.builder().epochs(1).batchSize(250).seed(3).build())
        .build().fit(many, null);
    assertEquals(1000, r.model().classes().size());
    assertEquals(1000, r.network().getLayer(ZooFineTuner.HEAD_LAYER).getParam("b").length());
    assertEquals("class999", r.model().classes().get(999));
  }

  @Test
  void balancedClassWeightsWeighTheHeadsLossAndChooseEpochsByBalancedAccuracy(@TempDir Path dir)
      throws Exception {
    ImageFolder uneven = ImageFolder.scan(PhotoFolders.write(dir.resolve("uneven"), 40, 4, 9,
        3));
    Hyperparameters balanced = Hyperparameters.builder().epochs(2).batchSize(4)
        .learningRate(1e-3).patience(5).seed(3).classWeights(ClassWeights.BALANCED).build();
    FineTuneResult r = tuner(2).hyperparameters(balanced).checkpoint(dir.resolve("b.ckpt"))
        .build().fit(uneven, uneven);
    // n / (C n_c): 12 / (2 x 9) and 12 / (2 x 3).
    org.nd4j.linalg.lossfunctions.impl.LossMCXENT loss =
        (org.nd4j.linalg.lossfunctions.impl.LossMCXENT) ((org.deeplearning4j.nn.conf.layers
            .BaseOutputLayer) r.network().getLayer(ZooFineTuner.HEAD_LAYER).conf().getLayer())
            .getLossFn();
    org.junit.jupiter.api.Assertions.assertArrayEquals(new float[] {12f / 18, 2f},
        loss.getWeights().toFloatVector(), 1e-6f);
    // The kept epoch's score is the balanced accuracy of its network on the validation folder.
    assertEquals(r.balancedAccuracy(uneven), r.bestValidationAccuracy(), 1e-12);
    assertEquals(r.history().get(r.bestEpoch() - 1).validationAccuracy(),
        r.bestValidationAccuracy());
    assertTrue(r.model().training().get("hyperparameters").endsWith("weights=balanced"),
        r.model().training().toString());
    assertTrue(r.historyTable().contains("validation balanced accuracy"), r.historyTable());
    // The weighted loss survives the file: it loads and embeds.
    Path file = dir.resolve("tuned.zip");
    r.save(file);
    try (ZooEmbedder e = ZooEmbedder.fineTuned(file).build()) {
      assertEquals(r.network().getLayer(ZooFineTuner.HEAD_LAYER).getParam("W").size(0),
          e.embed(ImageSource.of(uneven.entries().get(0).file())).length);
    }
    // A checkpoint of the weighted run is not resumed by an unweighted one.
    Path ckpt = dir.resolve("c.ckpt");
    assertThrows(ZooFineTuner.Halted.class, () -> tuner(2).hyperparameters(balanced)
        .checkpoint(ckpt).haltAfterEpoch(1).build().fit(uneven, uneven));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> tuner(2).checkpoint(ckpt).resume(true).build().fit(uneven, uneven));
    assertTrue(e.getMessage().contains("weights=balanced"), e.getMessage());
  }

  @Test
  void balancedWeightsOnEvenClassesTrainThePlainNetworkBitForBit() throws Exception {
    FineTuneResult plain = tuner(1).build().fit(data, data);
    FineTuneResult balanced = tuner(1).hyperparameters(Hyperparameters.builder().epochs(1)
        .batchSize(4).learningRate(1e-3).patience(5).seed(3)
        .classWeights(ClassWeights.BALANCED).build()).build().fit(data, data);
    assertEquals(plain.network().params(), balanced.network().params());
    // Every class has 6 validation images: the balanced accuracy is the accuracy.
    assertEquals(plain.bestValidationAccuracy(), balanced.bestValidationAccuracy(), 1e-12);
  }
}
