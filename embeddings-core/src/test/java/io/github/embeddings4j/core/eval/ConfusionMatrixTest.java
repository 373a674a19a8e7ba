package io.github.embeddings4j.core.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ConfusionMatrixTest {

  private final ConfusionMatrix m = ConfusionMatrix.of(new int[] {0, 0, 1, 1, 2},
      new int[] {0, 1, 1, 1, 0}, List.of("cat", "dog", "owl"));

  @Test
  void countsPrecisionAndRecallByHand() {
    assertArrayEquals(new int[][] {{1, 1, 0}, {0, 2, 0}, {1, 0, 0}}, m.counts());
    assertEquals(0.6, m.accuracy(), 1e-12);
    assertEquals(0.5, m.precision(0), 1e-12);
    assertEquals(2.0 / 3, m.precision(1), 1e-12);
    assertTrue(Double.isNaN(m.precision(2)), "nothing was predicted as class 2");
    assertEquals(0.5, m.recall(0), 1e-12);
    assertEquals(1.0, m.recall(1), 1e-12);
    assertEquals(0.0, m.recall(2), 1e-12);
  }

  @Test
  void markdownHasTheRowsAndThePerClassTable() {
    String md = m.toMarkdown();
    assertTrue(md.contains("| 0 cat | 1 | 1 | 0 |"), md);
    assertTrue(md.contains("| 1 dog | 0.6667 | 1.0000 |"), md);
  }

  @Test
  void outOfRangeClassIsNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ConfusionMatrix.of(new int[] {0, 3}, new int[] {0, 0}, 3));
    assertTrue(e.getMessage().contains("actual 3"), e.getMessage());
  }
}
