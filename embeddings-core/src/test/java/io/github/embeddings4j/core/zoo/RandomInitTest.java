package io.github.embeddings4j.core.zoo;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.EmbeddingException;
import io.github.embeddings4j.api.ImageSource;
import io.github.embeddings4j.api.StandardMetric;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.List;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Randomly initialised networks must tell images apart: before {@link RandomInit}, SqueezeNet and
 * Xception gave every image the same vector (their convolutions ran DL4J's default sigmoid), and
 * random ResNet50 vectors all had cosines above 0.99.
 */
class RandomInitTest {

  /** Three images that differ in every way a CNN can see: gradient, checkerboard, disc. */
  private static List<ImageSource> images() {
    BufferedImage gradient = new BufferedImage(120, 100, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 100; y++) {
      for (int x = 0; x < 120; x++) {
        gradient.setRGB(x, y, new Color(x * 2, y * 2, 255 - x * 2).getRGB());
      }
    }
    BufferedImage checks = new BufferedImage(120, 100, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 100; y++) {
      for (int x = 0; x < 120; x++) {
        checks.setRGB(x, y, (x / 8 + y / 8) % 2 == 0 ? 0xf0f0f0 : 0x102040);
      }
    }
    BufferedImage disc = new BufferedImage(120, 100, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = disc.createGraphics();
    g.setColor(new Color(30, 120, 40));
    g.fillRect(0, 0, 120, 100);
    g.setColor(new Color(250, 200, 0));
    g.fillOval(30, 20, 60, 60);
    g.dispose();
    return List.of(ImageSource.of(gradient, "gradient"), ImageSource.of(checks, "checks"),
        ImageSource.of(disc, "disc"));
  }

  private static void assertImagesAreToldApart(ZooModel model, int size)
      throws EmbeddingException {
    try (ZooEmbedder embedder = ZooEmbedder.builder(model).weights(Weights.random(11))
        .inputSize(size, size).build()) {
      List<float[]> v = embedder.embedAll(images());
      for (int i = 0; i < v.size(); i++) {
        for (int j = i + 1; j < v.size(); j++) {
          double cosine = 1 - StandardMetric.COSINE.distance(v.get(i), v.get(j));
          assertTrue(cosine < 0.999, model + ": images " + i + " and " + j + " have cosine "
              + cosine);
        }
      }
    }
  }

  /** Every model that can be randomly initialised, at a small input size to stay quick. */
  @ParameterizedTest
  @CsvSource({"RESNET50, 224", "SQUEEZENET, 64", "XCEPTION, 96", "DARKNET19, 64", "LENET, 28",
      "SIMPLE_CNN, 48"})
  void differentImagesGiveDifferentVectors(ZooModel model, int size) throws EmbeddingException {
    assertImagesAreToldApart(model, size);
  }

  /** VGG16 and VGG19: 0.5 GB of parameters each; run with -Dembeddings4j.slowTests=true. */
  @ParameterizedTest
  @CsvSource({"VGG16, 64", "VGG19, 64"})
  @EnabledIfSystemProperty(named = "embeddings4j.slowTests", matches = "true")
  void vggTellsImagesApart(ZooModel model, int size) throws EmbeddingException {
    assertImagesAreToldApart(model, size);
  }
}
