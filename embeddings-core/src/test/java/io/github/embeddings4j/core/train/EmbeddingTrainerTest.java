package io.github.embeddings4j.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.Progress;
import io.github.embeddings4j.core.data.LabeledImages;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddingTrainerTest {

  @Test
  void lossFallsAndAccuracyBeatsChance() throws Exception {
    TrainingResult r = TestData.trainedSmallCnn();
    assertEquals(4, r.history().size());
    assertTrue(r.history().get(3).trainLoss() < r.history().get(0).trainLoss(),
        r.historyTable());
    // Ten balanced classes: chance is about 0.1.
    assertTrue(r.bestValidationAccuracy() > 0.4, r.historyTable());
    assertEquals(32, r.embedder().dimension());
    assertEquals("embedding", r.embedder().embeddingLayer());
    assertEquals(6, r.embedder().embeddingLayerIndex());
  }

  @Test
  void progressIsReportedPerEpoch() throws Exception {
    List<Progress> seen = new ArrayList<>();
    EmbeddingTrainer.builder()
        .architecture(Architecture.smallCnn(8))
        .hyperparameters(Hyperparameters.builder().epochs(2).batchSize(50).build())
        .listener(seen::add)
        .build().train(TestData.train(100), null);
    assertTrue(seen.contains(new Progress("epoch 1/2", 100, 100, 0)), seen.toString());
    assertEquals(new Progress("epoch 2/2", 100, 100, 0), seen.get(seen.size() - 1));
  }

  @Test
  void earlyStoppingStopsAfterPatienceEpochsWithoutProgress() throws Exception {
    // A rate too small to change any prediction: validation accuracy never improves on epoch 1.
    TrainingResult r = EmbeddingTrainer.builder()
        .architecture(Architecture.zooLeNet())
        .hyperparameters(Hyperparameters.builder().updater(Updater.SGD).learningRate(1e-12)
            .epochs(10).patience(2).batchSize(50).build())
        .build().train(TestData.train(100), TestData.validation(100));
    assertEquals(3, r.history().size(), r.historyTable());
    assertTrue(r.stoppedEarly());
    assertEquals(1, r.bestEpoch());
  }

  @Test
  void bestEpochIsKeptWhenValidationGetsWorse() throws Exception {
    LabeledImages train = TestData.train(120);
    // Validation labels shifted by one class: the better the network learns the real labels,
    // the worse it scores here, so an early epoch is the best.
    int[] idx = new int[120];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = i;
    }
    LabeledImages same = train.subset(idx);
    byte[] pixels = new byte[120 * 784];
    byte[] shifted = new byte[120];
    for (int i = 0; i < 120; i++) {
      float[] v = same.vector(i);
      for (int j = 0; j < 784; j++) {
        pixels[i * 784 + j] = (byte) v[j];
      }
      shifted[i] = (byte) ((same.label(i) + 1) % 10);
    }
    LabeledImages wrong = new LabeledImages(28, 28, pixels, shifted);
    TrainingResult r = EmbeddingTrainer.builder()
        .architecture(Architecture.smallCnn(16))
        .hyperparameters(Hyperparameters.builder().epochs(3).patience(3).batchSize(10)
            .learningRate(3e-3).build())
        .build().train(train, wrong);
    assertTrue(r.bestEpoch() < r.history().size(), r.historyTable());
    double max = r.history().stream().mapToDouble(EpochRecord::validationAccuracy).max()
        .orElseThrow();
    assertEquals(max, r.bestValidationAccuracy());
    assertEquals(r.history().get(r.bestEpoch() - 1).validationAccuracy(),
        r.embedder().accuracy(wrong), 1e-12);
  }

  @Test
  void savedModelReloadsToIdenticalOutputs(@TempDir Path dir) throws Exception {
    TrainedEmbedder e = TestData.trainedSmallCnn().embedder();
    Path file = dir.resolve("model.zip");
    e.save(file);
    TrainedEmbedder back = TrainedEmbedder.load(file);
    LabeledImages probe = TestData.validation(20);
    float[][] a = e.embed(probe);
    float[][] b = back.embed(probe);
    for (int i = 0; i < a.length; i++) {
      assertArrayEquals(a[i], b[i], "image " + i);
    }
    assertEquals(e.embeddingLayer(), back.embeddingLayer());
    assertEquals(e.dimension(), back.dimension());
    try (var files = Files.list(dir)) {
      assertEquals(List.of(file), files.toList(), "no temporary file may be left behind");
    }
  }

  @Test
  void asAnEmbedderItDecodesImagesAndNamesFailures() throws Exception {
    TrainedEmbedder e = TestData.trainedSmallCnn().embedder();
    LabeledImages one = TestData.validation(1);
    java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(28, 28,
        java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < 28; y++) {
      for (int x = 0; x < 28; x++) {
        img.getRaster().setSample(x, y, 0, one.pixel(0, y, x));
      }
    }
    List<io.github.embeddings4j.api.EmbeddingResult> r = e.embedBatch(List.of(
        io.github.embeddings4j.api.ImageSource.of(new byte[] {1, 2, 3}, "junk"),
        io.github.embeddings4j.api.ImageSource.of(img, "shirt")));
    assertFalse(r.get(0).isSuccess());
    assertEquals("junk", r.get(0).name());
    assertArrayEquals(e.embed(one)[0], r.get(1).vectorOrThrow(), 1e-5f);
  }

  @Test
  void missingModelFileIsNamed(@TempDir Path dir) {
    Path file = dir.resolve("nope.zip");
    NoSuchFileException e = assertThrows(NoSuchFileException.class,
        () -> TrainedEmbedder.load(file));
    assertTrue(e.getMessage().contains("nope.zip"), e.getMessage());
  }

  @Test
  void unknownEmbeddingLayerListsTheLayers() throws Exception {
    TrainedEmbedder e = TestData.trainedSmallCnn().embedder();
    IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
        () -> TrainedEmbedder.of(e.network(), 28, 28, 1, "fc9"));
    assertTrue(ex.getMessage().contains("'fc9'") && ex.getMessage().contains("conv1"),
        ex.getMessage());
  }

  @Test
  void badHyperparameterIsNamedWithItsValue() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Hyperparameters.builder().dropout(1.5).build());
    assertEquals("dropout must be in [0, 1): 1.5", e.getMessage());
    assertFalse(Hyperparameters.defaults().summary().isEmpty());
  }
}
