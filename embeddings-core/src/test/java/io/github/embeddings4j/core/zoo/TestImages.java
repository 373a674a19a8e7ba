package io.github.embeddings4j.core.zoo;

import io.github.embeddings4j.api.ImageSource;
import java.awt.image.BufferedImage;
import java.util.Random;

/** Images drawn in code for the tests: random pixels from a seed, so each is distinct. */
final class TestImages {

  private TestImages() {}

  static BufferedImage noise(int width, int height, long seed) {
    Random random = new Random(seed);
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        image.setRGB(x, y, random.nextInt(1 << 24));
      }
    }
    return image;
  }

  static ImageSource source(int width, int height, long seed) {
    return ImageSource.of(noise(width, height, seed), "noise-" + seed);
  }
}
