package io.github.embeddings4j.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxFileTest {

  @TempDir Path dir;

  static byte[] idx(int[] shape, byte[] values) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeInt(0x0800 | shape.length);
    for (int d : shape) {
      out.writeInt(d);
    }
    out.write(values);
    return bytes.toByteArray();
  }

  static void write(Path file, byte[] content, boolean gzip) throws IOException {
    try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(file))
        : Files.newOutputStream(file)) {
      out.write(content);
    }
  }

  @Test
  void readsPlainAndGzipIdentically() throws IOException {
    byte[] values = new byte[3 * 4 * 5];
    new Random(7).nextBytes(values);
    byte[] file = idx(new int[] {3, 4, 5}, values);
    write(dir.resolve("a"), file, false);
    write(dir.resolve("a.gz"), file, true);

    IdxFile plain = IdxFile.read(dir.resolve("a"));
    IdxFile gz = IdxFile.read(dir.resolve("a.gz"));
    assertArrayEquals(new int[] {3, 4, 5}, plain.shape());
    assertArrayEquals(values, plain.bytes());
    assertArrayEquals(values, gz.bytes());
    assertEquals(values[17] & 0xff, plain.get(17));
  }

  @Test
  void refusesTruncatedDataNamingTheFile() throws IOException {
    byte[] file = idx(new int[] {10, 28, 28}, new byte[10 * 28 * 28]);
    Path p = dir.resolve("short.idx");
    write(p, Arrays.copyOf(file, file.length - 5), false);
    IOException e = assertThrows(IOException.class, () -> IdxFile.read(p));
    assertTrue(e.getMessage().contains("short.idx"), e.getMessage());
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());
  }

  @Test
  void refusesWrongMagicAndType() throws IOException {
    Path text = dir.resolve("text.idx");
    Files.writeString(text, "hello, world");
    assertTrue(assertThrows(IOException.class, () -> IdxFile.read(text)).getMessage()
        .contains("not an IDX file"));

    Path floats = dir.resolve("floats.idx");
    write(floats, new byte[] {0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0}, false);
    assertTrue(assertThrows(IOException.class, () -> IdxFile.read(floats)).getMessage()
        .contains("0xd is not supported"));
  }

  @Test
  void hugeDeclaredShapeFailsWithoutAllocatingIt() throws IOException {
    Path p = dir.resolve("liar.idx");
    // Declares 2,000,000,000 bytes but holds 3.
    write(p, new byte[] {0, 0, 8, 1, 0x77, 0x35, (byte) 0x94, 0, 1, 2, 3}, false);
    IOException e = assertThrows(IOException.class, () -> IdxFile.read(p));
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());
  }

  @Test
  void labeledImagesPairImagesWithLabels() throws IOException {
    byte[] pixels = new byte[2 * 2 * 3];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (byte) (i * 20);
    }
    write(dir.resolve("img"), idx(new int[] {2, 2, 3}, pixels), false);
    write(dir.resolve("lab"), idx(new int[] {2}, new byte[] {4, 9}), false);
    LabeledImages data = LabeledImages.of(IdxFile.read(dir.resolve("img")),
        IdxFile.read(dir.resolve("lab")));
    assertEquals(2, data.size());
    assertEquals(6, data.pixelCount());
    assertArrayEquals(new int[] {4, 9}, data.labels());
    assertEquals(10, data.classCount());
    assertArrayEquals(new float[] {120, 140, 160, 180, 200, 220}, data.vector(1));
    assertEquals(200, data.pixel(1, 1, 1));
    assertEquals(1, data.head(1).size());

    IdxFile wrongLabels = IdxFile.read(writeReturning(dir.resolve("lab3"),
        idx(new int[] {3}, new byte[3])));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> LabeledImages.of(IdxFile.read(dir.resolve("img")), wrongLabels));
    assertTrue(e.getMessage().contains("[2, 2, 3]") && e.getMessage().contains("[3]"),
        e.getMessage());
  }

  private static Path writeReturning(Path p, byte[] content) throws IOException {
    write(p, content, false);
    return p;
  }

  @Test
  void missingFashionMnistSaysHowToGetIt() {
    NoSuchFileException e = assertThrows(NoSuchFileException.class,
        () -> FashionMnist.load(dir.resolve("nowhere")));
    assertTrue(e.getMessage().contains("apt-get install dataset-fashion-mnist"), e.getMessage());
  }
}
