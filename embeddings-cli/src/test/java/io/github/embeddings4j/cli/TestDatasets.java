package io.github.embeddings4j.cli;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/** Small labelled datasets written by the tests themselves. */
final class TestDatasets {

  private TestDatasets() {}

  /**
   * Writes IDX files in Fashion-MNIST layout whose classes are separable: class c images are
   * bright in row c, so nearest-neighbour classification is perfect.
   */
  static void writeSeparableIdx(Path dir, int trainCount, int testCount) throws IOException {
    Random random = new Random(3);
    writeSet(dir, "train", trainCount, random);
    writeSet(dir, "t10k", testCount, random);
  }

  private static void writeSet(Path dir, String prefix, int n, Random random) throws IOException {
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
    Files.createDirectories(p.getParent());
    try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(p)))) {
      out.writeInt(magic);
      for (int d : shape) {
        out.writeInt(d);
      }
      out.write(values);
    }
  }
}
