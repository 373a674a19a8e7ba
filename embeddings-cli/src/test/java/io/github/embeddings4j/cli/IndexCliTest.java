package io.github.embeddings4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.core.io.Npy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code index} builds and saves; {@code search --index FILE} loads and searches it. */
class IndexCliTest {

  @TempDir static Path dir;
  static Path vectors;
  static Path ids;
  static Path queries;
  static float[][] rows;

  private static final Pattern ID = Pattern.compile("\\{\"id\": \"([^\"]*)\"");

  @BeforeAll
  static void data() throws IOException {
    Random r = new Random(5);
    rows = new float[600][24];
    for (float[] v : rows) {
      for (int t = 0; t < v.length; t++) {
        v[t] = (float) r.nextGaussian();
      }
    }
    vectors = dir.resolve("vectors.npy");
    Npy.write(vectors, rows);
    ids = dir.resolve("names.txt");
    List<String> names = new ArrayList<>();
    for (int i = 0; i < rows.length; i++) {
      names.add("item-" + i);
    }
    Files.write(ids, names, StandardCharsets.UTF_8);
    queries = dir.resolve("queries.npy");
    float[][] q = new float[20][];
    for (int i = 0; i < q.length; i++) {
      q[i] = rows[i * 29].clone();
      q[i][0] += 0.01f;
    }
    Npy.write(queries, q);
  }

  /** The ids of each query's neighbours in {@code --json} output, and the summary line. */
  private static List<List<String>> neighbours(CliRun run, int expectedQueries) {
    List<String> lines = run.out().lines().toList();
    assertEquals(expectedQueries + 1, lines.size(), run.toString());
    assertTrue(lines.get(expectedQueries).matches(
        "\\{\"queries\": " + expectedQueries + ", \"seconds\": [0-9.eE-]+\\}"),
        lines.get(expectedQueries));
    List<List<String>> out = new ArrayList<>();
    for (String line : lines.subList(0, expectedQueries)) {
      List<String> hit = new ArrayList<>();
      Matcher m = ID.matcher(line);
      while (m.find()) {
        hit.add(m.group(1));
      }
      out.add(hit);
    }
    return out;
  }

  private static CliRun index(Path out, String... more) {
    List<String> args = new ArrayList<>(List.of("index", "-q", "--input", vectors.toString(),
        "--output", out.toString()));
    args.addAll(List.of(more));
    return CliRun.of(args.toArray(new String[0]));
  }

  private static CliRun search(Path index, String... more) {
    List<String> args = new ArrayList<>(List.of("search", "-q", "--index", index.toString(),
        "--query", queries.toString(), "--k", "5", "--json"));
    args.addAll(List.of(more));
    return CliRun.of(args.toArray(new String[0]));
  }

  @Test
  void graphIndexFindsWhatTheExactSearchFindsAndNamesHitsByTheIdsFile() {
    Path graph = dir.resolve("graph.e4j");
    CliRun built = index(graph, "--ids", ids.toString(), "--metric", "euclidean", "--json");
    assertEquals(0, built.code(), built.toString());
    assertTrue(built.out().contains("\"type\": \"graph\""), built.out());
    assertTrue(built.out().contains("\"vectors\": 600"), built.out());
    List<List<String>> approximate = neighbours(search(graph, "--ef", "64"), 20);
    List<List<String>> exact = neighbours(search(graph, "--exact"), 20);
    List<List<String>> scan = neighbours(search(vectors, "--metric", "euclidean"), 20);
    for (int q = 0; q < 20; q++) {
      assertEquals("item-" + q * 29, exact.get(q).get(0), "query " + q + " finds its source");
      // The .npy has no ids file: its hits are row numbers; the index's carry the names.
      List<String> scanNames = scan.get(q).stream().map(s -> "item-" + s).toList();
      assertEquals(scanNames, exact.get(q), "--exact answers as the exact scan, query " + q);
    }
    int found = 0;
    for (int q = 0; q < 20; q++) {
      for (String id : approximate.get(q)) {
        found += exact.get(q).contains(id) ? 1 : 0;
      }
    }
    assertTrue(found >= 95, "recall@5 " + found + "/100 at ef 64 on 600 vectors");
  }

  @Test
  void flatIndexAnswersAsTheEmbeddingsFileAndRowNumbersAreTheIdsWithoutAnIdsFile() {
    Path flat = dir.resolve("flat.e4j");
    assertEquals(0, index(flat, "--type", "flat", "--metric", "cosine").code());
    assertEquals(neighbours(search(vectors), 20), neighbours(search(flat), 20));
    CliRun ef = search(flat, "--ef", "50");
    assertEquals(Main.EXIT_USAGE, ef.code(), ef.toString());
    assertTrue(ef.err().contains("--ef applies to graph indexes"), ef.err());
  }

  @Test
  void onlyAndExcludeSearchTheEntriesWhoseNamesMatch() {
    Path graph = dir.resolve("filtered-graph.e4j");
    assertEquals(0, index(graph, "--ids", ids.toString(), "--metric", "euclidean").code());
    Path flat = dir.resolve("filtered-flat.e4j");
    assertEquals(0, index(flat, "--ids", ids.toString(), "--type", "flat", "--metric",
        "euclidean").code());
    // item-1, item-10..19, item-100..199: 111 of 600.
    List<List<String>> fromGraph = neighbours(search(graph, "--exact", "--only", "item-1*"), 20);
    List<List<String>> fromFlat = neighbours(search(flat, "--only", "item-1*"), 20);
    assertEquals(fromFlat, fromGraph);
    for (List<String> hits : fromFlat) {
      assertEquals(5, hits.size());
      for (String id : hits) {
        assertTrue(id.startsWith("item-1"), id);
      }
    }
    // Query 0 is item-0 moved a little: left out, it is no longer the first hit.
    assertEquals("item-0", neighbours(search(flat), 20).get(0).get(0));
    List<List<String>> without = neighbours(search(flat, "--exclude", "item-0"), 20);
    assertTrue(!without.get(0).contains("item-0"), without.get(0).toString());
    // Two --only globs: either; an --exclude on top: neither excluded name comes back.
    List<List<String>> either = neighbours(search(graph, "--only", "item-2*", "--only",
        "item-3*", "--exclude", "item-29", "--ef", "64"), 20);
    for (List<String> hits : either) {
      for (String id : hits) {
        assertTrue((id.startsWith("item-2") || id.startsWith("item-3")) && !id.equals("item-29"),
            id);
      }
    }
    CliRun counted = CliRun.of("search", "--index", flat.toString(), "--query",
        queries.toString(), "--only", "item-1*");
    assertEquals(0, counted.code(), counted.toString());
    assertTrue(counted.err().contains("111 of 600 entries that pass --only 'item-1*'"),
        counted.err());
    CliRun none = search(flat, "--only", "photos/**");
    assertEquals(Main.EXIT_INPUT, none.code(), none.toString());
    assertTrue(none.err().contains("no entry of") && none.err().contains("photos/**"),
        none.err());
    CliRun bad = search(flat, "--only", "item-[");
    assertEquals(Main.EXIT_USAGE, bad.code(), bad.toString());
    assertTrue(bad.err().contains("'item-[' is not a valid glob"), bad.err());
  }

  @Test
  void compressedIndexKeepsTheNearestFirst() {
    Path small = dir.resolve("int8.e4j");
    CliRun built = index(small, "--compress", "int8", "--rerank", "4", "--metric", "cosine");
    assertEquals(0, built.code(), built.toString());
    List<List<String>> hits = neighbours(search(small, "--ef", "100"), 20);
    for (int q = 0; q < 20; q++) {
      assertEquals(String.valueOf(q * 29), hits.get(q).get(0), "query " + q);
    }
  }

  @Test
  void oneThreadAndASeedWriteTheSameFileTwice() throws IOException {
    Path a = dir.resolve("a.e4j");
    Path b = dir.resolve("b.e4j");
    assertEquals(0, index(a, "--threads", "1", "--seed", "7").code());
    assertEquals(0, index(b, "--threads", "1", "--seed", "7").code());
    assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
  }

  @Test
  void badInputIsRefusedWithItsNameAndNothingIsWritten() throws IOException {
    Path out = dir.resolve("never.e4j");
    CliRun missing = CliRun.of("index", "--input", dir.resolve("none.npy").toString(),
        "--output", out.toString());
    assertEquals(Main.EXIT_INPUT, missing.code(), missing.toString());
    assertTrue(missing.err().contains("none.npy"), missing.err());

    float[][] bad = {rows[0].clone(), rows[1].clone()};
    bad[1][3] = Float.NaN;
    Path nan = dir.resolve("nan.npy");
    Npy.write(nan, bad);
    CliRun refused = CliRun.of("index", "--input", nan.toString(), "--output", out.toString());
    assertEquals(Main.EXIT_INPUT, refused.code(), refused.toString());
    assertTrue(refused.err().contains("row 1"), refused.err());
    assertFalse(Files.exists(out));

    CliRun flatCompressed = index(out, "--type", "flat", "--compress", "int8");
    assertEquals(Main.EXIT_USAGE, flatCompressed.code(), flatCompressed.toString());

    Path graph = dir.resolve("cut.e4j");
    assertEquals(0, index(graph).code());
    byte[] bytes = Files.readAllBytes(graph);
    Files.write(graph, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    CliRun damaged = search(graph);
    assertEquals(Main.EXIT_INPUT, damaged.code(), damaged.toString());
    assertTrue(damaged.err().contains("cut.e4j"), damaged.err());

    Path ok = dir.resolve("cosine.e4j");
    assertEquals(0, index(ok, "--metric", "cosine").code());
    CliRun other = search(ok, "--metric", "euclidean");
    assertEquals(Main.EXIT_INPUT, other.code(), other.toString());
    assertTrue(other.err().contains("built for the cosine metric"), other.err());
  }
}
