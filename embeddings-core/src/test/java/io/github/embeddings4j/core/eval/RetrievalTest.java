package io.github.embeddings4j.core.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RetrievalTest {

  // Database: three items of class 0, one of class 1.
  private static final int[] DATABASE = {0, 0, 0, 1};
  private static final int[] QUERIES = {0, 1};
  private static final int[][] RANKED = {{1, 0, 0}, {0, 0, 1}};

  @Test
  void recallCountsQueriesWithARelevantItemInTheTopK() {
    assertEquals(0.0, Retrieval.recallAtK(QUERIES, RANKED, 1));
    // Query 0 finds a 0 at rank 2; query 1 finds its 1 only at rank 3.
    assertEquals(0.5, Retrieval.recallAtK(QUERIES, RANKED, 2));
    assertEquals(1.0, Retrieval.recallAtK(QUERIES, RANKED, 3));
  }

  @Test
  void averagePrecisionByHand() {
    // k=2: query 0 has P(2)=1/2 at its one hit, divided by min(2, R=3) -> 1/4; query 1 -> 0.
    assertEquals(0.125, Retrieval.meanAveragePrecisionAtK(QUERIES, RANKED, DATABASE, 2), 1e-12);
    // k=3: query 0 -> (1/2 + 2/3) / 3 = 7/18; query 1 -> (1/3) / min(3, R=1) = 1/3.
    assertEquals((7.0 / 18 + 1.0 / 3) / 2,
        Retrieval.meanAveragePrecisionAtK(QUERIES, RANKED, DATABASE, 3), 1e-12);
  }

  @Test
  void precisionCountsEveryHitNotJustTheFirst() {
    // k=2: query 0 has 1 hit in 2, query 1 none -> 1/4; k=3: 2/3 and 1/3 -> 1/2.
    assertEquals(0.25, Retrieval.precisionAtK(QUERIES, RANKED, 2), 1e-12);
    assertEquals(0.5, Retrieval.precisionAtK(QUERIES, RANKED, 3), 1e-12);
    assertTrue(Double.isNaN(Retrieval.precisionAtK(new int[0], new int[0][], 1)));
  }

  @Test
  void perfectRankingScoresOne() {
    int[][] perfect = {{0, 0, 0}, {1, 0, 0}};
    assertEquals(1.0, Retrieval.meanAveragePrecisionAtK(QUERIES, perfect, DATABASE, 3), 1e-12);
    assertEquals(1.0, Retrieval.recallAtK(QUERIES, perfect, 1));
  }

  @Test
  void shortRankingIsRefusedWithItsLength() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Retrieval.recallAtK(QUERIES, RANKED, 4));
    assertTrue(e.getMessage().contains("3 items, fewer than k = 4"), e.getMessage());
  }
}
