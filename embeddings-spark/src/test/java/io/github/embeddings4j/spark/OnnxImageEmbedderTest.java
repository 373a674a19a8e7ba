package io.github.embeddings4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.EmbedderDescription;
import io.github.embeddings4j.api.ImageSource;
import io.github.embeddings4j.core.onnx.OnnxEmbedder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ONNX models on Spark: the core module's {@code mobile_se_ext.onnx}, whose weights are in an
 * external data file (scripts/onnx/derive_fixtures.py), found by path, by a name shipped
 * with {@code --files}, and copied from a file system URI.
 */
class OnnxImageEmbedderTest {

  private static final Path FIXTURES = Path.of("../embeddings-core/src/test/resources/onnx");
  private static final String DATA = "mobile_se_ext.onnx.data";
  /**
   * The stem's activations: the random-weight network's final features hardly tell these images
   * apart (the SDK warns that they collapse), and rows that differ are what shows a mix-up.
   */
  private static final String STEM = "/stem/stem.2/HardSwish_output_0";

  @TempDir
  static Path folder;
  static SparkSession spark;
  static Path images;

  @BeforeAll
  static void images() throws Exception {
    spark = LocalSpark.session();
    images = Files.createDirectory(folder.resolve("images"));
    for (int i = 0; i < 12; i++) {
      LocalSpark.png(images, String.format("img%02d.png", i), 100 + i, 40 + 3 * i);
    }
  }

  /** The model and its data file copied into a folder of their own. */
  private static Path model(String dir) throws Exception {
    Path d = Files.createDirectories(folder.resolve(dir));
    Files.copy(FIXTURES.resolve("mobile_se_ext.onnx"), d.resolve("mobile_se_ext.onnx"));
    Files.copy(FIXTURES.resolve(DATA), d.resolve(DATA));
    return d.resolve("mobile_se_ext.onnx");
  }

  private static Dataset<Row> pictures() {
    return spark.read().format("binaryFile").load(images.toString()).repartition(2);
  }

  @Test
  void anOnnxModelWithExternalDataGivesTheVectorsOfOneMachine() throws Exception {
    Path model = model("by-path");
    String stem = STEM;
    ImageEmbedder embedder = new ImageEmbedder().setModel(model.toString()).setOutputName(stem)
        .setBatchSize(5);
    Dataset<Row> out = embedder.transform(pictures());
    List<Row> rows = out.select("path", "embedding", "embedding_error").collectAsList();
    assertEquals(12, rows.size());
    try (OnnxEmbedder local = OnnxEmbedder.builder(model).output(stem).build()) {
      java.util.Set<String> distinct = new java.util.HashSet<>();
      for (Row r : rows) {
        assertNull(r.get(2), r.getString(0));
        Path image = Path.of(java.net.URI.create(r.getString(0)));
        assertArrayEquals(local.embed(ImageSource.of(image)), Vectors.get(r, 1),
            r.getString(0));
        distinct.add(java.util.Arrays.toString(Vectors.get(r, 1)));
      }
      assertEquals(12, distinct.size(), "every image has a vector of its own");
      double cos = io.github.embeddings4j.api.StandardMetric.COSINE.distance(
          Vectors.get(rows.get(0), 1), Vectors.get(rows.get(1), 1));
      assertTrue(cos > 1e-4, "two images' vectors differ in more than rounding: " + cos);
      EmbedderDescription recorded = Vectors.description(out.schema().apply("embedding"));
      assertNotNull(recorded);
      assertEquals("onnx sha256=" + OnnxEmbedder.sha256(model), recorded.model());
      assertEquals(List.of(), local.describe().differences(recorded));
    }
  }

  @Test
  void aModelShippedWithFilesIsFoundByItsNameWithItsData() throws Exception {
    // Shipped under a name no other test uses (SparkContext.addFile refuses a second path for
    // a name); its data file keeps the name the model gives it.
    Path d = Files.createDirectories(folder.resolve("to-ship"));
    Path model = Files.copy(FIXTURES.resolve("mobile_se_ext.onnx"), d.resolve("shipped_se.onnx"));
    Path data = Files.copy(FIXTURES.resolve(DATA), d.resolve(DATA));
    spark.sparkContext().addFile(model.toString());
    spark.sparkContext().addFile(data.toString());
    assertFalse(Files.exists(Path.of("shipped_se.onnx")), "not in the working folder");
    List<Row> rows = new ImageEmbedder().setModel("shipped_se.onnx").setOutputName(STEM)
        .transform(pictures()).select("embedding", "embedding_error").collectAsList();
    assertEquals(12, rows.size());
    int dimension = Vectors.get(rows.get(0), 0).length;
    assertTrue(dimension > 1);
    for (Row r : rows) {
      assertNull(r.get(1));
      assertEquals(dimension, Vectors.get(r, 0).length);
    }
    assertFalse(java.util.Arrays.equals(Vectors.get(rows.get(0), 0), Vectors.get(rows.get(1), 0)));
  }

  @Test
  void aModelOnAFileSystemIsCopiedWithItsDataFiles() throws Exception {
    Path model = model("remote");
    Path into = Files.createDirectories(folder.resolve("fetched"));
    Path local = OnnxFiles.fetch(model.toUri(), into);
    assertEquals(into.resolve("mobile_se_ext.onnx"), local);
    assertArrayEquals(Files.readAllBytes(model), Files.readAllBytes(local));
    assertArrayEquals(Files.readAllBytes(model.resolveSibling(DATA)),
        Files.readAllBytes(into.resolve(DATA)));
    try (var listing = Files.list(into)) {
      assertEquals(2, listing.count(), "no temporary left behind");
    }
    assertEquals(OnnxEmbedder.sha256(model), OnnxEmbedder.sha256(local));
  }

  @Test
  void optionsOfTheOtherKindAndMissingFilesAreNamed() throws Exception {
    Path model = model("checks");
    String m = model.toString();
    IllegalArgumentException weights = assertThrows(IllegalArgumentException.class,
        () -> new ImageEmbedder().setModel(m).setWeights("random").spec());
    assertTrue(weights.getMessage().contains("brings its own"), weights.getMessage());
    IllegalArgumentException layer = assertThrows(IllegalArgumentException.class,
        () -> new ImageEmbedder().setModel(m).setLayer("fc").spec());
    assertTrue(layer.getMessage().contains("setOutputName"), layer.getMessage());
    IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
        () -> new ImageEmbedder().setModel(m).setInputSize(32, 32).spec());
    assertTrue(size.getMessage().contains("setPreprocess"), size.getMessage());
    IllegalArgumentException zoo = assertThrows(IllegalArgumentException.class,
        () -> new ImageEmbedder().setModel("lenet").setPreprocess("clip").spec());
    assertTrue(zoo.getMessage().contains("are for ONNX models"), zoo.getMessage());
    IllegalArgumentException cls = assertThrows(IllegalArgumentException.class,
        () -> new ImageEmbedder().setModel("lenet").setPooling("cls").spec());
    assertTrue(cls.getMessage().contains("zoo CNNs take avg or max"), cls.getMessage());
    assertEquals("cls", new ImageEmbedder().setModel(m).setPooling("cls").spec().pooling());

    String missing = folder.resolve("nowhere/absent.onnx").toString();
    RuntimeException e = assertThrows(RuntimeException.class,
        () -> new ImageEmbedder().setModel(missing).transform(pictures()));
    String text = String.valueOf(e.getMessage());
    assertTrue(text.contains(missing) && text.contains("--files"), text);
  }

  @Test
  void theJobTakesOnnxOptions() {
    EmbedJob.Options o = EmbedJob.Options.parse(new String[] {"--input", "in", "--output", "out",
        "--model", "hdfs:///models/clip.onnx", "--preprocess", "clip", "--output-name",
        "image_embeds", "--pooling", "cls"});
    EmbedderSpec spec = o.embedder().spec();
    assertEquals("hdfs:///models/clip.onnx", spec.model());
    assertEquals("clip", spec.preprocess());
    assertEquals("image_embeds", spec.outputName());
    assertThrows(IllegalArgumentException.class, () -> EmbedJob.Options.parse(new String[] {
        "--input", "in", "--output", "out", "--model", "resnet50", "--output-name", "x"}));
    assertTrue(EmbedJob.usage().contains("--output-name"));
  }
}
