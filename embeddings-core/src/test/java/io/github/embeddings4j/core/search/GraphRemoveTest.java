package io.github.embeddings4j.core.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.Neighbor;
import io.github.embeddings4j.api.StandardMetric;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Entries removed from a graph index: gone from every search, its size and its file. */
class GraphRemoveTest {

  @TempDir
  Path dir;

  private static GraphIndex graph(float[][] x, Compression c) {
    GraphIndex g = GraphIndex.builder(x[0].length).metric(StandardMetric.EUCLIDEAN).maxDegree(16)
        .beamWidth(100).searchBeam(64).seed(42).threads(1).compression(c).build();
    long[] ids = new long[x.length];
    for (int r = 0; r < ids.length; r++) {
      ids[r] = 10_000L + r;
    }
    g.addAll(ids, x);
    return g;
  }

  /** A flat index of the rows not in {@code gone}, with the graph's ids. */
  private static FlatIndex live(float[][] x, Set<Long> gone) {
    FlatIndex f = FlatIndex.builder(x[0].length).metric(StandardMetric.EUCLIDEAN).threads(1)
        .build();
    for (int r = 0; r < x.length; r++) {
      if (!gone.contains(10_000L + r)) {
        f.add(10_000L + r, x[r]);
      }
    }
    return f;
  }

  private static List<Long> ids(List<Neighbor> hits) {
    return hits.stream().map(Neighbor::id).toList();
  }

  @Test
  void removedEntriesLeaveSearchesAndTheCount() throws Exception {
    float[][] x = GraphIndexTest.clustered(4_000, 32, 21);
    float[][] q = GraphIndexTest.clustered(100, 32, 22);
    try (GraphIndex g = graph(x, Compression.NONE)) {
      SplittableRandom r = new SplittableRandom(3);
      Set<Long> gone = new HashSet<>();
      for (int i = 0; i < 1_200; i++) {
        long id = 10_000L + r.nextInt(4_000);
        assertEquals(gone.add(id), g.remove(id), "remove(" + id + ") says whether it removed");
      }
      assertEquals(4_000 - gone.size(), g.size());
      FlatIndex truth = live(x, gone);
      long hit = 0;
      for (float[] query : q) {
        List<Neighbor> found = g.search(query, 10);
        assertEquals(10, found.size());
        for (Neighbor n : found) {
          assertFalse(gone.contains(n.id()), "removed id " + n.id() + " returned");
        }
        List<Long> want = ids(truth.search(query, 10));
        hit += found.stream().filter(n -> want.contains(n.id())).count();
        assertEquals(want, ids(g.searchExact(query, 10)));
      }
      assertTrue(hit >= 0.97 * 10 * q.length, "recall " + hit / (10.0 * q.length));
      // Filters combine with removals; k past the live count gives every live entry.
      List<Neighbor> odd = g.search(q[0], 10, id -> id % 2 == 1);
      assertEquals(ids(truth.search(q[0], 10, id -> id % 2 == 1)), ids(odd));
      assertEquals(g.size(), g.search(q[0], 5_000).size());
      assertFalse(g.remove(99L), "an unknown id");
    }
  }

  @Test
  void removeIfRemovesInOnePassAndEveryEntryCanGo() {
    float[][] x = GraphIndexTest.clustered(1_000, 16, 23);
    try (GraphIndex g = graph(x, Compression.NONE)) {
      assertEquals(500, g.removeIf(id -> id % 2 == 0));
      assertEquals(0, g.removeIf(id -> id % 2 == 0), "already removed");
      for (Neighbor n : g.search(x[0], 20)) {
        assertEquals(1, n.id() % 2);
      }
      assertEquals(500, g.removeIf(id -> true));
      assertEquals(0, g.size());
      assertEquals(List.of(), g.search(x[0], 5));
      assertEquals(List.of(), g.searchExact(x[0], 5));
      // The index takes new entries after everything went.
      g.add(1L, x[3]);
      assertEquals(List.of(1L), ids(g.search(x[3], 5)));
    }
  }

  @Test
  void anIdAddedTwiceIsRemovedWholeAndMayComeBack() {
    float[][] x = GraphIndexTest.clustered(600, 16, 24);
    try (GraphIndex g = graph(x, Compression.NONE)) {
      g.add(7L, x[10]);
      g.add(7L, x[20]);
      assertTrue(g.remove(7L));
      assertEquals(600, g.size());
      for (Neighbor n : g.search(x[10], 600)) {
        assertTrue(n.id() != 7L);
      }
      g.add(7L, x[30]);
      assertEquals(7L, g.search(x[30], 1).get(0).id());
      assertEquals(601, g.size());
    }
  }

  @Test
  void aRemovedKeyIsForgottenAndCanBeAddedAgain() throws Exception {
    float[][] x = GraphIndexTest.clustered(800, 16, 25);
    GraphIndex g = GraphIndex.builder(16).metric(StandardMetric.COSINE).seed(1).threads(1)
        .build();
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < x.length; i++) {
      keys.add("photos/" + i + ".jpg");
    }
    g.addAll(keys, x);
    long old = g.id("photos/5.jpg").orElseThrow();
    assertTrue(g.remove("photos/5.jpg"));
    assertFalse(g.remove("photos/5.jpg"));
    assertEquals(Optional.empty(), g.id("photos/5.jpg"));
    assertEquals(Optional.empty(), g.key(old));
    assertTrue(g.remove(g.id("photos/6.jpg").orElseThrow()), "by its id");
    assertEquals(798, g.size());
    // Back, with another vector: a new entry, a new id.
    float[] moved = x[5].clone();
    moved[0] += 3f;
    long again = g.add("photos/5.jpg", moved);
    assertTrue(again != old);
    assertEquals(again, g.search(moved, 1).get(0).id());
    assertEquals("photos/5.jpg", g.key(again).orElseThrow());

    // The file keeps the removal; the key, present twice in it (removed, then live), loads.
    Path file = dir.resolve("keys.gidx");
    g.save(file);
    try (GraphIndex loaded = GraphIndex.load(file)) {
      assertEquals(799, loaded.size());
      assertEquals(Optional.of(again), loaded.id("photos/5.jpg"));
      assertEquals(Optional.empty(), loaded.key(old));
      for (float[] q : new float[][] {x[5], x[6], moved}) {
        assertEquals(g.search(q, 10), loaded.search(q, 10));
        for (Neighbor n : loaded.search(q, 10)) {
          assertTrue(n.id() != old, "the removed entry came back from the file");
        }
      }
      // Removals go on after loading, and a second save keeps both.
      assertTrue(loaded.remove("photos/7.jpg"));
      loaded.save(file);
    }
    try (GraphIndex twice = GraphIndex.load(file)) {
      assertEquals(798, twice.size());
      assertEquals(Optional.empty(), twice.id("photos/7.jpg"));
    }
  }

  @Test
  void aFileWithoutRemovalsIsWrittenAsBefore() throws Exception {
    float[][] x = GraphIndexTest.clustered(300, 8, 26);
    try (GraphIndex g = graph(x, Compression.NONE)) {
      Path before = dir.resolve("before.gidx");
      g.save(before);
      // Version 2, which earlier releases read: the container's header says so.
      assertEquals(2, versionOf(before));
      g.remove(10_001L);
      Path after = dir.resolve("after.gidx");
      g.save(after);
      assertEquals(3, versionOf(after));
      try (GraphIndex loaded = GraphIndex.load(after)) {
        assertEquals(299, loaded.size());
        assertEquals(g.search(x[1], 5), loaded.search(x[1], 5));
      }
    }
  }

  @Test
  void aCompressedIndexRemovesToo() {
    float[][] x = GraphIndexTest.clustered(3_000, 32, 27);
    try (GraphIndex g = graph(x, Compression.INT8)) {
      assertEquals(1_000, g.removeIf(id -> id % 3 == 0));
      Set<Long> gone = new HashSet<>();
      for (int r = 0; r < x.length; r++) {
        if ((10_000L + r) % 3 == 0) {
          gone.add(10_000L + r);
        }
      }
      FlatIndex truth = live(x, gone);
      for (int i = 0; i < 20; i++) {
        for (Neighbor n : g.search(x[i], 10)) {
          assertFalse(gone.contains(n.id()));
        }
        assertEquals(ids(truth.search(x[i], 10)), ids(g.searchExact(x[i], 10)));
      }
    }
  }

  @Test
  void aRebuiltIndexHoldsTheLiveEntriesAndGivesTheMemoryBack() throws Exception {
    float[][] x = GraphIndexTest.clustered(3_000, 32, 28);
    float[][] q = GraphIndexTest.clustered(60, 32, 29);
    for (Compression c : Compression.values()) {
      try (GraphIndex g = graph(x, c)) {
        assertEquals(2_000, g.removeIf(id -> id % 3 != 0));
        try (GraphIndex fresh = g.rebuilt()) {
          assertEquals(1_000, fresh.size());
          assertEquals(g.maxDegree(), fresh.maxDegree());
          assertEquals(g.compression(), fresh.compression());
          assertTrue(fresh.memoryBytes().graph() < g.memoryBytes().graph() / 2,
              fresh.memoryBytes() + " against " + g.memoryBytes());
          Set<Long> gone = new HashSet<>();
          for (int r = 0; r < x.length; r++) {
            if ((10_000L + r) % 3 != 0) {
              gone.add(10_000L + r);
            }
          }
          FlatIndex truth = live(x, gone);
          long hit = 0;
          for (float[] query : q) {
            List<Long> want = ids(truth.search(query, 10));
            assertEquals(want, ids(fresh.searchExact(query, 10)), c + "");
            hit += fresh.search(query, 10).stream().filter(n -> want.contains(n.id())).count();
          }
          assertTrue(hit >= 0.97 * 10 * q.length, c + ": recall " + hit / (10.0 * q.length));
          Path file = dir.resolve("fresh-" + c + ".gidx");
          fresh.save(file);
          assertEquals(2, versionOf(file), "nothing removed in the new index");
        }
      }
    }
    // Keys stay, with new ids in the order of the remaining entries.
    GraphIndex keyed = GraphIndex.builder(32).seed(2).threads(1).build();
    for (int r = 0; r < 300; r++) {
      keyed.add("k" + r, x[r]);
    }
    keyed.removeIf(id -> id < 100);
    try (GraphIndex fresh = keyed.rebuilt()) {
      assertEquals(Optional.of(0L), fresh.id("k100"));
      assertEquals(Optional.of(199L), fresh.id("k299"));
      assertEquals(Optional.empty(), fresh.id("k5"));
      assertEquals(fresh.id("k150").orElseThrow(), fresh.search(x[150], 1).get(0).id());
    }
  }

  /** The format version in an SdkFile's header (magic, kind, then the version). */
  private static int versionOf(Path file) throws Exception {
    byte[] b = Files.readAllBytes(file);
    java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    return buf.getInt(8);
  }

  @Test
  void forEachEntryVisitsTheLiveEntriesWithKeysAndStoredVectors() {
    float[][] x = GraphIndexTest.clustered(300, 8, 31);
    for (Compression c : Compression.values()) {
      try (GraphIndex g = GraphIndex.builder(8).metric(StandardMetric.COSINE).seed(1).threads(1)
          .compression(c).build()) {
        List<String> keys = new ArrayList<>();
        for (int r = 0; r < x.length; r++) {
          keys.add("img" + r + ".png");
        }
        g.addAll(keys, x);
        assertTrue(g.remove("img7.png"));
        assertTrue(g.remove("img250.png"));
        assertEquals(2, g.removedCount());
        List<String> seen = new ArrayList<>();
        g.forEachEntry((id, key, vector) -> {
          seen.add(key);
          assertEquals(Optional.of(id), g.id(key), key);
          float[] expected = io.github.embeddings4j.core.vector.VectorMath.normalized(
              x[Integer.parseInt(key.substring(3, key.indexOf('.')))]);
          org.junit.jupiter.api.Assertions.assertArrayEquals(expected, vector, key
              + ": the normalised copy, bit for bit (" + c + ")");
        });
        List<String> live = new ArrayList<>(keys);
        live.remove("img7.png");
        live.remove("img250.png");
        assertEquals(live, seen, "every live entry once, in the order added");
        try (GraphIndex again = g.rebuilt()) {
          assertEquals(0, again.removedCount());
          assertEquals(298, again.size());
        }
      }
    }
    try (GraphIndex numeric = graph(GraphIndexTest.clustered(50, 8, 32), Compression.NONE)) {
      numeric.remove(10_003L);
      List<Long> ids = new ArrayList<>();
      numeric.forEachEntry((id, key, vector) -> {
        assertEquals(null, key);
        ids.add(id);
      });
      assertEquals(49, ids.size());
      assertFalse(ids.contains(10_003L));
      assertEquals(10_000L, ids.get(0));
    }
  }
}
