package io.github.embeddings4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoCommandTest {

  @TempDir Path dir;

  private void writeSeparableDataset(int trainCount, int testCount) throws IOException {
    TestDatasets.writeSeparableIdx(dir, trainCount, testCount);
  }

  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void classifiesASeparableDatasetPerfectly() throws IOException {
    writeSeparableDataset(50, 20);
    Run r = run("demo", "--data", dir.toString(), "--k", "3", "--metric", "euclidean");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("| 1.0000 | 20 |"), r.out());
    assertTrue(r.out().contains("0.8600"), "published benchmark shown beside ours: " + r.out());
    assertTrue(r.err().contains("50 training and 20 test images"), r.err());
  }

  @Test
  void missingDataIsAnInputErrorThatSaysHowToGetIt() {
    Run r = run("demo", "--data", dir.resolve("absent").toString());
    assertEquals(Main.EXIT_INPUT, r.code());
    assertTrue(r.err().contains("apt-get install dataset-fashion-mnist"), r.err());
    assertTrue(r.err().lines().count() <= 2, "one clear line, no stack trace: " + r.err());
  }

  @Test
  void badOptionsAreUsageErrors() throws IOException {
    writeSeparableDataset(10, 10);
    assertEquals(Main.EXIT_USAGE, run("demo", "--data", dir.toString(), "--metric", "nope").code());
    assertEquals(Main.EXIT_USAGE, run("demo", "--k", "0").code());
    assertEquals(Main.EXIT_USAGE, run("no-such-command").code());
  }
}
