package io.github.embeddings4j.core.search;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.DistanceMetric;
import io.github.embeddings4j.api.EmbedderDescription;
import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.core.io.DamagedFileException;
import io.github.embeddings4j.core.io.SdkFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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

  /** How the vectors of the tests below were made: a seed-7 lenet, say. */
  static EmbedderDescription described(int dimension, String weights) {
    return EmbedderDescription.builder("lenet", dimension).weights(weights).layer("dense")
        .pooling("none").normalized(true).input("28x28x1", "GRAY", "UNIT")
        .extra("info.note", "not compared").build();
  }

  @Test
  void bothIndexesSaveAndLoadTheirEmbeddersDescription() throws IOException {
    float[][] data = FlatIndexTest.random(43, 50, 6);
    EmbedderDescription made = described(6, "random seed=7");
    FlatIndex flat = FlatIndex.builder(6).metric(StandardMetric.COSINE).embedder(made).build();
    flat.addAll(0, data);
    assertEquals(Optional.of(made), flat.embedder());
    Path f = dir.resolve("described.fidx");
    flat.save(f);
    FlatIndex flatAgain = FlatIndex.load(f);
    assertEquals(Optional.of(made), flatAgain.embedder());
    assertEquals(List.of("weights: random seed=8 != random seed=7"),
        described(6, "random seed=8").differences(flatAgain.embedder().orElseThrow()));
    assertEquals(flat.searchAll(data, 3), flatAgain.searchAll(data, 3));

    try (GraphIndex graph = GraphIndex.builder(6).metric(StandardMetric.COSINE).threads(1)
        .embedder(made).build()) {
      graph.addAll(0, data);
      Path g = dir.resolve("described.gidx");
      graph.save(g);
      try (GraphIndex graphAgain = GraphIndex.load(g)) {
        assertEquals(Optional.of(made), graphAgain.embedder());
        assertEquals(graph.searchAll(data, 3), graphAgain.searchAll(data, 3));
      }
    }
    // Without one, both say so, before and after saving.
    FlatIndex plain = FlatIndex.builder(6).build();
    plain.addAll(0, data);
    Path p = dir.resolve("plain.fidx");
    plain.save(p);
    assertEquals(Optional.empty(), FlatIndex.load(p).embedder());
    try (GraphIndex graph = GraphIndex.builder(6).threads(1).build()) {
      graph.addAll(0, data);
      Path g = dir.resolve("plain.gidx");
      graph.save(g);
      try (GraphIndex graphAgain = GraphIndex.load(g)) {
        assertEquals(Optional.empty(), graphAgain.embedder());
      }
    }
  }

  @Test
  void anEmbedderOfAnotherDimensionIsRefusedNamingBoth() {
    EmbedderDescription wide = described(8, "imagenet");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> FlatIndex.builder(6).embedder(wide));
    assertEquals("the embedder lenet makes 8-dimensional vectors but the index holds"
        + " 6-dimensional ones: describe the embedder that made the indexed vectors",
        e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> GraphIndex.builder(6).embedder(wide));
  }

  /** A flat index file as version 1 wrote it: no description after the metric. */
  @Test
  void aFlatIndexFileOfVersionOneLoadsWithoutAnEmbedder() throws IOException {
    Path f = dir.resolve("v1.fidx");
    SdkFile.write(f, FlatIndex.KIND, 1, out -> {
      out.writeInt(2);
      out.writeString("cosine");
      out.writeInt(2);
      out.writeInt(0);
      out.writeLong(10);
      out.writeLong(11);
      out.writeFloats(new float[] {1, 0, 0, 1}, 0, 4);
    });
    FlatIndex loaded = FlatIndex.load(f);
    assertEquals(Optional.empty(), loaded.embedder());
    assertEquals(StandardMetric.COSINE, loaded.metric());
    assertEquals(11L, loaded.search(new float[] {0.1f, 1}, 1).get(0).id());
  }

  @Test
  void aDescriptionThatContradictsTheFileIsDamage() throws IOException {
    Path f = dir.resolve("contradiction.fidx");
    SdkFile.write(f, FlatIndex.KIND, FlatIndex.VERSION, out -> {
      out.writeInt(2);
      out.writeString("cosine");
      out.writeDescription(described(3, "imagenet"));
      out.writeInt(0);
      out.writeInt(0);
    });
    DamagedFileException e = assertThrows(DamagedFileException.class, () -> FlatIndex.load(f));
    assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("the embedder's description says 3 dimensions, the index"
        + " holds 2"), e.getMessage());
    Path g = dir.resolve("nonsense.fidx");
    SdkFile.write(g, FlatIndex.KIND, FlatIndex.VERSION, out -> {
      out.writeInt(2);
      out.writeString("cosine");
      out.writeStringMap(Map.of("model", "lenet"));
      out.writeInt(0);
      out.writeInt(0);
    });
    assertTrue(assertThrows(DamagedFileException.class, () -> FlatIndex.load(g)).getMessage()
        .contains("the embedder's description"));
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
