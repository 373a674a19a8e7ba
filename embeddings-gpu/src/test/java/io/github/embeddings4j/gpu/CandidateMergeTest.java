package io.github.embeddings4j.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CandidateMergeTest {

  @Test
  void keepsTheLeastDistancesTiesBySmallerRowAndSkipsEmptySlots() {
    int no = CandidateMerge.NO_ROW;
    // Two lists of four (one part had only two rows), after two entries of another query.
    float[] d = {9, 9, 0.5f, 2f, -1f, 3f, 0.5f, Float.POSITIVE_INFINITY, Float.POSITIVE_INFINITY,
        Float.POSITIVE_INFINITY};
    int[] r = {1, 2, 40, 41, 7, 8, 3, 5, no, no};
    assertArrayEquals(new int[] {7, 3, 40, 41}, CandidateMerge.best(d, r, 2, 8, 4));
    assertArrayEquals(new int[] {7, 3, 40, 41, 8, 5}, CandidateMerge.best(d, r, 2, 8, 10),
        "fewer real entries than asked for: all of them, infinity last");
  }

  @Test
  void sortableKeepsTheOrderOfFloats() {
    SplittableRandom rnd = new SplittableRandom(5);
    float[] special = {Float.NEGATIVE_INFINITY, -Float.MAX_VALUE, -1f, -Float.MIN_VALUE, -0f, 0f,
        Float.MIN_VALUE, 1f, Float.MAX_VALUE, Float.POSITIVE_INFINITY};
    for (int i = 1; i < special.length; i++) {
      assertTrue(CandidateMerge.sortable(special[i - 1]) < CandidateMerge.sortable(special[i]),
          special[i - 1] + " before " + special[i]);
    }
    for (int i = 0; i < 10_000; i++) {
      float a = (float) rnd.nextDouble(-1e6, 1e6);
      float b = (float) rnd.nextDouble(-1e6, 1e6);
      assertTrue(Integer.compare(CandidateMerge.sortable(a), CandidateMerge.sortable(b))
          == Float.compare(a, b) || a == b, a + " " + b);
    }
  }
}
