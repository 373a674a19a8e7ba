package io.github.embeddings4j.core.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BatchTunerTest {

  /** Feeds the tuner passes whose time per image follows {@code perImage(size)}. */
  private static int tune(BatchTuner t, java.util.function.IntToLongFunction nanosPerImage) {
    int passes = 0;
    while (t.chosen() < 0) {
      int size = t.next();
      t.record(size, nanosPerImage.applyAsLong(size) * size);
      if (++passes > 100) {
        throw new AssertionError("no choice after 100 passes");
      }
    }
    return passes;
  }

  @Test
  void triesPowersOfTwoUpToTheMaximumAndKeepsTheFastest() {
    BatchTuner t = new BatchTuner("test", 16);
    assertArrayEquals(new int[] {1, 2, 4, 8, 16}, t.candidates());
    // The shape measured for ResNet50 on 2 cores: fastest at 8, slower at 16.
    int passes = tune(t, size -> switch (size) {
      case 1 -> 555_000_000L;
      case 2 -> 450_000_000L;
      case 4 -> 357_000_000L;
      case 8 -> 312_000_000L;
      default -> 625_000_000L;
    });
    assertEquals(8, t.chosen());
    assertEquals(8, t.next());
    assertEquals(5 * BatchTuner.RUNS, passes);
  }

  @Test
  void triesTheSizesInRoundsSoThatDriftSlowsThemAlike() {
    BatchTuner t = new BatchTuner("test", 8);
    int[] order = new int[4 * BatchTuner.RUNS];
    for (int pass = 0; pass < order.length; pass++) {
      order[pass] = t.next();
      t.record(order[pass], 1_000L * order[pass]);
    }
    for (int pass = 0; pass < order.length; pass++) {
      assertEquals(new int[] {1, 2, 4, 8}[pass % 4], order[pass], "pass " + pass);
    }
  }

  @Test
  void sizesNearTheFastestRunAFinalInRounds() {
    // 8 and 16 within 10% after the first runs: both run FINAL_RUNS more, alternated; the
    // others are done.
    BatchTuner t = new BatchTuner("test", 16);
    int passes = tune(t, size -> size == 8 ? 1_000_000L : size == 16 ? 1_050_000L : 3_000_000L);
    assertEquals(5 * BatchTuner.RUNS + 2 * BatchTuner.FINAL_RUNS, passes);
    assertEquals(8, t.chosen());
    // One slow pass of 8 in the first runs (a page fault, another process) made 16 look
    // faster; the final's runs outvote it.
    BatchTuner noisy = new BatchTuner("test", 16);
    int[] calls = new int[17];
    tune(noisy, size -> {
      int call = calls[size]++;
      if (size == 8 && (call == 1 || call == 2)) {
        return 1_150_000L;
      }
      return size == 8 ? 1_000_000L : size == 16 ? 1_080_000L : 3_000_000L;
    });
    assertEquals(8, noisy.chosen());
  }

  @Test
  void aNearTieGoesToTheLargerSizeAndAClearWinDoesNot() {
    // 16 within 2% of 8: a tie within the trials' noise, won by the larger batch.
    BatchTuner tie = new BatchTuner("test", 16);
    tune(tie, size -> size == 8 ? 1_000_000L : size == 16 ? 1_020_000L : 2_000_000L);
    assertEquals(16, tie.chosen());
    // 16 more than the tie margin slower: 8 stays.
    BatchTuner clear = new BatchTuner("test", 16);
    long slower = 1_000_000L * (100 + BatchTuner.TIE_PERCENT + 2) / 100;
    tune(clear, size -> size == 8 ? 1_000_000L : size == 16 ? slower : 2_000_000L);
    assertEquals(8, clear.chosen());
  }

  @Test
  void theWarmUpRunAndOutliersDoNotDecide() {
    BatchTuner t = new BatchTuner("test", 4);
    // Size 4 is fastest, but its first pass (oneDNN building its kernels) is very slow, and
    // one later pass of size 2 is an outlier in the other direction: medians ignore both.
    int[] calls = new int[5];
    tune(t, size -> {
      int call = calls[size]++;
      if (size == 4 && call == 0) {
        return 10_000_000_000L;
      }
      if (size == 2 && call == 2) {
        return 1_000L;
      }
      return size == 4 ? 100L : size == 2 ? 200L : 300L;
    });
    assertEquals(4, t.chosen());
  }

  @Test
  void aNonPowerOfTwoMaximumIsACandidateAndShortBatchesAreIgnored() {
    BatchTuner t = new BatchTuner("test", 12);
    assertArrayEquals(new int[] {1, 2, 4, 8, 12}, t.candidates());
    t.record(3, 1); // a short last batch: not a candidate, not counted
    assertEquals(1, t.next());
    assertEquals(1, new BatchTuner("test", 1).candidates().length);
    assertThrows(IllegalArgumentException.class, () -> new BatchTuner("test", 0));
  }

  @Test
  void aLimitBelowTheMaximumUsesTheBestSizeItAllowsAndKeepsTheChoiceOpen() {
    // An embedder sharing 16 images between two network copies asks for at most 8 per pass:
    // 16 is not tried, the best of 1..8 is used once they are measured, and a later call with
    // room for 16 finishes the trials.
    BatchTuner t = new BatchTuner("test", 16);
    java.util.function.IntToLongFunction nanos =
        size -> (size == 4 ? 100L : size == 2 ? 200L : 300L) * size;
    for (int pass = 0; pass < 4 * BatchTuner.RUNS; pass++) {
      int size = t.next(8);
      assertTrue(size <= 8, "size " + size);
      t.record(size, nanos.applyAsLong(size));
    }
    assertEquals(-1, t.chosen(), "16 is still to be measured");
    assertEquals(4, t.next(8));
    assertEquals(4, t.current());
    assertEquals(2, t.next(2), "under a smaller limit, the best size it allows");
    assertEquals(16, t.next(16));
    for (int pass = 0; pass < BatchTuner.RUNS; pass++) {
      t.record(16, nanos.applyAsLong(16));
    }
    assertEquals(4, t.chosen());
    assertEquals(4, t.next(16));
  }
}
