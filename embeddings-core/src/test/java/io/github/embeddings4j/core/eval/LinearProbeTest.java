package io.github.embeddings4j.core.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class LinearProbeTest {

  /** Three Gaussian blobs in 5-D around well separated centres, plus a constant dimension. */
  private static float[][] blobs(int n, int[] labels, long seed) {
    Random r = new Random(seed);
    float[][] x = new float[n][6];
    for (int i = 0; i < n; i++) {
      labels[i] = i % 3;
      for (int j = 0; j < 5; j++) {
        x[i][j] = (float) (r.nextGaussian() + (j == labels[i] ? 4 : 0));
      }
      x[i][5] = 7; // constant: must not divide by a zero spread
    }
    return x;
  }

  @Test
  void separatesBlobsAndRepeatsWithTheSeed() {
    int[] y = new int[600];
    float[][] x = blobs(600, y, 1);
    int[] testY = new int[300];
    float[][] test = blobs(300, testY, 2);
    LinearProbe a = LinearProbe.fit(x, y, 10, 5);
    double acc = a.accuracy(test, testY);
    assertTrue(acc > 0.95, "accuracy " + acc);
    assertArrayEquals(a.predict(test), LinearProbe.fit(x, y, 10, 5).predict(test));
  }

  @Test
  void wrongDimensionIsReportedWithBothLengths() {
    int[] y = new int[30];
    LinearProbe probe = LinearProbe.fit(blobs(30, y, 1), y, 1, 5);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> probe.predict(new float[4]));
    assertTrue(e.getMessage().contains("4 != 6"), e.getMessage());
  }
}
