package io.github.embeddings4j.core.reduce;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Files written by format version 1 and kept in the test resources: a later change that can no
 * longer read them breaks saved models, and fails here.
 */
class GoldenFilesTest {

  /** Eight rows of the Hadamard design of {@link PcaTest} (d = 5, amplitudes 4, 2, 1). */
  static float[][] hadamardData() {
    int[][] h = new int[8][8];
    h[0][0] = 1;
    for (int size = 1; size < 8; size *= 2) {
      for (int i = 0; i < size; i++) {
        for (int j = 0; j < size; j++) {
          h[i][j + size] = h[i][j];
          h[i + size][j] = h[i][j];
          h[i + size][j + size] = -h[i][j];
        }
      }
    }
    double[][] u = PcaTest.orthonormalBasis(5, 3);
    double[] a = {4, 2, 1};
    float[][] x = new float[8][5];
    for (int i = 0; i < 8; i++) {
      for (int j = 0; j < 5; j++) {
        double v = 10 + j;
        for (int c = 0; c < 3; c++) {
          v += a[c] * h[i][c + 1] * u[c][j];
        }
        x[i][j] = (float) v;
      }
    }
    return x;
  }

  static Path resource(String name) throws URISyntaxException {
    return Path.of(GoldenFilesTest.class.getResource(name).toURI());
  }

  @Test
  void pcaVersionOneLoads() throws Exception {
    Pca golden = Pca.load(resource("pca-v1.e4j"));
    assertEquals(5, golden.inputDimension());
    assertEquals(3, golden.outputDimension());
    double[] variance = golden.explainedVariance();
    double[] a = {4, 2, 1};
    for (int c = 0; c < 3; c++) {
      assertEquals(a[c] * a[c] * 8 / 7, variance[c], 1e-3);
    }
    assertArrayEquals(new float[] {10, 11, 12, 13, 14}, golden.mean(), 1e-5f);
    Pca fresh = Pca.fit(hadamardData(), PcaOptions.components(3));
    float[] probe = {1, -2, 3, 0.5f, 7};
    assertArrayEquals(fresh.reduce(probe), golden.reduce(probe), 1e-4f);
  }

  @Test
  void binarizerVersionOneLoads() throws Exception {
    ThresholdBinarizer golden = ThresholdBinarizer.load(resource("binarizer-v1.e4j"));
    assertEquals(ThresholdBinarizer.Threshold.MEDIAN, golden.threshold());
    assertEquals(3, golden.bits());
    float[][] x = hadamardData();
    ThresholdBinarizer fresh = ThresholdBinarizer.fit(x, ThresholdBinarizer.Threshold.MEDIAN,
        Pca.fit(x, PcaOptions.components(3)));
    for (float[] row : x) {
      assertArrayEquals(fresh.encode(row), golden.encode(row));
    }
  }

  @Test
  void simHashVersionOneLoadsWithTheHyperplanesOfItsSeed() throws Exception {
    SimHash golden = SimHash.load(resource("simhash-v1.e4j"));
    SimHash fresh = SimHash.create(5, 70, 42);
    assertEquals(42, golden.seed());
    for (int i = 0; i < 70; i++) {
      // Also pins the seeded generator: the same seed must keep giving the same planes.
      assertArrayEquals(fresh.hyperplanes()[i], golden.hyperplanes()[i]);
    }
  }
}
