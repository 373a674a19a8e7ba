package io.github.embeddings4j.core.search;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.DistanceMetric;
import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.core.io.DamagedFileException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Saving and loading both indexes, and refusing damaged files. */
class IndexFileTest {

  @TempDir
  Path dir;

  @Test
  void flatIndexRoundTripsWithIdsMetricAndVectors() throws IOException {
    float[][] data = FlatIndexTest.random(41, 300, 9);
    FlatIndex index = FlatIndex.builder(9).metric(StandardMetric.MANHATTAN)
        .blockFloats(9 * 64).build();
    for (int i = 0; i < data.length; i++) {
      index.add(-5L * i, data[i]);
    }
    Path file = dir.resolve("x.fidx");
    index.save(file);
    FlatIndex loaded = FlatIndex.load(file);
    assertEquals(300, loaded.size());
    assertEquals(9, loaded.dimension());
    assertEquals(StandardMetric.MANHATTAN, loaded.metric());
    assertArrayEquals(data[123], loaded.vectorAt(123));
    float[][] queries = FlatIndexTest.random(42, 5, 9);
    assertEquals(index.searchAll(queries, 7), loaded.searchAll(queries, 7));
  }

  @Test
  void stringKeysSurviveSaving() throws IOException {
    FlatIndex index = FlatIndex.builder(2).metric(StandardMetric.COSINE).build();
    index.add("a", new float[] {1, 0});
    index.add("b", new float[] {0, 1});
    Path file = dir.resolve("k.fidx");
    index.save(file);
    FlatIndex loaded = FlatIndex.load(file);
    assertEquals(Optional.of("b"), loaded.key(1L));
    assertEquals(Optional.of(0L), loaded.id("a"));
  }

  @Test
  void customMetricMustBeGivenWhenLoading() throws IOException {
    DistanceMetric mine = new DistanceMetric() {
      @Override
      public String metricName() {
        return "mine";
      }

      @Override
      public double distance(float[] a, float[] b) {
        return StandardMetric.MANHATTAN.distance(a, b);
      }

      @Override
      public boolean isMetric() {
        return true;
      }
    };
    FlatIndex index = FlatIndex.builder(2).metric(mine).build();
    index.add(1L, new float[] {1, 2});
    Path file = dir.resolve("m.fidx");
    index.save(file);
    DamagedFileException e = assertThrows(DamagedFileException.class, () -> FlatIndex.load(file));
    assertTrue(e.getMessage().contains("'mine', which is not built in"), e.getMessage());
    assertEquals(mine, FlatIndex.load(file, mine).metric());
  }

  @Test
  void binaryIndexRoundTrips() throws IOException {
    BinaryIndex index = BinaryIndex.builder(2).build();
    index.add("p", new long[] {1L, 2L});
    index.add("q", new long[] {-1L, 0L});
    Path file = dir.resolve("b.bidx");
    index.save(file);
    BinaryIndex loaded = BinaryIndex.load(file);
    assertEquals(2, loaded.words());
    assertArrayEquals(new long[] {-1L, 0L}, loaded.codeAt(1));
    assertEquals(Optional.of("q"), loaded.key(1L));
    long[] query = {1L, 3L};
    assertEquals(index.search(query, 2), loaded.search(query, 2));
  }

  @Test
  void truncatedOrAlteredFilesAreRefusedNamingTheFile() throws IOException {
    FlatIndex index = FlatIndex.builder(4).build();
    index.addAll(0, FlatIndexTest.random(43, 20, 4));
    Path file = dir.resolve("d.fidx");
    index.save(file);
    byte[] bytes = Files.readAllBytes(file);

    Path truncated = dir.resolve("t.fidx");
    Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length - 9));
    DamagedFileException t = assertThrows(DamagedFileException.class,
        () -> FlatIndex.load(truncated));
    assertTrue(t.getMessage().startsWith(truncated.toString()), t.getMessage());

    Path altered = dir.resolve("a.fidx");
    byte[] changed = bytes.clone();
    changed[bytes.length / 2] ^= 0x10;
    Files.write(altered, changed);
    DamagedFileException a = assertThrows(DamagedFileException.class,
        () -> FlatIndex.load(altered));
    assertTrue(a.getMessage().contains("checksum mismatch"), a.getMessage());

    // A flat index is not a binary one.
    DamagedFileException kind = assertThrows(DamagedFileException.class,
        () -> BinaryIndex.load(file));
    assertTrue(kind.getMessage().contains("'FIDX' file, not 'BIDX'"), kind.getMessage());
  }
}
