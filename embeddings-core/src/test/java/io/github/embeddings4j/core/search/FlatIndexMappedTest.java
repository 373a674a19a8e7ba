package io.github.embeddings4j.core.search;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.DistanceMetric;
import io.github.embeddings4j.api.Neighbor;
import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.core.io.DamagedFileException;
import io.github.embeddings4j.core.io.Npy;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.LongPredicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@link FlatIndex} mapped over a {@code .npy} file answers every search as one loaded with
 * the same rows, ids and distances bit for bit, across segment and tile boundaries, and refuses
 * changes and files it cannot read in place.
 */
class FlatIndexMappedTest {

  @TempDir Path dir;

  /** 1,237 rows of 19: random, with a duplicated row (ties), a zero row and a huge one. */
  static float[][] rows() {
    SplittableRandom r = new SplittableRandom(5);
    float[][] x = new float[1_237][19];
    for (float[] v : x) {
      for (int t = 0; t < v.length; t++) {
        v[t] = (float) r.nextGaussian();
      }
    }
    x[10] = x[500].clone();
    x[11] = new float[19];
    for (int t = 0; t < 19; t++) {
      x[12][t] = 1e20f;
    }
    return x;
  }

  /** A metric of the caller's own: the custom route. */
  static final DistanceMetric CHEBYSHEV = new DistanceMetric() {
    @Override
    public double distance(float[] a, float[] b) {
      double m = 0;
      for (int i = 0; i < a.length; i++) {
        m = Math.max(m, Math.abs(a[i] - b[i]));
      }
      return m;
    }

    @Override
    public String metricName() {
      return "chebyshev";
    }

    @Override
    public boolean isMetric() {
      return true;
    }
  };

  @Test
  void everySearchAnswersAsTheLoadedIndex() throws IOException {
    float[][] x = rows();
    Path file = dir.resolve("x.npy");
    Npy.write(file, x);
    SplittableRandom r = new SplittableRandom(9);
    float[][] queries = new float[70][19];
    for (int q = 0; q < queries.length; q++) {
      queries[q] = x[q * 13].clone();
      for (int t = 0; t < 19; t++) {
        queries[q][t] += (float) (r.nextGaussian() * 0.3);
      }
    }
    List<DistanceMetric> metrics = List.of(StandardMetric.EUCLIDEAN,
        StandardMetric.SQUARED_EUCLIDEAN, StandardMetric.COSINE, StandardMetric.DOT_PRODUCT,
        StandardMetric.MANHATTAN, StandardMetric.HAMMING, CHEBYSHEV);
    LongPredicate rare = id -> id % 10 == 3;       // a tenth: the gathered rows
    LongPredicate half = id -> id % 2 == 0;        // half: the full scan, filtered at the heap
    for (DistanceMetric m : metrics) {
      FlatIndex loaded = FlatIndex.builder(19).metric(m).threads(2).build();
      loaded.addAll(0, x);
      // Segments of 1,000 bytes: 13 rows each, so tiles and blocks cross them.
      FlatIndex mapped = FlatIndex.map(file, m, 2, 1_000);
      assertTrue(mapped.isMapped());
      assertEquals(x.length, mapped.size());
      assertEquals(19, mapped.dimension());
      for (int k : new int[] {1, 10, x.length + 3}) {
        String what = m.metricName() + " k=" + k;
        assertEquals(loaded.search(queries[3], k), mapped.search(queries[3], k), what);
        for (int count : new int[] {1, 5, 70}) {
          float[][] qs = java.util.Arrays.copyOf(queries, count);
          assertEquals(loaded.searchAll(qs, k), mapped.searchAll(qs, k), what + " x" + count);
          assertEquals(loaded.searchAll(qs, k, rare), mapped.searchAll(qs, k, rare),
              what + " x" + count + " rare");
          assertEquals(loaded.searchAll(qs, k, half), mapped.searchAll(qs, k, half),
              what + " x" + count + " half");
        }
      }
    }
    FlatIndex mapped = FlatIndex.map(file, StandardMetric.COSINE);
    for (int row : new int[] {0, 12, 13, 1_236}) {
      assertArrayEquals(x[row], mapped.vectorAt(row));
      assertEquals(row, mapped.idAt(row));
    }
    Path saved = dir.resolve("x.fidx");
    mapped.save(saved);
    FlatIndex again = FlatIndex.load(saved);
    assertFalse(again.isMapped());
    assertEquals(mapped.searchAll(queries, 10), again.searchAll(queries, 10));
  }

  @Test
  void theFileIsTheIndexSoChangesAreRefused() throws IOException {
    Path file = dir.resolve("x.npy");
    Npy.write(file, rows());
    FlatIndex mapped = FlatIndex.map(file, StandardMetric.EUCLIDEAN);
    UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
        () -> mapped.add(5_000, new float[19]));
    assertTrue(e.getMessage().contains(file + " in place"), e.getMessage());
    assertThrows(UnsupportedOperationException.class, () -> mapped.remove(3L));
    assertThrows(UnsupportedOperationException.class, () -> mapped.removeIf(id -> true));
    assertEquals(1_237, mapped.size());
    assertEquals(3L, mapped.search(rows()[3], 1).get(0).id());
  }

  /** A .npy file by hand: a header with this type and shape, then these bytes. */
  static void write(Path file, String descr, String shape, byte[] data) throws IOException {
    String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
    int total = 10 + dict.length() + 1;
    String text = dict + " ".repeat((total + 63) / 64 * 64 - total) + "\n";
    ByteBuffer b = ByteBuffer.allocate(10 + text.length() + data.length)
        .order(ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
    b.putShort((short) text.length()).put(text.getBytes(StandardCharsets.US_ASCII)).put(data);
    Files.write(file, b.array());
  }

  @Test
  void filesThatCannotBeReadInPlaceAreRefusedByName() throws IOException {
    Path doubles = dir.resolve("doubles.npy");
    write(doubles, "<f8", "(2, 3)", new byte[48]);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> FlatIndex.map(doubles, StandardMetric.COSINE));
    assertTrue(e.getMessage().startsWith(doubles + ": only float32 little-endian")
        && e.getMessage().contains("astype('<f4')"), e.getMessage());
    Path big = dir.resolve("big-endian.npy");
    write(big, ">f4", "(2, 3)", new byte[24]);
    assertThrows(IllegalArgumentException.class, () -> FlatIndex.map(big, StandardMetric.COSINE));
    Path cube = dir.resolve("cube.npy");
    write(cube, "<f4", "(2, 3, 4)", new byte[96]);
    assertThrows(IllegalArgumentException.class, () -> FlatIndex.map(cube, StandardMetric.COSINE));
    Path shortFile = dir.resolve("short.npy");
    write(shortFile, "<f4", "(2, 3)", new byte[20]);
    assertThrows(DamagedFileException.class, () -> FlatIndex.map(shortFile,
        StandardMetric.COSINE));

    Path altered = dir.resolve("altered.npy");
    Npy.write(altered, rows());
    try (RandomAccessFile f = new RandomAccessFile(altered.toFile(), "rw")) {
      f.seek(f.length() - 5);
      f.write(0x42);
    }
    DamagedFileException d = assertThrows(DamagedFileException.class,
        () -> FlatIndex.map(altered, StandardMetric.COSINE));
    assertTrue(d.getMessage().contains("checksum"), d.getMessage());
    Path empty = dir.resolve("empty.npy");
    write(empty, "<f4", "(0, 4)", new byte[0]);
    FlatIndex none = FlatIndex.map(empty, StandardMetric.COSINE);
    assertEquals(0, none.size());
    assertEquals(List.<Neighbor>of(), none.search(new float[4], 3));
  }
}
