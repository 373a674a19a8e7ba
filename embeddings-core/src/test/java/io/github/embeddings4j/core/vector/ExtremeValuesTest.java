package io.github.embeddings4j.core.vector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.Neighbor;
import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.api.spi.ScalarVectorKernels;
import io.github.embeddings4j.api.spi.VectorKernels;
import io.github.embeddings4j.core.cluster.KMeans;
import io.github.embeddings4j.core.cluster.KMeansOptions;
import io.github.embeddings4j.core.search.FlatIndex;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Finite vectors far from 1 in magnitude (issue 22, item 10): scaled by 1e20 their squares
 * overflow float, scaled by 1e-25 they underflow. Cosine and Euclidean must still be right (the
 * kernels, the metrics, search and k-means), the same for the scalar and the SIMD kernels.
 */
class ExtremeValuesTest {

  private static final List<VectorKernels> BOTH = List.of(new PanamaVectorKernels(),
      ScalarVectorKernels.INSTANCE);
  private static final int N = 37;

  private static float[][] rows(int count, float scale, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    float[][] out = new float[count][N];
    for (float[] row : out) {
      for (int i = 0; i < N; i++) {
        row[i] = (float) (rnd.nextDouble(-1, 1) * scale);
      }
    }
    return out;
  }

  private static double cosineInDouble(float[] a, float[] b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += (double) a[i] * b[i];
      na += (double) a[i] * a[i];
      nb += (double) b[i] * b[i];
    }
    return dot / Math.sqrt(na * nb);
  }

  private static double distanceInDouble(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      double d = (double) a[i] - b[i];
      s += d * d;
    }
    return Math.sqrt(s);
  }

  @ParameterizedTest
  @ValueSource(floats = {1e20f, 1e-25f, 3e38f, 1e-44f})
  void cosineIsRightForBothKernels(float scale) {
    float[][] r = rows(2, scale, 5);
    double expected = cosineInDouble(r[0], r[1]);
    for (VectorKernels k : BOTH) {
      assertEquals(expected, k.cosine(r[0], 0, r[1], 0, N), 1e-5, k.name() + " " + scale);
      assertEquals(1f, k.cosine(r[0], 0, r[0], 0, N), 1e-6, k.name() + " self " + scale);
    }
    assertEquals(0.0, StandardMetric.COSINE.distance(r[0], r[0].clone()), 1e-6);
    assertEquals(1 - expected, StandardMetric.COSINE.distance(r[0], r[1]), 1e-5);
  }

  @ParameterizedTest
  @ValueSource(floats = {1e20f, 1e-25f, 1e30f})
  void euclideanIsRightWhereTheFloatSquareIsNot(float scale) {
    float[][] r = rows(2, scale, 9);
    double expected = distanceInDouble(r[0], r[1]);
    for (VectorKernels k : BOTH) {
      float s = k.squareDistance(r[0], 0, r[1], 0, N);
      assertTrue(VectorKernels.outsideFloatRange(s), k.name() + " " + s);
      assertEquals(expected * expected, k.wideSquareDistance(r[0], 0, r[1], 0, N),
          expected * expected * 1e-12, k.name());
    }
    assertEquals(expected, StandardMetric.EUCLIDEAN.distance(r[0], r[1]), expected * 1e-6);
    assertEquals(expected, VectorMath.euclideanDistance(r[0], r[1]), expected * 1e-6);
    assertEquals(expected * expected, StandardMetric.SQUARED_EUCLIDEAN.distance(r[0], r[1]),
        expected * expected * 1e-6);
  }

  @ParameterizedTest
  @ValueSource(floats = {1e20f, 1e-25f})
  void searchRanksByTheRealDistances(float scale) {
    float[][] r = rows(200, scale, 11);
    float[] query = r[123].clone();
    for (StandardMetric metric : new StandardMetric[] {StandardMetric.EUCLIDEAN,
        StandardMetric.COSINE}) {
      FlatIndex index = FlatIndex.builder(N).metric(metric).threads(1).build();
      index.addAll(0, r);
      List<Neighbor> hits = index.search(query, 5);
      assertEquals(123L, hits.get(0).id(), metric + " exact duplicate first");
      assertEquals(0.0, hits.get(0).distance(), metric == StandardMetric.COSINE ? 1e-6 : 0.0);
      long[] expected = java.util.stream.IntStream.range(0, 200).boxed()
          .sorted((x, y) -> Double.compare(metric.distance(query, r[x]),
              metric.distance(query, r[y])))
          .limit(5).mapToLong(Integer::longValue).toArray();
      assertArrayEquals(expected, hits.stream().mapToLong(Neighbor::id).toArray(), metric + "");
      for (int j = 1; j < 5; j++) {
        assertTrue(Double.isFinite(hits.get(j).distance()) && hits.get(j).distance() > 0,
            metric + " " + hits.get(j));
      }
      // The four-query kernels and the one-query path agree.
      List<List<Neighbor>> all = index.searchAll(new float[][] {query, query, query, query}, 5);
      assertEquals(hits, all.get(3));
    }
  }

  @ParameterizedTest
  @ValueSource(floats = {1e20f, 1e-25f})
  void kMeansFindsTheSameClustersAtAnyScale(float scale) {
    float[][] unit = rows(60, 1f, 17);
    for (int i = 0; i < 60; i++) {
      unit[i][0] += (i % 3) * 10f;
    }
    float[][] scaled = new float[60][];
    for (int i = 0; i < 60; i++) {
      scaled[i] = unit[i].clone();
      for (int t = 0; t < N; t++) {
        scaled[i][t] *= scale;
      }
    }
    KMeansOptions options = KMeansOptions.clusters(3).withSeed(4);
    KMeans reference = KMeans.fit(unit, options);
    KMeans extreme = KMeans.fit(scaled, options);
    assertArrayEquals(reference.assignments(), extreme.assignments());
    for (int j = 0; j < 3; j++) {
      double d = StandardMetric.EUCLIDEAN.distance(scaled[0], extreme.centroid(j));
      assertTrue(Double.isFinite(d) && d > 0, "distance to centroid " + j + ": " + d);
    }
    assertEquals(reference.inertia() * (double) scale * scale, extreme.inertia(),
        reference.inertia() * (double) scale * scale * 1e-4);
    assertEquals(extreme.assignments()[7], extreme.predict(scaled[7]));
  }

  @ParameterizedTest
  @ValueSource(floats = {1e20f, 1e-25f})
  void dotProductBeyondFloatIsTheDocumentedLimit(float scale) {
    float[] a = new float[N];
    java.util.Arrays.fill(a, scale);
    float expected = scale > 1 ? Float.POSITIVE_INFINITY : 0f;
    for (VectorKernels k : BOTH) {
      assertEquals(expected, k.dotProduct(a, 0, a, 0, N), k.name());
    }
    assertEquals(-(double) expected, StandardMetric.DOT_PRODUCT.distance(a, a));
  }
}
