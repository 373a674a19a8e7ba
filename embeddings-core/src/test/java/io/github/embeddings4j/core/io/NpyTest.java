package io.github.embeddings4j.core.io;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code .npy} against the format as documented by NumPy ({@code numpy.lib.format}) and against
 * files NumPy itself wrote (test resources, see {@code npy/README.txt}).
 */
class NpyTest {

  @TempDir
  Path dir;

  /** (np.arange(6).reshape(2, 3) - 2.5) / 4, as in the golden files. */
  private static final float[][] A = {{-0.625f, -0.375f, -0.125f}, {0.125f, 0.375f, 0.625f}};

  /**
   * The bytes NumPy's format 1.0 prescribes for a float32 2x3 matrix: magic, version 1.0, the
   * header length (little-endian short), the dict padded with spaces and a newline so that the
   * data starts at byte 128, then the values, little-endian.
   */
  private static byte[] handBuiltNumpyBytes() {
    String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    int headerLength = 128 - 10;
    String header = dict + " ".repeat(headerLength - dict.length() - 1) + "\n";
    ByteBuffer b = ByteBuffer.allocate(128 + 24).order(ByteOrder.LITTLE_ENDIAN);
    b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII));
    b.put((byte) 1).put((byte) 0).putShort((short) headerLength);
    b.put(header.getBytes(StandardCharsets.US_ASCII));
    for (float[] row : A) {
      for (float v : row) {
        b.putFloat(v);
      }
    }
    return b.array();
  }

  private static Path resource(String name) throws IOException {
    try (InputStream in = NpyTest.class.getResourceAsStream("/npy/" + name)) {
      Path p = Files.createTempFile("npy", name);
      Files.write(p, in.readAllBytes());
      p.toFile().deleteOnExit();
      return p;
    }
  }

  @Test
  void readsTheHandBuiltBytes() throws IOException {
    Path f = dir.resolve("hand.npy");
    Files.write(f, handBuiltNumpyBytes());
    assertArrayEquals(A, Npy.read(f));
  }

  /**
   * Our bytes are NumPy's, except that the data's CRC-32C rides as a comment after the header
   * dict, inside the padding: same preamble, same header length, same data, and the header text
   * equal once the comment is taken out.
   */
  static void assertNumpysBytesPlusChecksum(byte[] numpy, byte[] ours) {
    assertEquals(numpy.length, ours.length);
    assertArrayEquals(Arrays.copyOf(numpy, 10), Arrays.copyOf(ours, 10), "preamble");
    int headerEnd = numpy.length - dataLength(numpy);
    assertArrayEquals(Arrays.copyOfRange(numpy, headerEnd, numpy.length),
        Arrays.copyOfRange(ours, headerEnd, ours.length), "data");
    String theirs = new String(numpy, 10, headerEnd - 10, StandardCharsets.US_ASCII);
    String mine = new String(ours, 10, headerEnd - 10, StandardCharsets.US_ASCII);
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(ours, headerEnd, ours.length - headerEnd);
    String comment = String.format(java.util.Locale.ROOT, " # crc32c=%08x", crc.getValue());
    assertTrue(mine.contains("} " + comment.strip()), mine);
    assertEquals(theirs.strip(), mine.replace(comment, "").strip());
  }

  /** The data bytes of a little-endian float32 file: 4 per value of its shape. */
  private static int dataLength(byte[] npy) {
    String h = new String(npy, 10, npy.length - 10, StandardCharsets.US_ASCII);
    String shape = h.substring(h.indexOf("'shape': (") + 10, h.indexOf(')'));
    int n = 1;
    for (String d : shape.split(",")) {
      if (!d.isBlank()) {
        n *= Integer.parseInt(d.strip());
      }
    }
    return 4 * n;
  }

  @Test
  void writesWhatNumpyWritesWithTheDataChecksumInTheHeaderPadding() throws IOException {
    Path f = dir.resolve("ours.npy");
    Npy.write(f, A);
    assertNumpysBytesPlusChecksum(handBuiltNumpyBytes(), Files.readAllBytes(f));
    assertNumpysBytesPlusChecksum(Files.readAllBytes(resource("f4_2x3.npy")),
        Files.readAllBytes(f));
  }

  @Test
  void anAlteredValueIsRefusedAndAFileWithoutChecksumIsNot() throws IOException {
    Path f = dir.resolve("altered.npy");
    Npy.write(f, A);
    byte[] b = Files.readAllBytes(f);
    b[b.length - 5] ^= 0x10; // one bit of one value: still a float, still the right size
    Files.write(f, b);
    DamagedFileException e = assertThrows(DamagedFileException.class, () -> Npy.read(f));
    assertTrue(e.getMessage().startsWith(f.toString()) && e.getMessage().contains("checksum"),
        e.getMessage());
    // NumPy's own files carry no checksum: read as before (readsNumpysFiles), unaltered.
    assertArrayEquals(A, Npy.read(resource("f4_2x3.npy")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"f4_2x3.npy", "v2_2x3.npy", "f8_2x3.npy", "bigendian_2x3.npy"})
  void readsNumpysFiles(String name) throws IOException {
    assertArrayEquals(A, Npy.read(resource(name)));
  }

  @Test
  void readsAndWritesVectors() throws IOException {
    float[] expected = {1, -2, 3.5f, 0, 1e-3f};
    assertArrayEquals(expected, Npy.readVector(resource("vector_5.npy")));
    Path f = dir.resolve("v.npy");
    Npy.write(f, expected);
    assertNumpysBytesPlusChecksum(Files.readAllBytes(resource("vector_5.npy")),
        Files.readAllBytes(f));
    assertArrayEquals(expected, Npy.readVector(f));
  }

  @Test
  void roundTripsALargerMatrix() throws IOException {
    SplittableRandom rnd = new SplittableRandom(61);
    float[][] m = new float[300][777];
    for (float[] row : m) {
      for (int i = 0; i < row.length; i++) {
        row[i] = (float) rnd.nextGaussian();
      }
    }
    m[5][5] = Float.NaN;
    m[6][6] = Float.NEGATIVE_INFINITY;
    Path f = dir.resolve("m.npy");
    Npy.write(f, m);
    assertEquals(0, Files.size(f) % 4);
    assertArrayEquals(m, Npy.read(f));
    assertArrayEquals(new float[0][0], roundTrip(new float[0][]));
  }

  private float[][] roundTrip(float[][] m) throws IOException {
    Path f = dir.resolve("e.npy");
    Npy.write(f, m);
    return Npy.read(f);
  }

  @Test
  void refusesFortranOrderAndOtherTypesSayingWhy() throws IOException {
    Path fortran = resource("fortran_2x3.npy");
    IllegalArgumentException f = assertThrows(IllegalArgumentException.class,
        () -> Npy.read(fortran));
    assertTrue(f.getMessage().contains("Fortran-ordered"), f.getMessage());
    IllegalArgumentException t = assertThrows(IllegalArgumentException.class,
        () -> Npy.read(resource("int_2x3.npy")));
    assertTrue(t.getMessage().contains("dtype '<i4' is not supported"), t.getMessage());
  }

  @Test
  void refusesDamagedFilesNamingThem() throws IOException {
    byte[] good = handBuiltNumpyBytes();
    Path truncated = dir.resolve("t.npy");
    Files.write(truncated, java.util.Arrays.copyOf(good, good.length - 3));
    DamagedFileException t = assertThrows(DamagedFileException.class, () -> Npy.read(truncated));
    assertTrue(t.getMessage().startsWith(truncated + ": truncated"), t.getMessage());

    Path shortHeader = dir.resolve("h.npy");
    Files.write(shortHeader, java.util.Arrays.copyOf(good, 40));
    DamagedFileException h = assertThrows(DamagedFileException.class,
        () -> Npy.read(shortHeader));
    assertTrue(h.getMessage().contains("ends inside the header"), h.getMessage());

    Path notNpy = dir.resolve("n.npy");
    Files.write(notNpy, "hello, world".getBytes(StandardCharsets.US_ASCII));
    DamagedFileException n = assertThrows(DamagedFileException.class, () -> Npy.read(notNpy));
    assertTrue(n.getMessage().contains("not a .npy file"), n.getMessage());

    Path extended = dir.resolve("x.npy");
    ByteArrayOutputStream more = new ByteArrayOutputStream();
    more.write(good);
    more.write(new byte[4]);
    Files.write(extended, more.toByteArray());
    DamagedFileException x = assertThrows(DamagedFileException.class, () -> Npy.read(extended));
    assertTrue(x.getMessage().contains("extended"), x.getMessage());
  }

  @Test
  void idsGoBesideTheMatrix() throws IOException {
    Path m = dir.resolve("vectors.npy");
    assertEquals(dir.resolve("vectors.ids.txt"), Npy.idsFile(m));
    List<String> ids = List.of("a.jpg", "b c.png", "ü.jpg");
    Npy.writeIds(Npy.idsFile(m), ids);
    assertEquals(ids, Npy.readIds(Npy.idsFile(m), 3));
    DamagedFileException e = assertThrows(DamagedFileException.class,
        () -> Npy.readIds(Npy.idsFile(m), 4));
    assertTrue(e.getMessage().endsWith("holds 3 ids for 4 rows"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> Npy.writeIds(dir.resolve("bad.txt"), List.of("a\nb")));
  }
}
