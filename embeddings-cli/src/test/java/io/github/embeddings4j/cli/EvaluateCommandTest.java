package io.github.embeddings4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvaluateCommandTest {

  @TempDir Path dir;

  static double number(String json, String key) {
    Matcher m = Pattern.compile("\"" + key + "\": ([-0-9.eE]+)").matcher(json);
    assertTrue(m.find(), key + " in " + json);
    return Double.parseDouble(m.group(1));
  }

  @Test
  void jsonContractOnIdxData() throws IOException {
    TestDatasets.writeSeparableIdx(dir, 60, 30);
    CliRun r = CliRun.of("evaluate", "--data", dir.toString(), "--embedder", "pixels",
        "--metric", "manhattan", "--k", "3", "--weights", "distance", "--json");
    assertEquals(0, r.code(), r.toString());
    String out = r.out().strip();
    assertEquals(1, out.lines().count(), "exactly one line on stdout: " + r.out());
    assertTrue(out.startsWith("{") && out.endsWith("}"), out);
    assertEquals(1.0, number(out, "accuracy"), 0.0);
    assertEquals(1.0, number(out, "recall_at_10"), 0.0);
    assertEquals(1.0, number(out, "map_at_10"), 0.0);
    // ten classes of 6 training images: at best 6 of the 10 nearest share the query's class
    assertEquals(0.6, number(out, "precision_at_10"), 1e-12);
    assertEquals(60, number(out, "n_train"), 0.0);
    assertEquals(30, number(out, "n_test"), 0.0);
    assertEquals(784, number(out, "dimension"), 0.0);
    assertTrue(number(out, "seconds") >= 0);
    assertTrue(!out.contains("clustering_nmi"), out);
    CliRun c = CliRun.of("evaluate", "--data", dir.toString(), "--clustering", "--json");
    assertEquals(0, c.code(), c.toString());
    double nmi = number(c.out(), "clustering_nmi");
    double ari = number(c.out(), "clustering_ari");
    assertTrue(nmi > 0.5 && nmi <= 1 && ari > 0 && ari <= 1, c.out());
  }

  @Test
  void limitsPcaAndBinaryCodesChangeTheShape() throws IOException {
    TestDatasets.writeSeparableIdx(dir, 80, 40);
    String pca = CliRun.of("evaluate", "--data", dir.toString(), "--pca", "12",
        "--limit-train", "50", "--limit-test", "20", "--json").out();
    assertEquals(12, number(pca, "dimension"), 0.0);
    assertEquals(50, number(pca, "n_train"), 0.0);
    assertEquals(20, number(pca, "n_test"), 0.0);
    assertEquals(1.0, number(pca, "accuracy"), 0.0);

    CliRun bin = CliRun.of("evaluate", "--data", dir.toString(), "--binary", "9", "--json");
    assertEquals(0, bin.code(), bin.toString());
    assertEquals(9, number(bin.out(), "dimension"), 0.0);
    assertTrue(bin.out().contains("\"metric\": \"hamming\""), bin.out());
    assertTrue(number(bin.out(), "accuracy") > 0.9, bin.out());
  }

  @Test
  void classFoldersWithTrainAndTest() throws IOException {
    for (String split : new String[] {"train", "test"}) {
      for (int c = 0; c < 2; c++) {
        Path folder = dir.resolve(split).resolve(c == 0 ? "dark" : "light");
        Files.createDirectories(folder);
        for (int i = 0; i < 6; i++) {
          BufferedImage img = new BufferedImage(20, 20, BufferedImage.TYPE_INT_RGB);
          Graphics2D g = img.createGraphics();
          int v = c == 0 ? 20 + i * 5 : 220 - i * 5;
          g.setColor(new Color(v, v, v));
          g.fillRect(0, 0, 20, 20);
          g.dispose();
          ImageIO.write(img, i % 2 == 0 ? "png" : "jpg", folder.resolve(i + (i % 2 == 0 ? ".png" : ".jpg")).toFile());
        }
      }
    }
    CliRun r = CliRun.of("evaluate", "--data", dir.toString(), "--k", "1", "--json");
    assertEquals(0, r.code(), r.toString());
    assertEquals(1.0, number(r.out(), "accuracy"), 0.0);
    assertEquals(12, number(r.out(), "n_train"), 0.0);
  }

  /** Two classes of {@code perClass} images in train/ and test/, with the given file ending. */
  private void writeClassFolders(int perClass, String ending) throws IOException {
    for (String split : new String[] {"train", "test"}) {
      for (int c = 0; c < 2; c++) {
        Path folder = dir.resolve(split).resolve(c == 0 ? "dark" : "light");
        Files.createDirectories(folder);
        for (int i = 0; i < perClass; i++) {
          BufferedImage img = new BufferedImage(20, 20, BufferedImage.TYPE_INT_RGB);
          Graphics2D g = img.createGraphics();
          int v = c == 0 ? 20 + i * 5 : 220 - i * 5;
          g.setColor(new Color(v, v, v));
          g.fillRect(0, 0, 20, 20);
          g.dispose();
          ImageIO.write(img, ending.equals("tif") ? "tiff" : ending,
              folder.resolve(i + "." + ending).toFile());
        }
      }
    }
  }

  @Test
  void classFoldersReadTiffAsEmbedDoes() throws IOException {
    writeClassFolders(3, "tif");
    CliRun r = CliRun.of("evaluate", "--data", dir.toString(), "--k", "1", "--json");
    assertEquals(0, r.code(), r.toString());
    assertEquals(6, number(r.out(), "n_train"), 0.0);
    assertEquals(6, number(r.out(), "retrieval_k"), 0.0, "recall@10 capped at 6 images");
  }

  @Test
  void aKLargerThanTheTrainingSetIsRefusedBeforeEmbedding() throws IOException {
    writeClassFolders(2, "png");
    CliRun r = CliRun.of("evaluate", "--data", dir.toString(), "--embedder", "lenet",
        "--weights", "random", "--k", "9");
    assertEquals(Main.EXIT_USAGE, r.code(), r.toString());
    assertTrue(r.err().contains("--k 9 exceeds the 4 training images"), r.err());
    assertEquals(2, r.err().lines().count(), "the reason and the pointer to --help, no progress "
        + "of an embedding: " + r.err());
  }

  @Test
  void theOldVoteWeightingOptionStillWorksWithADeprecationWarning() throws IOException {
    TestDatasets.writeSeparableIdx(dir, 20, 10);
    CliRun r = CliRun.of("evaluate", "--data", dir.toString(), "--weights", "uniform", "--json");
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().contains("\"voting\": \"uniform\""), r.out());
    assertTrue(r.err().contains("deprecated: use --voting"), r.err());
  }

  @Test
  void errorsAreOneLineWithTheirCodes() throws IOException {
    CliRun missing = CliRun.of("evaluate", "--data", dir.resolve("none").toString(), "--json");
    assertEquals(Main.EXIT_INPUT, missing.code(), missing.toString());
    assertEquals("", missing.out(), "nothing on stdout when it fails");
    assertTrue(missing.err().contains("dataset-fashion-mnist"), missing.err());
    TestDatasets.writeSeparableIdx(dir, 20, 10);
    assertEquals(Main.EXIT_USAGE, CliRun.of("evaluate", "--data", dir.toString(), "--voting",
        "heavy").code());
    assertEquals(Main.EXIT_USAGE, CliRun.of("evaluate", "--data", dir.toString(), "--pca",
        "5000").code(), "more components than dimensions");
  }
}
