package io.github.embeddings4j.core.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.DistanceMetric;
import io.github.embeddings4j.api.Neighbor;
import io.github.embeddings4j.api.StandardMetric;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** FlatIndex against a brute-force reference: sort every (distance, id) by Neighbor's order. */
class FlatIndexTest {

  static float[][] random(long seed, int n, int d) {
    SplittableRandom rnd = new SplittableRandom(seed);
    float[][] v = new float[n][d];
    for (float[] row : v) {
      for (int i = 0; i < d; i++) {
        row[i] = (float) rnd.nextDouble(-1, 1);
      }
    }
    return v;
  }

  static List<Neighbor> bruteForce(DistanceMetric m, float[][] data, long[] ids, float[] q,
      int k) {
    List<Neighbor> all = new ArrayList<>();
    for (int i = 0; i < data.length; i++) {
      all.add(new Neighbor(ids[i], m.distance(q, data[i]) + 0.0));
    }
    all.sort(null);
    return all.subList(0, Math.min(k, all.size()));
  }

  static void assertSameNeighbors(List<Neighbor> expected, List<Neighbor> actual, double tol,
      String what) {
    assertEquals(expected.size(), actual.size(), what);
    for (int i = 0; i < expected.size(); i++) {
      Neighbor e = expected.get(i);
      Neighbor a = actual.get(i);
      if (Double.isNaN(e.distance())) {
        assertTrue(Double.isNaN(a.distance()), what + " #" + i + " " + a);
      } else {
        assertEquals(e.distance(), a.distance(), tol, what + " #" + i);
      }
      assertEquals(e.id(), a.id(), what + " #" + i + " expected " + expected + " got " + actual);
    }
  }

  private static long[] shuffledIds(int n, long seed) {
    long[] ids = new long[n];
    SplittableRandom rnd = new SplittableRandom(seed);
    for (int i = 0; i < n; i++) {
      ids[i] = 1000L * i + rnd.nextInt(1000);
    }
    for (int i = n - 1; i > 0; i--) {
      int j = rnd.nextInt(i + 1);
      long t = ids[i];
      ids[i] = ids[j];
      ids[j] = t;
    }
    return ids;
  }

  @ParameterizedTest
  @EnumSource(StandardMetric.class)
  void matchesBruteForceForOneAndManyQueries(StandardMetric metric) {
    int n = 3000;
    int d = 100;
    float[][] data = random(1, n, d);
    long[] ids = shuffledIds(n, 2);
    // Tiny blocks, so that scans cross block boundaries, and two threads.
    FlatIndex index = FlatIndex.builder(d).metric(metric).threads(2).blockFloats(d * 700).build();
    for (int i = 0; i < n; i++) {
      index.add(ids[i], data[i]);
    }
    float[][] queries = random(3, 12, d);
    // Cosine is computed from stored norms, so it may differ from the metric in the last bits.
    double tol = metric == StandardMetric.COSINE ? 1e-6 : 0.0;
    List<List<Neighbor>> many = index.searchAll(queries, 9);
    for (int q = 0; q < queries.length; q++) {
      List<Neighbor> expected = bruteForce(metric, data, ids, queries[q], 9);
      assertSameNeighbors(expected, index.search(queries[q], 9), tol, metric + " one q" + q);
      assertSameNeighbors(expected, many.get(q), tol, metric + " many q" + q);
    }
  }

  @ParameterizedTest
  @EnumSource(value = StandardMetric.class,
      names = {"DOT_PRODUCT", "COSINE", "EUCLIDEAN", "SQUARED_EUCLIDEAN"})
  void matrixProductRouteGivesTheScanResults(StandardMetric metric) {
    int d = 24;
    float[][] data = random(11, 2500, d);
    FlatIndex gemm = FlatIndex.builder(d).metric(metric).threads(2).blockFloats(d * 900)
        .matrixProduct(true).build();
    FlatIndex scan = FlatIndex.builder(d).metric(metric).threads(2).matrixProduct(false).build();
    gemm.addAll(0, data);
    scan.addAll(0, data);
    float[][] queries = random(12, 40, d);
    List<List<Neighbor>> batched = gemm.searchAll(queries, 5);
    List<List<Neighbor>> scanned = scan.searchAll(queries, 5);
    for (int q = 0; q < queries.length; q++) {
      assertSameNeighbors(scanned.get(q), batched.get(q), 0.0, metric + " q" + q);
    }
  }

  @ParameterizedTest
  @EnumSource(value = StandardMetric.class,
      names = {"DOT_PRODUCT", "COSINE", "EUCLIDEAN", "SQUARED_EUCLIDEAN"})
  void matrixProductRouteKeepsTiesZeroRowsAndExactMatches(StandardMetric metric) {
    // Rows repeated (ties the filter must not drop), a zero row, queries equal to stored rows
    // (distance 0, where |q|^2 + |x|^2 - 2 q.x cancels), and more queries than one product
    // takes (BatchScorer.QUERY_BATCH), so two query blocks share the score buffer.
    int d = 16;
    float[][] base = random(21, 600, d);
    float[][] data = new float[1800][];
    for (int i = 0; i < data.length; i++) {
      data[i] = base[i % base.length];
    }
    data[77] = new float[d];
    int nq = BatchScorer.QUERY_BATCH + 37;
    float[][] queries = random(22, nq, d);
    for (int q = 0; q < nq; q += 7) {
      queries[q] = data[(q * 13) % data.length].clone();
    }
    FlatIndex gemm = FlatIndex.builder(d).metric(metric).threads(2).blockFloats(d * 700)
        .matrixProduct(true).build();
    FlatIndex scan = FlatIndex.builder(d).metric(metric).threads(2).matrixProduct(false).build();
    gemm.addAll(0, data);
    scan.addAll(0, data);
    List<List<Neighbor>> batched = gemm.searchAll(queries, 7);
    List<List<Neighbor>> scanned = scan.searchAll(queries, 7);
    for (int q = 0; q < nq; q++) {
      assertSameNeighbors(scanned.get(q), batched.get(q), 0.0, metric + " q" + q);
    }
  }

  @Test
  void customMetricIsUsedAsGiven() {
    DistanceMetric chebyshev = new DistanceMetric() {
      @Override
      public String metricName() {
        return "chebyshev";
      }

      @Override
      public double distance(float[] a, float[] b) {
        DistanceMetric.requireSameDimension(a, b);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
          max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
      }

      @Override
      public boolean isMetric() {
        return true;
      }
    };
    float[][] data = random(21, 400, 6);
    long[] ids = shuffledIds(400, 22);
    FlatIndex index = FlatIndex.builder(6).metric(chebyshev).build();
    for (int i = 0; i < data.length; i++) {
      index.add(ids[i], data[i]);
    }
    float[] q = random(23, 1, 6)[0];
    assertSameNeighbors(bruteForce(chebyshev, data, ids, q, 4), index.search(q, 4), 0.0, "cheb");
  }

  @Test
  void equalDistancesAreOrderedById() {
    FlatIndex index = FlatIndex.builder(2).threads(2).blockFloats(4).build();
    float[] same = {1, 1};
    long[] ids = {90, 12, 55, 7, 31, 64};
    for (long id : ids) {
      index.add(id, same);
    }
    index.add(3L, new float[] {5, 5});
    List<Neighbor> hits = index.search(new float[] {0, 0}, 4);
    assertEquals(List.of(7L, 12L, 31L, 55L), hits.stream().map(Neighbor::id).toList());
    assertEquals(Math.sqrt(2), hits.get(0).distance(), 1e-6);
  }

  @Test
  void nanDistancesRankLastAndLargeKReturnsAll() {
    FlatIndex index = FlatIndex.builder(3).build();
    index.add(1L, new float[] {Float.NaN, 0, 0});
    index.add(2L, new float[] {3, 0, 0});
    index.add(0L, new float[] {Float.NaN, 1, 1});
    index.add(4L, new float[] {1, 0, 0});
    List<Neighbor> hits = index.search(new float[] {0, 0, 0}, 100);
    assertEquals(List.of(4L, 2L, 0L, 1L), hits.stream().map(Neighbor::id).toList());
    assertEquals(1.0, hits.get(0).distance());
    assertEquals(3.0, hits.get(1).distance());
    assertTrue(Double.isNaN(hits.get(2).distance()));
  }

  @Test
  void zeroVectorsAreAtCosineDistanceOne() {
    FlatIndex index = FlatIndex.builder(2).metric(StandardMetric.COSINE).build();
    index.add(1L, new float[] {0, 0});
    index.add(2L, new float[] {-1, 0});
    List<Neighbor> hits = index.search(new float[] {1, 0}, 2);
    assertEquals(new Neighbor(1L, 1.0), hits.get(0));
    assertEquals(new Neighbor(2L, 2.0), hits.get(1));
  }

  @Test
  void badArgumentsAreRefusedWithTheirValues() {
    FlatIndex index = FlatIndex.builder(4).build();
    assertEquals(List.of(), index.search(new float[4], 3));
    assertEquals(List.of(List.of(), List.of()), index.searchAll(new float[2][4], 3));
    IllegalArgumentException k = assertThrows(IllegalArgumentException.class,
        () -> index.search(new float[4], 0));
    assertEquals("k must be at least 1: 0", k.getMessage());
    IllegalArgumentException dim = assertThrows(IllegalArgumentException.class,
        () -> index.add(1L, new float[5]));
    assertEquals("vector dimensions differ: vector has 5 components, the index 4",
        dim.getMessage());
    IllegalArgumentException q = assertThrows(IllegalArgumentException.class,
        () -> index.searchAll(new float[][] {new float[4], new float[3]}, 1));
    assertEquals("vector dimensions differ: queries[1] has 3 components, the index 4",
        q.getMessage());
    assertThrows(IllegalArgumentException.class, () -> FlatIndex.builder(0));
    assertThrows(IllegalArgumentException.class, () -> FlatIndex.builder(3).threads(0));
  }

  @Test
  void stringKeysGetRowIdsAndCannotBeMixedWithNumericIds() {
    FlatIndex index = FlatIndex.builder(2).build();
    assertEquals(0L, index.add("cat.jpg", new float[] {0, 1}));
    assertEquals(1L, index.add("dog.jpg", new float[] {1, 0}));
    Neighbor hit = index.search(new float[] {0.9f, 0.1f}, 1).get(0);
    assertEquals(Optional.of("dog.jpg"), index.key(hit.id()));
    assertEquals(Optional.of(0L), index.id("cat.jpg"));
    assertEquals(Optional.empty(), index.key(5L));
    IllegalArgumentException dup = assertThrows(IllegalArgumentException.class,
        () -> index.add("cat.jpg", new float[2]));
    assertEquals("duplicate key 'cat.jpg' (already id 0)", dup.getMessage());
    assertThrows(IllegalStateException.class, () -> index.add(7L, new float[2]));
    FlatIndex numeric = FlatIndex.builder(2).build();
    numeric.add(7L, new float[2]);
    assertThrows(IllegalStateException.class, () -> numeric.add("x", new float[2]));
    assertEquals(Optional.empty(), numeric.key(7L));
  }

  @Test
  void vectorsAreCopiedOnTheWayIn() {
    FlatIndex index = FlatIndex.builder(2).build();
    float[] v = {1, 2};
    index.add(1L, v);
    v[0] = 100;
    assertEquals(1f, index.vectorAt(0)[0]);
  }

  @Test
  void concurrentSearchesAndAddsStayConsistent() throws Exception {
    int d = 16;
    float[][] data = random(31, 2000, d);
    FlatIndex index = FlatIndex.builder(d).threads(2).build();
    index.addAll(0, java.util.Arrays.copyOf(data, 1000));
    float[] q = random(32, 1, d)[0];
    List<Neighbor> before = index.search(q, 5);
    var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      List<java.util.concurrent.Future<List<Neighbor>>> results = new ArrayList<>();
      for (int t = 0; t < 3; t++) {
        results.add(pool.submit(() -> {
          List<Neighbor> last = null;
          for (int i = 0; i < 50; i++) {
            last = index.search(q, 5);
            assertEquals(5, last.size());
          }
          return last;
        }));
      }
      var adder = pool.submit(() -> {
        for (int i = 1000; i < 2000; i++) {
          index.add(i, data[i]);
        }
      });
      adder.get();
      for (var f : results) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(2000, index.size());
    long[] ids = new long[2000];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = i;
    }
    assertSameNeighbors(bruteForce(StandardMetric.EUCLIDEAN, data, ids, q, 5),
        index.search(q, 5), 0.0, "after");
    assertSameNeighbors(bruteForce(StandardMetric.EUCLIDEAN,
        java.util.Arrays.copyOf(data, 1000), ids, q, 5), before, 0.0, "before");
  }

  @Test
  void idAtListsEntriesInAddOrder() {
    FlatIndex index = FlatIndex.builder(3).build();
    index.add(42L, new float[] {1, 2, 3});
    index.add(7L, new float[] {4, 5, 6});
    assertEquals(42L, index.idAt(0));
    assertEquals(7L, index.idAt(1));
    assertThrows(IndexOutOfBoundsException.class, () -> index.idAt(2));
    FlatIndex keyed = FlatIndex.builder(1).build();
    long id = keyed.add("b", new float[] {1});
    assertEquals(id, keyed.idAt(0));
  }
}
