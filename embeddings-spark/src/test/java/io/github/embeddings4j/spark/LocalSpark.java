package io.github.embeddings4j.spark;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.apache.spark.sql.SparkSession;

/** One local[2] session for all tests of the module (starting Spark costs seconds). */
final class LocalSpark {

  private static SparkSession session;

  private LocalSpark() {}

  static synchronized SparkSession session() {
    if (session == null) {
      session = SparkSession.builder()
          .master("local[2]")
          .appName("embeddings4j-spark-tests")
          .config("spark.ui.enabled", "false")
          .config("spark.sql.shuffle.partitions", "4")
          .config("spark.driver.host", "127.0.0.1")
          .config("spark.driver.bindAddress", "127.0.0.1")
          .getOrCreate();
    }
    return session;
  }

  /** Writes a seeded PNG of random blocks (so images differ and embeddings differ). */
  static Path png(Path folder, String name, long seed, int size) throws IOException {
    SplittableRandom rnd = new SplittableRandom(seed);
    BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
    int block = Math.max(1, size / 4);
    for (int by = 0; by < size; by += block) {
      for (int bx = 0; bx < size; bx += block) {
        int rgb = rnd.nextInt(1 << 24);
        for (int y = by; y < Math.min(size, by + block); y++) {
          for (int x = bx; x < Math.min(size, bx + block); x++) {
            img.setRGB(x, y, rgb);
          }
        }
      }
    }
    Path file = folder.resolve(name);
    ImageIO.write(img, "png", file.toFile());
    return file;
  }
}
