package io.github.embeddings4j.core.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.embeddings4j.api.Neighbor;
import io.github.embeddings4j.api.StandardMetric;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** BinaryIndex against a brute-force Hamming ranking; whole-number distances tie often. */
class BinaryIndexTest {

  @Test
  void matchesBruteForceWithTiesById() {
    int words = 3;
    int n = 5000;
    SplittableRandom rnd = new SplittableRandom(51);
    long[][] codes = new long[n][words];
    for (long[] c : codes) {
      for (int w = 0; w < words; w++) {
        // Sparse bits make many equal distances.
        c[w] = rnd.nextLong() & rnd.nextLong() & rnd.nextLong();
      }
    }
    BinaryIndex index = BinaryIndex.builder(words).threads(2).blockWords(words * 1000).build();
    for (int i = 0; i < n; i++) {
      index.add(n - 1 - i, codes[i]);
    }
    long[][] queries = new long[10][];
    for (int q = 0; q < queries.length; q++) {
      queries[q] = codes[rnd.nextInt(n)].clone();
      queries[q][0] ^= 1L << q;
    }
    List<List<Neighbor>> many = index.searchAll(queries, 25);
    for (int q = 0; q < queries.length; q++) {
      List<Neighbor> all = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        all.add(new Neighbor(n - 1 - i, StandardMetric.HAMMING.distance(queries[q], codes[i])));
      }
      all.sort(null);
      List<Neighbor> expected = all.subList(0, 25);
      assertEquals(expected, many.get(q), "q" + q);
      assertEquals(expected, index.search(queries[q], 25), "one q" + q);
    }
  }

  @Test
  void wrongCodeLengthIsRefused() {
    BinaryIndex index = BinaryIndex.builder(2).build();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> index.add(1L, new long[3]));
    assertEquals("binary code lengths differ: vector has 3 words, the index 2", e.getMessage());
    assertEquals(List.of(), index.search(new long[2], 1));
  }
}
