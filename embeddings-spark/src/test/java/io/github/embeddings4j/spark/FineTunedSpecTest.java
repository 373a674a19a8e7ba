package io.github.embeddings4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.core.data.ImageFolder;
import io.github.embeddings4j.core.train.Hyperparameters;
import io.github.embeddings4j.core.train.ZooFineTuner;
import io.github.embeddings4j.core.zoo.Weights;
import io.github.embeddings4j.core.zoo.ZooEmbedder;
import io.github.embeddings4j.core.zoo.ZooModel;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A zoo CNN fine-tuned by the SDK, given as the weights file of a Spark embedder. */
class FineTunedSpecTest {

  @Test
  void theFilesLayerAndInputSizeAreTakenAndAnotherModelIsRefused(@TempDir Path dir)
      throws Exception {
    Random random = new Random(2);
    for (int c = 0; c < 2; c++) {
      Path d = Files.createDirectories(dir.resolve("data").resolve("c" + c));
      for (int i = 0; i < 3; i++) {
        BufferedImage image = new BufferedImage(20, 20, BufferedImage.TYPE_INT_RGB);
        for (int p = 0; p < 400; p++) {
          image.setRGB(p % 20, p / 20, random.nextInt(1 << 24));
        }
        ImageIO.write(image, "png", d.resolve(i + ".png").toFile());
      }
    }
    Path file = dir.resolve("tuned.zip");
    ZooFineTuner.builder(ZooModel.SQUEEZENET).weights(Weights.random(1)).inputSize(40, 40)
        .hyperparameters(Hyperparameters.builder().epochs(1).batchSize(3).build()).build()
        .fit(ImageFolder.scan(dir.resolve("data")), null).save(file);
    try (ZooEmbedder e = (ZooEmbedder) new EmbedderSpec("squeezenet", file.toString(), 0, null,
        "avg", true, 0, 0, 0, 0).build()) {
      assertEquals("fire9", e.layer());
      assertEquals(40, e.inputFormat().height());
      assertEquals(512, e.dimension());
    }
    IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
        () -> new EmbedderSpec("resnet50", file.toString(), 0, null, "avg", true, 0, 0, 0, 0)
            .build());
    assertTrue(wrong.getMessage().contains("fine-tuned squeezenet"), wrong.getMessage());
  }
}
