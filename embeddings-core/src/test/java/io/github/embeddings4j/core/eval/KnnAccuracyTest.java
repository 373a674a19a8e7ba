package io.github.embeddings4j.core.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.DistanceMetric;
import io.github.embeddings4j.api.StandardMetric;
import java.util.Random;
import org.junit.jupiter.api.Test;

class KnnAccuracyTest {

  private static float[][] points(double... xs) {
    float[][] out = new float[xs.length][];
    for (int i = 0; i < xs.length; i++) {
      out[i] = new float[] {(float) xs[i]};
    }
    return out;
  }

  @Test
  void uniformVotesOnALine() {
    float[][] train = points(0, 1, 2, 10, 11);
    int[] labels = {0, 0, 0, 1, 1};
    // 9: neighbours 10, 11, 2 -> 1, 1, 0. 5: neighbours 2, 1, 10 -> 0, 0, 1.
    int[] predicted = KnnAccuracy.predict(train, labels, points(9, 5), 3,
        StandardMetric.EUCLIDEAN, Voting.UNIFORM);
    assertArrayEquals(new int[] {1, 0}, predicted);
    assertEquals(0.5, KnnAccuracy.of(train, labels, points(9, 5), new int[] {1, 1}, 3,
        StandardMetric.EUCLIDEAN, Voting.UNIFORM));
  }

  @Test
  void distanceWeightingLetsTheNearestOutvoteTwoFarOnes() {
    float[][] train = points(0, 3, 3.5);
    int[] labels = {0, 1, 1};
    float[][] query = points(0.5);
    // Distances 0.5, 2.5, 3: uniform 2 votes to 1; weighted 2 against 0.4 + 0.33.
    assertArrayEquals(new int[] {1}, KnnAccuracy.predict(train, labels, query, 3,
        StandardMetric.EUCLIDEAN, Voting.UNIFORM));
    assertArrayEquals(new int[] {0}, KnnAccuracy.predict(train, labels, query, 3,
        StandardMetric.EUCLIDEAN, Voting.DISTANCE));
  }

  @Test
  void tieGoesToTheClassOfTheNearestNeighbour() {
    float[][] train = points(0, 1.5);
    int[] labels = {1, 0};
    assertArrayEquals(new int[] {0, 1}, KnnAccuracy.predict(train, labels, points(1, 0.5), 2,
        StandardMetric.EUCLIDEAN, Voting.UNIFORM));
  }

  @Test
  void distanceVotingRefusesNegativeDistances() {
    float[][] train = points(1, 2);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> KnnAccuracy.predict(train, new int[] {0, 1}, points(1), 2,
            StandardMetric.DOT_PRODUCT, Voting.DISTANCE));
    assertTrue(e.getMessage().contains("non-negative"), e.getMessage());
  }

  @Test
  void mismatchedCountsAreReportedWithBothCounts() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> KnnAccuracy.of(points(1, 2), new int[] {0}, points(1), new int[] {0}, 1,
            StandardMetric.EUCLIDEAN, Voting.UNIFORM));
    assertTrue(e.getMessage().contains("2 != 1"), e.getMessage());
  }

  /** The matrix-product path must rank as the metric itself does, pair by pair. */
  @Test
  void matrixProductSearchAgreesWithPairwiseDistances() {
    Random r = new Random(3);
    float[][] base = new float[207][13];
    float[][] queries = new float[31][13];
    for (float[][] m : new float[][][] {base, queries}) {
      for (float[] v : m) {
        for (int j = 0; j < v.length; j++) {
          v[j] = (float) r.nextGaussian();
        }
      }
    }
    for (StandardMetric m : new StandardMetric[] {StandardMetric.COSINE,
        StandardMetric.EUCLIDEAN, StandardMetric.SQUARED_EUCLIDEAN, StandardMetric.DOT_PRODUCT}) {
      DistanceMetric plain = new DistanceMetric() {
        @Override
        public String metricName() {
          return m.metricName();
        }

        @Override
        public double distance(float[] a, float[] b) {
          return m.distance(a, b);
        }

        @Override
        public boolean isMetric() {
          return m.isMetric();
        }
      };
      NearestNeighbors.Result fast = NearestNeighbors.search(base, queries, 7, m);
      NearestNeighbors.Result slow = NearestNeighbors.search(base, queries, 7, plain);
      for (int q = 0; q < queries.length; q++) {
        assertArrayEquals(slow.ids()[q], fast.ids()[q], m + " query " + q);
        assertArrayEquals(slow.distances()[q], fast.distances()[q], 1e-4, m + " query " + q);
      }
    }
  }
}
