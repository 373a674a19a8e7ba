package io.github.embeddings4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.core.search.NearDuplicates;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * The self-join on Spark finds the groups the core's exact self-join finds, on planted
 * near-copies spread over partitions.
 */
class SparkDuplicatesTest {

  private final SparkSession spark = LocalSpark.session();

  /** 2,000 random 32-d rows, then near-copies of 30 of them (one row copied three times). */
  static float[][] planted() {
    // Isotropic Gaussian rows: any two are about 1 apart in cosine distance, never near 0.01.
    SplittableRandom r = new SplittableRandom(6);
    float[][] base = new float[2_000][32];
    for (float[] v : base) {
      for (int t = 0; t < v.length; t++) {
        v[t] = (float) r.nextGaussian();
      }
    }
    float[][] all = Arrays.copyOf(base, base.length + 32);
    for (int c = 0; c < 32; c++) {
      int of = c < 3 ? 77 : 100 + 37 * c;
      float[] v = base[of].clone();
      for (int t = 0; t < v.length; t++) {
        v[t] += (float) (r.nextGaussian() * 0.002);
      }
      all[base.length + c] = v;
    }
    return all;
  }

  @Test
  void theGroupsAreTheCoresExactGroupsWhereverTheRowsLie() {
    float[][] rows = planted();
    // Ids scattered and not in row order, so that a group's rows lie in different partitions.
    long[] ids = new long[rows.length];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = (i * 7919L) % 100_003L;
    }
    Dataset<Row> data = TestData.frame(spark, ids, rows, 5);
    NearDuplicates.Result exact = NearDuplicates.builder(0.01).build()
        .find(rows, StandardMetric.COSINE);
    try (PartitionedGraph graphs = ApproxKnn.builder().metric(StandardMetric.COSINE).seed(3)
        .threads(1).build().index(data)) {
      SparkDuplicates.Result r = SparkDuplicates.builder(0.01).neighbours(5).sample(500)
          .build().find(graphs, data);
      assertEquals(30, r.groups().size());
      assertEquals(62, r.duplicates());
      // The same groups: the exact ones, rows mapped to their ids, members by id.
      List<List<Long>> want = exact.groups().stream().map(g -> g.ids().stream()
          .map(row -> ids[row.intValue()]).sorted().toList()).sorted(
              java.util.Comparator.<List<Long>>comparingInt(List::size).reversed()
                  .thenComparing(l -> l.get(0))).toList();
      assertEquals(want, r.groups().stream().map(NearDuplicates.Group::ids).toList());
      assertEquals(exact.pairs().size(), r.pairs().size());
      assertEquals(0, r.fullLists());
      // The spread: planted copies are about 0.0001 apart, random rows far more.
      assertEquals(500, r.sampled());
      assertTrue(r.nearest()[2] > 0.3, Arrays.toString(r.nearest()));
      List<Row> table = r.table(spark).orderBy("group", "id").collectAsList();
      assertEquals(62, table.size());
      assertEquals(1, table.get(0).getInt(0));
      assertEquals(want.get(0).get(0), table.get(0).getLong(1));
    }
  }

  @Test
  void aLooseThresholdFillsTheListsAndBadSettingsAreRefused() {
    float[][] rows = TestData.vectors(8, 300, 8);
    Dataset<Row> data = TestData.frame(spark, TestData.range(rows.length), rows, 3);
    try (PartitionedGraph graphs = ApproxKnn.builder().metric(StandardMetric.EUCLIDEAN)
        .build().index(data)) {
      SparkDuplicates.Result all = SparkDuplicates.builder(1e9).neighbours(10).sample(0)
          .build().find(graphs, data);
      assertEquals(1, all.groups().size(), "every row joined");
      assertEquals(300, all.duplicates());
      assertEquals(300 * 3, all.fullLists(), "every row's list was full in each partition");
      assertTrue(all.pairs().size() >= 300 * 10 / 2, "at least the pairs of one partition");
      assertEquals(0, all.nearest().length);
    }
    assertThrows(IllegalArgumentException.class, () -> SparkDuplicates.builder(-1));
    assertThrows(IllegalArgumentException.class, () -> SparkDuplicates.builder(Double.NaN));
    assertThrows(IllegalArgumentException.class,
        () -> SparkDuplicates.builder(0.1).neighbours(0));
  }

  @Test
  void theJobWritesTheGroupsWithTheirPathsAndRefusesBadOptions(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    float[][] rows = planted();
    Dataset<Row> data = TestData.frame(spark, TestData.range(rows.length), rows, 3);
    String store = dir.resolve("store").toString();
    EmbeddingStore.write(data, store, false);
    String output = dir.resolve("dupes").toString();
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    int status = DuplicatesJob.run(spark, DuplicatesJob.Options.parse(new String[] {
        "--input", store, "--output", output, "--threshold", "0.01", "--sample", "200"}),
        new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8));
    String said = bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertEquals(0, status, said);
    assertTrue(said.startsWith("30 groups hold 62 of 2032 images (35 pairs within 0.01,"
        + " cosine)"), said);
    assertTrue(said.contains("nearest-neighbour distances (200 sampled images)"), said);
    List<Row> written = spark.read().option("header", true).csv(output).collectAsList();
    assertEquals(62, written.size());
    // The largest group first, row 77 and its three copies, by path.
    assertEquals(List.of("img/2000.png", "img/2001.png", "img/2002.png", "img/77.png"),
        written.subList(0, 4).stream().map(w -> w.getString(2)).toList());
    assertTrue(written.subList(0, 4).stream().allMatch(w -> w.getString(0).equals("1")));

    IllegalArgumentException noThreshold = assertThrows(IllegalArgumentException.class,
        () -> DuplicatesJob.Options.parse(new String[] {"--input", "a", "--output", "b",
            "--metric", "euclidean"}));
    assertTrue(noThreshold.getMessage().contains("give --threshold"), noThreshold.getMessage());
    IllegalArgumentException manhattan = assertThrows(IllegalArgumentException.class,
        () -> DuplicatesJob.Options.parse(new String[] {"--input", "a", "--output", "b",
            "--metric", "manhattan", "--threshold", "1"}));
    assertTrue(manhattan.getMessage().contains("the graphs serve those"),
        manhattan.getMessage());
    assertThrows(IllegalArgumentException.class, () -> DuplicatesJob.Options.parse(
        new String[] {"--input", "a", "--output", "b", "--k", "0"}));
    assertEquals(null, DuplicatesJob.Options.parse(new String[] {"--help"}));
  }
}
