package io.github.embeddings4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.EmbedderDescription;
import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.core.io.Npy;
import io.github.embeddings4j.core.search.FlatIndex;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddingStoreTest {

  private final SparkSession spark = LocalSpark.session();

  private Dataset<Row> withFailures(float[][] v) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < v.length; i++) {
      boolean failed = i % 9 == 4;
      rows.add(RowFactory.create((long) (v.length - i), "p/" + i + ".jpg", failed ? null : v[i],
          failed ? "p/" + i + ".jpg: truncated" : null));
    }
    StructType schema = EmbeddingStore.SCHEMA.add(EmbeddingStore.ERROR, DataTypes.StringType);
    return spark.createDataFrame(rows, schema).repartition(3);
  }

  @Test
  void parquetRoundTripKeepsIdsPathsVectorsAndErrors(@TempDir Path dir) throws IOException {
    float[][] v = TestData.vectors(31, 40, 7);
    String path = dir.resolve("store").toString();
    EmbeddingStore.write(withFailures(v), path, false);
    Dataset<Row> back = EmbeddingStore.read(spark, path);
    assertEquals(List.of("id", "path", "vector", "error"), List.of(back.schema().fieldNames()));
    assertEquals(Vectors.FLOAT_ARRAY.elementType(),
        ((org.apache.spark.sql.types.ArrayType) back.schema().apply("vector").dataType())
            .elementType());
    List<Row> rows = back.orderBy("path").collectAsList();
    assertEquals(40, rows.size());
    for (Row r : rows) {
      int i = Integer.parseInt(r.getString(1).replaceAll("\\D", ""));
      assertEquals(40 - i, r.getLong(0));
      if (i % 9 == 4) {
        assertNull(r.get(2));
        assertEquals("p/" + i + ".jpg: truncated", r.getString(3));
      } else {
        assertArrayEquals(v[i], Vectors.get(r, 2));
      }
    }
    // No temporary folder is left beside the store.
    try (Stream<Path> s = Files.list(dir)) {
      assertEquals(List.of(dir.resolve("store")), s.toList());
    }
  }

  @Test
  void anExistingStoreIsReplacedOnlyWhenAsked(@TempDir Path dir) throws IOException {
    float[][] v = TestData.vectors(32, 10, 3);
    String path = dir.resolve("store").toString();
    EmbeddingStore.write(TestData.frame(spark, TestData.range(10), v, 2), path, false);
    IOException e = assertThrows(IOException.class, () -> EmbeddingStore.write(
        TestData.frame(spark, TestData.range(10), v, 2), path, false));
    assertTrue(e.getMessage().contains(path), e.getMessage());
    float[][] w = TestData.vectors(33, 5, 3);
    EmbeddingStore.write(TestData.frame(spark, TestData.range(5), w, 1), path, true);
    assertEquals(5, EmbeddingStore.read(spark, path).count());
  }

  @Test
  void flatIndexBothWays(@TempDir Path dir) throws IOException {
    float[][] v = TestData.vectors(34, 60, 9);
    Dataset<Row> df = withFailures(v);
    FlatIndex index = EmbeddingStore.toFlatIndex(df, StandardMetric.COSINE);
    long expected = df.where("vector is not null").count();
    assertEquals(expected, index.size());
    // In id order: ids 60 - i descending with i, so row 0 holds the largest i that succeeded.
    for (int r = 1; r < index.size(); r++) {
      assertTrue(index.idAt(r - 1) < index.idAt(r));
    }
    int i0 = (int) (60 - index.idAt(0));
    assertArrayEquals(v[i0], index.vectorAt(0));
    Path file = dir.resolve("photos.index");
    index.save(file);
    Dataset<Row> back = EmbeddingStore.fromFlatIndex(spark, FlatIndex.load(file), 2);
    List<Row> rows = back.orderBy("id").collectAsList();
    assertEquals(index.size(), rows.size());
    for (int r = 0; r < rows.size(); r++) {
      assertEquals(index.idAt(r), rows.get(r).getLong(0));
      assertNull(rows.get(r).get(1));
      assertArrayEquals(index.vectorAt(r), Vectors.get(rows.get(r), 2));
    }
  }

  @Test
  void npyBothWaysWithThePathsAsIds(@TempDir Path dir) throws IOException {
    float[][] v = TestData.vectors(35, 25, 4);
    Dataset<Row> df = withFailures(v);
    Path npy = dir.resolve("vectors.npy");
    long written = EmbeddingStore.toNpy(df, npy);
    assertEquals(df.where("vector is not null").count(), written);
    float[][] matrix = Npy.read(npy);
    List<String> names = Npy.readIds(Npy.idsFile(npy));
    assertEquals(written, matrix.length);
    // Id order is descending i; each row's name is its path.
    for (int r = 0; r < matrix.length; r++) {
      int i = Integer.parseInt(names.get(r).replaceAll("\\D", ""));
      assertArrayEquals(v[i], matrix[r]);
      if (r > 0) {
        assertTrue(i < Integer.parseInt(names.get(r - 1).replaceAll("\\D", "")));
      }
    }
    List<Row> back = EmbeddingStore.fromNpy(spark, npy, 2).orderBy("id").collectAsList();
    for (int r = 0; r < back.size(); r++) {
      assertEquals(r, back.get(r).getLong(0));
      assertEquals(names.get(r), back.get(r).getString(1));
      assertArrayEquals(matrix[r], Vectors.get(back.get(r), 2));
    }
  }

  @Test
  void aDescriptionOfOtherVectorsIsRefusedWithTheWayOut(@TempDir Path dir) {
    EmbedderDescription wide = EmbedderDescription.builder("resnet50", 2048)
        .weights("imagenet").build();
    float[][] v = TestData.vectors(36, 5, 3);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < v.length; i++) {
      rows.add(RowFactory.create((long) i, null, v[i]));
    }
    Dataset<Row> df = spark.createDataFrame(rows, Vectors.describe(EmbeddingStore.SCHEMA,
        EmbeddingStore.VECTOR, wide));
    assertEquals(Optional.of(wide), EmbeddingStore.embedder(df));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> EmbeddingStore.toFlatIndex(df, StandardMetric.COSINE));
    assertEquals("column 'vector' is described as the 2048-dimensional vectors of resnet50 but"
        + " holds 3-dimensional ones: the description belongs to other vectors; drop it with"
        + " EmbeddingStore.withEmbedder(embeddings, null)", e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> EmbeddingStore.toNpy(df, dir.resolve("x.npy")));
    assertFalse(Files.exists(dir.resolve("x.npy")));
    // The way out the message gives works.
    Dataset<Row> dropped = EmbeddingStore.withEmbedder(df, null);
    assertEquals(Optional.empty(), EmbeddingStore.embedder(dropped));
    assertEquals(5, EmbeddingStore.toFlatIndex(dropped, StandardMetric.COSINE).size());
    // And the right one can be put on instead.
    EmbedderDescription narrow = EmbedderDescription.builder("mine", 3).build();
    assertEquals(Optional.of(narrow), EmbeddingStore.toFlatIndex(
        EmbeddingStore.withEmbedder(df, narrow), StandardMetric.COSINE).embedder());
  }

  @Test
  void wrongColumnsAreNamed(@TempDir Path dir) {
    Dataset<Row> noId = spark.createDataFrame(List.of(RowFactory.create("x", new float[] {1})),
        new StructType().add("name", DataTypes.StringType).add("vector", Vectors.FLOAT_ARRAY));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> EmbeddingStore.write(noId, dir.resolve("s").toString(), false));
    assertTrue(e.getMessage().contains("'id'"), e.getMessage());
    assertFalse(Files.exists(dir.resolve("s")));
    Dataset<Row> other = spark.createDataFrame(List.of(RowFactory.create(1L)),
        new StructType().add("id", DataTypes.LongType));
    String p = dir.resolve("other").toString();
    other.write().parquet(p);
    e = assertThrows(IllegalArgumentException.class, () -> EmbeddingStore.read(spark, p));
    assertTrue(e.getMessage().contains("not an embeddings store"), e.getMessage());
  }
}
