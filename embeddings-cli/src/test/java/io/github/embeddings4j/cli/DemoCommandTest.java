package io.github.embeddings4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.core.train.TrainedEmbedder;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoCommandTest {

  @TempDir Path dir;

  @Test
  void runsEndToEndAndWritesTheReport() throws IOException {
    Path data = dir.resolve("data");
    TestDatasets.writeSeparableIdx(data, 200, 40);
    Path report = dir.resolve("report");
    CliRun r = CliRun.of("demo", "--data", data.toString(), "--epochs", "1", "--k", "3",
        "--report", report.toString());
    assertEquals(0, r.code(), r.toString());

    // The accuracy table on stdout, ours beside the published figures.
    assertTrue(r.out().contains("| raw pixels (784-d), 3-NN Euclidean | 1.0000 | 1.0000 |"),
        r.out());
    assertTrue(r.out().contains("| CNN embeddings (128-d), 3-NN cosine |"), r.out());
    assertTrue(r.out().contains("64-bit codes (64x smaller), 3-NN Hamming"), r.out());
    assertTrue(r.out().contains("| scikit-learn KNeighborsClassifier on raw pixels (published) "
        + "| 0.8600 |"), r.out());
    assertTrue(r.err().contains("== training a small CNN embedder (1 epoch(s) over 200 images)"), r.err());

    // The report folder.
    String html = Files.readString(report.resolve("index.html"));
    assertTrue(html.contains("<img src=\"pca-scatter.png\""), "scatter plot linked");
    assertTrue(html.contains("class=\"gallery\""), "neighbour gallery");
    assertTrue(html.contains("cluster-09.png"), "ten contact sheets");
    // The test set is separable: every cluster is one class, and the agreement measures say so.
    assertTrue(html.contains("100.0% of images share their cluster&#39;s most common class "
        + "(normalised mutual information 1.000, adjusted Rand index 1.000)"), "clustering");
    BufferedImage scatter = ImageIO.read(report.resolve("pca-scatter.png").toFile());
    assertTrue(scatter.getWidth() > 500);
    assertTrue(Files.exists(report.resolve("thumbs/test-0.png")));
    try (TrainedEmbedder saved = TrainedEmbedder.load(report.resolve("cnn-embedder.zip"))) {
      assertEquals(128, saved.dimension(), "the trained embedder is saved for later use");
    }
  }

  @Test
  void missingDataIsAnInputErrorThatSaysHowToGetIt() {
    CliRun r = CliRun.of("demo", "--data", dir.resolve("absent").toString());
    assertEquals(Main.EXIT_INPUT, r.code());
    assertTrue(r.err().contains("apt-get install dataset-fashion-mnist"), r.err());
    assertTrue(r.err().lines().count() <= 2, "one clear line, no stack trace: " + r.err());
  }

  @Test
  void badOptionsAreUsageErrors() throws IOException {
    TestDatasets.writeSeparableIdx(dir, 10, 10);
    assertEquals(Main.EXIT_USAGE, CliRun.of("demo", "--data", dir.toString(), "--k", "0").code());
    assertEquals(Main.EXIT_USAGE, CliRun.of("demo", "--epochs", "x").code());
    assertEquals(Main.EXIT_USAGE, CliRun.of("no-such-command").code());
  }
}
