package io.github.embeddings4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.EmbedderDescription;
import io.github.embeddings4j.api.Neighbor;
import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.core.search.FlatIndex;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

class ExactKnnTest {

  private final SparkSession spark = LocalSpark.session();

  /** Random vectors with every seventh one a copy of an earlier one, so ties must break by id. */
  private static float[][] withDuplicates(long seed, int n, int d) {
    float[][] v = TestData.vectors(seed, n, d);
    for (int i = 7; i < n; i += 7) {
      v[i] = v[i - 5].clone();
    }
    return v;
  }

  private static long[] shuffledIds(int n, long seed) {
    long[] ids = new long[n];
    for (int i = 0; i < n; i++) {
      ids[i] = 1000L + 3L * i;
    }
    SplittableRandom rnd = new SplittableRandom(seed);
    for (int i = n - 1; i > 0; i--) {
      int j = rnd.nextInt(i + 1);
      long t = ids[i];
      ids[i] = ids[j];
      ids[j] = t;
    }
    return ids;
  }

  @ParameterizedTest
  @EnumSource(value = StandardMetric.class, names = {"EUCLIDEAN", "SQUARED_EUCLIDEAN", "COSINE",
      "DOT_PRODUCT", "MANHATTAN"})
  void equalsTheSingleMachineIndexIncludingTies(StandardMetric metric) {
    int n = 2500;
    int d = 20;
    float[][] v = withDuplicates(11, n, d);
    long[] ids = shuffledIds(n, 12);
    // Queries: 9 fresh vectors and 4 stored ones (distance 0 to themselves and their copies).
    float[][] queries = new float[13][];
    float[][] fresh = TestData.vectors(13, 9, d);
    System.arraycopy(fresh, 0, queries, 0, 9);
    for (int q = 9; q < 13; q++) {
      queries[q] = v[(q - 9) * 7];
    }
    FlatIndex index = FlatIndex.builder(d).metric(metric).build();
    for (int i = 0; i < n; i++) {
      index.add(ids[i], v[i]);
    }
    Dataset<Row> df = TestData.frame(spark, ids, v, 6);
    for (int k : new int[] {1, 10}) {
      // Small chunks too, so a partition merges several chunk results.
      for (int chunk : new int[] {65_536, 97}) {
        List<List<Neighbor>> got = ExactKnn.builder().metric(metric).chunkRows(chunk).build()
            .search(df, queries, k);
        List<List<Neighbor>> want = index.searchAll(queries, k);
        assertEquals(want, got, metric + " k=" + k + " chunk=" + chunk);
      }
    }
  }

  @Test
  void kLargerThanTheDataReturnsEveryRowAndNullVectorsAreSkipped() {
    float[][] v = TestData.vectors(21, 30, 5);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < v.length; i++) {
      rows.add(RowFactory.create((long) i, null, i < 3 ? null : v[i]));
    }
    Dataset<Row> df = spark.createDataFrame(rows, EmbeddingStore.SCHEMA).repartition(3);
    List<Neighbor> hits = ExactKnn.builder().build().search(df, new float[][] {v[5]}, 100)
        .get(0);
    assertEquals(27, hits.size());
    assertEquals(new Neighbor(5, 0.0), hits.get(0));
    assertTrue(hits.stream().allMatch(h -> h.id() >= 3));
  }

  @Test
  void dataFrameOfQueriesGivesRankedRows() {
    float[][] v = TestData.vectors(22, 200, 6);
    Dataset<Row> df = TestData.frame(spark, TestData.range(200), v, 4);
    Dataset<Row> queries = TestData.frame(spark, new long[] {77, 88}, new float[][] {v[10], v[20]},
        1);
    List<Row> out = ExactKnn.builder().build().search(df, queries, "id", "vector", 3)
        .orderBy("query_id", "rank").collectAsList();
    assertEquals(6, out.size());
    assertEquals(RowFactory.create(77L, 0, 10L, 0.0), out.get(0));
    assertEquals(RowFactory.create(88L, 0, 20L, 0.0), out.get(3));
    List<Neighbor> direct = ExactKnn.builder().build().search(df, new float[][] {v[10]}, 3)
        .get(0);
    for (int r = 0; r < 3; r++) {
      assertEquals(direct.get(r).id(), out.get(r).getLong(2));
      assertEquals(direct.get(r).distance(), out.get(r).getDouble(3));
    }
  }

  @Test
  void wrongDimensionsAndArgumentsAreNamed() {
    float[][] v = TestData.vectors(23, 20, 6);
    Dataset<Row> df = TestData.frame(spark, TestData.range(20), v, 2);
    ExactKnn knn = ExactKnn.builder().build();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> knn.search(df, new float[][] {new float[6], new float[5]}, 3));
    assertTrue(e.getMessage().contains("queries[1] has 5"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> knn.search(df, v, 0));
    assertTrue(e.getMessage().contains("0"), e.getMessage());
    Exception job = assertThrows(Exception.class,
        () -> knn.search(df, new float[][] {new float[4]}, 3));
    assertTrue(String.valueOf(job.getMessage()).contains("vector dimensions differ"),
        job.getMessage());
  }

  @Test
  void queriesDescribedAsAnotherEmbeddersVectorsAreRefusedUnlessAsked() {
    float[][] v = TestData.vectors(31, 60, 6);
    EmbedderDescription seven = EmbedderDescription.builder("lenet", 6)
        .weights("random seed=7").build();
    Dataset<Row> df = EmbeddingStore.withEmbedder(
        TestData.frame(spark, TestData.range(60), v, 2), seven);
    Dataset<Row> plain = TestData.frame(spark, new long[] {5}, new float[][] {v[3]}, 1);
    Dataset<Row> same = EmbeddingStore.withEmbedder(plain, seven);
    Dataset<Row> other = EmbeddingStore.withEmbedder(plain,
        EmbedderDescription.builder("lenet", 6).weights("random seed=8").build());
    ExactKnn knn = ExactKnn.builder().build();
    List<Row> want = knn.search(df, plain, "id", "vector", 3).orderBy("rank").collectAsList();
    assertEquals(3L, want.get(0).getLong(2));
    // Same embedder, or a side without a description: nothing to refuse.
    assertEquals(want, knn.search(df, same, "id", "vector", 3).orderBy("rank").collectAsList());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> knn.search(df, other, "id", "vector", 3));
    assertTrue(e.getMessage().contains("query column 'vector'")
        && e.getMessage().contains("weights: random seed=8 != random seed=7")
        && e.getMessage().contains("checkEmbedder(false)"), e.getMessage());
    assertEquals(want, ExactKnn.builder().checkEmbedder(false).build()
        .search(df, other, "id", "vector", 3).orderBy("rank").collectAsList());
    // A query id column that is not a number is named before any job.
    e = assertThrows(IllegalArgumentException.class,
        () -> knn.search(df, plain, "path", "vector", 3));
    assertTrue(e.getMessage().startsWith("query id column 'path' must be long or int, not "
        + "string"), e.getMessage());
  }
}
