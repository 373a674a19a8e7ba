package io.github.embeddings4j.core.image;

import java.awt.image.BufferedImage;
import java.util.Random;

/** Pictures drawn in code for the tests. */
final class TestPictures {

  private TestPictures() {}

  static BufferedImage noise(int width, int height) {
    Random random = new Random(width * 31L + height);
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        image.setRGB(x, y, random.nextInt(1 << 24));
      }
    }
    return image;
  }

  static BufferedImage flat(int width, int height, int rgb) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        image.setRGB(x, y, rgb);
      }
    }
    return image;
  }
}
