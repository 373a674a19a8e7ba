package io.github.embeddings4j.core.search;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.Neighbor;
import io.github.embeddings4j.api.StandardMetric;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Entries removed from the exact indexes: the rows after them move down with their ids, and
 * every search, accessor and file answers as an index built from the remaining entries.
 */
class FlatRemoveTest {

  private static float[][] random(int n, int d, long seed) {
    return FilteredSearchTest.random(n, d, seed);
  }

  @TempDir
  Path dir;

  @Test
  void removingRowsAnswersAsAnIndexOfTheRest() {
    float[][] x = random(3_000, 24, 1);
    float[][] q = random(70, 24, 2);
    for (StandardMetric m : new StandardMetric[] {StandardMetric.COSINE,
        StandardMetric.EUCLIDEAN, StandardMetric.MANHATTAN}) {
      for (Boolean product : new Boolean[] {true, false}) {
        // Small blocks, so that rows move across block boundaries.
        FlatIndex index = FlatIndex.builder(24).metric(m).threads(2).matrixProduct(product)
            .blockFloats(24 * 500).build();
        for (int r = 0; r < x.length; r++) {
          index.add(5_000L + r, x[r]);
        }
        SplittableRandom pick = new SplittableRandom(3);
        List<Long> gone = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
          long id = 5_000L + pick.nextInt(3_000);
          boolean removed = index.remove(id);
          assertEquals(!gone.contains(id), removed, "remove(" + id + ")");
          if (removed) {
            gone.add(id);
          }
        }
        long tail = java.util.stream.LongStream.range(7_700, 8_000)
            .filter(id -> !gone.contains(id)).count();
        assertEquals(tail, index.removeIf(id -> id >= 7_700));
        FlatIndex rest = FlatIndex.builder(24).metric(m).threads(1).build();
        List<Long> order = new ArrayList<>();
        for (int r = 0; r < x.length; r++) {
          long id = 5_000L + r;
          if (!gone.contains(id) && id < 7_700) {
            rest.add(id, x[r]);
            order.add(id);
          }
        }
        String what = m + " product " + product;
        assertEquals(rest.size(), index.size(), what);
        assertEquals(rest.searchAll(q, 10), index.searchAll(q, 10), what);
        assertEquals(rest.search(q[0], 10), index.search(q[0], 10), what);
        // Rows keep their order: the accessors list the remaining entries as added.
        for (int row = 0; row < index.size(); row += 97) {
          assertEquals(order.get(row), index.idAt(row), what);
          assertArrayEquals(rest.vectorAt(row), index.vectorAt(row), what);
        }
        // The index takes new rows after its removals.
        index.add(1L, x[0]);
        assertEquals(1L, index.search(x[0], 1).get(0).id());
      }
    }
  }

  @Test
  void anIdAddedTwiceIsRemovedWhole() {
    float[][] x = random(50, 4, 4);
    FlatIndex index = FlatIndex.builder(4).build();
    for (int r = 0; r < x.length; r++) {
      index.add(r % 10, x[r]);
    }
    assertTrue(index.remove(3L));
    assertEquals(45, index.size());
    assertFalse(index.remove(3L));
    for (Neighbor n : index.search(x[3], 45)) {
      assertTrue(n.id() != 3L);
    }
    assertEquals(45, index.removeIf(id -> true));
    assertEquals(List.of(), index.search(x[0], 3));
  }

  @Test
  void keysKeepTheirIdsThroughRemovalsAndFiles() throws Exception {
    float[][] x = random(2_000, 8, 5);
    FlatIndex index = FlatIndex.builder(8).metric(StandardMetric.COSINE).build();
    Map<String, Long> ids = new HashMap<>();
    for (int r = 0; r < x.length; r++) {
      ids.put("img/" + r + ".png", index.add("img/" + r + ".png", x[r]));
    }
    assertTrue(index.remove("img/0.png"));
    assertTrue(index.remove(ids.get("img/10.png")), "by its id");
    assertEquals(0, index.removeIf(id -> id >= 2_000));
    assertEquals(100, index.removeIf(id -> id % 20 == 1));
    assertFalse(index.remove("img/0.png"));
    assertEquals(Optional.empty(), index.id("img/0.png"));
    assertEquals(Optional.empty(), index.key(ids.get("img/10.png")));
    // Every other key has the id it was given, and its row moved.
    for (int r = 2; r < x.length; r += 37) {
      String key = "img/" + r + ".png";
      if (r % 20 != 1) {
        assertEquals(Optional.of(ids.get(key)), index.id(key), key);
        assertEquals(Optional.of(key), index.key(ids.get(key)), key);
      }
    }
    // A removed key comes back with a new id, above every id given before.
    long again = index.add("img/0.png", x[0]);
    assertEquals(2_000L, again);
    assertEquals(again, index.search(x[0], 1).get(0).id());

    Path file = dir.resolve("keys.fidx");
    index.save(file);
    FlatIndex loaded = FlatIndex.load(file);
    assertEquals(index.size(), loaded.size());
    for (String key : List.of("img/2.png", "img/999.png", "img/1999.png", "img/0.png")) {
      assertEquals(index.id(key), loaded.id(key), key);
    }
    float[][] q = random(5, 8, 6);
    assertEquals(index.searchAll(q, 7), loaded.searchAll(q, 7));
    // Adds after loading continue the ids where the file left them.
    assertEquals(2_001L, loaded.add("img/new.png", x[1]));
  }

  @Test
  void aCandidateSourceIsToldThatRowsMoved() {
    float[][] x = random(1_000, 16, 7);
    AtomicLong seen = new AtomicLong(-1);
    FlatIndex index = FlatIndex.builder(16).metric(StandardMetric.EUCLIDEAN)
        .candidates((queries, k, rows) -> {
          seen.set(rows.generation());
          return null;
        }).matrixProduct(true).build();
    index.addAll(0, x);
    float[][] q = random(80, 16, 8);
    index.searchAll(q, 5);
    assertEquals(0, seen.get());
    index.remove(17L);
    index.searchAll(q, 5);
    assertEquals(1, seen.get());
    index.add(17L, x[17]);
    index.searchAll(q, 5);
    assertEquals(1, seen.get(), "an add does not move rows");
  }

  @Test
  void binaryIndexRemovesToo() throws Exception {
    SplittableRandom r = new SplittableRandom(9);
    long[][] codes = new long[3_000][2];
    for (long[] c : codes) {
      c[0] = r.nextLong();
      c[1] = r.nextLong();
    }
    BinaryIndex index = BinaryIndex.builder(2).threads(2).build();
    BinaryIndex rest = BinaryIndex.builder(2).build();
    for (int i = 0; i < codes.length; i++) {
      index.add(i, codes[i]);
      if (i % 3 != 0) {
        rest.add(i, codes[i]);
      }
    }
    assertEquals(1_000, index.removeIf(id -> id % 3 == 0));
    long[][] q = {codes[4], codes[9], codes[2_999]};
    assertEquals(rest.searchAll(q, 12), index.searchAll(q, 12));
    Path file = dir.resolve("codes.bidx");
    index.save(file);
    assertEquals(rest.searchAll(q, 12), BinaryIndex.load(file).searchAll(q, 12));
  }
}
