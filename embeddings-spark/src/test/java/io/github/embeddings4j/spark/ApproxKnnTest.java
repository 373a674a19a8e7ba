package io.github.embeddings4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.EmbedderDescription;
import io.github.embeddings4j.api.Neighbor;
import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.core.search.GraphIndex;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.JavaSerializer;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import scala.reflect.ClassTag$;

class ApproxKnnTest {

  private final SparkSession spark = LocalSpark.session();

  /** The share of the exact neighbours' ids that the approximate lists hold. */
  static double recall(List<List<Neighbor>> exact, List<List<Neighbor>> found) {
    long hit = 0;
    long all = 0;
    for (int q = 0; q < exact.size(); q++) {
      Set<Long> want = new HashSet<>();
      exact.get(q).forEach(n -> want.add(n.id()));
      hit += found.get(q).stream().filter(n -> want.contains(n.id())).count();
      all += want.size();
    }
    return (double) hit / all;
  }

  /** Same ids in the same order, distances within a float's rounding. */
  private static void assertSameHits(List<List<Neighbor>> want, List<List<Neighbor>> got,
      String what) {
    assertEquals(want.size(), got.size(), what);
    for (int q = 0; q < want.size(); q++) {
      assertEquals(want.get(q).size(), got.get(q).size(), what + " query " + q);
      for (int i = 0; i < want.get(q).size(); i++) {
        Neighbor w = want.get(q).get(i);
        Neighbor g = got.get(q).get(i);
        assertEquals(w.id(), g.id(), what + " query " + q + " rank " + i);
        assertEquals(w.distance(), g.distance(), 1e-4 * Math.max(1, Math.abs(w.distance())),
            what + " query " + q + " rank " + i);
      }
    }
  }

  private static long[] gappyIds(int n) {
    long[] ids = new long[n];
    for (int i = 0; i < n; i++) {
      ids[i] = 10_000_000_000L + 3L * i;
    }
    return ids;
  }

  @Test
  void recallAtTenAgainstExactOverPartitions() {
    int d = 24;
    float[][] v = TestData.clustered(1, 6000, d, 40);
    float[][] queries = TestData.clustered(2, 100, d, 40);
    Dataset<Row> df = TestData.frame(spark, gappyIds(v.length), v, 5).cache();
    List<List<Neighbor>> exact = ExactKnn.builder().build().search(df, queries, 10);
    ApproxKnn knn = ApproxKnn.builder().maxDegree(12).beamWidth(80).searchBeam(40).build();
    List<List<Neighbor>> once = knn.search(df, queries, 10);
    double r = recall(exact, once);
    assertTrue(r >= 0.95, "recall@10 " + r);
    try (PartitionedGraph graphs = knn.index(df)) {
      assertEquals(5, graphs.partitions());
      assertEquals(v.length, graphs.size());
      // The cached graphs are the one-shot search's graphs: the same answers.
      assertEquals(once, graphs.search(queries, 10));
      double narrow = recall(exact, graphs.search(queries, 10, 1));
      assertTrue(narrow <= r, "ef 1 " + narrow + " > ef 40 " + r);
      assertTrue(recall(exact, graphs.search(queries, 10, 200)) >= r);
    }
    df.unpersist();
  }

  @ParameterizedTest
  @EnumSource(value = StandardMetric.class, names = {"EUCLIDEAN", "COSINE", "DOT_PRODUCT"})
  void perPartitionAndCollectedAgreeWithExactOnAnEasySet(StandardMetric metric,
      @TempDir Path dir) throws IOException {
    int d = 8;
    float[][] v = TestData.clustered(3, 900, d, 6);
    float[][] queries = TestData.clustered(4, 25, d, 6);
    long[] ids = gappyIds(v.length);
    Dataset<Row> df = TestData.frame(spark, ids, v, 3);
    List<List<Neighbor>> exact = ExactKnn.builder().metric(metric).build()
        .search(df, queries, 10);
    // One thread per graph, so that the graphs (and this test) are the same on every run.
    ApproxKnn knn = ApproxKnn.builder().metric(metric).searchBeam(128).build();
    assertSameHits(exact, knn.search(df, queries, 10), metric + " per partition");
    GraphIndex collected = EmbeddingStore.toGraphIndex(df, dim -> GraphIndex.builder(dim)
        .metric(metric).searchBeam(128).threads(1));
    assertEquals(v.length, collected.size());
    assertSameHits(exact, collected.searchAll(queries, 10), metric + " collected");
    // Saved, it is the file the command-line tool searches.
    Path file = dir.resolve("photos.e4j");
    collected.save(file);
    assertEquals(collected.searchAll(queries, 10), GraphIndex.load(file).searchAll(queries, 10));
  }

  @Test
  void theCollectedGraphTakesTheBuildersOptionsAndIdOrder() {
    float[][] v = TestData.clustered(5, 300, 6, 5);
    long[] ids = gappyIds(v.length);
    Dataset<Row> df = TestData.frame(spark, ids, v, 4);
    GraphIndex a = EmbeddingStore.toGraphIndex(df, dim -> GraphIndex.builder(dim)
        .metric(StandardMetric.COSINE).maxDegree(5).beamWidth(30).searchBeam(17).seed(3)
        .threads(1));
    assertEquals(5, a.maxDegree());
    assertEquals(17, a.searchBeam());
    assertEquals(StandardMetric.COSINE, a.metric());
    // One thread and a seed: rows arrive in id order whatever the partitioning, the same graph.
    GraphIndex b = EmbeddingStore.toGraphIndex(TestData.frame(spark, ids, v, 1),
        dim -> GraphIndex.builder(dim).metric(StandardMetric.COSINE).maxDegree(5)
            .beamWidth(30).searchBeam(17).seed(3).threads(1));
    float[][] queries = TestData.clustered(6, 10, 6, 5);
    assertEquals(a.searchAll(queries, 5, 5), b.searchAll(queries, 5, 5));
    IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
        () -> EmbeddingStore.toGraphIndex(df, dim -> GraphIndex.builder(dim + 1)));
    assertEquals("the builder is for dimension 7, the vectors have 6", wrong.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> EmbeddingStore.toGraphIndex(df, StandardMetric.MANHATTAN));
  }

  @Test
  void nullRowsAreSkippedAndBadRowsNamed() {
    float[][] v = TestData.clustered(7, 60, 5, 3);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < v.length; i++) {
      rows.add(RowFactory.create(100L + i, null, i % 10 == 3 ? null : v[i]));
    }
    Dataset<Row> df = spark.createDataFrame(rows, EmbeddingStore.SCHEMA).repartition(3);
    ApproxKnn knn = ApproxKnn.builder().build();
    List<Neighbor> all = knn.search(df, new float[][] {v[0]}, 100).get(0);
    assertEquals(54, all.size());
    assertTrue(all.stream().noneMatch(n -> (n.id() - 100) % 10 == 3), all.toString());
    assertEquals(new Neighbor(100, 0.0), all.get(0));
    try (PartitionedGraph graphs = knn.index(df)) {
      assertEquals(54, graphs.size());
      assertEquals(all, graphs.search(new float[][] {v[0]}, 100).get(0));
      IllegalArgumentException dim = assertThrows(IllegalArgumentException.class,
          () -> graphs.search(new float[][] {new float[4]}, 3));
      assertEquals("vector dimensions differ: the queries have 4 components, the index 5",
          dim.getMessage());
    }
    assertEquals(54, EmbeddingStore.toGraphIndex(df, StandardMetric.EUCLIDEAN).size());

    // A row of another dimension, or with a NaN: the job fails naming the row's id.
    List<Row> bad = new ArrayList<>(rows.subList(0, 20));
    bad.add(RowFactory.create(777L, null, new float[4]));
    Dataset<Row> wrongDim = spark.createDataFrame(bad, EmbeddingStore.SCHEMA).repartition(2);
    Exception e = assertThrows(Exception.class, () -> knn.index(wrongDim));
    assertTrue(String.valueOf(e.getMessage()).contains("row id 777 has 4 components"),
        e.getMessage());
    e = assertThrows(Exception.class, () -> knn.search(wrongDim, new float[][] {v[0]}, 3));
    assertTrue(String.valueOf(e.getMessage()).contains("row id 777 has 4 components"),
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> EmbeddingStore.toGraphIndex(wrongDim, StandardMetric.EUCLIDEAN));
    assertTrue(e.getMessage().contains("id 777 has 4 components"), e.getMessage());
    float[] nan = v[1].clone();
    nan[2] = Float.NaN;
    bad.set(20, RowFactory.create(888L, null, nan));
    Dataset<Row> withNan = spark.createDataFrame(bad, EmbeddingStore.SCHEMA).repartition(2);
    e = assertThrows(Exception.class, () -> knn.search(withNan, new float[][] {v[0]}, 3));
    assertTrue(String.valueOf(e.getMessage()).contains("(id 888) has a NaN component at 2"),
        e.getMessage());
    // Bad queries and arguments fail on the driver, before any job.
    float[] inf = v[0].clone();
    inf[1] = Float.POSITIVE_INFINITY;
    e = assertThrows(IllegalArgumentException.class,
        () -> knn.search(df, new float[][] {v[0], inf}, 3));
    assertTrue(e.getMessage().startsWith("queries[1] has an infinite component at 1"),
        e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> knn.search(df, v, 0));
    assertThrows(IllegalArgumentException.class,
        () -> ApproxKnn.builder().metric(StandardMetric.HAMMING));
    List<Row> nulls = List.of(RowFactory.create(1L, null, null));
    e = assertThrows(IllegalArgumentException.class,
        () -> knn.index(spark.createDataFrame(nulls, EmbeddingStore.SCHEMA)));
    assertEquals("no vectors to index (every vector is null)", e.getMessage());
  }

  @Test
  void cachedGraphsAreBuiltOnceForManySearches() {
    float[][] v = TestData.clustered(8, 2000, 12, 10);
    float[][] queries = TestData.clustered(9, 30, 12, 10);
    Dataset<Row> df = TestData.frame(spark, gappyIds(v.length), v, 4);
    ApproxKnn knn = ApproxKnn.builder().beamWidth(60).build();
    List<List<Neighbor>> first;
    try (PartitionedGraph graphs = knn.index(df)) {
      assertEquals(4, graphs.partitionBuilds());
      first = graphs.search(queries, 10);
      for (int call = 0; call < 3; call++) {
        assertEquals(first, graphs.search(queries, 10));
      }
      assertEquals(4, graphs.partitionBuilds(), "a search rebuilt a graph");
      graphs.close();
      assertThrows(IllegalStateException.class, () -> graphs.search(queries, 10));
    }
    // On disk only, every search reads the graphs back from the core's file: no rebuild either.
    try (PartitionedGraph onDisk = knn.index(df, StorageLevel.DISK_ONLY())) {
      assertEquals(first, onDisk.search(queries, 10));
      assertEquals(first, onDisk.search(queries, 10));
      assertEquals(4, onDisk.partitionBuilds());
    }
  }

  @Test
  void aFilterSearchesTheAcceptedRowsAsAnExactSearchOfThemWould() {
    float[][] v = TestData.clustered(21, 3000, 16, 12);
    float[][] queries = TestData.clustered(22, 40, 16, 12);
    long[] ids = gappyIds(v.length);
    Dataset<Row> df = TestData.frame(spark, ids, v, 4).cache();
    ApproxKnn knn = ApproxKnn.builder().beamWidth(80).searchBeam(64).build();
    try (PartitionedGraph graphs = knn.index(df)) {
      for (long every : new long[] {2, 50}) {
        // Every 2nd row (a share of 1/2: walked), every 50th (1/50: scanned exactly).
        PartitionedGraph.IdFilter filter = id -> (id - 10_000_000_000L) / 3 % every == 0;
        List<List<Neighbor>> exact = ExactKnn.builder().build().search(
            df.where(org.apache.spark.sql.functions.expr(
                "((id - 10000000000) div 3) % " + every + " = 0")), queries, 10);
        List<List<Neighbor>> found = graphs.search(queries, 10, 64, filter);
        for (List<Neighbor> hits : found) {
          assertEquals(10, hits.size());
          for (Neighbor n : hits) {
            assertTrue(filter.test(n.id()), "a rejected row came back: " + n);
          }
        }
        double r = recall(exact, found);
        assertTrue(r >= 0.95, "1/" + every + ": recall@10 " + r);
      }
      assertEquals(4, graphs.partitionBuilds(), "filters need no rebuild");
    }
    df.unpersist();
  }

  @Test
  void aPartitionGraphSurvivesJavaAndKryoSerialization() {
    float[][] v = TestData.clustered(10, 500, 7, 4);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < v.length; i++) {
      rows.add(RowFactory.create(5L * i, v[i]));
    }
    ApproxKnn knn = ApproxKnn.builder().metric(StandardMetric.COSINE).beamWidth(50).build();
    PartitionGraph g = PartitionGraph.build(rows.iterator(), knn, 7, "the test's");
    PartitionGraph empty = PartitionGraph.build(List.<Row>of().iterator(), knn, 7, "the test's");
    float[][] queries = TestData.clustered(11, 12, 7, 4);
    List<List<Neighbor>> want = g.search(queries, 5, 20).toLists(false);
    SparkConf conf = new SparkConf();
    for (SerializerInstance s : List.of(new JavaSerializer(conf).newInstance(),
        new KryoSerializer(conf).newInstance())) {
      PartitionGraph back = s.deserialize(s.serialize(g, ClassTag$.MODULE$.apply(
          PartitionGraph.class)), ClassTag$.MODULE$.apply(PartitionGraph.class));
      assertEquals(500, back.size(), s.getClass().getSimpleName());
      assertEquals(want, back.search(queries, 5, 20).toLists(false),
          s.getClass().getSimpleName());
      PartitionGraph none = s.deserialize(s.serialize(empty, ClassTag$.MODULE$.apply(
          PartitionGraph.class)), ClassTag$.MODULE$.apply(PartitionGraph.class));
      assertEquals(0, none.size());
    }
  }

  @Test
  void dataFrameOfQueriesGivesRankedRows() {
    float[][] v = TestData.clustered(12, 300, 6, 4);
    Dataset<Row> df = TestData.frame(spark, TestData.range(300), v, 3);
    Dataset<Row> queries = TestData.frame(spark, new long[] {77, 88},
        new float[][] {v[10], v[20]}, 1);
    ApproxKnn knn = ApproxKnn.builder().build();
    List<Row> once = knn.search(df, queries, "id", "vector", 3).orderBy("query_id", "rank")
        .collectAsList();
    assertEquals(6, once.size());
    assertEquals(RowFactory.create(77L, 0, 10L, 0.0), once.get(0));
    assertEquals(RowFactory.create(88L, 0, 20L, 0.0), once.get(3));
    try (PartitionedGraph graphs = knn.index(df)) {
      assertEquals(once, graphs.search(queries, "id", "vector", 3).orderBy("query_id", "rank")
          .collectAsList());
    }
  }

  @Test
  void theGraphsRememberTheirEmbedderAndRefuseOtherQueries() {
    float[][] v = TestData.clustered(14, 200, 6, 4);
    EmbedderDescription seven = EmbedderDescription.builder("lenet", 6)
        .weights("random seed=7").build();
    Dataset<Row> df = EmbeddingStore.withEmbedder(
        TestData.frame(spark, TestData.range(200), v, 2), seven);
    Dataset<Row> plain = TestData.frame(spark, new long[] {9}, new float[][] {v[40]}, 1);
    Dataset<Row> other = EmbeddingStore.withEmbedder(plain,
        EmbedderDescription.builder("lenet", 6).weights("random seed=8").build());
    ApproxKnn knn = ApproxKnn.builder().build();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> knn.search(df, other, "id", "vector", 3));
    assertTrue(e.getMessage().contains("weights: random seed=8 != random seed=7"),
        e.getMessage());
    try (PartitionedGraph graphs = knn.index(df)) {
      assertEquals(seven, graphs.description().orElseThrow());
      List<Row> want = graphs.search(plain, "id", "vector", 3).orderBy("rank").collectAsList();
      assertEquals(40L, want.get(0).getLong(2));
      e = assertThrows(IllegalArgumentException.class,
          () -> graphs.search(other, "id", "vector", 3));
      assertTrue(e.getMessage().contains("checkEmbedder(false)"), e.getMessage());
    }
    try (PartitionedGraph lenient = ApproxKnn.builder().checkEmbedder(false).build()
        .index(df)) {
      assertEquals(40L, lenient.search(other, "id", "vector", 3).orderBy("rank")
          .collectAsList().get(0).getLong(2));
    }
    try (PartitionedGraph undescribed = knn.index(TestData.frame(spark, TestData.range(200), v,
        2))) {
      assertTrue(undescribed.description().isEmpty());
      assertEquals(40L, undescribed.search(other, "id", "vector", 3).orderBy("rank")
          .collectAsList().get(0).getLong(2));
    }
  }
}
