package io.github.embeddings4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.EmbedderDescription;
import io.github.embeddings4j.core.io.EmbeddingSet;
import io.github.embeddings4j.core.io.Npy;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A set larger than a quarter of the heap is searched in place ({@code FlatIndex.map}): the
 * same answers as a loaded one, for search, filters and duplicates. The size is lowered to 0
 * here, so that a small set takes the path.
 */
class MappedSetCliTest {

  @TempDir Path dir;

  @AfterEach
  void loadAgain() {
    System.clearProperty(StoredIndex.MAP_ABOVE);
  }

  static String withoutTimes(String out) {
    return out.replaceAll("\"(seconds|search_seconds)\": [0-9.eE-]+", "");
  }

  @Test
  void aSetSearchedInPlaceAnswersAsALoadedOne() throws IOException {
    Random r = new Random(6);
    float[][] rows = new float[800][24];
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < rows.length; i++) {
      for (int t = 0; t < 24; t++) {
        rows[i][t] = (float) r.nextGaussian();
      }
      ids.add((i % 2 == 0 ? "cats/" : "dogs/") + i + ".jpg");
    }
    rows[7] = rows[300].clone();
    Path set = dir.resolve("photos.npy");
    EmbeddingSet.write(set, rows, ids, EmbedderDescription.builder("lenet", 24)
        .weights("random seed=7").layer("ffn1").pooling("avg").input("28x28x1", "GRAY", "UNIT")
        .build());
    Path queries = dir.resolve("q.npy");
    Npy.write(queries, new float[][] {rows[3], rows[400], rows[799]});
    List<String[]> runs = List.of(
        new String[] {"search", "--index", set.toString(), "--query", queries.toString(),
            "--k", "5", "--json"},
        new String[] {"search", "--index", set.toString(), "--query", queries.toString(),
            "--k", "5", "--json", "--metric", "euclidean", "--only", "dogs/**"},
        new String[] {"duplicates", "--input", set.toString(), "--threshold", "0.0001",
            "--json"});
    for (String[] args : runs) {
      CliRun loaded = CliRun.of(args);
      assertEquals(Main.EXIT_OK, loaded.code(), loaded.toString());
      assertFalse(loaded.err().contains("in place"), loaded.err());
      System.setProperty(StoredIndex.MAP_ABOVE, "0");
      CliRun mapped = CliRun.of(args);
      System.clearProperty(StoredIndex.MAP_ABOVE);
      assertEquals(Main.EXIT_OK, mapped.code(), mapped.toString());
      assertEquals(withoutTimes(loaded.out()), withoutTimes(mapped.out()), args[0]);
      if (args[0].equals("search")) {
        assertTrue(mapped.err().contains("is searched in place"), mapped.err());
      }
    }
    CliRun dups = CliRun.of(runs.get(2));
    assertTrue(dups.out().contains("\"members\": [\"dogs/7.jpg\", \"cats/300.jpg\"]"),
        dups.out());
  }

  @Test
  void aGraphWithInt8IsBuiltFromASetReadInPlaceAndOtherIndexesAreRefused() throws IOException {
    Random r = new Random(8);
    float[][] rows = new float[700][16];
    for (float[] v : rows) {
      for (int t = 0; t < v.length; t++) {
        v[t] = (float) r.nextGaussian();
      }
    }
    Path set = dir.resolve("big.npy");
    Npy.write(set, rows);
    Path loaded = dir.resolve("loaded.e4j");
    Path inPlace = dir.resolve("in-place.e4j");
    String[] build = {"index", "--input", set.toString(), "--compress", "int8", "--threads",
        "1", "--seed", "3", "--output"};
    CliRun a = CliRun.of(concat(build, loaded.toString()));
    assertEquals(Main.EXIT_OK, a.code(), a.toString());
    System.setProperty(StoredIndex.MAP_ABOVE, "0");
    CliRun b = CliRun.of(concat(build, inPlace.toString()));
    assertEquals(Main.EXIT_OK, b.code(), b.toString());
    assertTrue(b.err().contains("is read in place"), b.err());
    assertArrayEquals(java.nio.file.Files.readAllBytes(loaded),
        java.nio.file.Files.readAllBytes(inPlace), "the same graph, byte for byte");
    for (String[] refused : new String[][] {
        {"index", "--input", set.toString(), "--output", dir.resolve("x.e4j").toString()},
        {"index", "--input", set.toString(), "--type", "flat", "--output",
            dir.resolve("y.e4j").toString()},
        {"index", "--input", set.toString(), "--compress", "int8", "--update", "--output",
            inPlace.toString()}}) {
      CliRun no = CliRun.of(refused);
      assertEquals(Main.EXIT_INPUT, no.code(), no.toString());
      assertTrue(no.err().contains("larger than a quarter of the"), no.err());
    }
  }

  /** Three well-separated groups of 400 rows each, in an interleaved order. */
  static Path blobs(Path dir) throws IOException {
    Random r = new Random(12);
    float[][] rows = new float[1_200][12];
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < rows.length; i++) {
      for (int t = 0; t < 12; t++) {
        rows[i][t] = (float) (r.nextGaussian() + (t == i % 3 ? 20 : 0));
      }
      ids.add("g" + (i % 3) + "/" + i + ".jpg");
    }
    Path set = dir.resolve("blobs.npy");
    EmbeddingSet.write(set, rows, ids, null);
    return set;
  }

  @Test
  void reduceFromASetReadInPlaceFitsTheSamePcaAndWritesTheSameRows() throws IOException {
    Path set = blobs(dir);
    String[] loaded = {"reduce", "--input", set.toString(), "--components", "4",
        "--save-model", dir.resolve("a.pca").toString(), "--output",
        dir.resolve("a.npy").toString()};
    String[] inPlace = {"reduce", "--input", set.toString(), "--components", "4",
        "--save-model", dir.resolve("b.pca").toString(), "--output",
        dir.resolve("b.npy").toString()};
    CliRun a = CliRun.of(loaded);
    assertEquals(Main.EXIT_OK, a.code(), a.toString());
    System.setProperty(StoredIndex.MAP_ABOVE, "0");
    CliRun b = CliRun.of(inPlace);
    assertEquals(Main.EXIT_OK, b.code(), b.toString());
    assertTrue(b.err().contains("is read in place"), b.err());
    assertArrayEquals(java.nio.file.Files.readAllBytes(dir.resolve("a.pca")),
        java.nio.file.Files.readAllBytes(dir.resolve("b.pca")), "the same model, byte for byte");
    EmbeddingSet.Contents x = EmbeddingSet.read(dir.resolve("a.npy"));
    EmbeddingSet.Contents y = EmbeddingSet.read(dir.resolve("b.npy"));
    assertEquals(x.ids(), y.ids());
    for (int i = 0; i < x.ids().size(); i++) {
      assertArrayEquals(x.vectors()[i], y.vectors()[i], 1e-4f, x.ids().get(i));
    }
    CliRun applied = CliRun.of("reduce", "--input", set.toString(), "--apply",
        dir.resolve("a.pca").toString(), "--output", dir.resolve("c.npy").toString());
    assertEquals(Main.EXIT_OK, applied.code(), applied.toString());
    EmbeddingSet.Contents z = EmbeddingSet.read(dir.resolve("c.npy"));
    for (int i = 0; i < x.ids().size(); i++) {
      assertArrayEquals(x.vectors()[i], z.vectors()[i], 1e-4f, x.ids().get(i));
    }
  }

  @Test
  void clusterFromASetReadInPlaceFitsOnASampleAndAssignsEveryRow() throws IOException {
    Path set = blobs(dir);
    Path loadedCsv = dir.resolve("loaded.csv");
    CliRun a = CliRun.of("cluster", "--input", set.toString(), "--clusters", "3", "--output",
        loadedCsv.toString());
    assertEquals(Main.EXIT_OK, a.code(), a.toString());
    System.setProperty(StoredIndex.MAP_ABOVE, "0");
    // Every row as the sample: exactly the loaded run.
    Path all = dir.resolve("all.csv");
    CliRun b = CliRun.of("cluster", "--input", set.toString(), "--clusters", "3", "--sample",
        "1200", "--output", all.toString());
    assertEquals(Main.EXIT_OK, b.code(), b.toString());
    assertEquals(java.nio.file.Files.readString(loadedCsv), java.nio.file.Files.readString(all));
    // The default sample, 256 per cluster (768 of 1,200 rows): the same three groups.
    Path sampled = dir.resolve("sampled.csv");
    CliRun c = CliRun.of("cluster", "--input", set.toString(), "--clusters", "3", "--output",
        sampled.toString());
    assertEquals(Main.EXIT_OK, c.code(), c.toString());
    assertTrue(c.err().contains("fitted on a sample of 768 of the 1200 rows"), c.err());
    List<String> lines = java.nio.file.Files.readAllLines(sampled);
    assertEquals(1_201, lines.size());
    java.util.Map<String, String> groupOfCluster = new java.util.HashMap<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",");
      String group = f[0].substring(0, 2);
      assertEquals(group, groupOfCluster.computeIfAbsent(f[1], k -> group), line);
      assertTrue(Float.parseFloat(f[2]) < 7f, line);
    }
    assertEquals(3, groupOfCluster.size());
    CliRun tooFew = CliRun.of("cluster", "--input", set.toString(), "--clusters", "3",
        "--sample", "2");
    assertEquals(Main.EXIT_USAGE, tooFew.code(), tooFew.toString());
    assertTrue(tooFew.err().contains("--sample 2 must be at least --clusters 3"), tooFew.err());
  }

  @Test
  void aRangeOfClusterCountsKeepsTheCountWithTheBestSilhouette() throws IOException {
    Path set = blobs(dir);
    Path csv = dir.resolve("range.csv");
    CliRun a = CliRun.of("cluster", "--input", set.toString(), "--clusters", "2:6", "--output",
        csv.toString());
    assertEquals(Main.EXIT_OK, a.code(), a.toString());
    assertTrue(a.out().contains("| 3 (kept) |"), a.out());
    assertEquals(7, a.out().lines().count(), a.out()); // header, rule, five counts
    assertTrue(a.err().contains("kept 3 clusters") && a.err().contains("of 2 to 6, on 1200 rows"),
        a.err());
    // The kept clustering is the one a fixed count gives.
    Path fixed = dir.resolve("fixed.csv");
    CliRun b = CliRun.of("cluster", "--input", set.toString(), "--clusters", "3", "--output",
        fixed.toString());
    assertEquals(Main.EXIT_OK, b.code(), b.toString());
    assertEquals(java.nio.file.Files.readString(fixed), java.nio.file.Files.readString(csv));
    // In place, on the default sample and a small silhouette sample: the same count.
    System.setProperty(StoredIndex.MAP_ABOVE, "0");
    CliRun c = CliRun.of("cluster", "--input", set.toString(), "--clusters", "2:5",
        "--silhouette-sample", "200", "--output", dir.resolve("mapped.csv").toString());
    assertEquals(Main.EXIT_OK, c.code(), c.toString());
    assertTrue(c.err().contains("kept 3 clusters") && c.err().contains("on 200 rows"), c.err());
    // Silhouettes on 6 rows compare at most 5 clusters: the range is cut there, and said so.
    CliRun cut = CliRun.of("cluster", "--input", set.toString(), "--clusters", "2:9",
        "--silhouette-sample", "6", "--output", dir.resolve("cut.csv").toString());
    assertEquals(Main.EXIT_OK, cut.code(), cut.toString());
    assertTrue(cut.err().contains("of 2 to 5, on 6 rows (not 9: silhouettes need fewer"),
        cut.err());
    for (String[] bad : new String[][] {{"1:4"}, {"5:3"}, {"two"}, {"3:"}}) {
      CliRun no = CliRun.of("cluster", "--input", set.toString(), "--clusters", bad[0]);
      assertEquals(Main.EXIT_USAGE, no.code(), no.toString());
      assertTrue(no.err().contains("--clusters"), no.err());
    }
    CliRun sample = CliRun.of("cluster", "--input", set.toString(), "--clusters", "2:4",
        "--silhouette-sample", "100000");
    assertEquals(Main.EXIT_USAGE, sample.code(), sample.toString());
    assertTrue(sample.err().contains("--silhouette-sample must be 3 to 16384"), sample.err());
  }

  @Test
  void hdbscanFindsTheGroupsItselfAndLeavesStrayRowsAsNoise() throws IOException {
    List<String> ids = new ArrayList<>();
    float[][] rows = groupRows(new Random(3), ids, ".png");
    Path images = java.nio.file.Files.createDirectories(dir.resolve("img"));
    for (String id : ids) {
      java.awt.image.BufferedImage im = new java.awt.image.BufferedImage(8, 8,
          java.awt.image.BufferedImage.TYPE_INT_RGB);
      javax.imageio.ImageIO.write(im, "png", images.resolve(id).toFile());
    }
    Path set = dir.resolve("density.npy");
    EmbeddingSet.write(set, rows, ids, null);
    Path csv = dir.resolve("density.csv");
    CliRun a = CliRun.of("cluster", "--input", set.toString(), "--min-cluster-size", "5",
        "--output", csv.toString(), "--images", images.toString(), "--report",
        dir.resolve("report").toString());
    assertEquals(Main.EXIT_OK, a.code(), a.toString());
    assertTrue(a.err().contains("2 clusters of 44 rows, 4 rows in none (noise)"), a.err());
    List<String> lines = java.nio.file.Files.readAllLines(csv);
    assertEquals("id,cluster,probability,outlier", lines.get(0));
    double strayLeast = 1;
    double groupedMost = 0;
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",");
      String expected = expectedCluster(f[0]);
      assertEquals(expected, f[1], line);
      double p = Double.parseDouble(f[2]);
      assertTrue(expected.equals("-1") ? p == 0 : p > 0 && p <= 1, line);
      double o = Double.parseDouble(f[3]);
      assertTrue(o >= 0 && o <= 1, line);
      if (expected.equals("-1")) {
        strayLeast = Math.min(strayLeast, o);
      } else {
        groupedMost = Math.max(groupedMost, o);
      }
    }
    // Every stray row is more of an outlier than any grouped one.
    assertTrue(strayLeast > groupedMost, strayLeast + " <= " + groupedMost);
    assertTrue(java.nio.file.Files.isRegularFile(dir.resolve("report").resolve("noise.png")));
    assertTrue(java.nio.file.Files.isRegularFile(dir.resolve("report").resolve("cluster-01.png")));
    assertTrue(java.nio.file.Files.readString(dir.resolve("report").resolve("index.html"))
        .contains("noise (-1)"));
    // In place, the same CSV.
    System.setProperty(StoredIndex.MAP_ABOVE, "0");
    Path mapped = dir.resolve("mapped.csv");
    CliRun b = CliRun.of("cluster", "--input", set.toString(), "--min-cluster-size", "5",
        "--output", mapped.toString());
    assertEquals(Main.EXIT_OK, b.code(), b.toString());
    assertEquals(java.nio.file.Files.readString(csv), java.nio.file.Files.readString(mapped));
    // Two groups without sub-groups: the leaves are the same two clusters.
    Path leaves = dir.resolve("leaves.csv");
    CliRun c = CliRun.of("cluster", "--input", set.toString(), "--min-cluster-size", "5",
        "--cluster-selection", "leaf", "--output", leaves.toString());
    assertEquals(Main.EXIT_OK, c.code(), c.toString());
    assertTrue(c.err().contains("leaves): 2 clusters"), c.err());
    // Fitted on 30 rows, read in place (sizes scaled to the sample: 5 x 30/44 is 3): the other
    // 14 are placed in the same groups, the stray ones in none.
    Path sampled = dir.resolve("sampled.csv");
    CliRun s = CliRun.of("cluster", "--input", set.toString(), "--min-cluster-size", "5",
        "--sample", "30", "--output", sampled.toString());
    assertEquals(Main.EXIT_OK, s.code(), s.toString());
    assertTrue(s.err().contains("2 clusters of 44 rows (fitted on a sample of 30 with min cluster"
        + " size 3 and min samples 3, the sizes scaled to it; the others placed in its clusters),"
        + " 4 rows in none (noise)"), s.err());
    List<String> placed = java.nio.file.Files.readAllLines(sampled);
    assertEquals(lines.size(), placed.size());
    assertGroupClusters(placed);
    for (String[] bad : new String[][] {
        {"--clusters", "3", "--min-cluster-size", "5"}, {}, {"--clusters", "3", "--min-samples",
        "2"}, {"--min-cluster-size", "5", "--sample", "1"}, {"--min-cluster-size", "1"},
        {"--min-cluster-size", "5", "--cluster-selection", "largest"}}) {
      CliRun no = CliRun.of(concat(new String[] {"cluster", "--input", set.toString()}, bad));
      assertEquals(Main.EXIT_USAGE, no.code(), no.toString());
    }
  }

  @Test
  void aSavedHdbscanModelPlacesLaterRowsInItsClusters() throws IOException {
    Random r = new Random(4);
    EmbedderDescription toy = EmbedderDescription.builder("toy", 4).weights("w1").build();
    List<String> ids = new ArrayList<>();
    float[][] rows = groupRows(r, ids, "");
    Path set = dir.resolve("fit.npy");
    EmbeddingSet.write(set, rows, ids, toy);
    Path model = dir.resolve("groups.hdb");
    CliRun fit = CliRun.of("cluster", "--input", set.toString(), "--min-cluster-size", "5",
        "--save-model", model.toString(), "--output", dir.resolve("fit.csv").toString());
    assertEquals(Main.EXIT_OK, fit.code(), fit.toString());
    assertTrue(fit.err().contains("saved the HDBSCAN model (44 fitted rows, 2 clusters)"),
        fit.err());
    // New rows: ten near each group, two far from both.
    float[][] later = new float[22][4];
    List<String> laterIds = new ArrayList<>();
    for (int i = 0; i < later.length; i++) {
      int group = i < 10 ? 0 : i < 20 ? 1 : 2;
      for (int t = 0; t < 4; t++) {
        later[i][t] = group == 2 ? 500 + 100 * i : (float) (r.nextGaussian() * 0.5
            + (t == group ? 30 : 0));
      }
      laterIds.add("g" + group + "-new" + i);
    }
    Path next = dir.resolve("later.npy");
    EmbeddingSet.write(next, later, laterIds, toy);
    Path csv = dir.resolve("later.csv");
    CliRun place = CliRun.of("cluster", "--input", next.toString(), "--apply", model.toString(),
        "--output", csv.toString());
    assertEquals(Main.EXIT_OK, place.code(), place.toString());
    assertTrue(place.err().contains("placed 22 rows in the 2 clusters of " + model), place.err());
    List<String> lines = java.nio.file.Files.readAllLines(csv);
    assertEquals("id,cluster,probability,outlier", lines.get(0));
    assertGroupClusters(lines);
    // Another embedder's vectors are refused, unless asked; another dimension always.
    Path other = dir.resolve("other.npy");
    EmbeddingSet.write(other, later, laterIds,
        EmbedderDescription.builder("toy", 4).weights("w2").build());
    CliRun mismatch = CliRun.of("cluster", "--input", other.toString(), "--apply",
        model.toString(), "--output", dir.resolve("other.csv").toString());
    assertEquals(Main.EXIT_INPUT, mismatch.code(), mismatch.toString());
    assertTrue(mismatch.err().contains("weights"), mismatch.err());
    CliRun allowed = CliRun.of("cluster", "--input", other.toString(), "--apply",
        model.toString(), "--allow-mismatch", "--output", dir.resolve("other.csv").toString());
    assertEquals(Main.EXIT_OK, allowed.code(), allowed.toString());
    Path wide = dir.resolve("wide.npy");
    EmbeddingSet.write(wide, new float[][] {{1, 2, 3, 4, 5}}, List.of("w"), null);
    CliRun wrong = CliRun.of("cluster", "--input", wide.toString(), "--apply", model.toString(),
        "--output", dir.resolve("wide.csv").toString());
    assertEquals(Main.EXIT_INPUT, wrong.code(), wrong.toString());
    assertTrue(wrong.err().contains("5-dimensional rows"), wrong.err());
    for (String[] bad : new String[][] {
        {"--apply", model.toString(), "--min-cluster-size", "5"},
        {"--apply", model.toString(), "--clusters", "3"},
        {"--min-cluster-size", "5", "--allow-mismatch"}}) {
      CliRun no = CliRun.of(concat(new String[] {"cluster", "--input", next.toString()}, bad));
      assertEquals(Main.EXIT_USAGE, no.code(), no.toString());
    }

    // k-means centroids saved the same way: later rows go to the nearest.
    Path centroids = dir.resolve("groups.kmeans");
    CliRun km = CliRun.of("cluster", "--input", set.toString(), "--clusters", "2",
        "--save-model", centroids.toString(), "--output", dir.resolve("km.csv").toString());
    assertEquals(Main.EXIT_OK, km.code(), km.toString());
    assertTrue(km.err().contains("saved the k-means model (2 centroids)"), km.err());
    Path nearest = dir.resolve("nearest.csv");
    CliRun assigned = CliRun.of("cluster", "--input", next.toString(), "--apply",
        centroids.toString(), "--output", nearest.toString());
    assertEquals(Main.EXIT_OK, assigned.code(), assigned.toString());
    assertTrue(assigned.err().contains("assigned 22 rows to the nearest of the 2 centroids"),
        assigned.err());
    List<String> near = java.nio.file.Files.readAllLines(nearest);
    assertEquals("id,cluster,distance", near.get(0));
    Map<String, String> clusterOfGroup = new java.util.HashMap<>();
    for (String line : near.subList(1, 21)) { // the 20 rows near the two groups
      String[] f = line.split(",");
      String group = f[0].substring(0, 2);
      assertEquals(clusterOfGroup.computeIfAbsent(group, g -> f[1]), f[1], line);
    }
    assertEquals(2, new java.util.HashSet<>(clusterOfGroup.values()).size());
    CliRun kmMismatch = CliRun.of("cluster", "--input", other.toString(), "--apply",
        centroids.toString(), "--output", dir.resolve("other2.csv").toString());
    assertEquals(Main.EXIT_INPUT, kmMismatch.code(), kmMismatch.toString());
    CliRun notModel = CliRun.of("cluster", "--input", next.toString(), "--apply",
        next.toString(), "--output", dir.resolve("x.csv").toString());
    assertEquals(Main.EXIT_INPUT, notModel.code(), notModel.toString());
    assertTrue(notModel.err().contains("is not a clustering model"), notModel.err());
  }

  /**
   * Two groups of 20 rows around two points (ids {@code g0-i}, {@code g1-i}) and four stray
   * rows ({@code g2-i}), of dimension 4; the ids, with the suffix, are added to {@code ids}.
   */
  private static float[][] groupRows(Random r, List<String> ids, String suffix) {
    float[][] rows = new float[44][4];
    for (int i = 0; i < rows.length; i++) {
      int group = i < 20 ? 0 : i < 40 ? 1 : 2;
      for (int t = 0; t < 4; t++) {
        rows[i][t] = group == 2 ? (float) (r.nextDouble() * 200 - 100)
            : (float) (r.nextGaussian() * 0.5 + (t == group ? 30 : 0));
      }
      ids.add("g" + group + "-" + i + suffix);
    }
    return rows;
  }

  /** The cluster a row of the groups must be in: 0 for g0, 1 for g1, noise for the rest. */
  private static String expectedCluster(String id) {
    return id.startsWith("g0") ? "0" : id.startsWith("g1") ? "1" : "-1";
  }

  /** Every row of a CSV (header first) in its group's cluster. */
  private static void assertGroupClusters(List<String> lines) {
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",");
      assertEquals(expectedCluster(f[0]), f[1], line);
    }
  }

  static String[] concat(String[] a, String... b) {
    String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }
}
