package io.github.embeddings4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.core.io.EmbeddingSet;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** 'finetune --model' on a photo folder, and its file in embed and evaluate. */
class ZooFinetuneCliTest {

  @TempDir Path dir;

  private Path photos() throws IOException {
    Random random = new Random(4);
    Path root = dir.resolve("photos");
    for (int c = 0; c < 2; c++) {
      Path d = Files.createDirectories(root.resolve(c == 0 ? "red" : "blue"));
      for (int i = 0; i < 6; i++) {
        BufferedImage image = new BufferedImage(36, 30, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 30; y++) {
          for (int x = 0; x < 36; x++) {
            int base = 40 + random.nextInt(60);
            image.setRGB(x, y, c == 0 ? ((base + 150) << 16) | (base << 8) | base
                : (base << 16) | (base << 8) | (base + 150));
          }
        }
        ImageIO.write(image, "png", d.resolve(i + ".png").toFile());
      }
    }
    return root;
  }

  @Test
  void aFineTunedZooModelIsAnEmbedderForEmbedAndEvaluate() throws IOException {
    Path data = photos();
    Path broken = data.resolve("blue").resolve("9-broken.jpg");
    Files.write(broken, new byte[] {(byte) 0xff, (byte) 0xd8, 1, 2});
    Path tuned = dir.resolve("tuned.zip");
    CliRun ft = CliRun.of("finetune", "--model", "squeezenet", "--weights", "random",
        "--input-size", "48", "--data", data.toString(), "--output", tuned.toString(),
        "--epochs", "2", "--batch-size", "4", "--validation", "0.25", "--optimizer", "adam",
        "--weight-decay", "0.0001", "--resume");
    assertEquals(Main.EXIT_PARTIAL, ft.code(), ft.toString());
    assertTrue(ft.out().contains("| epoch |"), ft.out());
    assertTrue(ft.err().contains("9-broken.jpg"), ft.err());
    assertTrue(Files.isRegularFile(tuned));
    assertFalse(Files.exists(dir.resolve("tuned.zip.checkpoint")), "checkpoint left behind");

    EmbeddingSet.Contents set = embedRed(tuned, data, dir.resolve("v.npy"));
    assertEquals(512, set.dimension());
    assertEquals("squeezenet", set.embedder().model());
    assertTrue(set.embedder().weights().startsWith("file sha256="), set.embedder().weights());

    Files.delete(broken);
    Path evalData = dir.resolve("eval");
    for (String part : new String[] {"train", "test"}) {
      for (String c : new String[] {"red", "blue"}) {
        Path to = Files.createDirectories(evalData.resolve(part).resolve(c));
        try (var files = Files.list(data.resolve(c))) {
          for (Path f : files.toList()) {
            Files.copy(f, to.resolve(f.getFileName()));
          }
        }
      }
    }
    CliRun eval = CliRun.of("evaluate", "--data", evalData.toString(), "--embedder",
        tuned.toString(), "--json");
    assertEquals(0, eval.code(), eval.toString());
    assertTrue(eval.out().contains("\"dimension\": 512"), eval.out());

    Path labels = dir.resolve("labels.csv");
    CliRun predict = CliRun.of("classify", "predict", "--model", tuned.toString(), "--input",
        data.resolve("red").toString(), "--output", labels.toString());
    assertEquals(0, predict.code(), predict.toString());
    List<String> rows = Files.readAllLines(labels);
    assertEquals("path,label,probability", rows.get(0));
    assertEquals(7, rows.size(), rows.toString());
    for (String row : rows.subList(1, rows.size())) {
      String[] f = row.split(",");
      assertTrue(Set.of("red", "blue").contains(f[1]), row);
      assertTrue(Double.parseDouble(f[2]) >= 0.5 && Double.parseDouble(f[2]) <= 1.0, row);
    }

    CliRun wrong = CliRun.of("finetune", "--model", "squeezenet", "--weights", "random",
        "--input-size", "48", "--data", data.toString(), "--output", tuned.toString(),
        "--freeze-up-to", "no-such-layer");
    assertEquals(Main.EXIT_USAGE, wrong.code(), wrong.toString());
    assertTrue(wrong.err().contains("no-such-layer") && wrong.err().contains("valid layers"),
        wrong.err());
  }

  @Test
  void balancedClassWeightsAreRecordedInTheFileAndNamedInTheReport() throws IOException {
    Path data = photos();
    for (int i = 2; i < 6; i++) {
      Files.delete(data.resolve("blue").resolve(i + ".png")); // 6 red, 2 blue
    }
    Path tuned = dir.resolve("balanced.zip");
    CliRun ft = CliRun.of("finetune", "--model", "squeezenet", "--weights", "random",
        "--input-size", "32", "--data", data.toString(), "--output", tuned.toString(),
        "--epochs", "1", "--batch-size", "4", "--validation", "0.5",
        "--class-weights", "balanced");
    assertEquals(0, ft.code(), ft.toString());
    assertTrue(ft.out().contains("validation balanced accuracy"), ft.out());
    assertTrue(ft.err().contains("(validation balanced accuracy "), ft.err());
    io.github.embeddings4j.core.zoo.FineTunedModel m =
        io.github.embeddings4j.core.zoo.FineTunedModel.read(tuned);
    assertTrue(m.training().get("hyperparameters").endsWith(" weights=balanced"),
        m.training().toString());

    CliRun wrong = CliRun.of("finetune", "--model", "squeezenet", "--weights", "random",
        "--data", data.toString(), "--output", tuned.toString(), "--class-weights", "inverse");
    assertEquals(Main.EXIT_USAGE, wrong.code(), wrong.toString());
    assertTrue(wrong.err().contains("--class-weights") && wrong.err().contains("'inverse'")
        && wrong.err().contains("balanced"), wrong.err());
  }

  @Test
  void aFineTunedOnnxModelIsSavedAsOnnxAndEmbedsWithItsOwnPreprocessing() throws IOException {
    Path data = photos();
    Path tuned = dir.resolve("tuned.onnx");
    CliRun ft = CliRun.of("finetune", "--model",
        OnnxCliTest.FIXTURES.resolve("convnet_mix.onnx").toString(), "--preprocess", "imagenet",
        "--input-size", "32", "--data", data.toString(), "--output", tuned.toString(),
        "--epochs", "2", "--batch-size", "4", "--validation", "0.25", "--freeze-up-to",
        "/pool/MaxPool");
    assertEquals(0, ft.code(), ft.toString());
    assertTrue(ft.out().contains("| epoch |"), ft.out());
    assertTrue(ft.err().contains("FineTunedOnnx[convnet_mix.onnx"), ft.err());
    assertFalse(Files.exists(dir.resolve("tuned.onnx.checkpoint")), "checkpoint left behind");

    EmbeddingSet.Contents set = embedRed(tuned, data, dir.resolve("v.npy"));
    assertEquals(12, set.dimension());
    // 32 x 32 from the file's metadata: resized to 37 (256/224 of 32), then cropped.
    assertTrue(set.embedder().toString().contains("37"), set.embedder().toString());

    CliRun inspect = CliRun.of("models", "--inspect", tuned.toString());
    assertTrue(inspect.out().contains("fine-tuned:  from convnet_mix.onnx (sha256 ")
        && inspect.out().contains("2 classes [blue, red]"), inspect.out());
    // The fine-tuned network labels photos with its own classifier.
    Path labels = dir.resolve("labels.csv");
    CliRun predict = CliRun.of("classify", "predict", "--model", tuned.toString(), "--input",
        data.toString(), "--output", labels.toString(), "--top-k", "2");
    assertEquals(0, predict.code(), predict.toString());
    List<String> rows = Files.readAllLines(labels);
    assertEquals("path,label,probability,label_2,probability_2", rows.get(0));
    assertEquals(13, rows.size(), rows.toString());
    for (String row : rows.subList(1, rows.size())) {
      String[] f = row.split(",");
      assertTrue(Set.of("red", "blue").contains(f[1]) && !f[1].equals(f[3]), row);
      assertEquals(1.0, Double.parseDouble(f[2]) + Double.parseDouble(f[4]), 1e-4, row);
      assertTrue(Double.parseDouble(f[2]) >= Double.parseDouble(f[4]), row);
    }
    CliRun notTuned = CliRun.of("classify", "predict", "--model",
        OnnxCliTest.FIXTURES.resolve("convnet_mix.onnx").toString(), "--input",
        data.toString(), "--output", dir.resolve("l2.csv").toString());
    assertEquals(Main.EXIT_INPUT, notTuned.code(), notTuned.toString());
    assertTrue(notTuned.err().contains("not a model fine-tuned by embeddings4j"),
        notTuned.err());

    CliRun zip = CliRun.of("finetune", "--model",
        OnnxCliTest.FIXTURES.resolve("convnet_mix.onnx").toString(), "--data", data.toString(),
        "--output", dir.resolve("tuned.zip").toString(), "--epochs", "1");
    assertEquals(Main.EXIT_USAGE, zip.code(), zip.toString());
    assertTrue(zip.err().contains("name the output FILE.onnx"), zip.err());
    CliRun weights = CliRun.of("finetune", "--model",
        OnnxCliTest.FIXTURES.resolve("convnet_mix.onnx").toString(), "--weights", "random",
        "--data", data.toString(), "--output", dir.resolve("t2.onnx").toString());
    assertEquals(Main.EXIT_USAGE, weights.code(), weights.toString());
    assertTrue(weights.err().contains("--weights does not go with an ONNX model"),
        weights.err());
  }

  /**
   * A vision transformer from the command line: trained at another size than its export's (the
   * position embedding resampled), its first block frozen; the file embeds with the class
   * token's features and labels photos.
   */
  @Test
  void aVisionTransformerFineTunesAtAnotherSizeAndEmbeds() throws IOException {
    Path data = photos();
    Path tuned = dir.resolve("vit.onnx");
    CliRun ft = CliRun.of("finetune", "--model",
        OnnxCliTest.FIXTURES.resolve("vit_mha.onnx").toString(), "--preprocess", "imagenet",
        "--input-size", "48", "--data", data.toString(), "--output", tuned.toString(),
        "--epochs", "1", "--batch-size", "4", "--validation", "0.25", "--freeze-up-to",
        "/encoder/layers/encoder_layer_0/self_attention");
    assertEquals(0, ft.code(), ft.toString());
    assertTrue(ft.err().contains("FineTunedOnnx[vit_mha.onnx"), ft.err());
    EmbeddingSet.Contents set = embedRed(tuned, data, dir.resolve("vit.npy"));
    assertEquals(32, set.dimension(), "the class token's features");
    CliRun predict = CliRun.of("classify", "predict", "--model", tuned.toString(), "--input",
        data.toString(), "--output", dir.resolve("vit.csv").toString());
    assertEquals(0, predict.code(), predict.toString());
    assertEquals(13, Files.readAllLines(dir.resolve("vit.csv")).size());
  }

  /** Embeds the six photos of class "red" with the fine-tuned file. */
  private static EmbeddingSet.Contents embedRed(Path tuned, Path data, Path out)
      throws IOException {
    CliRun embed = CliRun.of("embed", "--model", tuned.toString(), "--input",
        data.resolve("red").toString(), "--output", out.toString());
    assertEquals(0, embed.code(), embed.toString());
    EmbeddingSet.Contents set = EmbeddingSet.read(out);
    assertEquals(6, set.vectors().length);
    return set;
  }
}
