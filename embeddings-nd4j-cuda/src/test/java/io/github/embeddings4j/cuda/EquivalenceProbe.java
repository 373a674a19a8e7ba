package io.github.embeddings4j.cuda;

import io.github.embeddings4j.api.ImageSource;
import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.core.backend.Backends;
import io.github.embeddings4j.core.reduce.Pca;
import io.github.embeddings4j.core.search.BatchScorer;
import io.github.embeddings4j.core.zoo.Weights;
import io.github.embeddings4j.core.zoo.ZooEmbedder;
import io.github.embeddings4j.core.zoo.ZooModel;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Computes the same seeded results on whatever backend this JVM chose and writes them as text
 * lines ({@code name v1 v2 ...}): embeddings of a randomly initialised zoo CNN, a batch of cosine
 * distances through ND4J's matrix product, and a PCA projection.
 */
final class EquivalenceProbe {

  public static void main(String[] args) throws Exception {
    System.out.println("backend=" + Backends.report().backend());
    List<String> lines = new ArrayList<>();
    try (ZooEmbedder e = ZooEmbedder.builder(ZooModel.SIMPLE_CNN).weights(Weights.random(7))
        .build()) {
      List<ImageSource> images = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        images.add(ImageSource.of(image(64, 48, i), "generated-" + i));
      }
      List<float[]> vectors = e.embedAll(images);
      for (int i = 0; i < vectors.size(); i++) {
        lines.add(line("embedding" + i, vectors.get(i)));
      }
    }
    float[][] queries = random(8, 64, 1);
    float[][] rows = random(300, 64, 2);
    float[][] d = BatchScorer.distances(StandardMetric.COSINE, queries, rows);
    for (int i = 0; i < d.length; i++) {
      lines.add(line("cosine" + i, d[i]));
    }
    float[][] reduced = Pca.fit(rows, Pca.keep(8)).reduceAll(queries);
    for (int i = 0; i < reduced.length; i++) {
      lines.add(line("pca" + i, reduced[i]));
    }
    write(Path.of(args[0]), lines);
  }

  static BufferedImage image(int w, int h, int seed) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        img.setRGB(x, y, ((x * 4 + seed * 40) & 255) << 16 | ((y * 5) & 255) << 8
            | ((x + y + seed * 13) & 255));
      }
    }
    return img;
  }

  static float[][] random(int n, int d, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[][] out = new float[n][d];
    for (float[] row : out) {
      for (int j = 0; j < d; j++) {
        row[j] = (float) r.nextGaussian();
      }
    }
    return out;
  }

  private static String line(String name, float[] v) {
    StringBuilder sb = new StringBuilder(name);
    for (float f : v) {
      sb.append(' ').append(f);
    }
    return sb.toString();
  }

  private static void write(Path file, List<String> lines) throws IOException {
    Files.write(file, lines);
  }
}
