package io.github.embeddings4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.core.io.EmbeddingSet;
import io.github.embeddings4j.core.io.Npy;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cases of issue 22 (and the provenance check of issue 20) through the command line, each
 * of which broke a documented contract before: LeNet at random initialisation, images written
 * here.
 */
class ReliabilityCliTest {

  @TempDir static Path dir;
  static Path photos;
  static Path index;

  static String[] with(String... head) {
    return CommandsTest.args(head);
  }

  @BeforeAll
  static void setUp() throws IOException {
    photos = Files.createDirectories(dir.resolve("photos"));
    Random random = new Random(22);
    for (int i = 0; i < 3; i++) {
      ImageIO.write(CommandsTest.picture(i % 2, random), "png",
          photos.resolve("p" + i + ".png").toFile());
    }
    index = dir.resolve("index/photos.npy");
    CliRun r = CliRun.of(with("embed", "--input", photos.toString(), "--output",
        index.toString()));
    assertEquals(Main.EXIT_OK, r.code(), r.toString());
  }

  /** Item 1: a name with a line break used to fail after the new .npy had replaced the old. */
  @Test
  void aNameWithALineBreakIsEmbeddedAndTheSetStaysOneUnit() throws IOException {
    Path folder = Files.createDirectories(dir.resolve("lf"));
    for (int i = 0; i < 3; i++) {
      Files.copy(photos.resolve("p" + i + ".png"), folder.resolve("p" + i + ".png"));
    }
    Path out = dir.resolve("lf.npy");
    assertEquals(Main.EXIT_OK, CliRun.of(with("embed", "-q", "--input", folder.toString(),
        "--output", out.toString())).code());
    Files.copy(photos.resolve("p0.png"), folder.resolve("zz\nnew.png"));
    CliRun r = CliRun.of(with("embed", "-q", "--input", folder.toString(), "--output",
        out.toString()));
    assertEquals(Main.EXIT_OK, r.code(), r.toString());
    EmbeddingSet.Contents c = EmbeddingSet.read(out);
    assertEquals(List.of("p0.png", "p1.png", "p2.png", "zz\nnew.png"), c.ids());
    assertArrayEquals(c.vectors()[0], c.vectors()[3], "the same picture");
    assertTrue(Files.readString(EmbeddingSet.idsFile(out)).endsWith("zz%0Anew.png\n"));
    CliRun s = CliRun.of(with("search", "--index", out.toString(), "--query",
        folder.resolve("zz\nnew.png").toString(), "--k", "2", "--json"));
    assertEquals(Main.EXIT_OK, s.code(), s.toString());
    assertTrue(s.out().contains("\"id\": \"p0.png\"") && s.out().contains("zz%0Anew.png"),
        s.out());
  }

  /** Item 2: names kept as bytes (a Latin-1 name in a UTF-8 world). */
  @Test
  void aNameThatIsNotUtf8IsEmbeddedUnderItsOwnId() throws IOException {
    Path folder = Files.createDirectories(dir.resolve("bytes"));
    String base = folder.toAbsolutePath().toUri().getRawPath();
    Path latin1 = Path.of(URI.create("file://" + base + "caf%E9.png"));
    Path other = Path.of(URI.create("file://" + base + "caf%E8.png"));
    Files.copy(photos.resolve("p0.png"), latin1);
    Files.copy(photos.resolve("p1.png"), other);
    Path out = dir.resolve("bytes.npy");
    CliRun r = CliRun.of(with("embed", "--input", folder.toString(), "--output",
        out.toString()));
    assertEquals(Main.EXIT_OK, r.code(), r.toString());
    assertEquals(List.of("caf\uDCE8.png", "caf\uDCE9.png"), EmbeddingSet.read(out).ids());
    assertEquals("caf%E8.png\ncaf%E9.png\n", Files.readString(EmbeddingSet.idsFile(out)));
  }

  /** Items 3 and 12: an unlistable folder, a dangling link and a FIFO are failed items. */
  @Test
  void unreadableEntriesOfAFolderAreFailedItemsAndTheRestIsEmbedded() throws Exception {
    Path folder = Files.createDirectories(dir.resolve("walk"));
    Files.copy(photos.resolve("p0.png"), folder.resolve("a.png"));
    Files.createSymbolicLink(folder.resolve("dangling.png"), folder.resolve("gone.png"));
    String name = "d".repeat(250);
    assertEquals(0, new ProcessBuilder("bash", "-c", "mkfifo pipe.png && mkdir deep && cd deep"
        + " && for i in $(seq 18); do mkdir " + name + " && cd " + name + "; done")
        .directory(folder.toFile()).inheritIO().start().waitFor());
    try {
      Path out = dir.resolve("walk.npy");
      CliRun r = CliRun.of(with("embed", "--input", folder.toString(), "--output",
          out.toString()));
      assertEquals(Main.EXIT_PARTIAL, r.code(), r.toString());
      assertTrue(r.err().contains("failed: " + folder.resolve("dangling.png")
          + ": a dangling symbolic link"), r.err());
      assertTrue(r.err().contains("failed: " + folder.resolve("pipe.png")
          + ": not a regular file"), r.err());
      assertTrue(r.err().contains(": file name too long"), r.err());
      assertTrue(r.err().contains("3 image(s) failed"), r.err());
      assertEquals(List.of("a.png"), EmbeddingSet.read(out).ids());
    } finally {
      new ProcessBuilder("rm", "-rf", folder.resolve("deep").toString()).start().waitFor();
    }
  }

  /** Item 4: an output that is an input is refused before any work. */
  @Test
  void anOutputThatIsAnInputIsRefusedAndTheInputKept() throws IOException {
    Path same = Files.createDirectories(dir.resolve("same"));
    Path photo = same.resolve("a.png");
    Files.copy(photos.resolve("p0.png"), photo);
    byte[] before = Files.readAllBytes(photo);
    CliRun r = CliRun.of(with("embed", "--input", photo.toString(), "--output",
        photo.toString()));
    assertEquals(Main.EXIT_USAGE, r.code(), r.toString());
    assertTrue(r.err().contains("is also an input"), r.err());
    assertArrayEquals(before, Files.readAllBytes(photo));

    Path model = dir.resolve("pca2.e4j");
    assertEquals(Main.EXIT_OK, CliRun.of("reduce", "-q", "--input", index.toString(),
        "--components", "2", "--save-model", model.toString()).code());
    byte[] modelBytes = Files.readAllBytes(model);
    r = CliRun.of("reduce", "--input", index.toString(), "--apply", model.toString(),
        "--output", model.toString());
    assertEquals(Main.EXIT_USAGE, r.code(), r.toString());
    assertArrayEquals(modelBytes, Files.readAllBytes(model));
    r = CliRun.of("cluster", "--input", index.toString(), "--clusters", "2", "--output",
        EmbeddingSet.idsFile(index).toString());
    assertEquals(Main.EXIT_USAGE, r.code(), r.toString());
  }

  /** Item 5: out of memory is an input error with the heap size, not a trace and exit 1. */
  @Test
  void outOfMemoryIsExplainedWithTheHeapSize() throws Exception {
    Path big = dir.resolve("big.npy");
    Npy.write(big, new float[12_000][1000]);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "-Xmx32m", "-cp", System.getProperty("java.class.path"),
        Main.class.getName(), "cluster", "--input", big.toString(), "--clusters", "2")
        .redirectErrorStream(true).start();
    String text = new String(p.getInputStream().readAllBytes());
    assertEquals(Main.EXIT_INPUT, p.waitFor(), text);
    assertTrue(text.contains("error: input too large for the heap; raise -Xmx (now "), text);
    assertFalse(text.contains("OutOfMemoryError"), text);
  }

  /** Item 7: every message carries the path and the reason, and no Java class names. */
  @Test
  void messagesNameThePathAndTheReasonWithoutClassNames() throws IOException {
    CliRun r = CliRun.of("reduce", "--input", index.toString(), "--apply",
        dir.resolve("nonexist.e4j").toString(), "--output", dir.resolve("o.npy").toString());
    assertEquals(Main.EXIT_INPUT, r.code(), r.toString());
    assertTrue(r.err().contains("nonexist.e4j: no such file or folder"), r.err());

    r = CliRun.of("search", "--index", dir.toString(), "--query", "x.npy");
    assertEquals(Main.EXIT_INPUT, r.code(), r.toString());
    assertTrue(r.err().contains("not a file but a folder: " + dir), r.err());

    r = CliRun.of(with("search", "--index", index.toString(), "--query", "/"));
    assertEquals(Main.EXIT_INPUT, r.code(), r.toString());
    assertTrue(r.err().contains("a folder, not an image file"), r.err());

    r = CliRun.of("evaluate", "--data", dir.toString(), "--limit-train", "-1");
    assertEquals(Main.EXIT_USAGE, r.code(), r.toString());
    assertTrue(r.err().contains("--limit-train must be at least 1, not -1"), r.err());

    Path report = dir.resolve("no-report");
    Path csv = dir.resolve("no.csv");
    r = CliRun.of("cluster", "--input", index.toString(), "--clusters", "2", "--per-sheet",
        "-1", "--images", photos.toString(), "--report", report.toString(), "--output",
        csv.toString());
    assertEquals(Main.EXIT_USAGE, r.code(), r.toString());
    assertFalse(Files.exists(csv) || Files.exists(report), "nothing written on a usage error");

    // A folder nobody may create files in, root included (sysfs): the message used to name
    // the hidden temporary and not the reason.
    Path sys = Path.of("/sys/kernel");
    if (Files.isDirectory(sys)) {
      r = CliRun.of(with("embed", "--input", photos.toString(), "--output",
          sys.resolve("e4j.npy").toString()));
      assertEquals(Main.EXIT_INPUT, r.code(), r.toString());
      assertTrue(r.err().contains("error: /sys/kernel/e4j.npy: permission denied: cannot create"
          + " files in /sys/kernel"), r.err());
    }

    Path legacy = dir.resolve("legacy.npy");
    Npy.write(legacy, new float[][] {{1, 2}});
    Files.write(Npy.idsFile(legacy), new byte[] {(byte) 0xff, '\n'});
    r = CliRun.of("cluster", "--input", legacy.toString(), "--clusters", "1");
    assertEquals(Main.EXIT_INPUT, r.code(), r.toString());
    assertTrue(r.err().contains(Npy.idsFile(legacy) + ": not UTF-8 text"), r.err());
    for (String s : List.of(r.err())) {
      assertFalse(s.contains("java.") || s.contains("Exception"), s);
    }
  }

  /** Item 8: the exit-code table holds for every subcommand. */
  @Test
  void theExitCodeTableHoldsForEverySubcommand() throws IOException {
    Path nan = dir.resolve("nan.npy");
    Npy.write(nan, new float[][] {{1, 2}, {Float.NaN, 0}, {3, 1}});
    Path one = dir.resolve("one.npy");
    Npy.write(one, new float[][] {{1, 2}});
    Path none = dir.resolve("none.npy");
    Npy.write(none, new float[0][2]);
    Path o = dir.resolve("t.npy");
    String[][] usage = {
        {"embed", "--input", photos.toString()},
        {"embed", "--input", photos.toString(), "--output", o.toString(), "--model", "alexnet"},
        {"reduce", "--input", index.toString(), "--components", "0", "--output", o.toString()},
        {"reduce", "--input", index.toString(), "--variance", "1.5", "--output", o.toString()},
        {"search", "--index", index.toString(), "--query", "q.npy", "--k", "0"},
        {"duplicates", "--input", index.toString(), "--k", "0"},
        {"embed", "--input", one.toString(), "--output", o.toString(), "--update"},
        {"index", "--input", index.toString(), "--output", o.toString(), "--update", "--seed",
            "1"},
        {"cluster", "--input", index.toString(), "--clusters", "0"},
        {"evaluate", "--k", "0"},
        {"train", "--frobnicate"},
        {"finetune", "--frobnicate"},
        {"models", "--frobnicate"},
        {"backend", "--frobnicate"},
        {"demo", "--frobnicate"},
    };
    String[][] input = {
        {"embed", "--input", dir.resolve("missing").toString(), "--output", o.toString()},
        {"embed", "--input", photos.toString(), "--output", o.toString(), "--model", "lenet",
            "--weights", "/nonexistent.zip"},
        {"reduce", "--input", nan.toString(), "--components", "1", "--output", o.toString()},
        {"reduce", "--input", one.toString(), "--components", "1", "--output", o.toString()},
        {"cluster", "--input", nan.toString(), "--clusters", "2"},
        {"cluster", "--input", none.toString(), "--clusters", "2"},
        {"cluster", "--input", one.toString(), "--clusters", "2"},
        {"search", "--index", none.toString(), "--query", one.toString()},
        {"duplicates", "--input", none.toString()},
        {"duplicates", "--input", dir.resolve("missing.npy").toString()},
        {"search", "--index", index.toString(), "--query", none.toString()},
        {"evaluate", "--data", dir.resolve("missing").toString()},
        {"finetune", "--from", dir.resolve("missing.zip").toString(), "--output",
            dir.resolve("f.zip").toString()},
    };
    for (String[] a : usage) {
      CliRun r = CliRun.of(a);
      assertEquals(Main.EXIT_USAGE, r.code(), String.join(" ", a) + "\n" + r);
    }
    for (String[] a : input) {
      CliRun r = CliRun.of(a);
      assertEquals(Main.EXIT_INPUT, r.code(), String.join(" ", a) + "\n" + r);
      assertTrue(r.err().startsWith("error: ") || r.err().contains("\nerror: "), r.err());
      assertFalse(r.err().contains("Exception"), r.err());
    }
  }

  /** Item 9: no silent no-ops. */
  @Test
  void commandsThatWouldDoNothingSaySo() throws IOException {
    Path model = dir.resolve("pca-noop.e4j");
    assertEquals(Main.EXIT_OK, CliRun.of("reduce", "-q", "--input", index.toString(),
        "--components", "2", "--save-model", model.toString()).code());
    Path copy = dir.resolve("copy.e4j");
    CliRun r = CliRun.of("reduce", "--input", index.toString(), "--apply", model.toString(),
        "--save-model", copy.toString());
    assertEquals(Main.EXIT_USAGE, r.code(), r.toString());
    assertFalse(Files.exists(copy));

    Path empty = dir.resolve("noquery.npy");
    Npy.write(empty, new float[0][500]);
    r = CliRun.of("search", "--index", index.toString(), "--query", empty.toString());
    assertEquals(Main.EXIT_INPUT, r.code(), r.toString());
    assertTrue(r.err().contains("holds no query vectors"), r.err());
  }

  /** Item 12: the same input twice is embedded once. */
  @Test
  void theSameInputTwiceIsEmbeddedOnce() throws IOException {
    Path out = dir.resolve("twice.npy");
    CliRun r = CliRun.of(with("embed", "--input", photos.toString(), "--input",
        photos.toString() + "/", "--output", out.toString()));
    assertEquals(Main.EXIT_OK, r.code(), r.toString());
    assertTrue(r.err().contains("is given more than once"), r.err());
    assertEquals(List.of("p0.png", "p1.png", "p2.png"), EmbeddingSet.read(out).ids());
  }

  /** Issue 20 for reduce: a PCA model records what it was fitted on, and is checked. */
  @Test
  void aPcaFittedOnOtherEmbeddingsIsRefusedNamingBoth() throws IOException {
    Path model = dir.resolve("pca-seed7.e4j");
    assertEquals(Main.EXIT_OK, CliRun.of("reduce", "-q", "--input", index.toString(),
        "--components", "2", "--save-model", model.toString()).code());
    assertTrue(Files.readString(model.resolveSibling("pca-seed7.e4j.description.json"))
        .contains("\"weights\": \"random seed=7\""));
    Path seed8 = dir.resolve("seed8.npy");
    assertEquals(Main.EXIT_OK, CliRun.of("embed", "-q", "--input", photos.toString(),
        "--output", seed8.toString(), "--model", "lenet", "--weights", "random", "--seed", "8")
        .code());
    Path out = dir.resolve("seed8-2.npy");
    CliRun r = CliRun.of("reduce", "--input", seed8.toString(), "--apply", model.toString(),
        "--output", out.toString());
    assertEquals(Main.EXIT_INPUT, r.code(), r.toString());
    assertTrue(r.err().contains("the embedder of " + seed8 + " does not match the embedder of"
        + " the vectors " + model + " was fitted on"), r.err());
    assertTrue(r.err().contains("weights: random seed=8 != random seed=7"), r.err());
    assertFalse(Files.exists(out));
    assertEquals(Main.EXIT_OK, CliRun.of("reduce", "-q", "--input", seed8.toString(), "--apply",
        model.toString(), "--output", out.toString(), "--allow-mismatch").code());
    assertEquals(Main.EXIT_OK, CliRun.of("reduce", "-q", "--input", index.toString(), "--apply",
        model.toString(), "--output", out.toString()).code());
  }

  /** Issue 20: a query embedder made otherwise than the index is refused, naming both. */
  @Test
  void aQueryEmbedderWithAnotherSeedIsRefusedNamingBoth() throws IOException {
    String query = photos.resolve("p0.png").toString();
    CliRun r = CliRun.of("search", "--index", index.toString(), "--query", query, "--model",
        "lenet", "--weights", "random", "--seed", "8", "--metric", "euclidean");
    assertEquals(Main.EXIT_INPUT, r.code(), r.toString());
    assertTrue(r.err().contains("the query embedder does not match the embedder that made "
        + index), r.err());
    assertTrue(r.err().contains("weights: random seed=8 != random seed=7"), r.err());
    assertTrue(r.err().contains("--allow-mismatch"), r.err());
    assertEquals("", r.out());

    r = CliRun.of("search", "--index", index.toString(), "--query", query, "--model", "lenet",
        "--weights", "random", "--seed", "8", "--allow-mismatch");
    assertEquals(Main.EXIT_OK, r.code(), r.toString());
    assertTrue(r.err().contains("warning: the query embedder does not match"), r.err());

    r = CliRun.of(with("search", "--index", index.toString(), "--query", query,
        "--no-normalize"));
    assertEquals(Main.EXIT_INPUT, r.code(), r.toString());
    assertTrue(r.err().contains("normalized: false != true"), r.err());

    r = CliRun.of(with("search", "--index", index.toString(), "--query", query, "--k", "1"));
    assertEquals(Main.EXIT_OK, r.code(), r.toString());
    assertTrue(r.out().contains("p0.png"), r.out());

    // Reduced vectors carry the description on, with the reduction.
    Path reduced = dir.resolve("reduced.npy");
    assertEquals(Main.EXIT_OK, CliRun.of("reduce", "-q", "--input", index.toString(),
        "--components", "2", "--output", reduced.toString()).code());
    var d = EmbeddingSet.readDescription(reduced);
    assertEquals("random seed=7", d.weights());
    assertEquals(2, d.dimension());
    assertEquals("pca 500 to 2", d.extra().get("reduction"));
    r = CliRun.of("search", "--index", index.toString(), "--query", reduced.toString());
    assertEquals(Main.EXIT_INPUT, r.code(), r.toString());
    assertTrue(r.err().contains("the query vectors " + reduced), r.err());

    // Older files have no description: searched as before, with a note.
    Path legacy = dir.resolve("old.npy");
    Npy.write(legacy, EmbeddingSet.read(index).vectors());
    r = CliRun.of(with("search", "--index", legacy.toString(), "--query", query, "--k", "1"));
    assertEquals(Main.EXIT_OK, r.code(), r.toString());
    assertTrue(r.err().contains("note: " + legacy + " has no description"), r.err());
  }

  /** An index file keeps the description of the set it was built from, and is checked too. */
  @Test
  void anIndexFileRefusesAQueryEmbedderOfAnotherSeed() throws IOException {
    String query = photos.resolve("p0.png").toString();
    for (String type : List.of("flat", "graph")) {
      Path file = dir.resolve("described-" + type + ".e4j");
      CliRun r = CliRun.of("index", "--input", index.toString(), "--output", file.toString(),
          "--type", type, "--metric", "euclidean");
      assertEquals(Main.EXIT_OK, r.code(), r.toString());
      assertFalse(r.err().contains("note:"), r.err());

      r = CliRun.of("search", "--index", file.toString(), "--query", query, "--model", "lenet",
          "--weights", "random", "--seed", "8");
      assertEquals(Main.EXIT_INPUT, r.code(), r.toString());
      assertTrue(r.err().contains("the query embedder does not match the embedder that made "
          + file), r.err());
      assertTrue(r.err().contains("weights: random seed=8 != random seed=7"), r.err());
      assertEquals("", r.out());

      r = CliRun.of("search", "--index", file.toString(), "--query", query, "--model", "lenet",
          "--weights", "random", "--seed", "8", "--allow-mismatch");
      assertEquals(Main.EXIT_OK, r.code(), r.toString());
      assertTrue(r.err().contains("warning: the query embedder does not match"), r.err());

      r = CliRun.of(with("search", "--index", file.toString(), "--query", query, "--k", "1"));
      assertEquals(Main.EXIT_OK, r.code(), r.toString());
      assertTrue(r.out().contains("p0.png"), r.out());
    }

    // Vectors without a description make an index without one: said when indexing and
    // searching, and searched as before.
    Path legacy = dir.resolve("undescribed.npy");
    Npy.write(legacy, EmbeddingSet.read(index).vectors());
    Path file = dir.resolve("undescribed.e4j");
    CliRun r = CliRun.of("index", "--input", legacy.toString(), "--output", file.toString());
    assertEquals(Main.EXIT_OK, r.code(), r.toString());
    assertTrue(r.err().contains("note: " + legacy + " has no description"), r.err());
    r = CliRun.of(with("search", "--index", file.toString(), "--query", query, "--k", "1"));
    assertEquals(Main.EXIT_OK, r.code(), r.toString());
    assertTrue(r.err().contains("note: " + file + " records no embedder"), r.err());
  }
}
