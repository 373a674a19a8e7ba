package io.github.embeddings4j.core.classify;

import io.github.embeddings4j.api.Embedder;
import io.github.embeddings4j.api.EmbedderDescription;
import io.github.embeddings4j.api.EmbeddingException;
import io.github.embeddings4j.api.EmbeddingResult;
import io.github.embeddings4j.api.ImageSource;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;

/**
 * A tiny embedder for tests: the RGB values of a {@value #SIZE}x{@value #SIZE} image scaled to
 * [0, 1]; counts the images it embeds.
 */
final class PixelEmbedder implements Embedder {

  static final int SIZE = 4;

  final AtomicInteger embedded = new AtomicInteger();
  private final String weights;

  PixelEmbedder(String weights) {
    this.weights = weights;
  }

  @Override
  public int dimension() {
    return SIZE * SIZE * 3;
  }

  @Override
  public List<EmbeddingResult> embedBatch(List<? extends ImageSource> images) {
    List<EmbeddingResult> out = new ArrayList<>();
    for (ImageSource s : images) {
      embedded.incrementAndGet();
      try (InputStream in = s.openStream()) {
        BufferedImage img = ImageIO.read(in);
        if (img == null || img.getWidth() != SIZE || img.getHeight() != SIZE) {
          throw new IOException("not a " + SIZE + "x" + SIZE + " image");
        }
        float[] v = new float[dimension()];
        for (int y = 0; y < SIZE; y++) {
          for (int x = 0; x < SIZE; x++) {
            int rgb = img.getRGB(x, y);
            int at = 3 * (y * SIZE + x);
            v[at] = (rgb >> 16 & 255) / 255f;
            v[at + 1] = (rgb >> 8 & 255) / 255f;
            v[at + 2] = (rgb & 255) / 255f;
          }
        }
        out.add(new EmbeddingResult.Success(s.name(), v));
      } catch (IOException | RuntimeException e) {
        out.add(new EmbeddingResult.Failure(s.name(),
            new EmbeddingException(s.name(), "cannot decode: " + e.getMessage(), e)));
      }
    }
    return out;
  }

  @Override
  public EmbedderDescription describe() {
    return EmbedderDescription.builder("test pixels", dimension()).weights(weights).build();
  }

  @Override
  public void close() {}

  /**
   * Writes {@code classes} class folders of {@code perClass} images each: every class has its
   * own random pattern, every image that pattern plus a little noise.
   */
  static void writeDataset(Path root, int classes, int perClass, long seed) throws IOException {
    Random r = new Random(seed);
    for (int c = 0; c < classes; c++) {
      Path dir = Files.createDirectories(root.resolve(String.format("class%04d", c)));
      int[] pattern = new int[SIZE * SIZE * 3];
      for (int i = 0; i < pattern.length; i++) {
        pattern[i] = 30 + r.nextInt(196);
      }
      for (int k = 0; k < perClass; k++) {
        BufferedImage img = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < SIZE; y++) {
          for (int x = 0; x < SIZE; x++) {
            int at = 3 * (y * SIZE + x);
            int red = pattern[at] + r.nextInt(11) - 5;
            int green = pattern[at + 1] + r.nextInt(11) - 5;
            int blue = pattern[at + 2] + r.nextInt(11) - 5;
            img.setRGB(x, y, red << 16 | green << 8 | blue);
          }
        }
        ImageIO.write(img, "png", dir.resolve("img" + k + ".png").toFile());
      }
    }
  }
}
