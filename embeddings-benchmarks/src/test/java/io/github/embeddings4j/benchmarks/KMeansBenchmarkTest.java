package io.github.embeddings4j.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.github.embeddings4j.core.cluster.KMeans;
import io.github.embeddings4j.core.cluster.KMeansOptions;
import org.junit.jupiter.api.Test;

class KMeansBenchmarkTest {

  @Test
  void referenceLloydAgreesWithTheSdkFromTheSameCentroids() {
    int n = 2000;
    int d = 8;
    int k = 6;
    int iterations = 4;
    float[] data = Datasets.synthetic(n, d, 5);
    float[][] init = KMeansBenchmark.initialCentroids(data, n, d, k, 9);
    KMeans fit = KMeans.fit(data, n, d, KMeansOptions.clusters(k).withInitialCentroids(init)
        .withMaxIterations(iterations).withTolerance(0));
    assertEquals(iterations, fit.iterations());
    assertFalse(fit.converged());
    double reference = KMeansBenchmark.referenceInertia(data, n, d, init, iterations);
    assertEquals(reference, fit.inertia(), 1e-4 * reference);
  }

  @Test
  void initialCentroidsAreDistinctRowsOfTheData() {
    float[] data = new float[100 * 2];
    for (int i = 0; i < 100; i++) {
      data[2 * i] = i;
      data[2 * i + 1] = -i;
    }
    float[][] c = KMeansBenchmark.initialCentroids(data, 100, 2, 50, 3);
    java.util.Set<Float> firsts = new java.util.HashSet<>();
    for (float[] row : c) {
      assertEquals(-row[0], row[1]);
      firsts.add(row[0]);
    }
    assertEquals(50, firsts.size());
  }
}
