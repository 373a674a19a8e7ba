package io.github.embeddings4j.core.train;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;

/** Tiny class-folder datasets written by the tests: each class a tint, noise from a seed. */
final class PhotoFolders {

  private PhotoFolders() {}

  /** {@code root/<class>/<i>.png} with {@code perClass[c]} images of size x size per class. */
  static Path write(Path root, int size, long seed, int... perClass) throws IOException {
    Random random = new Random(seed);
    for (int c = 0; c < perClass.length; c++) {
      Path dir = Files.createDirectories(root.resolve("class" + c));
      for (int i = 0; i < perClass[c]; i++) {
        Files.write(dir.resolve(String.format("%03d.png", i)), png(size, c, random));
      }
    }
    return root;
  }

  static byte[] png(int size, int tint, Random random) throws IOException {
    BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        int base = 60 + random.nextInt(60);
        int r = base + (tint % 3 == 0 ? 120 : 0);
        int g = base + (tint % 3 == 1 ? 120 : 0);
        int b = base + (tint % 3 == 2 ? 120 : 0);
        image.setRGB(x, y, (r << 16) | (g << 8) | b);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(image, "png", out);
    return out.toByteArray();
  }
}
