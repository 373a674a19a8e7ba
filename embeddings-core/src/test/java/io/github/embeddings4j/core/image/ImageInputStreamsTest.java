package io.github.embeddings4j.core.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The decoder's two streams (a file through a buffer, bytes in place) answer every sequence of
 * reads, seeks and marks as ImageIO's own memory-cached stream does over the same bytes.
 */
class ImageInputStreamsTest {

  @TempDir
  Path dir;

  /** Random operations on both streams, results compared one by one. */
  private static void replay(ImageInputStream expected, ImageInputStream actual, int size,
      long seed) throws IOException {
    SplittableRandom rnd = new SplittableRandom(seed);
    for (int step = 0; step < 3000; step++) {
      int op = rnd.nextInt(9);
      String what = "step " + step + " op " + op + " at " + expected.getStreamPosition();
      switch (op) {
        case 0, 1 -> assertEquals(expected.read(), actual.read(), what);
        case 2 -> {
          // Lengths from none to more than the file buffer.
          int len = rnd.nextInt(4) == 0 ? rnd.nextInt(3 * ChannelImageInputStream.BUFFER)
              : rnd.nextInt(64);
          byte[] a = new byte[len + 3];
          byte[] b = new byte[len + 3];
          int n = expected.read(a, 3, len);
          int m = actual.read(b, 3, len);
          // A read may return fewer bytes; compare what both have, then line them up again.
          int common = Math.min(Math.max(n, 0), Math.max(m, 0));
          for (int i = 0; i < common; i++) {
            assertEquals(a[3 + i], b[3 + i], what + " byte " + i);
          }
          assertEquals(n < 0, m < 0, what + ": end of stream");
          if (n >= 0) {
            long pos = Math.min(expected.getStreamPosition(), actual.getStreamPosition());
            expected.seek(pos);
            actual.seek(pos);
          }
        }
        case 3 -> {
          long pos = rnd.nextInt(size + 10);
          expected.seek(pos);
          actual.seek(pos);
        }
        case 4 -> {
          if (expected.getStreamPosition() + 4 <= size) {
            assertEquals(expected.readInt(), actual.readInt(), what);
          }
        }
        case 5 -> {
          int bits = 1 + rnd.nextInt(20);
          if (expected.getStreamPosition() + 4 <= size) {
            assertEquals(expected.readBits(bits), actual.readBits(bits), what);
          }
        }
        case 6 -> {
          expected.mark();
          actual.mark();
          int skip = rnd.nextInt(100);
          assertEquals(expected.skipBytes(skip), actual.skipBytes(skip), what);
          expected.reset();
          actual.reset();
        }
        // ImageIO's stream over an InputStream does not know its length (-1); ours do.
        case 7 -> assertEquals(size, actual.length(), what);
        default -> {
          int len = rnd.nextInt(200);
          if (expected.getStreamPosition() + len <= size) {
            byte[] a = new byte[len];
            byte[] b = new byte[len];
            expected.readFully(a);
            actual.readFully(b);
            assertArrayEquals(a, b, what);
          }
        }
      }
      assertEquals(expected.getStreamPosition(), actual.getStreamPosition(), what);
    }
  }

  private static byte[] data(int size, long seed) {
    byte[] d = new byte[size];
    new SplittableRandom(seed).nextBytes(d);
    return d;
  }

  @Test
  void fileStreamReadsAsImageIoDoes() throws IOException {
    for (int size : new int[] {0, 1, 100, ChannelImageInputStream.BUFFER,
        ChannelImageInputStream.BUFFER + 1, 5 * ChannelImageInputStream.BUFFER + 17}) {
      byte[] d = data(size, size);
      Path file = dir.resolve("f" + size);
      Files.write(file, d);
      try (ImageInputStream expected = new MemoryCacheImageInputStream(
              new ByteArrayInputStream(d));
          ImageInputStream actual = new ChannelImageInputStream(
              FileChannel.open(file, StandardOpenOption.READ))) {
        replay(expected, actual, size, 31 + size);
      }
    }
  }

  @Test
  void byteStreamReadsAsImageIoDoes() throws IOException {
    for (int size : new int[] {0, 1, 100, 70_000, 300_001}) {
      byte[] d = data(size, size);
      try (ImageInputStream expected = new MemoryCacheImageInputStream(
              new ByteArrayInputStream(d));
          ImageInputStream actual = new ByteArrayImageInputStream(d)) {
        replay(expected, actual, size, 7 + size);
      }
    }
  }

  @Test
  void closedStreamsRefuseReads() throws IOException {
    Path file = dir.resolve("c");
    Files.write(file, data(10, 1));
    ImageInputStream a = new ChannelImageInputStream(FileChannel.open(file,
        StandardOpenOption.READ));
    ImageInputStream b = new ByteArrayImageInputStream(data(10, 1));
    a.close();
    b.close();
    assertThrows(IOException.class, a::read);
    assertThrows(IOException.class, b::read);
  }
}
