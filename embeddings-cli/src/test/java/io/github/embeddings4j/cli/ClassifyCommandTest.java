package io.github.embeddings4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code classify fit} and {@code predict} end to end: three classes of coloured squares of 8 to
 * 32 pixels, embedded by the core module's tiny ONNX fixture (random weights, so the colours are
 * what tells the classes apart) and by LeNet at random initialisation.
 */
class ClassifyCommandTest {

  static final Path ONNX = OnnxCliTest.FIXTURES.resolve("resnet_tiny.onnx");
  static final int[][] COLOURS = {{220, 30, 30}, {30, 200, 40}, {40, 50, 230}};
  static final String[] NAMES = {"blue", "green", "red"}; // sorted, as class folders are

  @TempDir static Path dir;
  static Path data;
  static Path unseen;

  @BeforeAll
  static void setUp() throws IOException {
    data = dir.resolve("squares");
    unseen = dir.resolve("unseen");
    Random r = new Random(21);
    for (int c = 0; c < 3; c++) {
      String name = new String[] {"red", "green", "blue"}[c];
      Path folder = Files.createDirectories(data.resolve(name));
      for (int i = 0; i < 6; i++) {
        ImageIO.write(square(COLOURS[c], r), "png", folder.resolve("sq" + i + ".png").toFile());
      }
      Path test = Files.createDirectories(unseen.resolve(name));
      ImageIO.write(square(COLOURS[c], r), "png", test.resolve("new.png").toFile());
    }
    Files.writeString(data.resolve("red/broken.png"), "not an image");
  }

  static BufferedImage square(int[] rgb, Random r) {
    int size = 8 + r.nextInt(25);
    BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        int red = Math.min(255, Math.max(0, rgb[0] + r.nextInt(31) - 15));
        int green = Math.min(255, Math.max(0, rgb[1] + r.nextInt(31) - 15));
        int blue = Math.min(255, Math.max(0, rgb[2] + r.nextInt(31) - 15));
        img.setRGB(x, y, red << 16 | green << 8 | blue);
      }
    }
    return img;
  }

  static double number(String json, String key) {
    Matcher m = Pattern.compile("\"" + key + "\": ([-0-9.Ee]+)").matcher(json);
    assertTrue(m.find(), key + " in " + json);
    return Double.parseDouble(m.group(1));
  }

  private static CliRun fit(Path model, Path head, Path cache, String... more) {
    List<String> args = new java.util.ArrayList<>(List.of("classify", "fit", "--data",
        data.toString(), "--embedder", model.toString(), "--preprocess", "imagenet",
        "--output", head.toString(), "--cache", cache.toString(), "--json"));
    args.addAll(List.of(more));
    if (!args.contains("--lr")) {
      args.addAll(List.of("--lr", "0.01"));
    }
    return CliRun.of(args.toArray(new String[0]));
  }

  @Test
  void fitsOnceFromImagesThenFromTheCacheAndPredictsNewImages() throws Exception {
    Path head = dir.resolve("squares.e4j");
    Path cache = dir.resolve("cache1");
    CliRun r = fit(ONNX, head, cache);
    assertEquals(Main.EXIT_PARTIAL, r.code(), "the damaged image makes it partial\n" + r);
    assertTrue(r.err().contains("broken.png"), r.toString());
    assertEquals(1, r.out().strip().split("\n").length, "one JSON line: " + r.out());
    String json = r.out().strip();
    assertEquals(3, number(json, "classes"));
    assertEquals(15, number(json, "n_train"), "5 of each class's 6 images");
    assertEquals(3, number(json, "n_validation"));
    assertEquals(1, number(json, "skipped"));
    double accuracy = number(json, "validation_accuracy");
    assertTrue(accuracy >= 0 && accuracy <= 1, json);
    assertTrue(number(json, "epochs") >= 1 && number(json, "epochs") <= 200, json);
    assertTrue(number(json, "seconds") > 0, json);
    assertTrue(json.contains("\"cache\": \"miss\""), json);
    assertFalse(json.contains("trials"), json);

    CliRun again = fit(ONNX, head, cache);
    assertEquals(Main.EXIT_PARTIAL, again.code(), again.toString());
    assertTrue(again.out().contains("\"cache\": \"hit\""), again.toString());
    assertTrue(again.err().contains("broken.png"), "a cached failure is still named\n" + again);
    assertEquals(accuracy, number(again.out(), "validation_accuracy"), "same vectors, same seed");

    Path csv = dir.resolve("labels.csv");
    CliRun p = CliRun.of("classify", "predict", "--head", head.toString(), "--input",
        unseen.toString(), "--output", csv.toString(), "--top-k", "2");
    assertEquals(Main.EXIT_OK, p.code(), p.toString());
    List<String> lines = Files.readAllLines(csv);
    assertEquals("path,label,probability,label_2,probability_2", lines.get(0));
    assertEquals(4, lines.size(), lines.toString());
    int right = 0;
    for (String line : lines.subList(1, 4)) {
      String[] f = line.split(",");
      assertEquals(5, f.length, line);
      String truth = Path.of(f[0]).getParent().getFileName().toString();
      right += truth.equals(f[1]) ? 1 : 0;
      double p1 = Double.parseDouble(f[2]);
      double p2 = Double.parseDouble(f[4]);
      assertTrue(p1 >= p2 && p1 <= 1 && p2 >= 0, line);
      assertFalse(f[1].equals(f[3]), line);
    }
    assertEquals(3, right, "a red, a green and a blue square, labelled so\n" + lines);
  }

  @Test
  void aHeadFittedOnImagesAsStoredIsUsedTheSameWayByPredict() throws Exception {
    Path head = dir.resolve("stored.e4j");
    CliRun r = fit(ONNX, head, dir.resolve("cache-stored"), "--keep-orientation");
    assertEquals(Main.EXIT_PARTIAL, r.code(), r.toString());
    var classifier = io.github.embeddings4j.core.classify.ImageClassifier.load(head);
    assertFalse(classifier.embedder().extra().containsKey(
        io.github.embeddings4j.core.image.ImageDecoder.ORIENTATION_KEY));
    Path csv = dir.resolve("stored.csv");
    CliRun p = CliRun.of("classify", "predict", "--head", head.toString(), "--input",
        unseen.toString(), "--output", csv.toString());
    assertEquals(Main.EXIT_OK, p.code(), "the embedder rebuilt as the head's\n" + p);
  }

  @Test
  void predictNamesTheImagesThatFailAndFinishesTheRest() throws Exception {
    Path head = dir.resolve("partial.e4j");
    assertEquals(Main.EXIT_PARTIAL, fit(ONNX, head, dir.resolve("cache2")).code());
    Path csv = dir.resolve("partial.csv");
    CliRun p = CliRun.of("classify", "predict", "--head", head.toString(), "--input",
        data.resolve("red").toString(), "--output", csv.toString());
    assertEquals(Main.EXIT_PARTIAL, p.code(), p.toString());
    assertTrue(p.err().contains("failed: ") && p.err().contains("broken.png"), p.toString());
    List<String> lines = Files.readAllLines(csv);
    assertEquals(7, lines.size(), "header and the 6 good images: " + lines);
    assertTrue(lines.stream().skip(1).allMatch(l -> l.split(",")[1].equals("red")),
        lines.toString());
  }

  @Test
  void balancedClassWeightsAreUsedAndReported() throws Exception {
    CliRun r = fit(ONNX, dir.resolve("balanced.e4j"), dir.resolve("cache-balanced"),
        "--class-weights", "balanced");
    assertEquals(Main.EXIT_PARTIAL, r.code(), r.toString());
    String json = r.out().strip();
    assertTrue(json.contains("\"class_weights\": \"balanced\""), json);
    double score = number(json, "validation_accuracy");
    assertTrue(score >= 0 && score <= 1, json);
    CliRun text = CliRun.of("classify", "fit", "--data", data.toString(), "--embedder",
        ONNX.toString(), "--preprocess", "imagenet", "--output",
        dir.resolve("balanced2.e4j").toString(), "--cache", dir.resolve("cache-balanced")
        .toString(), "--class-weights", "balanced", "--lr", "0.01");
    assertTrue(text.out().startsWith("validation balanced accuracy "), text.out());
    assertTrue(text.out().contains(" balanced\n"), text.out());
  }

  @Test
  void aGridSearchPrintsItsTrialsAndKeepsTheBest() {
    Path head = dir.resolve("searched.e4j");
    CliRun r = fit(ONNX, head, dir.resolve("cache3"), "--search", "grid", "--lr",
        "0.00001,0.01", "--optimizer", "adam,sgd", "--epochs", "30");
    assertEquals(Main.EXIT_PARTIAL, r.code(), r.toString());
    String json = r.out().strip();
    assertEquals(4, json.split("\"optimizer\"").length - 2, "4 trials and the best: " + json);
    assertTrue(json.contains("\"trials\": [{"), json);
    double best = number(json, "validation_accuracy");
    Matcher m = Pattern.compile("\"validation_accuracy\": ([0-9.]+)").matcher(json);
    m.find(); // the best, first
    while (m.find()) {
      assertTrue(Double.parseDouble(m.group(1)) <= best, json);
    }
    CliRun table = fit(ONNX, dir.resolve("searched2.e4j"), dir.resolve("cache3"), "--search",
        "random", "--trials", "2", "--lr", "0.001,0.01,0.1");
    assertEquals(Main.EXIT_PARTIAL, table.code(), table.toString());
    assertEquals(2, table.out().split("\"optimizer\"").length - 2, table.toString());
    assertTrue(table.out().contains("\"cache\": \"hit\""), "every trial on the cached vectors");
  }

  @Test
  void aModelFileThatChangedIsRefusedByPredict() throws Exception {
    Path model = Files.copy(ONNX, dir.resolve("copy.onnx"));
    Path head = dir.resolve("copy.e4j");
    assertEquals(Main.EXIT_PARTIAL, fit(model, head, dir.resolve("cache4")).code());
    Files.write(model, new byte[] {0}, java.nio.file.StandardOpenOption.APPEND);
    CliRun p = CliRun.of("classify", "predict", "--head", head.toString(), "--input",
        unseen.toString(), "--output", dir.resolve("x.csv").toString());
    assertEquals(Main.EXIT_INPUT, p.code(), p.toString());
    assertTrue(p.err().contains(model.toAbsolutePath().toString()), p.toString());
    assertTrue(p.err().contains("changed since the head was trained"), p.toString());
    assertFalse(Files.exists(dir.resolve("x.csv")));
    Path moved = Files.copy(ONNX, dir.resolve("moved.onnx"));
    CliRun elsewhere = CliRun.of("classify", "predict", "--head", head.toString(), "--input",
        unseen.toString(), "--output", dir.resolve("x.csv").toString(), "--embedder-file",
        moved.toString(), "-q");
    assertEquals(Main.EXIT_OK, elsewhere.code(), "the original bytes at another path\n"
        + elsewhere);
    assertEquals(4, Files.readAllLines(dir.resolve("x.csv")).size());
  }

  @Test
  void aCacheThatCannotBeWrittenIsAWarningNotAFailure() throws Exception {
    Path file = Files.writeString(dir.resolve("plain-file"), "x");
    Path head = dir.resolve("nocache.e4j");
    CliRun r = fit(ONNX, head, file.resolve("cache"));
    assertEquals(Main.EXIT_PARTIAL, r.code(), "only the damaged image\n" + r);
    assertTrue(r.err().contains("warning: the embedding cache could not be written"),
        r.toString());
    assertTrue(r.out().contains("\"cache\": \"off\""), r.toString());
    assertTrue(Files.exists(head));
  }

  @Test
  void aDamagedHeadFileIsRefusedWithItsName() throws Exception {
    Path head = dir.resolve("damaged.e4j");
    Files.write(head, "E4J1HEAD not really".getBytes());
    CliRun p = CliRun.of("classify", "predict", "--head", head.toString(), "--input",
        unseen.toString(), "--output", dir.resolve("y.csv").toString());
    assertEquals(Main.EXIT_INPUT, p.code(), p.toString());
    assertTrue(p.err().contains(head.toString()), p.toString());
  }

  @Test
  void classFoldersWithOneImageOrNoneAreHandledClearly() throws Exception {
    Path root = dir.resolve("edge");
    Random r = new Random(4);
    for (int c = 0; c < 3; c++) {
      Path folder = Files.createDirectories(root.resolve(NAMES[c]));
      for (int i = 0; i < (c == 0 ? 1 : 5); i++) {
        ImageIO.write(square(COLOURS[2 - c], r), "png", folder.resolve(i + ".png").toFile());
      }
    }
    CliRun one = CliRun.of("classify", "fit", "--data", root.toString(), "--embedder",
        ONNX.toString(), "--output", dir.resolve("edge.e4j").toString(), "--no-cache");
    assertEquals(Main.EXIT_OK, one.code(), one.toString());
    assertTrue(one.err().contains("warning: class 'blue' has 1 image(s): all kept for"
        + " training, so it cannot be validated"), one.toString());
    Files.createDirectories(root.resolve("empty"));
    CliRun empty = CliRun.of("classify", "fit", "--data", root.toString(), "--embedder",
        ONNX.toString(), "--output", dir.resolve("edge2.e4j").toString(), "--no-cache");
    assertEquals(Main.EXIT_INPUT, empty.code(), empty.toString());
    assertTrue(empty.err().contains(root.resolve("empty") + ": class folder holds no images"),
        empty.toString());
    assertTrue(empty.err().contains("remove that folder"), empty.toString());
  }

  @Test
  void aZooModelIsRebuiltFromTheHeadFile() throws Exception {
    Path head = dir.resolve("lenet.e4j");
    CliRun r = CliRun.of("classify", "fit", "--data", data.toString(), "--embedder", "lenet",
        "--weights", "random", "--head", "mlp", "--hidden", "32", "--output", head.toString(),
        "--no-cache", "-q");
    assertEquals(Main.EXIT_PARTIAL, r.code(), r.toString());
    assertTrue(r.out().contains("validation accuracy"), r.toString());
    Path csv = dir.resolve("lenet.csv");
    CliRun p = CliRun.of("classify", "predict", "--head", head.toString(), "--input",
        unseen.resolve("green/new.png").toString(), "--output", csv.toString(), "-q");
    assertEquals(Main.EXIT_OK, p.code(), p.toString());
    List<String> lines = Files.readAllLines(csv);
    assertEquals(2, lines.size(), lines.toString());
    assertTrue(lines.get(1).startsWith(unseen.resolve("green/new.png") + ","), lines.toString());
  }

  @Test
  void aModelSavedByTrainIsAnEmbedderToo() throws Exception {
    Path idx = Files.createDirectories(dir.resolve("idx"));
    TestDatasets.writeSeparableIdx(idx, 100, 10);
    Path model = dir.resolve("cnn.zip");
    CliRun train = CliRun.of("train", "--data", idx.toString(), "--output", model.toString(),
        "--epochs", "1", "--batch", "32", "--dimension", "8", "-q");
    assertEquals(Main.EXIT_OK, train.code(), train.toString());
    Path head = dir.resolve("cnn.e4j");
    CliRun r = CliRun.of("classify", "fit", "--data", data.toString(), "--embedder",
        model.toString(), "--output", head.toString(), "--no-cache", "--json", "-q");
    assertEquals(Main.EXIT_PARTIAL, r.code(), r.toString());
    assertEquals(8, number(r.out(), "dimension"));
    Path csv = dir.resolve("cnn.csv");
    CliRun p = CliRun.of("classify", "predict", "--head", head.toString(), "--input",
        unseen.toString(), "--output", csv.toString(), "-q");
    assertEquals(Main.EXIT_OK, p.code(), p.toString());
    assertEquals(4, Files.readAllLines(csv).size());
    CliRun wrong = CliRun.of("classify", "fit", "--data", data.toString(), "--embedder",
        model.toString(), "--weights", "random", "--output", head.toString(), "--no-cache");
    assertEquals(Main.EXIT_USAGE, wrong.code(), wrong.toString());
    assertTrue(wrong.err().contains("--weights does not apply to a model saved by train"),
        wrong.toString());
    Path notTrained = Files.write(dir.resolve("weights.zip"), new byte[] {1, 2});
    CliRun zoo = CliRun.of("classify", "fit", "--data", data.toString(), "--embedder",
        notTrained.toString(), "--output", head.toString(), "--no-cache");
    assertEquals(Main.EXIT_INPUT, zoo.code(), zoo.toString());
    assertTrue(zoo.err().contains("--embedder MODEL --weights " + notTrained), zoo.toString());
  }

  @Test
  void badHyperparametersAreUsageErrors() {
    String[][] cases = {
        {"--lr", "0.1,0.2"}, {"--head", "tree"}, {"--optimizer", "lbfgs"},
        {"--hidden", "8"}, {"--search", "grid", "--trials", "3"}, {"--validation", "1"},
        {"--search", "random", "--trials", "0"}, {"--class-weights", "equal"}};
    String[] messages = {"--search grid or --search random", "--head must be linear or mlp",
        "unknown optimizer 'lbfgs'", "--hidden is for --head mlp", "--trials is for --search"
        + " random", "validation share must be in [0, 1)", "trials must be >= 1",
        "--class-weights: unknown class weights 'equal'; valid: none, balanced"};
    for (int i = 0; i < cases.length; i++) {
      List<String> args = new java.util.ArrayList<>(List.of("classify", "fit", "--data",
          data.toString(), "--embedder", ONNX.toString(), "--output",
          dir.resolve("never.e4j").toString(), "--no-cache"));
      args.addAll(List.of(cases[i]));
      CliRun r = CliRun.of(args.toArray(new String[0]));
      assertEquals(Main.EXIT_USAGE, r.code(), r.toString());
      assertTrue(r.err().contains(messages[i]), messages[i] + "\n" + r);
    }
    assertFalse(Files.exists(dir.resolve("never.e4j")));
  }
}
