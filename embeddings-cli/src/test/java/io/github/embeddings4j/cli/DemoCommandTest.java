package io.github.embeddings4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoCommandTest {

  @TempDir Path dir;

  /**
   * Writes a tiny dataset in Fashion-MNIST layout whose classes are separable: class c images are
   * bright in row c, so 1-NN must classify every test image correctly.
   */
  private void writeSeparableDataset(int trainCount, int testCount) throws IOException {
    Random random = new Random(3);
    writeSet("train", trainCount, random);
    writeSet("t10k", testCount, random);
  }

  private void writeSet(String prefix, int n, Random random) throws IOException {
    byte[] pixels = new byte[n * 28 * 28];
    byte[] labels = new byte[n];
    for (int i = 0; i < n; i++) {
      int c = i % 10;
      labels[i] = (byte) c;
      for (int col = 0; col < 28; col++) {
        pixels[i * 784 + c * 28 + col] = (byte) (200 + random.nextInt(50));
      }
    }
    write(dir.resolve(prefix + "-images-idx3-ubyte.gz"), 0x0803, new int[] {n, 28, 28}, pixels);
    write(dir.resolve(prefix + "-labels-idx1-ubyte.gz"), 0x0801, new int[] {n}, labels);
  }

  private static void write(Path p, int magic, int[] shape, byte[] values) throws IOException {
    try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(p)))) {
      out.writeInt(magic);
      for (int d : shape) {
        out.writeInt(d);
      }
      out.write(values);
    }
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
