package io.github.embeddings4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.EmbedderDescription;
import io.github.embeddings4j.core.io.EmbeddingSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code duplicates} prints the groups of near-duplicates of a set or an index. */
class DuplicatesCliTest {

  @TempDir Path dir;

  static final EmbedderDescription MODEL = EmbedderDescription.builder("lenet", 64)
      .weights("random seed=7").layer("ffn1").pooling("avg").input("28x28x1", "GRAY", "UNIT")
      .build();

  /** 300 random 64-d vectors named photo-N.jpg, then a copy of photo-5 and two of photo-9. */
  Path set() throws IOException {
    Random r = new Random(4);
    List<float[]> rows = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      float[] v = new float[64];
      for (int t = 0; t < v.length; t++) {
        v[t] = (float) r.nextGaussian();
      }
      rows.add(v);
      ids.add("photo-" + i + ".jpg");
    }
    for (int[] copy : new int[][] {{5, 1}, {9, 2}}) {
      for (int c = 0; c < copy[1]; c++) {
        float[] v = rows.get(copy[0]).clone();
        for (int t = 0; t < v.length; t++) {
          v[t] += (float) (r.nextGaussian() * 0.05);
        }
        rows.add(v);
        ids.add("edited/photo-" + copy[0] + "-" + c + ".jpg");
      }
    }
    Path set = dir.resolve("photos.npy");
    EmbeddingSet.write(set, rows.toArray(float[][]::new), ids, MODEL);
    return set;
  }

  @Test
  void groupsArePrintedLargestFirstWithTheirNames() throws IOException {
    Path set = set();
    CliRun r = CliRun.of("duplicates", "--input", set.toString());
    assertEquals(Main.EXIT_OK, r.code(), r.toString());
    List<String> lines = r.out().lines().toList();
    assertEquals(List.of("  photo-9.jpg", "  edited/photo-9-0.jpg", "  edited/photo-9-1.jpg"),
        lines.subList(1, 4), r.out());
    assertTrue(lines.get(0).startsWith("group 1: 3 images, linked within 0.00"), lines.get(0));
    assertTrue(lines.get(4).startsWith("group 2: 2 images"), lines.get(4));
    assertEquals(List.of("  photo-5.jpg", "  edited/photo-5-0.jpg"), lines.subList(5, 7));
    assertEquals(7, lines.size(), r.out());
    assertTrue(r.err().contains("2 groups hold 5 of 303 images (4 pairs within 0.1, cosine)"),
        r.err());
    assertTrue(r.err().contains("nearest-neighbour distances: 1% of images below"), r.err());

    CliRun json = CliRun.of("duplicates", "--input", set.toString(), "--json");
    assertEquals(Main.EXIT_OK, json.code(), json.toString());
    List<String> objects = json.out().lines().toList();
    assertEquals(3, objects.size(), json.out());
    assertTrue(objects.get(0).startsWith("{\"group\": 1, \"size\": 3, \"largest_link\": "),
        objects.get(0));
    assertTrue(objects.get(1).contains("\"members\": [\"photo-5.jpg\", \"edited/photo-5-0.jpg\"]"),
        objects.get(1));
    assertTrue(objects.get(2).startsWith("{\"groups\": 2, \"duplicates\": 5, \"images\": 303,"
        + " \"pairs\": 4, \"saturated\": 0, \"threshold\": 0.1, \"metric\": \"cosine\", \"k\": 10,"
        + " \"approximate\": false, \"nearest_distance\": {\"p1\": "), objects.get(2));
    assertEquals("", json.err(), "--json keeps stderr for warnings");

    CliRun strict = CliRun.of("duplicates", "--input", set.toString(), "--threshold", "0.0001");
    assertEquals(Main.EXIT_OK, strict.code(), strict.toString());
    assertEquals("", strict.out());
    assertTrue(strict.err().contains("0 groups hold 0 of 303 images"), strict.err());
  }

  @Test
  void aGraphIndexIsSearchedWithItselfAndSaysItIsApproximate() throws IOException {
    Path set = set();
    Path index = dir.resolve("photos.e4j");
    assertEquals(Main.EXIT_OK, CliRun.of("index", "-q", "--input", set.toString(),
        "--output", index.toString()).code());
    CliRun flat = CliRun.of("duplicates", "--input", set.toString());
    CliRun graph = CliRun.of("duplicates", "--input", index.toString());
    assertEquals(Main.EXIT_OK, graph.code(), graph.toString());
    assertEquals(flat.out().replaceAll("within [0-9.e-]+", ""),
        graph.out().replaceAll("within [0-9.e-]+", ""));
    assertTrue(graph.err().contains("the graph's search is approximate"), graph.err());
  }

  @Test
  void anExactCopyOfAnImageIsFoundInAFolderEmbeddedByTheTool() throws IOException {
    Path photos = dir.resolve("photos");
    Files.createDirectories(photos);
    Random random = new Random(8);
    for (int i = 0; i < 6; i++) {
      ImageIO.write(CommandsTest.picture(i % 2, random), "png",
          photos.resolve("p" + i + ".png").toFile());
    }
    Files.copy(photos.resolve("p3.png"), photos.resolve("p3 (copy).png"));
    Path set = dir.resolve("folder.npy");
    assertEquals(Main.EXIT_OK, CliRun.of(CommandsTest.args(new String[] {"embed", "-q",
        "--input", photos.toString(), "--output", set.toString()})).code());
    CliRun r = CliRun.of("duplicates", "--input", set.toString(), "--threshold", "0");
    assertEquals(Main.EXIT_OK, r.code(), r.toString());
    assertEquals(List.of("group 1: 2 images, linked within 0.000", "  p3 (copy).png",
        "  p3.png"), r.out().lines().toList());
  }

  @Test
  void badOptionsAndMetricsWithoutADefaultAreRefused() throws IOException {
    Path set = set();
    CliRun euclidean = CliRun.of("duplicates", "--input", set.toString(), "--metric",
        "euclidean");
    assertEquals(Main.EXIT_INPUT, euclidean.code(), euclidean.toString());
    assertTrue(euclidean.err().contains("give --threshold D"), euclidean.err());
    assertEquals(Main.EXIT_OK, CliRun.of("duplicates", "-q", "--input", set.toString(),
        "--metric", "euclidean", "--threshold", "1").code());
    for (String[] bad : new String[][] {{"--k", "0"}, {"--threshold", "-1"},
        {"--metric", "nope"}}) {
      CliRun r = CliRun.of("duplicates", "--input", set.toString(), bad[0], bad[1]);
      assertEquals(Main.EXIT_USAGE, r.code(), r.toString());
    }
    CliRun missing = CliRun.of("duplicates", "--input", dir.resolve("none.npy").toString());
    assertEquals(Main.EXIT_INPUT, missing.code(), missing.toString());
  }

  @Test
  void redundantFilesAreListedKeepingTheLargestOldestOrFirstOfEachGroup() throws IOException {
    Path set = set();
    Path photos = dir.resolve("photos");
    // The files of both groups: photo-9 and its edits, photo-5 and its edit (the edit of 5 is
    // gone). Sizes and times make each rule choose a different keeper in group 1.
    Files.createDirectories(photos.resolve("edited"));
    Files.write(photos.resolve("photo-9.jpg"), new byte[300]);
    Files.write(photos.resolve("edited/photo-9-0.jpg"), new byte[900]);
    Files.write(photos.resolve("edited/photo-9-1.jpg"), new byte[100]);
    Files.write(photos.resolve("photo-5.jpg"), new byte[10]);
    java.nio.file.attribute.FileTime t = java.nio.file.attribute.FileTime.fromMillis(
        1_700_000_000_000L);
    Files.setLastModifiedTime(photos.resolve("photo-9.jpg"), t);
    Files.setLastModifiedTime(photos.resolve("edited/photo-9-0.jpg"),
        java.nio.file.attribute.FileTime.fromMillis(t.toMillis() + 5_000));
    Files.setLastModifiedTime(photos.resolve("edited/photo-9-1.jpg"),
        java.nio.file.attribute.FileTime.fromMillis(t.toMillis() - 5_000));
    String p9 = photos.toAbsolutePath().resolve("photo-9.jpg").toString();
    String e0 = photos.toAbsolutePath().resolve("edited/photo-9-0.jpg").toString();
    String e1 = photos.toAbsolutePath().resolve("edited/photo-9-1.jpg").toString();
    for (String[] rule : new String[][] {{"largest", p9, e1}, {"oldest", p9, e0},
        {"first", e0, e1}}) {
      CliRun r = CliRun.of("duplicates", "--input", set.toString(), "--redundant", "--images",
          photos.toString(), "--keep", rule[0]);
      assertEquals(Main.EXIT_OK, r.code(), r.toString());
      // Group 2 has one file left: nothing to let go there.
      assertEquals(List.of(rule[1], rule[2]), r.out().lines().toList(), rule[0]);
      assertTrue(r.err().contains("2 files to let go, keeping the " + rule[0]), r.err());
      assertTrue(r.err().contains("note: 1 images of the groups have no file under"), r.err());
    }
    CliRun nul = CliRun.of("duplicates", "--input", set.toString(), "--redundant", "--images",
        photos.toString(), "--null");
    assertEquals(p9 + "\0" + e1 + "\0", nul.out());
    CliRun json = CliRun.of("duplicates", "--input", set.toString(), "--redundant", "--images",
        photos.toString(), "--json");
    List<String> objects = json.out().lines().toList();
    assertEquals("{\"group\": 1, \"keep\": \"" + e0 + "\", \"redundant\": [\"" + p9 + "\", \""
        + e1 + "\"]}", objects.get(0));
    assertTrue(objects.get(1).contains("\"redundant\": 2, \"keep\": \"largest\""),
        objects.get(1));
    CliRun noFolder = CliRun.of("duplicates", "--input", set.toString(), "--redundant");
    assertEquals(Main.EXIT_USAGE, noFolder.code());
    assertTrue(noFolder.err().contains("give --images DIR"), noFolder.err());
    CliRun badRule = CliRun.of("duplicates", "--input", set.toString(), "--redundant",
        "--images", photos.toString(), "--keep", "newest");
    assertEquals(Main.EXIT_USAGE, badRule.code());
    assertTrue(badRule.err().contains("--keep must be largest, oldest or first, not 'newest'"),
        badRule.err());
  }

  @Test
  void aReportPicturesEachGroupWithItsKeeperFirst() throws IOException {
    Path set = set();
    Path photos = dir.resolve("photos");
    Files.createDirectories(photos.resolve("edited"));
    Random r = new Random(8);
    // Real pictures (PNG bytes under the set's .jpg names: the decoder reads the content); the
    // largest file is edited/photo-9-0.jpg, so --keep largest keeps it.
    ImageIO.write(CommandsTest.picture(0, r), "png", photos.resolve("photo-9.jpg").toFile());
    java.awt.image.BufferedImage big = new java.awt.image.BufferedImage(300, 200,
        java.awt.image.BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 200; y++) {
      for (int x = 0; x < 300; x++) {
        big.setRGB(x, y, r.nextInt(1 << 24));
      }
    }
    ImageIO.write(big, "png", photos.resolve("edited/photo-9-0.jpg").toFile());
    Files.write(photos.resolve("edited/photo-9-1.jpg"), new byte[] {1, 2, 3});  // unreadable
    Path out = dir.resolve("dupes-report");
    CliRun run = CliRun.of("duplicates", "--input", set.toString(), "--images",
        photos.toString(), "--report", out.toString());
    assertEquals(Main.EXIT_PARTIAL, run.code(), "one image could not be pictured: " + run);
    assertTrue(run.out().startsWith("group 1: 3 images"), "groups still printed: " + run.out());
    assertTrue(run.err().contains("wrote " + out.resolve("index.html") + " (1 groups)"),
        run.err());
    String html = Files.readString(out.resolve("index.html"));
    assertEquals(1, html.split("class=\"keep\"", -1).length - 1, html);
    assertEquals(2, html.split("class=\"drop\"", -1).length - 1, html);
    int keep = html.indexOf("class=\"keep\"");
    assertTrue(html.indexOf("edited/photo-9-0.jpg", keep) > keep, html);
    assertTrue(html.contains("300 x 200"), html);
    assertTrue(html.contains("cannot read"), html);
    try (var pngs = Files.list(out)) {
      assertEquals(2, pngs.filter(p -> p.toString().endsWith(".png")).count(),
          "thumbnails of the two readable images, none of the unreadable one");
    }
    java.util.regex.Matcher img = java.util.regex.Pattern.compile("<img src=\"([^\"]+)\"")
        .matcher(html);
    while (img.find()) {
      assertTrue(Files.exists(out.resolve(img.group(1))), img.group(1));
    }
    CliRun noImages = CliRun.of("duplicates", "--input", set.toString(), "--report",
        out.toString());
    assertEquals(Main.EXIT_USAGE, noImages.code());
    assertTrue(noImages.err().contains("--report pictures the images: give --images DIR"),
        noImages.err());
  }
}
