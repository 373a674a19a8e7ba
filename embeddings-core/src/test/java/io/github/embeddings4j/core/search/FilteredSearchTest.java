package io.github.embeddings4j.core.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.DistanceMetric;
import io.github.embeddings4j.api.Neighbor;
import io.github.embeddings4j.api.NeighborIndex;
import io.github.embeddings4j.api.StandardMetric;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongPredicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Searches restricted to the entries a filter accepts: the answer must be the one an index
 * holding only those entries gives, on every route (full scan, gathered rows, four-query tiles,
 * matrix products, threads splitting rows or queries, the graph's walk and its exact fallback).
 */
class FilteredSearchTest {

  @TempDir
  Path dir;

  /** Ids 1000, 1003, 1006, ...: numeric ids that are not row numbers. */
  private static long idOf(int row) {
    return 1000L + 3L * row;
  }

  /** Accepts about {@code share} of the ids, chosen by a hash (not by position). */
  private static LongPredicate share(double share) {
    return id -> Math.floorMod(id * 0x9E3779B97F4A7C15L >>> 40, 1000) < share * 1000;
  }

  /** Seeded Gaussian vectors. */
  static float[][] random(int n, int d, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[][] x = new float[n][d];
    for (float[] v : x) {
      for (int j = 0; j < d; j++) {
        v[j] = (float) r.nextGaussian();
      }
    }
    return x;
  }

  /** A flat index of only the rows the filter accepts, with the same ids. */
  private static FlatIndex subset(DistanceMetric m, float[][] x, LongPredicate filter) {
    FlatIndex f = FlatIndex.builder(x[0].length).metric(m).threads(1).build();
    for (int r = 0; r < x.length; r++) {
      if (filter.test(idOf(r))) {
        f.add(idOf(r), x[r]);
      }
    }
    return f;
  }

  private static FlatIndex.Builder flatBuilder(DistanceMetric m, int d) {
    return FlatIndex.builder(d).metric(m).blockFloats(d * 700);
  }

  private static FlatIndex fill(FlatIndex f, float[][] x) {
    for (int r = 0; r < x.length; r++) {
      f.add(idOf(r), x[r]);
    }
    return f;
  }

  private static List<List<Neighbor>> searchEach(NeighborIndex<float[]> index, float[][] q,
      int k) {
    List<List<Neighbor>> out = new ArrayList<>();
    for (float[] query : q) {
      out.add(index.search(query, k));
    }
    return out;
  }

  @ParameterizedTest
  @EnumSource(value = StandardMetric.class, names = {"COSINE", "EUCLIDEAN", "SQUARED_EUCLIDEAN",
      "DOT_PRODUCT", "MANHATTAN"})
  void flatIndexAnswersAsAnIndexOfTheAcceptedRows(StandardMetric metric) {
    float[][] x = random(5_000, 64, 1);
    float[][] q = random(40, 64, 2);
    for (double s : new double[] {1.0, 0.6, 0.2, 0.05, 0.004}) {
      LongPredicate filter = share(s);
      FlatIndex truth = subset(metric, x, filter);
      List<List<Neighbor>> expected = searchEach(truth, q, 10);
      for (int threads : new int[] {1, 2}) {
        FlatIndex index = fill(flatBuilder(metric, 64).threads(threads).build(), x);
        String what = metric + " share " + s + " threads " + threads;
        // One query at a time (rows split among threads), then all together (queries split).
        assertEquals(expected.get(0), index.search(q[0], 10, filter), what);
        assertEquals(expected, index.searchAll(q, 10, filter), what);
        for (Boolean product : new Boolean[] {true, false}) {
          FlatIndex routed = fill(flatBuilder(metric, 64).threads(threads)
              .matrixProduct(product).groupQueries(product).build(), x);
          assertEquals(expected, routed.searchAll(q, 10, filter), what + " product " + product);
        }
      }
    }
  }

  @Test
  void aMetricOfYourOwnIsFilteredToo() {
    DistanceMetric chebyshev = FlatIndexMappedTest.CHEBYSHEV;
    float[][] x = random(2_000, 16, 3);
    float[][] q = random(9, 16, 4);
    for (double s : new double[] {0.5, 0.02}) {
      LongPredicate filter = share(s);
      FlatIndex index = fill(flatBuilder(chebyshev, 16).build(), x);
      assertEquals(searchEach(subset(chebyshev, x, filter), q, 5), index.searchAll(q, 5, filter));
    }
  }

  @Test
  void fewerAcceptedThanKGivesAllOfThemAndNoneGivesEmptyLists() {
    float[][] x = random(3_000, 8, 5);
    FlatIndex index = fill(FlatIndex.builder(8).build(), x);
    LongPredicate three = id -> id == idOf(7) || id == idOf(2_000) || id == idOf(2_999);
    List<Neighbor> hits = index.search(x[7], 10, three);
    assertEquals(3, hits.size());
    assertEquals(idOf(7), hits.get(0).id());
    assertEquals(0.0, hits.get(0).distance());
    assertEquals(List.of(List.of(), List.of()), index.searchAll(new float[][] {x[0], x[1]}, 5,
        id -> false));
    assertEquals(List.of(), FlatIndex.builder(8).build().search(x[0], 3, id -> true));
  }

  @Test
  void theFilterSeesIdsAndMayReadTheIndex() {
    float[][] x = random(600, 8, 6);
    FlatIndex index = FlatIndex.builder(8).build();
    for (int r = 0; r < x.length; r++) {
      index.add((r % 3 == 0 ? "cats/" : "dogs/") + r + ".jpg", x[r]);
    }
    // A filter that looks the key up in the index it filters (the read lock is re-entered).
    LongPredicate cats = id -> index.key(id).map(k -> k.startsWith("cats/")).orElse(false);
    List<Neighbor> hits = index.search(x[4], 20, cats);
    assertEquals(20, hits.size());
    for (Neighbor n : hits) {
      assertTrue(index.key(n.id()).orElseThrow().startsWith("cats/"), n.toString());
    }
    FlatIndex onlyCats = FlatIndex.builder(8).build();
    for (int r = 0; r < x.length; r += 3) {
      onlyCats.add(r, x[r]);
    }
    assertEquals(onlyCats.search(x[4], 20), hits);
  }

  @Test
  void badArgumentsAreRefused() {
    FlatIndex index = fill(FlatIndex.builder(4).build(), random(10, 4, 7));
    assertThrows(NullPointerException.class, () -> index.search(new float[4], 3, null));
    assertThrows(IllegalArgumentException.class, () -> index.search(new float[4], 0, id -> true));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> index.search(new float[5], 3, id -> true));
    assertTrue(e.getMessage().contains("5"), e.getMessage());
  }

  @Test
  void binaryIndexAnswersAsAnIndexOfTheAcceptedRows() {
    SplittableRandom r = new SplittableRandom(8);
    long[][] codes = new long[4_000][4];
    for (long[] c : codes) {
      for (int w = 0; w < c.length; w++) {
        c[w] = r.nextLong();
      }
    }
    long[][] q = {codes[5], codes[77].clone(), new long[4]};
    q[1][0] ^= 0xff;
    for (double s : new double[] {0.7, 0.01}) {
      LongPredicate filter = share(s);
      BinaryIndex all = BinaryIndex.builder(4).threads(2).build();
      BinaryIndex only = BinaryIndex.builder(4).build();
      for (int i = 0; i < codes.length; i++) {
        all.add(idOf(i), codes[i]);
        if (filter.test(idOf(i))) {
          only.add(idOf(i), codes[i]);
        }
      }
      assertEquals(only.searchAll(q, 15), all.searchAll(q, 15, filter), "share " + s);
    }
  }

  // ---- the graph ----

  private static GraphIndex graph(StandardMetric m, float[][] x, Compression c) {
    GraphIndex g = GraphIndex.builder(x[0].length).metric(m).maxDegree(16).beamWidth(100)
        .searchBeam(64).seed(42).threads(1).compression(c).build();
    long[] ids = new long[x.length];
    for (int r = 0; r < ids.length; r++) {
      ids[r] = idOf(r);
    }
    g.addAll(ids, x);
    return g;
  }

  private static double recall(List<List<Neighbor>> truth, List<List<Neighbor>> found) {
    long hit = 0;
    long all = 0;
    for (int q = 0; q < truth.size(); q++) {
      List<Long> want = truth.get(q).stream().map(Neighbor::id).toList();
      all += want.size();
      hit += found.get(q).stream().filter(n -> want.contains(n.id())).count();
    }
    return all == 0 ? 1.0 : (double) hit / all;
  }

  /**
   * The same ids in the same order, distances equal to float precision (the graph ranks cosine
   * on normalised copies, so its last bits differ from the flat index's).
   */
  private static void assertSameNeighbours(List<List<Neighbor>> expected,
      List<List<Neighbor>> found, String what) {
    assertEquals(expected.size(), found.size(), what);
    for (int q = 0; q < expected.size(); q++) {
      List<Neighbor> e = expected.get(q);
      List<Neighbor> f = found.get(q);
      assertEquals(e.stream().map(Neighbor::id).toList(), f.stream().map(Neighbor::id).toList(),
          what + ", query " + q);
      for (int i = 0; i < e.size(); i++) {
        assertEquals(e.get(i).distance(), f.get(i).distance(), 1e-5, what + ", query " + q);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = StandardMetric.class, names = {"COSINE", "EUCLIDEAN", "DOT_PRODUCT"})
  void graphFindsTheAcceptedNeighboursAtEveryShare(StandardMetric metric) {
    float[][] x = GraphIndexTest.clustered(5_000, 32, 1);
    float[][] q = GraphIndexTest.clustered(100, 32, 2);
    try (GraphIndex g = graph(metric, x, Compression.NONE)) {
      for (double s : new double[] {0.5, 0.1, 0.01, 0.001}) {
        LongPredicate filter = share(s);
        FlatIndex truth = subset(metric, x, filter);
        List<List<Neighbor>> expected = searchEach(truth, q, 10);
        List<List<Neighbor>> found = g.searchAll(q, 10, filter);
        for (List<Neighbor> hits : found) {
          for (Neighbor n : hits) {
            assertTrue(filter.test(n.id()), "rejected id " + n.id() + " returned");
          }
          assertEquals(Math.min(10, truth.size()), hits.size());
        }
        double recall = recall(expected, found);
        assertTrue(recall >= (metric == StandardMetric.DOT_PRODUCT ? 0.9 : 0.97),
            metric + " share " + s + ": recall " + recall);
        if (s <= 0.01) {
          // So few pass that the walk gives way to the exact scan of them.
          assertSameNeighbours(expected, found, metric + " share " + s);
        }
        assertSameNeighbours(expected, List.of(q).stream()
            .map(v -> g.searchExact(v, 10, filter)).toList(), "searchExact " + metric + " " + s);
      }
    }
  }

  @Test
  void graphFindsASubsetFarFromTheQuery() {
    // The accepted entries are one cluster, the queries sit in others: the walk meets almost
    // none of them near the query and must not stop at fewer than k, or at wrong ones.
    float[][] x = GraphIndexTest.clustered(5_000, 32, 1);
    float[][] q = GraphIndexTest.clustered(50, 32, 2);
    float[] centre = x[0];
    FlatIndex near = FlatIndex.builder(32).build();
    fill(near, x);
    java.util.Set<Long> cluster = new java.util.HashSet<>();
    for (Neighbor n : near.search(centre, 300)) {
      cluster.add(n.id());
    }
    LongPredicate inCluster = cluster::contains;
    try (GraphIndex g = graph(StandardMetric.EUCLIDEAN, x, Compression.NONE)) {
      List<List<Neighbor>> expected = searchEach(subset(StandardMetric.EUCLIDEAN, x, inCluster),
          q, 10);
      assertTrue(recall(expected, g.searchAll(q, 10, inCluster)) >= 0.97);
      for (List<Neighbor> hits : g.searchAll(q, 10, inCluster)) {
        assertEquals(10, hits.size());
      }
    }
  }

  @Test
  void compressedGraphFiltersAndReranks() {
    float[][] x = GraphIndexTest.clustered(4_000, 32, 3);
    float[][] q = GraphIndexTest.clustered(50, 32, 4);
    try (GraphIndex g = graph(StandardMetric.EUCLIDEAN, x, Compression.INT8)) {
      for (double s : new double[] {0.3, 0.002}) {
        LongPredicate filter = share(s);
        List<List<Neighbor>> expected = searchEach(subset(StandardMetric.EUCLIDEAN, x, filter),
            q, 10);
        List<List<Neighbor>> found = g.searchAll(q, 10, 64, filter);
        double recall = recall(expected, found);
        assertTrue(recall >= 0.9, "share " + s + ": recall " + recall);
        // Re-ranked: the distances returned are exact.
        for (int i = 0; i < q.length; i++) {
          for (Neighbor n : found.get(i)) {
            int row = (int) ((n.id() - 1000) / 3);
            assertEquals(StandardMetric.EUCLIDEAN.distance(q[i], x[row]), n.distance(), 1e-4);
          }
        }
      }
    }
  }

  @Test
  void graphFilterCallsStayNearTheWalk() {
    float[][] x = GraphIndexTest.clustered(5_000, 32, 1);
    AtomicLong calls = new AtomicLong();
    try (GraphIndex g = graph(StandardMetric.EUCLIDEAN, x, Compression.NONE)) {
      g.search(x[9], 10, id -> {
        calls.incrementAndGet();
        return true;
      });
      // Accepting everything, the walk asks about the nodes it meets, not about all 5,000.
      assertTrue(calls.get() < 2_500, calls + " calls");
      assertEquals(g.search(x[9], 10), g.search(x[9], 10, id -> true));
    }
  }

  @Test
  void aSavedGraphFiltersAsTheOriginal() throws Exception {
    float[][] x = GraphIndexTest.clustered(2_000, 32, 5);
    try (GraphIndex g = graph(StandardMetric.COSINE, x, Compression.NONE)) {
      g.save(dir.resolve("g.gidx"));
      try (GraphIndex again = GraphIndex.load(dir.resolve("g.gidx"))) {
        LongPredicate filter = share(0.3);
        assertEquals(g.search(x[1], 10, filter), again.search(x[1], 10, filter));
      }
    }
  }

  @Test
  void aFilterThatThrowsFailsTheSearchAndLeavesTheIndexUsable() {
    float[][] x = GraphIndexTest.clustered(3_000, 32, 12);
    float[][] q = GraphIndexTest.clustered(40, 32, 13);
    LongPredicate broken = id -> {
      if (id == idOf(1_500)) {
        throw new IllegalStateException("lookup failed for " + id);
      }
      return true;
    };
    FlatIndex flat = fill(flatBuilder(StandardMetric.EUCLIDEAN, 32).threads(2).build(), x);
    try (GraphIndex g = graph(StandardMetric.EUCLIDEAN, x, Compression.NONE)) {
      // Every entry is asked about in the flat search, on both of its threads.
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> flat.searchAll(q, 5, broken));
      assertTrue(e.getMessage().contains("lookup failed"), e.getMessage());
      assertThrows(IllegalStateException.class, () -> g.searchExact(q[0], 5, broken));
      // The locks were released: adds and searches go on.
      flat.add(99_999L, x[0]);
      g.add(99_999L, x[0]);
      assertEquals(2, flat.search(x[0], 2, id -> true).size());
      assertEquals(99_999L, g.search(x[0], 1, id -> id == 99_999L).get(0).id());
    }
  }

  @Test
  void filteredGraphSearchesRunWhileEntriesAreAdded() throws Exception {
    float[][] x = GraphIndexTest.clustered(4_000, 32, 14);
    try (GraphIndex g = graph(StandardMetric.EUCLIDEAN, java.util.Arrays.copyOf(x, 2_000),
        Compression.NONE)) {
      LongPredicate even = id -> ((id - 1000) / 3) % 2 == 0;
      java.util.concurrent.atomic.AtomicReference<Throwable> failure =
          new java.util.concurrent.atomic.AtomicReference<>();
      Thread adder = new Thread(() -> {
        try {
          for (int r = 2_000; r < 4_000; r++) {
            g.add(idOf(r), x[r]);
          }
        } catch (Throwable t) {
          failure.set(t);
        }
      });
      adder.start();
      int searches = 0;
      while (adder.isAlive() || searches < 50) {
        float[] query = x[searches % 4_000];
        for (Neighbor n : g.search(query, 10, even)) {
          assertTrue(even.test(n.id()), "rejected id " + n.id());
        }
        for (Neighbor n : g.search(query, 10, id -> id % 1_000 == 7)) {
          assertEquals(7, n.id() % 1_000);
        }
        searches++;
      }
      adder.join();
      assertEquals(null, failure.get());
      // Once the adds are done, the rarest filter finds its entries among all 4,000.
      LongPredicate rare = id -> id == idOf(3_999) || id == idOf(5);
      assertEquals(List.of(idOf(3_999), idOf(5)).stream().sorted().toList(),
          g.search(x[3_999], 10, rare).stream().map(Neighbor::id).sorted().toList());
    }
  }

  @Test
  void theInterfaceDefaultFiltersAnyIndex() {
    float[][] x = random(500, 8, 9);
    FlatIndex inner = fill(FlatIndex.builder(8).build(), x);
    // An index of someone else's that only implements the abstract methods.
    NeighborIndex<float[]> wrapped = new NeighborIndex<>() {
      @Override
      public int size() {
        return inner.size();
      }

      @Override
      public DistanceMetric metric() {
        return inner.metric();
      }

      @Override
      public List<Neighbor> search(float[] query, int k) {
        return inner.search(query, k);
      }

      @Override
      public List<List<Neighbor>> searchAll(float[][] queries, int k) {
        return inner.searchAll(queries, k);
      }

      @Override
      public Optional<String> key(long id) {
        return Optional.empty();
      }
    };
    LongPredicate filter = share(0.25);
    float[][] q = random(5, 8, 10);
    assertEquals(inner.searchAll(q, 7, filter), wrapped.searchAll(q, 7, filter));
    assertThrows(IllegalArgumentException.class, () -> wrapped.search(q[0], 0, filter));
  }
}
