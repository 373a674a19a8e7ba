package io.github.embeddings4j.benchmarks;

import io.github.embeddings4j.core.data.FashionMnist;
import io.github.embeddings4j.core.data.LabeledImages;
import java.io.IOException;
import java.nio.file.Files;
import java.util.SplittableRandom;

/** The data PCA and k-means are measured on. */
final class Datasets {

  /** Fashion-MNIST's training set: images and pixels per image. */
  static final int ROWS = 60_000;
  static final int PIXELS = 784;

  private Datasets() {}

  /**
   * Fashion-MNIST's 60,000 training images as a row-major {@code 60000 x 784} matrix of pixel
   * values scaled to [0, 1]: real data, whose spectrum decides how hard PCA's eigenproblem is.
   * Where the data set is not installed, seeded synthetic data of the same shape and a decaying
   * spectrum stand in, and a fact in the log says so.
   *
   * @return {@code 60000 * 784} values
   */
  static float[] fashionMnistTrain() {
    if (Files.isDirectory(FashionMnist.defaultDirectory())) {
      try {
        LabeledImages train = FashionMnist.load(FashionMnist.defaultDirectory()).train();
        float[] data = new float[ROWS * PIXELS];
        for (int i = 0; i < ROWS; i++) {
          float[] v = train.vector(i);
          for (int j = 0; j < PIXELS; j++) {
            data[i * PIXELS + j] = v[j] / 255f;
          }
        }
        Facts.note("data", "Fashion-MNIST train " + FashionMnist.defaultDirectory());
        return data;
      } catch (IOException e) {
        Facts.note("data", "synthetic (Fashion-MNIST unreadable: " + e.getMessage() + ")");
      }
    } else {
      Facts.note("data", "synthetic (no Fashion-MNIST at " + FashionMnist.defaultDirectory() + ")");
    }
    return synthetic(ROWS, PIXELS, 41);
  }

  /** Rows = sum of 64 seeded directions with weights falling as 1/(j+1), plus noise. */
  static float[] synthetic(int n, int d, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    int rank = 64;
    float[][] basis = new float[rank][d];
    for (float[] b : basis) {
      Inputs.fill(b, r);
    }
    float[] data = new float[n * d];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < rank; j++) {
        float w = (float) (r.nextGaussian() / (j + 1));
        for (int t = 0; t < d; t++) {
          data[i * d + t] += w * basis[j][t];
        }
      }
      for (int t = 0; t < d; t++) {
        data[i * d + t] += (float) (0.01 * r.nextGaussian());
      }
    }
    return data;
  }
}
