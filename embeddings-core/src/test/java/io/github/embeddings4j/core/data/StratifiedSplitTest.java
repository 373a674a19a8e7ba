package io.github.embeddings4j.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class StratifiedSplitTest {

  /** 100 of class 0, 50 of class 1, 10 of class 2, interleaved. */
  private static int[] labels() {
    int[] l = new int[160];
    for (int i = 0; i < 160; i++) {
      l[i] = i < 100 ? 0 : i < 150 ? 1 : 2;
    }
    return l;
  }

  private static int count(int[] part, int[] labels, int c) {
    return (int) Arrays.stream(part).filter(i -> labels[i] == c).count();
  }

  @Test
  void everyClassIsCutInTheSameProportions() {
    int[] labels = labels();
    int[][] parts = StratifiedSplit.split(labels, 7, 0.8, 0.1, 0.1);
    assertEquals(80, count(parts[0], labels, 0));
    assertEquals(10, count(parts[1], labels, 0));
    assertEquals(40, count(parts[0], labels, 1));
    assertEquals(5, count(parts[2], labels, 1));
    assertEquals(8, count(parts[0], labels, 2));
    assertEquals(1, count(parts[1], labels, 2));
    int[] all = IntStream.concat(IntStream.concat(Arrays.stream(parts[0]),
        Arrays.stream(parts[1])), Arrays.stream(parts[2])).sorted().toArray();
    assertArrayEquals(IntStream.range(0, 160).toArray(), all, "a partition of every position");
  }

  @Test
  void sameSeedSameSplitOtherSeedOtherSplit() {
    int[][] a = StratifiedSplit.split(labels(), 7, 0.5, 0.5);
    assertArrayEquals(a[0], StratifiedSplit.split(labels(), 7, 0.5, 0.5)[0]);
    assertFalse(Arrays.equals(a[0], StratifiedSplit.split(labels(), 8, 0.5, 0.5)[0]));
  }

  @Test
  void largestRemainderSharesOddCounts() {
    assertArrayEquals(new int[] {2, 1}, StratifiedSplit.apportion(3, new double[] {0.5, 0.5}));
    assertArrayEquals(new int[] {7, 2, 1},
        StratifiedSplit.apportion(10, new double[] {0.7, 0.15, 0.15}));
  }

  @Test
  void fractionsThatDoNotSumToOneAreRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> StratifiedSplit.split(labels(), 1, 0.5, 0.4));
    assertTrue(e.getMessage().contains("sum to 1"), e.getMessage());
  }

  @Test
  void samplePerClassTakesAtMostNOfEach() {
    int[] labels = labels();
    int[] s = StratifiedSplit.samplePerClass(labels, 20, 3);
    assertEquals(20, count(s, labels, 0));
    assertEquals(20, count(s, labels, 1));
    assertEquals(10, count(s, labels, 2));
  }
}
