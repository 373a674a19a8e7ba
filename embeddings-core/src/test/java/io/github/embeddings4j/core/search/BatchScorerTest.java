package io.github.embeddings4j.core.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.embeddings4j.api.StandardMetric;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The matrix-product route gives the per-pair metric's distances up to rounding. */
class BatchScorerTest {

  @ParameterizedTest
  @EnumSource(value = StandardMetric.class,
      names = {"DOT_PRODUCT", "COSINE", "EUCLIDEAN", "SQUARED_EUCLIDEAN"})
  void matrixProductMatchesPerPairDistances(StandardMetric metric) {
    SplittableRandom rnd = new SplittableRandom(5);
    int d = 37;
    float[][] q = new float[6][d];
    float[][] x = new float[50][d];
    for (float[][] m : new float[][][] {q, x}) {
      for (float[] row : m) {
        for (int i = 0; i < d; i++) {
          row[i] = (float) rnd.nextDouble(-1, 1);
        }
      }
    }
    x[3] = new float[d]; // a zero vector: cosine distance 1
    float[][] out = BatchScorer.distances(metric, q, x);
    for (int i = 0; i < q.length; i++) {
      for (int j = 0; j < x.length; j++) {
        assertEquals(metric.distance(q[i], x[j]), out[i][j], 1e-4, metric + " " + i + "," + j);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = StandardMetric.class, names = {"MANHATTAN", "HAMMING"})
  void metricsWithoutMatrixFormAreRefused(StandardMetric metric) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> BatchScorer.distances(metric, new float[1][2], new float[1][2]));
    assertEquals("metric '" + metric + "' has no matrix-product form; use dot, cosine, "
        + "euclidean or sqeuclidean", e.getMessage());
  }
}
