package io.github.embeddings4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddingHdbscanTest {

  private final SparkSession spark = LocalSpark.session();

  /**
   * Ids 0-29 around one point, 30-59 around another, 60-63 scattered far away, 64 a failed
   * image (null vector); three partitions.
   */
  private Dataset<Row> groups() {
    Random r = new Random(7);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 65; i++) {
      float[] v = null;
      if (i < 64) {
        v = new float[4];
        for (int t = 0; t < 4; t++) {
          v[t] = i >= 60 ? (float) (r.nextDouble() * 400 - 200)
              : (float) (r.nextGaussian() * 0.5 + (t == i / 30 ? 30 : 0));
        }
      }
      rows.add(RowFactory.create((long) i, "img/" + i + ".png", v));
    }
    return spark.createDataFrame(rows, EmbeddingStore.SCHEMA).repartition(3);
  }

  /** Checks the labels by group: one cluster per group, the scattered rows noise. */
  private static void assertGroups(Dataset<Row> placed) {
    Map<Integer, Integer> clusterOfGroup = new HashMap<>();
    int columns = placed.schema().fieldNames().length;
    for (Row row : placed.collectAsList()) {
      long id = row.getLong(0);
      if (id == 64) {
        assertTrue(row.isNullAt(columns - 3) && row.isNullAt(columns - 2)
            && row.isNullAt(columns - 1), row.toString());
        continue;
      }
      int cluster = row.getInt(columns - 3);
      double strength = row.getDouble(columns - 2);
      double outlier = row.getDouble(columns - 1);
      assertTrue(outlier >= 0 && outlier <= 1, row.toString());
      if (id >= 60) {
        assertEquals(-1, cluster, row.toString());
        assertEquals(0, strength, row.toString());
      } else {
        int group = (int) id / 30;
        assertEquals((int) clusterOfGroup.computeIfAbsent(group, g -> cluster), cluster,
            row.toString());
        assertTrue(cluster >= 0 && strength > 0 && strength <= 1, row.toString());
      }
    }
    assertEquals(2, clusterOfGroup.size());
    assertTrue(!clusterOfGroup.get(0).equals(clusterOfGroup.get(1)));
  }

  @Test
  void clustersEveryRowAndLeavesScatteredOnesAndNullVectorsOut() {
    Dataset<Row> df = groups().cache();
    EmbeddingHdbscanModel model = new EmbeddingHdbscan().setInputCol("vector")
        .setMinClusterSize(5).fit(df);
    assertEquals(64, model.model().size(), "every non-null vector fitted on");
    assertEquals(5, model.model().options().minClusterSize());
    assertEquals(2, model.model().result().clusterCount());
    Dataset<Row> placed = model.setInputCol("vector").transform(df);
    assertEquals(List.of("id", "path", "vector", "cluster", "probability", "outlier"),
        List.of(placed.schema().fieldNames()));
    assertGroups(placed);
  }

  @Test
  void aSampledFitScalesTheSizesAndPlacesTheRest() {
    Dataset<Row> df = groups().cache();
    EmbeddingHdbscanModel model = new EmbeddingHdbscan().setInputCol("vector")
        .setMinClusterSize(5).setSampleSize(40).setSeed(3).fit(df);
    assertEquals(40, model.model().size());
    // 5 x 40 / 64 rounds to 3.
    assertEquals(3, model.model().options().minClusterSize());
    assertEquals(3, model.model().options().minSamples());
    assertGroups(model.setInputCol("vector").setClusterCol("group").transform(df));
  }

  @Test
  void aSavedModelPlacesTheSame(@TempDir Path dir) throws Exception {
    Dataset<Row> df = groups().cache();
    EmbeddingHdbscanModel model = new EmbeddingHdbscan().setInputCol("vector")
        .setMinClusterSize(5).setClusterSelection("leaf").fit(df);
    String path = dir.resolve("hdbscan").toString();
    model.write().save(path);
    EmbeddingHdbscanModel loaded = EmbeddingHdbscanModel.load(path);
    assertEquals("vector", loaded.getOrDefault(loaded.inputCol()));
    List<Row> a = model.transform(df).orderBy("id").collectAsList();
    List<Row> b = loaded.transform(df).orderBy("id").collectAsList();
    assertEquals(a, b);
    assertTrue(loaded.model().options().leafSelection());
  }

  @Test
  void anotherEmbeddersVectorsAreRefusedUnlessAsked() {
    io.github.embeddings4j.api.EmbedderDescription seven = io.github.embeddings4j.api
        .EmbedderDescription.builder("lenet", 4).weights("random seed=7").build();
    Dataset<Row> df = EmbeddingStore.withEmbedder(groups(), seven).cache();
    EmbeddingHdbscanModel model = new EmbeddingHdbscan().setInputCol("vector")
        .setMinClusterSize(5).fit(df).setInputCol("vector");
    assertEquals(seven, model.fittedOn().orElseThrow());
    Dataset<Row> other = EmbeddingStore.withEmbedder(df, io.github.embeddings4j.api
        .EmbedderDescription.builder("lenet", 4).weights("random seed=8").build());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> model.transform(other));
    assertTrue(e.getMessage().contains("weights: random seed=8 != random seed=7")
        && e.getMessage().contains("setCheckEmbedder(false)"), e.getMessage());
    assertGroups(model.copy(new org.apache.spark.ml.param.ParamMap()).setCheckEmbedder(false)
        .transform(other));
  }

  @Test
  void badSettingsAndColumnsAreRefusedNamingThem() {
    assertThrows(IllegalArgumentException.class, () -> new EmbeddingHdbscan()
        .setMinClusterSize(1));
    assertThrows(IllegalArgumentException.class, () -> new EmbeddingHdbscan().setMinSamples(-1));
    assertThrows(IllegalArgumentException.class, () -> new EmbeddingHdbscan()
        .setClusterSelection("largest"));
    assertThrows(IllegalArgumentException.class, () -> new EmbeddingHdbscan().setSampleSize(1));
    Dataset<Row> df = groups().cache();
    EmbeddingHdbscanModel model = new EmbeddingHdbscan().setInputCol("vector")
        .setMinClusterSize(5).fit(df);
    IllegalArgumentException taken = assertThrows(IllegalArgumentException.class,
        () -> model.setInputCol("vector").setClusterCol("path").transform(df));
    assertTrue(taken.getMessage().contains("'path' already exists"), taken.getMessage());
    IllegalArgumentException few = assertThrows(IllegalArgumentException.class,
        () -> new EmbeddingHdbscan().setInputCol("vector").setMinClusterSize(100).fit(df));
    assertTrue(few.getMessage().contains("at least 100 vectors"), few.getMessage());
  }
}
