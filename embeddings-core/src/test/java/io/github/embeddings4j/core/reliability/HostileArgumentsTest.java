package io.github.embeddings4j.core.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.Neighbor;
import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.core.classify.KnnClassifier;
import io.github.embeddings4j.core.cluster.KMeans;
import io.github.embeddings4j.core.cluster.KMeansOptions;
import io.github.embeddings4j.core.reduce.Pca;
import io.github.embeddings4j.core.search.BinaryIndex;
import io.github.embeddings4j.core.search.FlatIndex;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 9's hostile vectors and arguments, each with its documented outcome: non-finite
 * components rank after every finite distance and never displace a true neighbour; a zero
 * vector is at cosine distance 1 from everything; misuse is an {@link IllegalArgumentException}
 * naming the values.
 */
class HostileArgumentsTest {

  private static final int N = 300;
  private static final int D = 16;

  /** Rows of Gaussian noise with a NaN row, an infinite row and a zero row among them. */
  private static float[][] poisonedRows() {
    Random random = new Random(17);
    float[][] rows = new float[N][D];
    for (float[] r : rows) {
      for (int j = 0; j < D; j++) {
        r[j] = (float) random.nextGaussian();
      }
    }
    rows[7][3] = Float.NaN;
    rows[13][0] = Float.POSITIVE_INFINITY;
    rows[21] = new float[D];
    rows[40][5] = Float.NEGATIVE_INFINITY;
    return rows;
  }

  /** The answer by definition: every distance from the metric itself, sorted. */
  private static List<Neighbor> bruteForce(StandardMetric metric, float[][] rows, float[] q,
      int k) {
    List<Neighbor> all = new ArrayList<>();
    for (int i = 0; i < rows.length; i++) {
      all.add(new Neighbor(i, metric.distance(q, rows[i])));
    }
    all.sort(Comparator.naturalOrder());
    return all.subList(0, Math.min(k, all.size()));
  }

  @ParameterizedTest
  @EnumSource(value = StandardMetric.class, names = {"COSINE", "EUCLIDEAN", "MANHATTAN",
      "DOT_PRODUCT"})
  void nonFiniteRowsRankLastAndNeverDisplaceATrueNeighbour(StandardMetric metric) {
    float[][] rows = poisonedRows();
    for (int threads : new int[] {1, 3}) {
      FlatIndex index = FlatIndex.builder(D).metric(metric).threads(threads).build();
      for (int i = 0; i < N; i++) {
        index.add(i, rows[i]);
      }
      Random random = new Random(5);
      float[][] queries = new float[12][D];
      for (float[] q : queries) {
        for (int j = 0; j < D; j++) {
          q[j] = (float) random.nextGaussian();
        }
      }
      for (int k : new int[] {1, 10, N, N + 50}) {
        List<List<Neighbor>> batch = index.searchAll(queries, k);
        for (int qi = 0; qi < queries.length; qi++) {
          List<Neighbor> expected = bruteForce(metric, rows, queries[qi], k);
          String what = metric + ", threads " + threads + ", k " + k + ", query " + qi;
          assertSameNeighbours(expected, index.search(queries[qi], k), what);
          assertSameNeighbours(expected, batch.get(qi), what + " (batch)");
        }
      }
    }
  }

  /**
   * Finite distances must match the definition neighbour for neighbour (ties within float
   * rounding may swap); non-finite ones come after all of them.
   */
  private static void assertSameNeighbours(List<Neighbor> expected, List<Neighbor> actual,
      String what) {
    assertEquals(expected.size(), actual.size(), what);
    boolean seenNonFinite = false;
    for (int i = 0; i < expected.size(); i++) {
      Neighbor e = expected.get(i);
      Neighbor a = actual.get(i);
      if (!Double.isFinite(e.distance())) {
        seenNonFinite = true;
      }
      if (seenNonFinite) {
        assertTrue(!Double.isFinite(a.distance()) || i < expected.size() && a.id() == e.id(),
            what + ": position " + i + " holds " + a + ", expected something non-finite like "
                + e);
        continue;
      }
      double tolerance = 1e-4 * Math.max(1, Math.abs(e.distance()));
      assertEquals(e.distance(), a.distance(), tolerance, what + ": position " + i);
      if (a.id() != e.id()) {
        assertEquals(e.distance(), expected.get(i).distance(), tolerance, what);
      }
    }
  }

  @Test
  void theNanRowIsLastWhenEveryRowIsAsked() {
    float[][] rows = poisonedRows();
    FlatIndex index = FlatIndex.builder(D).metric(StandardMetric.EUCLIDEAN).build();
    index.addAll(0, rows);
    List<Neighbor> all = index.search(rows[100], N);
    assertEquals(7, all.get(N - 1).id());
    assertTrue(Double.isNaN(all.get(N - 1).distance()));
    // The two infinite rows are just before it, in id order.
    assertEquals(List.of(13L, 40L), List.of(all.get(N - 3).id(), all.get(N - 2).id()));
    assertEquals(Double.POSITIVE_INFINITY, all.get(N - 2).distance());
    assertEquals(100, all.get(0).id());
    assertEquals(0.0, all.get(0).distance());
  }

  @Test
  void aZeroVectorIsAtCosineDistanceOneFromEverything() {
    float[][] rows = poisonedRows();
    FlatIndex index = FlatIndex.builder(D).metric(StandardMetric.COSINE).build();
    for (int i = 0; i < 50; i++) {
      if (i != 7 && i != 13 && i != 40) {
        index.add(i, rows[i]);
      }
    }
    List<Neighbor> result = index.search(new float[D], 5);
    assertEquals(5, result.size());
    for (Neighbor n : result) {
      assertEquals(1.0, n.distance(), 1e-6, n.toString());
    }
    // All tied: smaller ids first.
    assertEquals(List.of(0L, 1L, 2L, 3L, 4L), result.stream().map(Neighbor::id).toList());
    assertEquals(1.0, StandardMetric.COSINE.distance(new float[D], new float[D]), 0.0);
  }

  @Test
  void mismatchedDimensionsNameBothLengths() {
    FlatIndex index = FlatIndex.builder(D).build();
    IllegalArgumentException add = assertThrows(IllegalArgumentException.class,
        () -> index.add(1, new float[3]));
    assertEquals("vector dimensions differ: vector has 3 components, the index 16",
        add.getMessage());
    index.add(1, new float[D]);
    IllegalArgumentException query = assertThrows(IllegalArgumentException.class,
        () -> index.search(new float[17], 1));
    assertEquals("vector dimensions differ: query has 17 components, the index 16",
        query.getMessage());
    BinaryIndex codes = BinaryIndex.builder(2).build();
    IllegalArgumentException code = assertThrows(IllegalArgumentException.class,
        () -> codes.add(1, new long[3]));
    assertEquals("binary code lengths differ: vector has 3 words, the index 2", code.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> StandardMetric.EUCLIDEAN.distance(new float[3], new float[4]));
  }

  @Test
  void anEmptyIndexAnswersWithNoNeighbours() {
    FlatIndex index = FlatIndex.builder(D).build();
    assertEquals(List.of(), index.search(new float[D], 5));
    assertEquals(List.of(List.of(), List.of()), index.searchAll(new float[2][D], 5));
    assertEquals(List.of(), BinaryIndex.builder(1).build().search(new long[1], 3));
  }

  @Test
  void kMustBePositiveAndLargerKGivesTheWholeIndex() {
    FlatIndex index = FlatIndex.builder(2).build();
    index.add(1, new float[] {0, 0});
    index.add(2, new float[] {1, 0});
    for (int k : new int[] {0, -3, Integer.MIN_VALUE}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> index.search(new float[2], k));
      assertEquals("k must be at least 1: " + k, e.getMessage());
    }
    assertEquals(List.of(new Neighbor(1, 0.0), new Neighbor(2, 1.0)),
        index.search(new float[2], Integer.MAX_VALUE));
    IllegalArgumentException knn = assertThrows(IllegalArgumentException.class,
        () -> KnnClassifier.fit(new float[][] {{0, 0}}, new int[] {0}, StandardMetric.EUCLIDEAN,
            0, KnnClassifier.Vote.MAJORITY));
    assertEquals("k must be at least 1: 0", knn.getMessage());
  }

  @Test
  void pcaRefusesMoreComponentsThanDimensionsOrSamplesAndNonFiniteData() {
    float[][] rows = new float[10][4];
    Random random = new Random(3);
    for (float[] r : rows) {
      for (int j = 0; j < 4; j++) {
        r[j] = (float) random.nextGaussian();
      }
    }
    IllegalArgumentException dims = assertThrows(IllegalArgumentException.class,
        () -> Pca.fit(rows, Pca.keep(5)));
    assertEquals("PCA asked for 5 components, but the data has only 4 dimensions"
        + " (10 samples of dimension 4)", dims.getMessage());
    IllegalArgumentException samples = assertThrows(IllegalArgumentException.class,
        () -> Pca.fit(new float[][] {rows[0], rows[1], rows[2]}, Pca.keep(4)));
    assertTrue(samples.getMessage().contains("there are only 3 samples"), samples.getMessage());
    rows[2][1] = Float.NaN;
    IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
        () -> Pca.fit(rows, Pca.keep(2)));
    assertEquals("PCA data has a non-finite value NaN at row 2, column 1", nan.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Pca.keep(0));
  }

  @Test
  void kMeansRefusesMoreClustersThanPointsAndNonFiniteData() {
    float[][] three = {{0, 0}, {1, 1}, {2, 2}};
    IllegalArgumentException many = assertThrows(IllegalArgumentException.class,
        () -> KMeans.fit(three, KMeansOptions.clusters(5)));
    assertEquals("k-means asked for 5 clusters but there are only 3 points", many.getMessage());
    // As many clusters as points is legal: each point is its own centroid.
    KMeans exact = KMeans.fit(three, KMeansOptions.clusters(3).withSeed(1));
    assertEquals(0.0, exact.inertia(), 1e-12);
    float[][] inf = {{0, 0}, {Float.POSITIVE_INFINITY, 1}, {2, 2}};
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
        () -> KMeans.fit(inf, KMeansOptions.clusters(2)));
    assertEquals("k-means data has a non-finite value Infinity at row 1, column 0",
        bad.getMessage());
  }
}
