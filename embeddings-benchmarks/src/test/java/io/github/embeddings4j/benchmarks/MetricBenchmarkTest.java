package io.github.embeddings4j.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.StandardMetric;
import org.junit.jupiter.api.Test;

class MetricBenchmarkTest {

  @Test
  void setupAcceptsEveryMetricAtEveryDimension() {
    for (String metric : new String[] {"cosine", "euclidean", "manhattan", "dot"}) {
      for (int dimension : new int[] {128, 512, 1021, 2048}) {
        MetricBenchmark b = new MetricBenchmark();
        b.metric = metric;
        b.dimension = dimension;
        b.setUp();
        double d = b.distance();
        assertTrue(Double.isFinite(d), metric + "@" + dimension + " gave " + d);
      }
    }
  }

  @Test
  void checkRejectsAWrongKernel() {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> ResultCheck.requireClose("dot@512", 10.0, 10.5, 1e-4));
    assertTrue(e.getMessage().contains("dot@512") && e.getMessage().contains("10.5"),
        e.getMessage());
    ResultCheck.requireClose("dot@512", 10.0, 10.0005, 1e-4);
  }

  @Test
  void referenceAgreesWithHandComputedValues() {
    float[] a = {1, 0, -2};
    float[] b = {0, 3, 2};
    assertEquals(4.0, Reference.distance(StandardMetric.DOT_PRODUCT, a, b), 0.0);
    assertEquals(Math.sqrt(1 + 9 + 16), Reference.distance(StandardMetric.EUCLIDEAN, a, b), 1e-12);
    assertEquals(8.0, Reference.distance(StandardMetric.MANHATTAN, a, b), 0.0);
    assertEquals(3.0, Reference.distance(StandardMetric.HAMMING, a, b), 0.0);
  }
}
