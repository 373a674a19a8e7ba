package io.github.embeddings4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.EmbedderDescription;
import io.github.embeddings4j.core.io.Checksums;
import io.github.embeddings4j.core.reduce.Pca;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddingPcaTest {

  private final SparkSession spark = LocalSpark.session();

  /** All rows in the order Spark hands them over (partition by partition). */
  private static List<Row> rows(Dataset<Row> df) {
    return df.collectAsList();
  }

  @Test
  void withAllRowsSampledItIsTheCorePcaOfThoseRowsAndReducesExactlyAsTheCore() {
    float[][] v = TestData.vectors(3, 1500, 24);
    Dataset<Row> df = TestData.frame(spark, TestData.range(1500), v, 4).cache();
    EmbeddingPcaModel model = new EmbeddingPca().setInputCol("vector").setOutputCol("p")
        .setK(6).fit(df);
    // The sample is every row, in the DataFrame's order: the core's fit on the same rows.
    List<Row> all = rows(df);
    float[][] ordered = new float[all.size()][];
    for (int i = 0; i < ordered.length; i++) {
      ordered[i] = Vectors.get(all.get(i), 2);
    }
    Pca core = Pca.fit(ordered, Pca.keep(6));
    assertArrayEquals(core.mean(), model.pca().mean());
    for (int c = 0; c < 6; c++) {
      assertArrayEquals(core.components()[c], model.pca().components()[c], "component " + c);
    }
    for (Row r : rows(model.transform(df))) {
      float[] reduced = Vectors.get(r, 3);
      assertArrayEquals(core.reduce(Vectors.get(r, 2)), reduced, "id " + r.getLong(0));
    }
    // The strong directions are found: four components hold nearly all the variance.
    double four = 0;
    for (int c = 0; c < 4; c++) {
      four += core.explainedVarianceRatio()[c];
    }
    assertTrue(four > 0.99, "variance in four components: " + four);
  }

  @Test
  void aSampleIsSeededAndItsSubspaceIsTheFullData() {
    float[][] v = TestData.vectors(5, 3000, 16);
    Dataset<Row> df = TestData.frame(spark, TestData.range(3000), v, 4).cache();
    EmbeddingPca sampled = new EmbeddingPca().setInputCol("vector").setK(4).setSampleSize(600)
        .setSeed(9);
    float[][] s1 = sampled.sample(df).rows();
    float[][] s2 = sampled.sample(df).rows();
    assertEquals(600, s1.length);
    for (int i = 0; i < s1.length; i++) {
      assertArrayEquals(s1[i], s2[i]);
    }
    float[][] other = new EmbeddingPca().setInputCol("vector").setK(4).setSampleSize(600)
        .setSeed(10).sample(df).rows();
    int same = 0;
    for (int i = 0; i < Math.min(s1.length, other.length); i++) {
      same += java.util.Arrays.equals(s1[i], other[i]) ? 1 : 0;
    }
    assertTrue(same < 100, "another seed, another sample: " + same + " rows in the same place");
    Pca fromSample = sampled.fit(df).pca();
    Pca full = Pca.fit(v, Pca.keep(4));
    // Each sampled component lies in the span of the full fit's components (|projection| ~ 1).
    for (float[] c : fromSample.components()) {
      double norm2 = 0;
      for (float[] f : full.components()) {
        double dot = 0;
        for (int j = 0; j < c.length; j++) {
          dot += c[j] * f[j];
        }
        norm2 += dot * dot;
      }
      assertEquals(1.0, norm2, 1e-3);
    }
  }

  @Test
  void nullVectorsAreSkippedAndStayNull() {
    float[][] v = TestData.vectors(7, 50, 8);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < v.length; i++) {
      rows.add(RowFactory.create((long) i, null, i % 10 == 0 ? null : v[i]));
    }
    Dataset<Row> df = spark.createDataFrame(rows, EmbeddingStore.SCHEMA);
    EmbeddingPcaModel model = new EmbeddingPca().setInputCol("vector").setK(2).fit(df);
    for (Row r : model.transform(df).collectAsList()) {
      if (r.getLong(0) % 10 == 0) {
        assertNull(r.get(3));
      } else {
        assertEquals(2, Vectors.get(r, 3).length);
      }
    }
  }

  @Test
  void savedModelReducesTheSame(@TempDir Path dir) throws Exception {
    float[][] v = TestData.vectors(8, 200, 12);
    Dataset<Row> df = TestData.frame(spark, TestData.range(200), v, 2);
    EmbeddingPcaModel model = new EmbeddingPca().setInputCol("vector").setOutputCol("r")
        .setVarianceFraction(0.9).setWhiten(true).fit(df);
    String path = dir.resolve("pca").toString();
    model.write().save(path);
    EmbeddingPcaModel loaded = EmbeddingPcaModel.load(path);
    assertEquals("r", loaded.getOrDefault(loaded.outputCol()));
    assertTrue(loaded.pca().isWhitened());
    for (float[] x : v) {
      assertArrayEquals(model.pca().reduce(x), loaded.pca().reduce(x));
    }
  }

  @Test
  void descriptionsTravelThroughThePcaAsThroughTheCommandLine(@TempDir Path dir)
      throws Exception {
    float[][] v = TestData.vectors(10, 200, 12);
    EmbedderDescription lenet = EmbedderDescription.builder("lenet", 12)
        .weights("random seed=7").build();
    Dataset<Row> df = EmbeddingStore.withEmbedder(
        TestData.frame(spark, TestData.range(200), v, 2), lenet);
    EmbeddingPcaModel model = new EmbeddingPca().setInputCol("vector").setOutputCol("r")
        .setK(3).fit(df);
    assertEquals(lenet, model.fittedOn().orElseThrow());
    Dataset<Row> reduced = model.transform(df);
    // The output is the input's vectors reduced by this PCA, whose file has that checksum; the
    // input column keeps its own description.
    Path file = dir.resolve("model.pca");
    model.pca().save(file);
    EmbedderDescription out = Vectors.description(reduced.schema().apply("r"));
    assertEquals(lenet.reducedTo(3, "pca 12 to 3, model sha256=" + Checksums.sha256(file)), out);
    assertEquals(lenet, EmbeddingStore.embedder(reduced).orElseThrow());
    assertEquals(200, reduced.count());

    // Vectors of other weights (same dimension): refused, naming the difference, unless asked.
    Dataset<Row> other = EmbeddingStore.withEmbedder(df,
        EmbedderDescription.builder("lenet", 12).weights("random seed=8").build());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> model.transform(other));
    assertTrue(e.getMessage().contains("'vector'")
        && e.getMessage().contains("weights: random seed=8 != random seed=7")
        && e.getMessage().contains("setCheckEmbedder(false)"), e.getMessage());
    EmbeddingPcaModel lenient = model.copy(new org.apache.spark.ml.param.ParamMap())
        .setCheckEmbedder(false);
    assertEquals("random seed=8", Vectors.description(lenient.transform(other).schema()
        .apply("r")).weights());

    // Undescribed vectors: nothing to check, nothing to describe.
    Dataset<Row> bare = EmbeddingStore.withEmbedder(df, null);
    assertNull(Vectors.description(model.transform(bare).schema().apply("r")));
    // The saved model remembers what it was fitted on, and so does one fitted on bare vectors.
    model.write().save(dir.resolve("described").toString());
    assertEquals(lenet, EmbeddingPcaModel.load(dir.resolve("described").toString()).fittedOn()
        .orElseThrow());
    EmbeddingPcaModel fromBare = new EmbeddingPca().setInputCol("vector").setK(3).fit(bare);
    fromBare.write().save(dir.resolve("bare").toString());
    assertTrue(EmbeddingPcaModel.load(dir.resolve("bare").toString()).fittedOn().isEmpty());
    // A description of other vectors than the column holds is refused at the fit.
    Dataset<Row> wrong = EmbeddingStore.withEmbedder(df,
        EmbedderDescription.builder("lenet", 500).build());
    e = assertThrows(IllegalArgumentException.class,
        () -> new EmbeddingPca().setInputCol("vector").setK(3).fit(wrong));
    assertTrue(e.getMessage().contains("500-dimensional") && e.getMessage().contains("12"),
        e.getMessage());
  }

  @Test
  void badInputNamesTheColumnAndValues() {
    float[][] v = TestData.vectors(9, 20, 4);
    Dataset<Row> df = TestData.frame(spark, TestData.range(20), v, 1);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new EmbeddingPca().setInputCol("path").setK(2).fit(df));
    assertTrue(e.getMessage().contains("'path'") && e.getMessage().contains("string"),
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new EmbeddingPca().setInputCol("vector").fit(df));
    assertTrue(e.getMessage().contains("k"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new EmbeddingPca().setK(0));
    assertTrue(e.getMessage().contains("0"), e.getMessage());
  }
}
