package io.github.embeddings4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.EmbedderDescription;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbedJobTest {

  private final SparkSession spark = LocalSpark.session();

  @Test
  void embedsAFolderTreeIntoParquetNumberedByPathAndReportsFailures(@TempDir Path dir)
      throws Exception {
    Path images = Files.createDirectories(dir.resolve("images/sub"));
    for (int i = 0; i < 12; i++) {
      LocalSpark.png(i % 2 == 0 ? images : images.getParent(), "p" + i + ".png", 100 + i, 40);
    }
    Files.write(images.resolve("zz-broken.png"), new byte[] {9, 9, 9});
    // Spark's binaryFile source gives an empty file no row: it used to vanish from the report.
    Files.write(images.resolve("zz-empty.png"), new byte[0]);
    Files.writeString(images.resolve("notes.txt"), "not an image");
    String out = dir.resolve("out").toString();
    ByteArrayOutputStream report = new ByteArrayOutputStream();
    EmbedJob.Options o = EmbedJob.Options.parse(new String[] {
        "--input", dir.resolve("images").toString(), "--output", out, "--model", "simplecnn",
        "--weights", "random", "--seed", "3", "--input-size", "32x32", "--partitions", "3"});
    int status = EmbedJob.run(spark, o, new PrintStream(report, true, StandardCharsets.UTF_8));
    String text = report.toString(StandardCharsets.UTF_8);
    assertEquals(3, status, text);
    assertTrue(text.contains("embedded 12 of 14 images"), text);
    assertTrue(text.contains("zz-broken.png"), text);
    assertTrue(text.contains("zz-empty.png: empty file (0 bytes)"), text);

    List<Row> rows = EmbeddingStore.read(spark, out).orderBy("id").collectAsList();
    assertEquals(14, rows.size());
    for (int i = 0; i < rows.size(); i++) {
      assertEquals(i, rows.get(i).getLong(0));
      if (i > 0) {
        assertTrue(rows.get(i - 1).getString(1).compareTo(rows.get(i).getString(1)) < 0);
      }
    }
    Row broken = rows.stream().filter(r -> r.getString(1).endsWith("zz-broken.png"))
        .findFirst().orElseThrow();
    assertNull(broken.get(2));
    assertTrue(broken.getString(3).contains("zz-broken.png"));
    long withVectors = rows.stream().filter(r -> !r.isNullAt(2)).count();
    assertEquals(12, withVectors);
    assertEquals(256, Vectors.get(rows.get(0), 2).length);
    // The store says how its vectors were made (the job's embedder), for the files made of it.
    EmbedderDescription made = EmbeddingStore.embedder(EmbeddingStore.read(spark, out))
        .orElseThrow();
    assertEquals("simplecnn", made.model());
    assertEquals("random seed=3", made.weights());
    assertEquals("32x32x3", made.inputSize());
    assertEquals(256, made.dimension());

    // A glob picks files directly; --allow-failures turns the status to 0.
    EmbedJob.Options glob = EmbedJob.Options.parse(new String[] {
        "--input", images.resolve("*.png").toString(), "--output", out, "--overwrite",
        "--model", "simplecnn", "--weights", "random", "--seed", "3", "--input-size", "32x32",
        "--allow-failures"});
    assertEquals(0, EmbedJob.run(spark, glob, new PrintStream(new ByteArrayOutputStream())));
    assertEquals(8, EmbeddingStore.read(spark, out).count());
  }

  @Test
  void badOptionsAreNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> EmbedJob.Options.parse(new String[] {"--input", "x"}));
    assertTrue(e.getMessage().contains("--output"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> EmbedJob.Options.parse(
        new String[] {"--input", "x", "--output", "y", "--batch", "zero"}));
    assertTrue(e.getMessage().contains("--batch") && e.getMessage().contains("zero"),
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> EmbedJob.Options.parse(
        new String[] {"--input", "x", "--output", "y", "--frobnicate"}));
    assertTrue(e.getMessage().contains("--frobnicate"), e.getMessage());
    assertNull(EmbedJob.Options.parse(new String[] {"--help"}));
  }

  @Test
  void orientationsAreAppliedUnlessKeptAndWebpAndTiffFilesAreFound() throws Exception {
    String[] base = {"--input", "x", "--output", "y", "--model", "squeezenet", "--weights",
        "random"};
    EmbedderSpec turned = EmbedJob.Options.parse(base).embedder().spec();
    String[] keep = java.util.Arrays.copyOf(base, base.length + 1);
    keep[base.length] = "--keep-orientation";
    EmbedderSpec kept = EmbedJob.Options.parse(keep).embedder().spec();
    assertTrue(!turned.keepOrientation() && kept.keepOrientation());
    assertTrue(!turned.equals(kept), "two embedders in the executors' cache");
    try (var a = turned.build(); var b = kept.build()) {
      assertTrue(a.decoder().appliesOrientation());
      assertTrue(!b.decoder().appliesOrientation());
      assertEquals("exif", a.describe().extra().get("orientation"));
      assertNull(b.describe().extra().get("orientation"));
    }
    var glob = java.nio.file.FileSystems.getDefault().getPathMatcher("glob:"
        + EmbedJob.IMAGE_GLOB);
    for (String name : new String[] {"a.webp", "b.WEBP", "c.tif", "d.tiff", "e.jpg"}) {
      assertTrue(glob.matches(Path.of(name)), name);
    }
  }
}
