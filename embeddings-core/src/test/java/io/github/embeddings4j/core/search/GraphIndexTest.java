package io.github.embeddings4j.core.search;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.DistanceMetric;
import io.github.embeddings4j.api.Neighbor;
import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.core.io.DamagedFileException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class GraphIndexTest {

  static final int N = 5_000;
  static final int D = 32;
  static final int QUERIES = 200;
  static float[][] base;
  static float[][] queries;

  @TempDir
  Path dir;

  /** Seeded Gaussian clusters (50 centres, spread 1 around centres spread 4), as embeddings are. */
  static float[][] clustered(int n, int d, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    SplittableRandom centres = new SplittableRandom(1234);
    float[][] c = new float[50][d];
    for (float[] v : c) {
      for (int j = 0; j < d; j++) {
        v[j] = (float) (4 * centres.nextGaussian());
      }
    }
    float[][] x = new float[n][d];
    for (int i = 0; i < n; i++) {
      float[] centre = c[r.nextInt(c.length)];
      for (int j = 0; j < d; j++) {
        x[i][j] = centre[j] + (float) r.nextGaussian();
      }
    }
    return x;
  }

  @BeforeAll
  static void data() {
    base = clustered(N, D, 1);
    queries = clustered(QUERIES, D, 2);
  }

  static GraphIndex.Builder graph(DistanceMetric m) {
    return GraphIndex.builder(D).metric(m).maxDegree(16).beamWidth(100).searchBeam(64)
        .seed(42);
  }

  static FlatIndex flat(DistanceMetric m, float[][] x) {
    FlatIndex f = FlatIndex.builder(x[0].length).metric(m).threads(1).build();
    f.addAll(0, x);
    return f;
  }

  /** The mean share of the exact top 10 that the graph's top 10 holds. */
  static double recall(List<List<Neighbor>> truth, List<List<Neighbor>> found) {
    long hit = 0;
    long all = 0;
    for (int q = 0; q < truth.size(); q++) {
      Set<Long> want = new HashSet<>();
      truth.get(q).forEach(n -> want.add(n.id()));
      for (Neighbor n : found.get(q)) {
        if (want.contains(n.id())) {
          hit++;
        }
      }
      all += want.size();
    }
    return (double) hit / all;
  }

  @ParameterizedTest
  @EnumSource(value = StandardMetric.class,
      names = {"EUCLIDEAN", "SQUARED_EUCLIDEAN", "COSINE", "DOT_PRODUCT"})
  void recallAtTenAgainstTheExactIndex(StandardMetric m) {
    GraphIndex g = graph(m).threads(1).build();
    g.addAll(0, base);
    double r = recall(flat(m, base).searchAll(queries, 10), g.searchAll(queries, 10));
    assertTrue(r >= 0.95, m + " recall@10 " + r);
    // A narrow beam finds fewer: the parameter does something.
    double narrow = recall(flat(m, base).searchAll(queries, 10), g.searchAll(queries, 10, 10));
    assertTrue(narrow <= r, m + " ef 10 " + narrow + " > ef 64 " + r);
  }

  @Test
  void resultsAreSortedWithTheMetricsDistances() {
    GraphIndex g = graph(StandardMetric.COSINE).threads(1).build();
    g.addAll(100, base);
    for (int q = 0; q < 20; q++) {
      List<Neighbor> hits = g.search(queries[q], 10);
      assertEquals(10, hits.size());
      for (int i = 0; i < hits.size(); i++) {
        Neighbor n = hits.get(i);
        assertEquals(StandardMetric.COSINE.distance(queries[q], base[(int) n.id() - 100]),
            n.distance(), 1e-5);
        if (i > 0) {
          assertTrue(hits.get(i - 1).compareTo(n) < 0);
        }
      }
    }
  }

  @Test
  void oneThreadAndASeedGiveTheSameGraph() throws IOException {
    float[][] x = clustered(1500, D, 5);
    GraphIndex a = graph(StandardMetric.EUCLIDEAN).threads(1).seed(9).build();
    GraphIndex b = graph(StandardMetric.EUCLIDEAN).threads(1).seed(9).build();
    a.addAll(0, x);
    for (int i = 0; i < x.length; i++) {
      b.add(i, x[i]);
    }
    a.save(dir.resolve("a.gidx"));
    b.save(dir.resolve("b.gidx"));
    assertArrayEquals(Files.readAllBytes(dir.resolve("a.gidx")),
        Files.readAllBytes(dir.resolve("b.gidx")));
    assertEquals(a.searchAll(queries, 10, 20), b.searchAll(queries, 10, 20));
    GraphIndex c = graph(StandardMetric.EUCLIDEAN).threads(1).seed(10).build();
    c.addAll(0, x);
    c.save(dir.resolve("c.gidx"));
    assertTrue(!java.util.Arrays.equals(Files.readAllBytes(dir.resolve("a.gidx")),
        Files.readAllBytes(dir.resolve("c.gidx"))), "another seed, another graph");
  }

  @Test
  void idsOfTheCallersChoiceBuildTheSameGraphAsConsecutiveIds() {
    float[][] x = clustered(1500, D, 7);
    long[] ids = new long[x.length];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = 5_000_000_000L + 7L * i * i; // gaps, beyond int
    }
    GraphIndex byIds = graph(StandardMetric.EUCLIDEAN).threads(1).seed(3).build();
    byIds.addAll(ids, x);
    GraphIndex byRows = graph(StandardMetric.EUCLIDEAN).threads(1).seed(3).build();
    byRows.addAll(0, x);
    // The same walk, each row number under its id (ids rise with rows: ties order alike).
    List<List<Neighbor>> rows = byRows.searchAll(queries, 10, 20);
    List<List<Neighbor>> got = byIds.searchAll(queries, 10, 20);
    for (int q = 0; q < queries.length; q++) {
      List<Neighbor> want = new ArrayList<>();
      rows.get(q).forEach(n -> want.add(new Neighbor(ids[(int) n.id()], n.distance())));
      assertEquals(want, got.get(q), "query " + q);
    }
    IllegalArgumentException count = assertThrows(IllegalArgumentException.class,
        () -> byIds.addAll(new long[2], new float[3][D]));
    assertEquals("ids and vectors differ in count: 2 ids, 3 vectors", count.getMessage());
    float[][] bad = {new float[D], new float[D]};
    bad[1][4] = Float.POSITIVE_INFINITY;
    IllegalArgumentException inf = assertThrows(IllegalArgumentException.class,
        () -> byIds.addAll(new long[] {1, 99}, bad));
    assertTrue(inf.getMessage().startsWith("vectors[1] (id 99) has an infinite component at 4"),
        inf.getMessage());
    assertEquals(x.length, byIds.size());
  }

  @Test
  void aParallelBuildHasTheSameRecall() {
    GraphIndex g = graph(StandardMetric.EUCLIDEAN).threads(4).build();
    g.addAll(0, base);
    assertEquals(N, g.size());
    double r = recall(flat(StandardMetric.EUCLIDEAN, base).searchAll(queries, 10),
        g.searchAll(queries, 10));
    assertTrue(r >= 0.95, "recall@10 " + r);
  }

  @Test
  void searchesDuringAddsSeeOnlyWholeNodes() throws Exception {
    float[][] x = clustered(3000, D, 6);
    GraphIndex g = graph(StandardMetric.EUCLIDEAN).beamWidth(40).threads(2).build();
    g.addAll(0, java.util.Arrays.copyOf(x, 500));
    AtomicBoolean done = new AtomicBoolean();
    ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
    List<Thread> searchers = new ArrayList<>();
    for (int t = 0; t < 3; t++) {
      int seed = t;
      Thread th = new Thread(() -> {
        SplittableRandom r = new SplittableRandom(seed);
        while (!done.get()) {
          float[] q = queries[r.nextInt(QUERIES)];
          int before = g.size();
          List<Neighbor> hits = g.search(q, 10);
          if (hits.size() != 10) {
            problems.add("size " + hits.size());
          }
          for (int i = 0; i < hits.size(); i++) {
            Neighbor n = hits.get(i);
            if (n.id() < 0 || n.id() >= g.size()) {
              problems.add("id " + n.id() + " of " + before);
              continue;
            }
            double exact = StandardMetric.EUCLIDEAN.distance(q, x[(int) n.id()]);
            if (Math.abs(exact - n.distance()) > 1e-4) {
              problems.add("id " + n.id() + " distance " + n.distance() + " != " + exact);
            }
            if (i > 0 && hits.get(i - 1).compareTo(n) >= 0) {
              problems.add("order at " + i);
            }
          }
        }
      });
      th.start();
      searchers.add(th);
    }
    for (int i = 500; i < 2000; i++) {
      g.add(i, x[i]);
    }
    g.addAll(2000, java.util.Arrays.copyOfRange(x, 2000, 3000));
    done.set(true);
    for (Thread th : searchers) {
      th.join();
    }
    assertEquals(List.of(), List.copyOf(problems));
    assertEquals(3000, g.size());
    double r = recall(flat(StandardMetric.EUCLIDEAN, x).searchAll(queries, 10),
        g.searchAll(queries, 10, 100));
    assertTrue(r >= 0.95, "recall@10 after concurrent adds " + r);
  }

  @Test
  void saveAndLoadGiveTheSameAnswers() throws IOException {
    GraphIndex g = graph(StandardMetric.COSINE).threads(1).build();
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      keys.add("img-" + i);
    }
    g.addAll(keys, java.util.Arrays.copyOf(base, 2000));
    Path f = dir.resolve("g.gidx");
    g.save(f);
    GraphIndex back = GraphIndex.load(f);
    assertEquals(g.size(), back.size());
    assertEquals(StandardMetric.COSINE, back.metric());
    assertEquals(16, back.maxDegree());
    assertEquals(100, back.beamWidth());
    assertEquals(g.searchAll(queries, 10), back.searchAll(queries, 10));
    assertEquals(g.key(17), back.key(17));
    assertEquals(java.util.Optional.of(17L), back.id("img-17"));
    // A compressed index too small to have codes yet (under FIT_ROWS vectors) round-trips.
    GraphIndex small = graph(StandardMetric.EUCLIDEAN).compression(Compression.INT8).threads(1)
        .vectorDirectory(dir).build();
    small.addAll(0, java.util.Arrays.copyOf(base, 300));
    small.save(dir.resolve("small.gidx"));
    GraphIndex smallBack = GraphIndex.load(dir.resolve("small.gidx"));
    assertEquals(small.searchAll(queries, 10), smallBack.searchAll(queries, 10));
    assertEquals(0, smallBack.memoryBytes().codes());
    small.close();
    smallBack.close();
    // Adds after a load continue the graph.
    back.add("late", base[2500]);
    assertEquals(back.id("late").orElseThrow(), back.search(base[2500], 1).get(0).id());
  }

  @Test
  void int8RecallAndTheRerankAndItsMemory() throws IOException {
    GraphIndex plain = graph(StandardMetric.EUCLIDEAN).compression(Compression.INT8).rerank(0)
        .threads(2).vectorDirectory(dir).build();
    plain.addAll(0, base);
    List<List<Neighbor>> truth = flat(StandardMetric.EUCLIDEAN, base).searchAll(queries, 10);
    double r0 = recall(truth, plain.searchAll(queries, 10));
    assertTrue(r0 >= 0.90, "int8 recall@10 " + r0);
    GraphIndex.Memory mem = plain.memoryBytes();
    assertEquals(0, mem.vectors());
    assertTrue(mem.codes() >= (long) N * D && mem.codes() <= 2L * N * D, mem.toString());
    assertEquals(4L * N * D, mem.mappedVectors());
    assertTrue(mem.codes() * 4 <= 2L * 4 * N * D);
    // The same graph re-ranked on the floats.
    Path f = dir.resolve("q.gidx");
    plain.save(f);
    plain.close();
    assertThrows(IllegalStateException.class, () -> plain.search(queries[0], 10));
    GraphIndex loaded = GraphIndex.load(f);
    assertEquals(Compression.INT8, loaded.compression());
    assertEquals(0, loaded.memoryBytes().vectors(), "a loaded int8 index keeps no heap floats");
    assertEquals(mem.codes(), loaded.memoryBytes().codes());
    assertEquals(r0, recall(truth, loaded.searchAll(queries, 10)), 1e-12);
    GraphIndex reranked = graph(StandardMetric.EUCLIDEAN).compression(Compression.INT8)
        .rerank(4).threads(2).vectorDirectory(dir).build();
    reranked.addAll(0, base);
    double r4 = recall(truth, reranked.searchAll(queries, 10));
    assertTrue(r4 >= 0.95, "int8 + rerank recall@10 " + r4);
    // Exact distances after a re-rank.
    Neighbor top = reranked.search(queries[0], 10).get(0);
    assertEquals(StandardMetric.EUCLIDEAN.distance(queries[0], base[(int) top.id()]),
        top.distance(), 1e-4);
    assertEquals(truth.get(3), reranked.searchExact(queries[3], 10));
    reranked.close();
    loaded.close();
  }

  @Test
  void int8CosineBelowAndAboveTheFit() {
    GraphIndex g = graph(StandardMetric.COSINE).compression(Compression.INT8).rerank(2)
        .threads(1).vectorDirectory(dir).build();
    // One at a time across the fit at FIT_ROWS vectors, then a batch.
    for (int i = 0; i < GraphIndex.FIT_ROWS + 200; i++) {
      g.add(i, base[i]);
    }
    g.addAll(GraphIndex.FIT_ROWS + 200, java.util.Arrays.copyOfRange(base,
        GraphIndex.FIT_ROWS + 200, 3000));
    float[][] x = java.util.Arrays.copyOf(base, 3000);
    double r = recall(flat(StandardMetric.COSINE, x).searchAll(queries, 10),
        g.searchAll(queries, 10));
    assertTrue(r >= 0.95, "recall@10 " + r);
    g.close();
  }

  @Test
  void smallSegmentsGiveTheSameIndex() throws IOException {
    // 16 rows a segment: vectors, codes, lists and the mapped file all cross many boundaries.
    float[][] x = java.util.Arrays.copyOf(base, 1500);
    for (Compression c : Compression.values()) {
      GraphIndex whole = graph(StandardMetric.EUCLIDEAN).threads(1).compression(c)
          .vectorDirectory(dir).build();
      GraphIndex split = graph(StandardMetric.EUCLIDEAN).threads(1).compression(c)
          .vectorDirectory(dir).segmentShift(4).build();
      whole.addAll(0, java.util.Arrays.copyOf(x, 1100));
      split.addAll(0, java.util.Arrays.copyOf(x, 1100));
      for (int i = 1100; i < x.length; i++) {
        whole.add(i, x[i]);
        split.add(i, x[i]);
      }
      assertEquals(whole.searchAll(queries, 10), split.searchAll(queries, 10), c.name());
      assertEquals(whole.searchExact(queries[0], 10), split.searchExact(queries[0], 10));
      Path f = dir.resolve("split-" + c + ".gidx");
      split.save(f);
      whole.save(dir.resolve("whole-" + c + ".gidx"));
      assertArrayEquals(Files.readAllBytes(dir.resolve("whole-" + c + ".gidx")),
          Files.readAllBytes(f), "the file does not depend on the segments");
      whole.close();
      split.close();
    }
  }

  @Test
  void exactSearchEqualsTheFlatIndex() {
    GraphIndex g = graph(StandardMetric.EUCLIDEAN).threads(1).build();
    float[][] x = java.util.Arrays.copyOf(base, 800);
    g.addAll(0, x);
    FlatIndex f = flat(StandardMetric.EUCLIDEAN, x);
    for (int q = 0; q < 30; q++) {
      assertEquals(f.search(queries[q], 10), g.searchExact(queries[q], 10));
    }
    // k at or above the size: every entry, exactly, as FlatIndex.
    assertEquals(f.search(queries[0], 900), g.search(queries[0], 900));
    assertEquals(800, g.search(queries[0], 800).size());
  }

  @Test
  void errorsNameTheInput() {
    GraphIndex g = graph(StandardMetric.EUCLIDEAN).build();
    assertEquals(List.of(), g.search(new float[D], 5));
    assertEquals(List.of(List.of()), g.searchAll(new float[][] {new float[D]}, 5));
    IllegalArgumentException dim = assertThrows(IllegalArgumentException.class,
        () -> g.add(1, new float[D + 1]));
    assertEquals("vector dimensions differ: vector has 33 components, the index 32",
        dim.getMessage());
    float[][] bad = {new float[D], new float[D], new float[D]};
    bad[2][7] = Float.NaN;
    IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
        () -> g.addAll(10, bad));
    assertTrue(nan.getMessage().startsWith("vectors[2] has a NaN component at 7"),
        nan.getMessage());
    assertEquals(0, g.size(), "nothing added from a batch with a bad row");
    float[] inf = new float[D];
    inf[0] = Float.POSITIVE_INFINITY;
    assertTrue(assertThrows(IllegalArgumentException.class, () -> g.search(inf, 3))
        .getMessage().startsWith("query has an infinite component at 0"));
    assertThrows(IllegalArgumentException.class, () -> g.search(new float[D], 0));
    assertThrows(IllegalArgumentException.class, () -> g.search(new float[D], 3, 0));
    IllegalArgumentException metric = assertThrows(IllegalArgumentException.class,
        () -> GraphIndex.builder(4).metric(StandardMetric.MANHATTAN));
    assertTrue(metric.getMessage().contains("manhattan") && metric.getMessage()
        .contains("FlatIndex"), metric.getMessage());
    g.add(1, new float[D]);
    assertThrows(IllegalStateException.class, () -> g.add("k", new float[D]));
    GraphIndex keyed = graph(StandardMetric.EUCLIDEAN).build();
    keyed.add("a", new float[D]);
    assertThrows(IllegalArgumentException.class, () -> keyed.add("a", new float[D]));
    assertThrows(IllegalArgumentException.class,
        () -> keyed.addAll(List.of("b", "b"), new float[][] {new float[D], new float[D]}));
    assertEquals(1, keyed.size());
  }

  @Test
  void aDamagedOrTruncatedFileIsRefusedByName() throws IOException {
    GraphIndex g = graph(StandardMetric.EUCLIDEAN).threads(1).build();
    g.addAll(0, java.util.Arrays.copyOf(base, 300));
    Path f = dir.resolve("d.gidx");
    g.save(f);
    byte[] bytes = Files.readAllBytes(f);
    bytes[bytes.length / 2] ^= 0x10;
    Path damaged = dir.resolve("damaged.gidx");
    Files.write(damaged, bytes);
    DamagedFileException e = assertThrows(DamagedFileException.class,
        () -> GraphIndex.load(damaged));
    assertTrue(e.getMessage().startsWith(damaged.toString()), e.getMessage());
    Path truncated = dir.resolve("truncated.gidx");
    Files.write(truncated, java.util.Arrays.copyOf(Files.readAllBytes(f), 1000));
    assertTrue(assertThrows(DamagedFileException.class, () -> GraphIndex.load(truncated))
        .getMessage().contains("truncated"));
    Path flat = dir.resolve("flat.fidx");
    flat(StandardMetric.EUCLIDEAN, java.util.Arrays.copyOf(base, 10)).save(flat);
    // How a caller tells the two index files apart before loading.
    assertEquals(java.util.Optional.of("GIDX"), io.github.embeddings4j.core.io.SdkFile.kindOf(f));
    assertEquals(java.util.Optional.of("FIDX"),
        io.github.embeddings4j.core.io.SdkFile.kindOf(flat));
    Path npy = dir.resolve("x.npy");
    io.github.embeddings4j.core.io.Npy.write(npy, new float[][] {{1f}});
    assertEquals(java.util.Optional.empty(), io.github.embeddings4j.core.io.SdkFile.kindOf(npy));
    assertTrue(assertThrows(DamagedFileException.class, () -> GraphIndex.load(flat))
        .getMessage().contains("not 'GIDX'"));
  }

  // ---- the golden file of format version 1 ----

  static final String GOLDEN = "graph-index-v1.gidx";

  /** The golden file's content: 200 x 8 seeded vectors, ids 1000 + row. */
  static float[][] goldenData() {
    SplittableRandom r = new SplittableRandom(2026);
    float[][] x = new float[200][8];
    for (float[] v : x) {
      for (int j = 0; j < 8; j++) {
        v[j] = (float) r.nextGaussian();
      }
    }
    return x;
  }

  /**
   * Writes the golden file (run once, by hand, when format version 1 was made: {@code java
   * ... GraphIndexTest PATH}); the test reads the committed copy.
   */
  public static void main(String[] args) throws IOException {
    GraphIndex g = GraphIndex.builder(8).maxDegree(8).beamWidth(50).searchBeam(32).seed(7)
        .threads(1).build();
    g.addAll(1000, goldenData());
    g.save(Path.of(args[0]));
  }

  @Test
  void theGoldenFileOfVersionOneLoads() throws Exception {
    Path f = Path.of(GraphIndexTest.class.getResource(GOLDEN).toURI());
    ByteBuffer head = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(1, head.getInt(8), "format version in the header");
    GraphIndex g = GraphIndex.load(f);
    assertEquals(java.util.Optional.empty(), g.embedder(), "version 1 records no embedder");
    float[][] x = goldenData();
    assertEquals(200, g.size());
    assertEquals(8, g.dimension());
    assertEquals(8, g.maxDegree());
    assertEquals(50, g.beamWidth());
    assertEquals(32, g.searchBeam());
    FlatIndex exact = FlatIndex.builder(8).threads(1).build();
    exact.addAll(1000, x);
    float[][] q = clustered(20, 8, 11);
    for (float[] v : q) {
      assertEquals(exact.search(v, 5), g.searchExact(v, 5));
      // A beam as wide as the index reaches every node of the saved graph.
      assertEquals(exact.search(v, 5), g.search(v, 5, 200));
    }
  }
}
