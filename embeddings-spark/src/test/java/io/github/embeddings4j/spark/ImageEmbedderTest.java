package io.github.embeddings4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.EmbedderDescription;
import io.github.embeddings4j.api.EmbeddingResult;
import io.github.embeddings4j.api.ImageSource;
import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.core.io.EmbeddingSet;
import io.github.embeddings4j.core.search.FlatIndex;
import io.github.embeddings4j.core.search.GraphIndex;
import io.github.embeddings4j.core.zoo.Weights;
import io.github.embeddings4j.core.zoo.ZooEmbedder;
import io.github.embeddings4j.core.zoo.ZooModel;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageEmbedderTest {

  @TempDir
  static Path folder;
  static SparkSession spark;

  @BeforeAll
  static void images() throws Exception {
    spark = LocalSpark.session();
    for (int i = 0; i < 1000; i++) {
      LocalSpark.png(folder, String.format("img%04d.png", i), i, 28);
    }
  }

  /** LeNet with seeded random weights: small and fast, 500 dimensions. */
  private static ImageEmbedder lenet() {
    return new ImageEmbedder().setModel("lenet").setWeights("random").setSeed(7)
        .setBatchSize(32);
  }

  private static Map<String, float[]> collect(Dataset<Row> df, String nameCol, String vecCol) {
    Map<String, float[]> out = new HashMap<>();
    for (Row r : df.select(nameCol, vecCol).collectAsList()) {
      out.put(r.getString(0), r.isNullAt(1) ? null : Vectors.get(r, 1));
    }
    return out;
  }

  @Test
  void thousandImagesOverFourPartitionsGiveTheSingleMachineVectors() throws Exception {
    Dataset<Row> images = spark.read().format("binaryFile").load(folder.toString())
        .repartition(4);
    assertEquals(4, images.rdd().getNumPartitions());
    // A spec no other test builds, with a fixed network batch: by default each embedder picks
    // its batch size from timings, and the batches an image shares can move its last bits.
    ImageEmbedder embedder = lenet().setSeed(11).setNetworkBatchSize(8);
    List<List<Row>> partitions = embedder.transform(images).select("path", "embedding")
        .toJavaRDD().glom().collect();
    // Once per JVM: the four partitions (two at a time on local[2]) share one embedder.
    assertEquals(1, ExecutorEmbedders.builds(embedder.spec()));
    assertEquals(4, partitions.size());

    // ND4J's result for an image can differ in the last bit with the images it shares a forward
    // pass with, so the single-machine embedder gets each partition's images in the same order
    // (and so the same batches): then every vector must be identical.
    int seen = 0;
    try (ZooEmbedder single = ZooEmbedder.builder(ZooModel.LENET).weights(Weights.random(11))
        .networkBatchSize(8).build()) {
      for (List<Row> partition : partitions) {
        assertTrue(partition.size() > 200, "round-robin partitions: " + partition.size());
        List<ImageSource> sources = new ArrayList<>();
        for (Row r : partition) {
          sources.add(ImageSource.of(Path.of(URI.create(r.getString(0)))));
        }
        List<EmbeddingResult> expected = single.embedBatch(sources);
        for (int i = 0; i < partition.size(); i++) {
          float[] e = expected.get(i).vectorOrThrow();
          assertEquals(500, e.length);
          assertArrayEquals(e, Vectors.get(partition.get(i), 1), partition.get(i).getString(0));
          seen++;
        }
      }
    }
    assertEquals(1000, seen);
  }

  @Test
  void aFailedImageGivesANullVectorAndAnErrorNotAFailedJob() throws Exception {
    byte[] good = Files.readAllBytes(folder.resolve("img0001.png"));
    StructType schema = new StructType().add("path", DataTypes.StringType)
        .add("content", DataTypes.BinaryType);
    List<Row> rows = List.of(
        RowFactory.create("good.png", good),
        RowFactory.create("broken.png", new byte[] {1, 2, 3, 4}),
        RowFactory.create("missing.png", null),
        RowFactory.create("good2.png", good));
    Dataset<Row> out = lenet().transform(spark.createDataFrame(rows, schema).repartition(2));
    Map<String, Row> byPath = new HashMap<>();
    for (Row r : out.collectAsList()) {
      byPath.put(r.getString(0), r);
    }
    assertEquals(4, byPath.size());
    for (String ok : List.of("good.png", "good2.png")) {
      assertNotNull(byPath.get(ok).get(2), ok);
      assertNull(byPath.get(ok).get(3), ok);
    }
    assertArrayEquals(Vectors.get(byPath.get("good.png"), 2),
        Vectors.get(byPath.get("good2.png"), 2));
    Row broken = byPath.get("broken.png");
    assertNull(broken.get(2));
    assertTrue(broken.getString(3).startsWith("broken.png: "), broken.getString(3));
    Row missing = byPath.get("missing.png");
    assertNull(missing.get(2));
    assertEquals("missing.png: no image (the input column is null)", missing.getString(3));
  }

  @Test
  void aColumnOfPathsIsReadAndAMissingFileIsAnError() {
    String present = folder.resolve("img0002.png").toString();
    String uri = folder.resolve("img0003.png").toUri().toString();
    String absent = folder.resolve("nope.png").toString();
    Dataset<Row> df = spark.createDataset(List.of(present, uri, absent),
        org.apache.spark.sql.Encoders.STRING()).toDF("file");
    Dataset<Row> out = lenet().setInputCol("file").setOutputCol("v").setErrorCol("e")
        .transform(df);
    Map<String, Row> byPath = new HashMap<>();
    for (Row r : out.collectAsList()) {
      byPath.put(r.getString(0), r);
    }
    assertEquals(500, Vectors.get(byPath.get(present), 1).length);
    assertEquals(500, Vectors.get(byPath.get(uri), 1).length);
    assertNull(byPath.get(absent).get(1));
    assertTrue(byPath.get(absent).getString(2).contains("nope.png"),
        byPath.get(absent).getString(2));
  }

  @Test
  void badOptionsFailOnTheDriverNamingTheValue() {
    StructType schema = new StructType().add("content", DataTypes.IntegerType);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> lenet().transformSchema(schema));
    assertTrue(e.getMessage().contains("'content'") && e.getMessage().contains("int"),
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new ImageEmbedder().setModel("alexnet"));
    assertTrue(e.getMessage().contains("alexnet"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> lenet().setWeights("/no/such/model.zip").transformSchema(
            new StructType().add("content", DataTypes.BinaryType)));
    assertTrue(e.getMessage().contains("/no/such/model.zip"), e.getMessage());
  }

  @Test
  void savesAndLoadsInsideAPipeline(@TempDir Path dir) throws Exception {
    Dataset<Row> images = spark.read().format("binaryFile")
        .load(folder.resolve("img00[0-3]*.png").toString());
    ImageEmbedder embedder = lenet().setNormalize(false).setPooling("max");
    EmbeddingPca pca = new EmbeddingPca().setInputCol("embedding").setOutputCol("reduced")
        .setK(5);
    PipelineModel fitted = new Pipeline().setStages(new PipelineStage[] {embedder, pca})
        .fit(images);
    String path = dir.resolve("pipeline").toString();
    fitted.write().save(path);
    PipelineModel loaded = PipelineModel.load(path);

    ImageEmbedder reloaded = (ImageEmbedder) loaded.stages()[0];
    assertEquals(embedder.spec(), reloaded.spec());
    assertEquals(embedder.uid(), reloaded.uid());
    Map<String, float[]> before = collect(fitted.transform(images), "path", "reduced");
    Map<String, float[]> after = collect(loaded.transform(images), "path", "reduced");
    assertEquals(40, before.size());
    for (Map.Entry<String, float[]> e : before.entrySet()) {
      assertEquals(5, e.getValue().length);
      assertArrayEquals(e.getValue(), after.get(e.getKey()), e.getKey());
    }

    String alone = dir.resolve("embedder").toString();
    embedder.write().save(alone);
    assertEquals(embedder.spec(), ImageEmbedder.load(alone).spec());
  }

  /** Issue 20's provenance, through Spark: the vectors say how they were made, end to end. */
  @Test
  void theEmbeddingColumnRecordsTheEmbedderAndTheStoreAndFilesKeepIt(@TempDir Path dir)
      throws Exception {
    Dataset<Row> images = spark.read().format("binaryFile")
        .load(folder.resolve("img001[0-9].png").toString());
    ImageEmbedder embedder = lenet().setSeed(13);
    EmbedderDescription made = embedder.describe();
    assertEquals("lenet", made.model());
    assertEquals("random seed=13", made.weights());
    assertEquals(500, made.dimension());
    try (ZooEmbedder local = ZooEmbedder.builder(ZooModel.LENET).weights(Weights.random(13))
        .build()) {
      assertEquals(List.of(), local.describe().differences(made));
    }

    Dataset<Row> embedded = embedder.transform(images);
    assertEquals(made, Vectors.description(embedded.schema().apply("embedding")));
    // The driver's build for the description is the one the tasks use (local mode: one JVM).
    embedded.count();
    assertEquals(1, ExecutorEmbedders.builds(embedder.spec()));

    Dataset<Row> numbered = EmbedJob.withIds(spark, embedded.select(functions.col("path"),
        functions.col("embedding").as(EmbeddingStore.VECTOR)).orderBy("path"));
    String store = dir.resolve("store").toString();
    EmbeddingStore.write(numbered, store, false);
    Dataset<Row> stored = EmbeddingStore.read(spark, store);
    assertEquals(Optional.of(made), EmbeddingStore.embedder(stored));

    Path npy = dir.resolve("photos.npy");
    assertEquals(10, EmbeddingStore.toNpy(stored, npy));
    assertEquals(made, EmbeddingSet.readDescription(npy));
    assertEquals(Optional.of(made), EmbeddingStore.embedder(EmbeddingStore.fromNpy(spark, npy,
        1)));
    FlatIndex flat = EmbeddingStore.toFlatIndex(stored, StandardMetric.COSINE);
    assertEquals(Optional.of(made), flat.embedder());
    assertEquals(Optional.of(made), EmbeddingStore.embedder(EmbeddingStore.fromFlatIndex(spark,
        flat, 1)));
    try (GraphIndex graph = EmbeddingStore.toGraphIndex(stored, StandardMetric.COSINE)) {
      assertEquals(Optional.of(made), graph.embedder());
    }

    // Turned off: nothing recorded, and nothing downstream claims to know.
    Dataset<Row> plain = embedder.copy(new org.apache.spark.ml.param.ParamMap())
        .setRecordDescription(false).transform(images);
    assertNull(Vectors.description(plain.schema().apply("embedding")));
  }
}
