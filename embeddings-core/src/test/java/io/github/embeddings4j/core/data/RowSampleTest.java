package io.github.embeddings4j.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class RowSampleTest {

  @Test
  void drawsDistinctIncreasingRowsTheSameForTheSameSeed() {
    int[] a = RowSample.indices(10_000, 700, 3);
    assertEquals(700, a.length);
    for (int i = 1; i < a.length; i++) {
      assertTrue(a[i] > a[i - 1], "increasing at " + i);
    }
    assertTrue(a[0] >= 0 && a[a.length - 1] < 10_000);
    assertArrayEquals(a, RowSample.indices(10_000, 700, 3));
    assertTrue(!java.util.Arrays.equals(a, RowSample.indices(10_000, 700, 4)));
    assertArrayEquals(IntStream.range(0, 50).toArray(), RowSample.indices(50, 50, 1));
    assertEquals(0, RowSample.indices(50, 0, 1).length);
    assertEquals(0, RowSample.indices(0, 0, 1).length);
  }

  @Test
  void everyRowIsEquallyLikely() {
    // 20 rows, 5 drawn, 20,000 seeds: each row is drawn a quarter of the time, 5,000 times
    // expected, standard deviation about 61; and every pair of rows as often as any other.
    int n = 20;
    int m = 5;
    int seeds = 20_000;
    int[] counts = new int[n];
    int[][] pairs = new int[n][n];
    for (int s = 0; s < seeds; s++) {
      int[] rows = RowSample.indices(n, m, s);
      for (int i = 0; i < rows.length; i++) {
        counts[rows[i]]++;
        for (int j = i + 1; j < rows.length; j++) {
          pairs[rows[i]][rows[j]]++;
        }
      }
    }
    for (int r = 0; r < n; r++) {
      assertEquals(5_000, counts[r], 300, "row " + r);
    }
    // A pair: 20,000 x (5 x 4) / (20 x 19) = 1,052.6 expected, deviation about 31.
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        assertEquals(1052.6, pairs[i][j], 160, "rows " + i + " and " + j);
      }
    }
  }

  @Test
  void impossibleDrawsAreRefused() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> RowSample.indices(5, 6, 1))
        .getMessage().contains("6 of 5"));
    assertThrows(IllegalArgumentException.class, () -> RowSample.indices(5, -1, 1));
  }
}
