package io.github.embeddings4j.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SdkFileTest {

  @TempDir Path dir;

  record Payload(String name, float[] floats, long[] longs) {}

  static final float[] FLOATS = new float[100_003];
  static final long[] LONGS = new long[9_999];

  static {
    Random r = new Random(11);
    for (int i = 0; i < FLOATS.length; i++) {
      FLOATS[i] = (float) r.nextGaussian();
    }
    for (int i = 0; i < LONGS.length; i++) {
      LONGS[i] = r.nextLong();
    }
  }

  static void writeSample(Path p) throws IOException {
    SdkFile.write(p, "TEST", 1, out -> {
      out.writeString("héllo");
      out.writeInt(FLOATS.length);
      out.writeFloats(FLOATS, 0, FLOATS.length);
      out.writeInt(LONGS.length);
      out.writeLongs(LONGS, 0, LONGS.length);
    });
  }

  static Payload readSample(Path p) throws IOException {
    return SdkFile.read(p, "TEST", 1, (in, version) -> {
      String name = in.readString();
      int nf = in.readInt();
      in.require(nf, 4, "floats");
      float[] f = new float[nf];
      in.readFloats(f, 0, nf);
      int nl = in.readInt();
      in.require(nl, 8, "longs");
      long[] l = new long[nl];
      in.readLongs(l, 0, nl);
      return new Payload(name, f, l);
    });
  }

  @Test
  void roundTrips() throws IOException {
    Path p = dir.resolve("a.bin");
    writeSample(p);
    Payload back = readSample(p);
    assertEquals("héllo", back.name());
    assertArrayEquals(FLOATS, back.floats());
    assertArrayEquals(LONGS, back.longs());
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(p), files.toList(), "no temporary file left behind");
    }
  }

  @Test
  void everyTruncationIsRefusedNamingTheFile() throws IOException {
    Path p = dir.resolve("b.bin");
    writeSample(p);
    byte[] full = Files.readAllBytes(p);
    for (int len : new int[] {0, 3, 19, 20, 23, 100, full.length / 2, full.length - 1}) {
      Path cut = dir.resolve("cut" + len);
      Files.write(cut, Arrays.copyOf(full, len));
      DamagedFileException e = assertThrows(DamagedFileException.class, () -> readSample(cut));
      assertTrue(e.getMessage().startsWith(cut.toString()), e.getMessage());
    }
  }

  @Test
  void anyFlippedByteIsRefused() throws IOException {
    Path p = dir.resolve("c.bin");
    writeSample(p);
    byte[] full = Files.readAllBytes(p);
    Random r = new Random(5);
    for (int trial = 0; trial < 40; trial++) {
      byte[] bad = full.clone();
      int at = trial < 24 ? trial : r.nextInt(bad.length);
      bad[at] ^= (byte) (1 + r.nextInt(255));
      Path q = dir.resolve("flip" + trial);
      Files.write(q, bad);
      assertThrows(DamagedFileException.class, () -> readSample(q), "flip at " + at);
    }
  }

  @Test
  void wrongKindAndNewerVersionAreRefused() throws IOException {
    Path p = dir.resolve("d.bin");
    SdkFile.write(p, "TEST", 3, out -> out.writeInt(1));
    assertTrue(assertThrows(DamagedFileException.class,
        () -> SdkFile.read(p, "PCA_", 3, (in, v) -> in.readInt())).getMessage()
        .contains("'TEST' file, not 'PCA_'"));
    assertTrue(assertThrows(DamagedFileException.class,
        () -> SdkFile.read(p, "TEST", 2, (in, v) -> in.readInt())).getMessage()
        .contains("format version 3"));
    assertEquals(Integer.valueOf(1), SdkFile.<Integer>read(p, "TEST", 3, (in, v) -> in.readInt()));
  }

  @Test
  void lyingCountsCannotAllocateMoreThanTheFileHolds() throws IOException {
    Path p = dir.resolve("e.bin");
    SdkFile.write(p, "TEST", 1, out -> out.writeInt(Integer.MAX_VALUE));
    DamagedFileException e = assertThrows(DamagedFileException.class,
        () -> SdkFile.read(p, "TEST", 1, (in, v) -> {
          int n = in.readInt();
          in.require(n, 4, "floats");
          return new float[n];
        }));
    assertTrue(e.getMessage().contains("declares 2147483647 floats"), e.getMessage());
  }

  @Test
  void failedWriteLeavesThePreviousFileIntact() throws IOException {
    Path p = dir.resolve("f.bin");
    writeSample(p);
    byte[] before = Files.readAllBytes(p);
    assertThrows(IOException.class, () -> SdkFile.write(p, "TEST", 1, out -> {
      out.writeFloats(FLOATS, 0, FLOATS.length);
      throw new IOException("simulated crash midway");
    }));
    assertArrayEquals(before, Files.readAllBytes(p));
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(p), files.toList(), "the temporary file is removed");
    }
  }

  @Test
  void finishedFilesAreAsReadableAsAnyNewFile() throws IOException {
    Path plain = dir.resolve("plain.txt");
    Files.writeString(plain, "x");
    Path p = dir.resolve("perm.bin");
    writeSample(p);
    if (p.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(p),
          "not the owner-only permissions of Files.createTempFile");
    }
  }

  @Test
  void unreadTrailingBytesAreReported() throws IOException {
    Path p = dir.resolve("g.bin");
    SdkFile.write(p, "TEST", 1, out -> {
      out.writeInt(1);
      out.writeInt(2);
    });
    assertTrue(assertThrows(DamagedFileException.class,
        () -> SdkFile.read(p, "TEST", 1, (in, v) -> in.readInt())).getMessage()
        .contains("4 unexpected bytes"));
  }
}
