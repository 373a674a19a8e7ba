package io.github.embeddings4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.EmbedderDescription;
import io.github.embeddings4j.api.Neighbor;
import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.core.io.EmbeddingSet;
import io.github.embeddings4j.core.io.Npy;
import io.github.embeddings4j.core.search.FlatIndex;
import io.github.embeddings4j.core.search.GraphIndex;
import io.github.embeddings4j.core.vector.VectorMath;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code index --update} brings a saved index in line with its set: entries whose names are
 * gone are removed, changed vectors replaced, new rows added; the index then holds exactly the
 * set and searches as well as a fresh build.
 */
class IndexUpdateCliTest {

  @TempDir Path dir;

  static final EmbedderDescription MODEL = EmbedderDescription.builder("lenet", 16)
      .weights("random seed=7").layer("ffn1").pooling("avg").input("28x28x1", "GRAY", "UNIT")
      .build();

  /** Clustered vectors: a search has real neighbours to find. */
  static float[][] vectors(int n, long seed) {
    Random r = new Random(seed);
    float[][] centres = new float[20][16];
    for (float[] c : centres) {
      for (int t = 0; t < c.length; t++) {
        c[t] = (float) r.nextGaussian() * 3;
      }
    }
    float[][] x = new float[n][16];
    for (float[] v : x) {
      float[] c = centres[r.nextInt(centres.length)];
      for (int t = 0; t < v.length; t++) {
        v[t] = c[t] + (float) r.nextGaussian();
      }
    }
    return x;
  }

  static List<String> names(int from, int n) {
    List<String> out = new ArrayList<>();
    for (int i = from; i < from + n; i++) {
      out.add("photo-" + i + ".jpg");
    }
    return out;
  }

  static CliRun index(Path set, Path out, String... more) {
    List<String> args = new ArrayList<>(List.of("index", "--input", set.toString(),
        "--output", out.toString()));
    args.addAll(List.of(more));
    return CliRun.of(args.toArray(String[]::new));
  }

  static Map<String, String> json(CliRun run) {
    Map<String, String> out = new HashMap<>();
    String line = run.out().strip();
    for (String part : line.substring(1, line.length() - 1).split(", ")) {
      String[] kv = part.split(": ", 2);
      out.put(kv[0].replace("\"", ""), kv[1].replace("\"", ""));
    }
    return out;
  }

  /** The set after a day of changes: 50 images gone, 30 changed, 100 new. */
  static void change(Path set, float[][] x, List<String> ids) throws IOException {
    List<float[]> rows = new ArrayList<>();
    List<String> names = new ArrayList<>();
    float[][] fresh = vectors(130, 99);
    for (int i = 0; i < x.length; i++) {
      if (i % 20 == 3) {
        continue;                                   // 50 gone
      }
      rows.add(i % 25 == 1 ? fresh[100 + i / 25 % 30] : x[i]);   // 40 changed, at most
      names.add(ids.get(i));
    }
    for (int i = 0; i < 100; i++) {
      rows.add(fresh[i]);
      names.add("new-" + i + ".jpg");
    }
    EmbeddingSet.write(set, rows.toArray(float[][]::new), names, MODEL);
  }

  @Test
  void aGraphIsUpdatedToHoldExactlyTheSetAndSearchesAsWellAsAFreshBuild() throws IOException {
    for (String compress : List.of("none", "int8")) {
      Path set = dir.resolve("set-" + compress + ".npy");
      Path file = dir.resolve("set-" + compress + ".e4j");
      float[][] x = vectors(1_000, 5);
      List<String> ids = names(0, x.length);
      EmbeddingSet.write(set, x, ids, MODEL);
      assertEquals(Main.EXIT_OK, index(set, file, "-q", "--compress", compress, "--threads",
          "1").code());
      change(set, x, ids);
      EmbeddingSet.Contents now = EmbeddingSet.read(set);
      int changed = 0;
      for (int i = 0; i < x.length; i++) {
        if (i % 20 != 3 && i % 25 == 1) {
          changed++;
        }
      }
      CliRun r = index(set, file, "--update", "--json", "--metric", "cosine");
      assertEquals(Main.EXIT_OK, r.code(), r.toString());
      Map<String, String> report = json(r);
      assertEquals(String.valueOf(1_000 - 50 - changed), report.get("kept"), r.out());
      assertEquals("100", report.get("added"), r.out());
      assertEquals(String.valueOf(changed), report.get("changed"), r.out());
      assertEquals("50", report.get("removed"), r.out());
      assertEquals("false", report.get("rebuilt"), r.out());

      try (GraphIndex g = GraphIndex.load(file)) {
        assertEquals(now.ids().size(), g.size());
        Map<String, float[]> stored = new HashMap<>();
        g.forEachEntry((id, key, vector) -> stored.put(key, vector));
        assertEquals(new HashSet<>(now.ids()), stored.keySet(), compress);
        for (int i = 0; i < now.ids().size(); i++) {
          assertArrayEquals(VectorMath.normalized(now.vectors()[i]),
              stored.get(now.ids().get(i)), now.ids().get(i));
        }
        FlatIndex exact = FlatIndex.builder(16).metric(StandardMetric.COSINE).build();
        for (int i = 0; i < now.ids().size(); i++) {
          exact.add(now.ids().get(i), now.vectors()[i]);
        }
        float[][] q = vectors(50, 77);
        int found = 0;
        for (float[] query : q) {
          Set<String> truth = new HashSet<>();
          for (Neighbor n : exact.search(query, 10)) {
            truth.add(exact.key(n.id()).orElseThrow());
          }
          for (Neighbor n : g.search(query, 10)) {
            found += truth.contains(g.key(n.id()).orElseThrow()) ? 1 : 0;
          }
        }
        assertTrue(found >= 0.95 * 500, "recall@10 " + found / 500.0 + " (" + compress + ")");
      }

      byte[] bytes = Files.readAllBytes(file);
      CliRun again = index(set, file, "--update");
      assertEquals(Main.EXIT_OK, again.code(), again.toString());
      assertTrue(again.err().contains("is up to date: " + now.ids().size() + " entries"),
          again.err());
      assertArrayEquals(bytes, Files.readAllBytes(file), "not written again");
    }
  }

  @Test
  void aGraphOfWhichAFifthIsRemovedIsRebuilt() throws IOException {
    Path set = dir.resolve("shrink.npy");
    Path file = dir.resolve("shrink.e4j");
    float[][] x = vectors(500, 6);
    EmbeddingSet.write(set, x, names(0, 500), MODEL);
    assertEquals(Main.EXIT_OK, index(set, file, "-q").code());
    EmbeddingSet.write(set, java.util.Arrays.copyOfRange(x, 0, 420), names(0, 420), MODEL);
    CliRun small = index(set, file, "--update", "--json");
    assertEquals("false", json(small).get("rebuilt"), small.out());
    try (GraphIndex g = GraphIndex.load(file)) {
      assertEquals(80, g.removedCount());
    }
    EmbeddingSet.write(set, java.util.Arrays.copyOfRange(x, 0, 390), names(0, 390), MODEL);
    CliRun r = index(set, file, "--update");
    assertEquals(Main.EXIT_OK, r.code(), r.toString());
    assertTrue(r.err().contains("30 removed; the graph was rebuilt"), r.err());
    try (GraphIndex g = GraphIndex.load(file)) {
      assertEquals(0, g.removedCount());
      assertEquals(390, g.size());
      assertEquals(names(0, 390), keys(g));
    }
  }

  static List<String> keys(GraphIndex g) {
    List<String> out = new ArrayList<>();
    g.forEachEntry((id, key, vector) -> out.add(key));
    return out;
  }

  @Test
  void aFlatIndexOfRowNumbersIsUpdatedByRow() throws IOException {
    Path npy = dir.resolve("plain.npy");
    Path file = dir.resolve("plain.e4j");
    float[][] x = vectors(100, 8);
    Npy.write(npy, x);
    assertEquals(Main.EXIT_OK, index(npy, file, "-q", "--type", "flat", "--metric",
        "euclidean").code());
    float[][] more = java.util.Arrays.copyOf(x, 120);
    float[][] extra = vectors(21, 9);
    System.arraycopy(extra, 0, more, 100, 20);
    more[7] = extra[20];
    Npy.write(npy, more);
    CliRun r = index(npy, file, "--update", "--json");
    assertEquals(Main.EXIT_OK, r.code(), r.toString());
    assertEquals("99", json(r).get("kept"), r.out());
    assertEquals("20", json(r).get("added"), r.out());
    assertEquals("1", json(r).get("changed"), r.out());
    FlatIndex f = FlatIndex.load(file);
    assertEquals(120, f.size());
    assertEquals(StandardMetric.EUCLIDEAN.metricName(), f.metric().metricName());
    for (int row = 0; row < f.size(); row++) {
      assertArrayEquals(more[(int) f.idAt(row)], f.vectorAt(row), "row " + row);
    }
    assertEquals(7L, f.search(more[7], 1).get(0).id());
  }

  @Test
  void differingOptionsAndEmbeddersAreRefusedAndTheIndexIsLeftAlone() throws IOException {
    Path set = dir.resolve("strict.npy");
    Path file = dir.resolve("strict.e4j");
    EmbeddingSet.write(set, vectors(100, 10), names(0, 100), MODEL);
    assertEquals(Main.EXIT_OK, index(set, file, "-q", "--m", "8").code());
    byte[] bytes = Files.readAllBytes(file);

    CliRun metric = index(set, file, "--update", "--metric", "euclidean");
    assertEquals(Main.EXIT_INPUT, metric.code(), metric.toString());
    assertTrue(metric.err().contains("--metric euclidean differs from " + file + "'s cosine"),
        metric.err());
    CliRun degree = index(set, file, "--update", "--m", "16");
    assertEquals(Main.EXIT_INPUT, degree.code(), degree.toString());
    assertTrue(degree.err().contains("leave --m out"), degree.err());
    assertEquals(Main.EXIT_OK, index(set, file, "--update", "-q", "--m", "8").code(),
        "the index's own value is accepted");
    CliRun seed = index(set, file, "--update", "--seed", "3");
    assertEquals(Main.EXIT_USAGE, seed.code(), seed.toString());

    EmbeddingSet.write(set, vectors(100, 10), names(0, 100),
        EmbedderDescription.builder("lenet", 16).weights("random seed=8").layer("ffn1")
            .pooling("avg").input("28x28x1", "GRAY", "UNIT").build());
    CliRun other = index(set, file, "--update");
    assertEquals(Main.EXIT_INPUT, other.code(), other.toString());
    assertTrue(other.err().contains("random seed=8 != random seed=7")
        && other.err().contains("build the index anew without --update"), other.err());
    assertArrayEquals(bytes, Files.readAllBytes(file));

    Path missing = dir.resolve("new.e4j");
    CliRun fresh = index(set, missing, "--update");
    assertEquals(Main.EXIT_OK, fresh.code(), fresh.toString());
    assertTrue(fresh.err().contains("no index at " + missing), fresh.err());
  }
}
