package io.github.embeddings4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.core.io.Npy;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drives the subcommands end to end on a folder of PNG and JPEG files written here, with the
 * small LeNet network at random initialisation (seeded), so the run is quick and needs no
 * download.
 */
class CommandsTest {

  @TempDir static Path dir;
  static Path photos;
  static Path embeddings;

  static final String[] MODEL = {"--model", "lenet", "--weights", "random", "--seed", "7"};

  static String[] args(String[] head, String... tail) {
    String[] all = new String[head.length + tail.length + MODEL.length];
    System.arraycopy(head, 0, all, 0, head.length);
    System.arraycopy(MODEL, 0, all, head.length, MODEL.length);
    System.arraycopy(tail, 0, all, head.length + MODEL.length, tail.length);
    return all;
  }

  static BufferedImage picture(int kind, Random random) {
    BufferedImage img = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, 40, 30);
    g.setColor(new Color(random.nextInt(60), random.nextInt(60), random.nextInt(60)));
    if (kind == 0) {
      g.fillRect(5 + random.nextInt(5), 5, 25, 8); // a bar
    } else {
      g.fillOval(8 + random.nextInt(5), 4, 20, 20); // a disc
    }
    g.dispose();
    return img;
  }

  @BeforeAll
  static void writeImages() throws IOException {
    photos = dir.resolve("photos");
    Files.createDirectories(photos.resolve("bars"));
    Files.createDirectories(photos.resolve("discs"));
    Random random = new Random(5);
    for (int i = 0; i < 6; i++) {
      ImageIO.write(picture(0, random), "png", photos.resolve("bars/b" + i + ".png").toFile());
      ImageIO.write(picture(1, random), "jpg", photos.resolve("discs/d" + i + ".jpg").toFile());
    }
    Files.writeString(photos.resolve("discs/notes.jpg"), "this is text, not a JPEG");
    embeddings = dir.resolve("out/photos.npy");
    CliRun r = CliRun.of(args(new String[] {"embed", "--input", photos.toString(),
        "--output", embeddings.toString()}));
    assertEquals(Main.EXIT_PARTIAL, r.code(), r.toString());
  }

  @Test
  void embedWritesGoodImagesAndReportsTheBadOne() throws IOException {
    float[][] rows = Npy.read(embeddings);
    List<String> ids = Npy.readIds(Npy.idsFile(embeddings));
    assertEquals(12, rows.length);
    assertEquals(500, rows[0].length, "LeNet's ffn1 layer");
    assertEquals("bars/b0.png", ids.get(0));
    assertEquals("discs/d5.jpg", ids.get(11));
    assertTrue(!ids.contains("discs/notes.jpg"));
  }

  @Test
  void embedReportsFailuresOnStderr() {
    CliRun r = CliRun.of(args(new String[] {"embed", "--input",
        photos.resolve("discs").toString(), "--output", dir.resolve("d.npy").toString()}));
    assertEquals(Main.EXIT_PARTIAL, r.code(), r.toString());
    assertTrue(r.err().contains("notes.jpg"), r.err());
    assertTrue(r.err().contains("1 image(s) failed"), r.err());
  }

  @Test
  void quietHidesProgressButStillNamesFailedFiles() {
    CliRun r = CliRun.of(args(new String[] {"embed", "--quiet", "--input",
        photos.resolve("discs").toString(), "--output", dir.resolve("quiet.npy").toString()}));
    assertEquals(Main.EXIT_PARTIAL, r.code(), r.toString());
    assertEquals(1, r.err().lines().count(), r.toString());
    assertTrue(r.err().startsWith("failed: ") && r.err().contains("notes.jpg"), r.err());
  }

  @Test
  void vectorsAreNormalisedByDefaultAsInTheApiAndNoNormalizeKeepsThemRaw() throws IOException {
    Path raw = dir.resolve("raw.npy");
    assertEquals(Main.EXIT_PARTIAL, CliRun.of(args(new String[] {"embed", "-q", "--input",
        photos.toString(), "--output", raw.toString(), "--no-normalize"})).code());
    float[] byDefault = Npy.read(embeddings)[0];
    float[] unscaled = Npy.read(raw)[0];
    double norm = 0;
    double rawNorm = 0;
    for (int i = 0; i < byDefault.length; i++) {
      norm += byDefault[i] * byDefault[i];
      rawNorm += unscaled[i] * unscaled[i];
    }
    assertEquals(1.0, norm, 1e-5);
    assertTrue(Math.abs(rawNorm - 1.0) > 1e-3, "raw norm " + rawNorm);
    Path old = dir.resolve("old.npy");
    assertEquals(Main.EXIT_PARTIAL, CliRun.of(args(new String[] {"embed", "-q", "--input",
        photos.toString(), "--output", old.toString(), "--normalize"})).code());
    assertArrayEquals(Npy.read(embeddings), Npy.read(old), "the old flag still works");
  }

  @Test
  void aModelWithoutPretrainedWeightsIsRandomByDefault() throws IOException {
    Path out = dir.resolve("simple.npy");
    CliRun r = CliRun.of("embed", "-q", "--model", "simplecnn", "--input",
        photos.resolve("bars").toString(), "--output", out.toString());
    assertEquals(Main.EXIT_OK, r.code(), r.toString());
    assertEquals(6, Npy.read(out).length);
  }

  @Test
  void weightsTheModelLacksAreAUsageErrorNamingTheOption() {
    CliRun r = CliRun.of("embed", "--model", "simplecnn", "--weights", "imagenet", "--input",
        photos.toString(), "--output", dir.resolve("x.npy").toString());
    assertEquals(Main.EXIT_USAGE, r.code(), r.toString());
    assertTrue(r.err().contains("--weights random"), r.err());
  }

  @Test
  void embeddingIsDeterministic() throws IOException {
    Path again = dir.resolve("again.npy");
    assertEquals(Main.EXIT_PARTIAL, CliRun.of(args(new String[] {"embed", "-q", "--input",
        photos.toString(), "--output", again.toString()})).code());
    assertArrayEquals(Npy.read(embeddings), Npy.read(again));
  }

  @Test
  void searchFindsAnImageItselfFirst() {
    CliRun r = CliRun.of(args(new String[] {"search", "--index", embeddings.toString(),
        "--query", photos.resolve("bars/b3.png").toString(), "--k", "3"}));
    assertEquals(0, r.code(), r.toString());
    String first = r.out().lines().skip(1).findFirst().orElseThrow();
    assertTrue(first.contains("bars/b3.png"), r.out());
    assertTrue(first.trim().endsWith("0.000000"), first);
    assertEquals(4, r.out().lines().count(), "a heading and 3 neighbours");
  }

  @Test
  void searchWithVectorQueriesPrintsJson() throws IOException {
    float[][] rows = Npy.read(embeddings);
    Path q = dir.resolve("q.npy");
    Npy.write(q, new float[][] {rows[7], rows[2]});
    CliRun r = CliRun.of("search", "--index", embeddings.toString(), "--query", q.toString(),
        "--k", "2", "--metric", "euclidean", "--json");
    assertEquals(0, r.code(), r.toString());
    List<String> lines = r.out().lines().toList();
    assertEquals(3, lines.size(), "two queries, then the summary");
    assertTrue(lines.get(2).matches("\\{\"queries\": 2, \"seconds\": [0-9.eE-]+\\}"),
        lines.get(2));
    assertTrue(lines.get(0).startsWith("{\"query\": \"" + q + "[0]\", \"metric\": \"euclidean\""
        + ", \"neighbors\": [{\"id\": \"discs/d1.jpg\", \"distance\": 0.0}"), lines.get(0));
  }

  @Test
  void reduceFitsSavesAndAppliesTheSameProjection() throws IOException {
    Path small = dir.resolve("small.npy");
    Path model = dir.resolve("pca.e4j");
    CliRun fit = CliRun.of("reduce", "--input", embeddings.toString(), "--components", "3",
        "--save-model", model.toString(), "--output", small.toString());
    assertEquals(0, fit.code(), fit.toString());
    assertTrue(fit.err().contains("3 components keep"), fit.err());
    Path applied = dir.resolve("applied.npy");
    assertEquals(0, CliRun.of("reduce", "-q", "--input", embeddings.toString(), "--apply",
        model.toString(), "--output", applied.toString()).code());
    float[][] a = Npy.read(small);
    assertEquals(3, a[0].length);
    assertArrayEquals(a, Npy.read(applied));
    assertEquals(Npy.readIds(Npy.idsFile(embeddings)), Npy.readIds(Npy.idsFile(applied)));

    CliRun both = CliRun.of("reduce", "--input", embeddings.toString(), "--components", "3",
        "--variance", "0.9", "--output", small.toString());
    assertEquals(Main.EXIT_USAGE, both.code(), "components and variance exclude each other");
  }

  @Test
  void clusterSeparatesBarsFromDiscsAndDrawsSheets() throws IOException {
    Path report = dir.resolve("clusters");
    Path csv = dir.resolve("clusters.csv");
    CliRun r = CliRun.of("cluster", "--input", embeddings.toString(), "--clusters", "2",
        "--output", csv.toString(), "--images", photos.toString(), "--report", report.toString());
    assertEquals(0, r.code(), r.toString());
    List<String> lines = Files.readAllLines(csv);
    assertEquals("id,cluster,distance", lines.get(0));
    assertEquals(13, lines.size());
    assertTrue(Files.size(report.resolve("cluster-00.png")) > 0);
    assertTrue(Files.size(report.resolve("cluster-01.png")) > 0);
    assertTrue(Files.readString(report.resolve("index.html")).contains("cluster-01.png"));
    // Each cluster's mean silhouette on a sample is in the report; the two shapes are apart.
    assertTrue(Files.readString(report.resolve("index.html")).contains("mean silhouettes"));
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("mean silhouette ([-0-9.]+) on"
        + " 12 rows").matcher(r.err());
    assertTrue(m.find() && Double.parseDouble(m.group(1)) > 0, r.err());

    // Again with one cluster: the report is replaced as a whole, no stale second sheet.
    assertEquals(0, CliRun.of("cluster", "-q", "--input", embeddings.toString(), "--clusters",
        "1", "--output", csv.toString(), "--images", photos.toString(), "--report",
        report.toString()).code());
    assertTrue(Files.exists(report.resolve("cluster-00.png")));
    assertFalse(Files.exists(report.resolve("cluster-01.png")));

    // A folder of the user's own is refused before k-means runs, and left as it was.
    Path mine = dir.resolve("mine");
    Files.createDirectories(mine);
    Files.writeString(mine.resolve("notes.txt"), "mine");
    CliRun refused = CliRun.of("cluster", "--input", embeddings.toString(), "--clusters", "2",
        "--output", dir.resolve("other.csv").toString(), "--images", photos.toString(),
        "--report", mine.toString());
    assertEquals(Main.EXIT_INPUT, refused.code(), refused.toString());
    assertTrue(refused.err().contains("--report " + mine + " holds")
        && !refused.err().contains("k-means:"), refused.err());
    assertFalse(Files.exists(dir.resolve("other.csv")));
    try (var left = Files.list(mine)) {
      assertEquals(List.of(mine.resolve("notes.txt")), left.toList());
    }
  }

  @Test
  void modelsListsEveryModelAndLayers() {
    CliRun r = CliRun.of("models");
    assertEquals(0, r.code(), r.toString());
    for (String m : new String[] {"resnet50", "vgg16", "vgg19", "squeezenet", "xception",
        "darknet19", "nasnet", "lenet", "simplecnn"}) {
      assertTrue(r.out().contains(m), m + " listed: " + r.out());
    }
    assertTrue(r.out().contains("any vision model exported to ONNX: --model FILE.onnx"),
        r.out());
    CliRun layers = CliRun.of("models", "--layers", "lenet");
    assertEquals(0, layers.code(), layers.toString());
    assertTrue(layers.out().contains("ffn1   <- default embedding layer"), layers.out());
  }

  @Test
  void backendNamesTheBackendAndKernels() {
    CliRun r = CliRun.of("backend");
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().contains("ND4J backend:     CPU (CpuBackend), native build linux-x86_64"),
        r.out());
    assertTrue(r.out().contains("why:"), r.out());
    assertTrue(r.out().contains("vector kernels:"), r.out());
    // oneDNN's preset is on the class path for Linux x86-64: the executor reports its version.
    assertTrue(r.out().contains("oneDNN graph:     on (oneDNN 2.5.2, "), r.out());
  }

  @Test
  void errorsHaveTheirExitCodes() {
    assertEquals(Main.EXIT_USAGE, CliRun.of("embed", "--input", "x").code(), "missing --output");
    assertEquals(Main.EXIT_USAGE, CliRun.of("search", "--index", embeddings.toString(),
        "--query", "q.npy", "--metric", "jaccard").code());
    CliRun missing = CliRun.of("reduce", "--input", dir.resolve("nope.npy").toString(),
        "--components", "2", "--output", dir.resolve("o.npy").toString());
    assertEquals(Main.EXIT_INPUT, missing.code(), missing.toString());
    assertTrue(missing.err().startsWith("error: no such file: "), missing.err());
    CliRun badModel = CliRun.of("embed", "--input", photos.toString(), "--output",
        dir.resolve("m.npy").toString(), "--model", "alexnet");
    assertEquals(Main.EXIT_USAGE, badModel.code(), badModel.toString());
    assertTrue(badModel.err().contains("choose one of resnet50"), badModel.err());
  }

  @Test
  void everySubcommandExplainsItselfWithAnExample() {
    for (String c : new String[] {"demo", "models", "backend", "embed", "reduce", "index",
        "search",
        "cluster", "evaluate", "train", "finetune"}) {
      CliRun r = CliRun.of(c, "--help");
      assertEquals(0, r.code(), c);
      assertTrue(r.out().contains("Example"), c + " --help has an example: " + r.out());
    }
  }
}
