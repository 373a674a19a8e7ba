package io.github.embeddings4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.core.train.TrainedEmbedder;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainCommandsTest {

  @TempDir Path dir;

  @Test
  void trainSavesAModelThatEvaluateAndFinetuneUse() throws IOException {
    TestDatasets.writeSeparableIdx(dir, 200, 40);
    Path model = dir.resolve("cnn.zip");
    CliRun train = CliRun.of("train", "--data", dir.toString(), "--output", model.toString(),
        "--epochs", "2", "--batch", "32", "--dimension", "16", "--seed", "3");
    assertEquals(0, train.code(), train.toString());
    assertTrue(train.out().contains("| epoch |"), "history table: " + train.out());
    String layer;
    try (TrainedEmbedder t = TrainedEmbedder.load(model)) {
      assertEquals(16, t.dimension());
      layer = t.layerNames().get(1);
    }

    CliRun eval = CliRun.of("evaluate", "--data", dir.toString(), "--embedder", model.toString(),
        "--metric", "cosine", "--json");
    assertEquals(0, eval.code(), eval.toString());
    assertTrue(eval.out().contains("\"dimension\": 16"), eval.out());

    // embed and search take zoo weights: a trained model is refused, with where it belongs
    Path image = dir.resolve("one.png");
    javax.imageio.ImageIO.write(new java.awt.image.BufferedImage(28, 28,
        java.awt.image.BufferedImage.TYPE_INT_RGB), "png", image.toFile());
    CliRun embed = CliRun.of("embed", "--input", image.toString(), "--output",
        dir.resolve("x.npy").toString(), "--weights", model.toString());
    assertEquals(Main.EXIT_USAGE, embed.code(), embed.toString());
    assertTrue(embed.err().contains("evaluate --embedder " + model), embed.err());

    Path tuned = dir.resolve("tuned.zip");
    CliRun ft = CliRun.of("finetune", "--from", model.toString(), "--freeze-up-to", layer,
        "--data", dir.toString(), "--output", tuned.toString(), "--epochs", "1", "--batch", "32");
    assertEquals(0, ft.code(), ft.toString());
    try (TrainedEmbedder t = TrainedEmbedder.load(tuned)) {
      assertEquals(16, t.dimension());
    }
  }

  @Test
  void badSettingsAreUsageErrors() throws IOException {
    TestDatasets.writeSeparableIdx(dir, 40, 10);
    CliRun r = CliRun.of("train", "--data", dir.toString(), "--output",
        dir.resolve("m.zip").toString(), "--updater", "adagrad");
    assertEquals(Main.EXIT_USAGE, r.code(), r.toString());
    assertTrue(r.err().contains("--updater must be adam"), r.err());
    assertEquals(Main.EXIT_INPUT, CliRun.of("finetune", "--from", dir.resolve("no.zip").toString(),
        "--data", dir.toString(), "--output", dir.resolve("t.zip").toString()).code());
  }
}
