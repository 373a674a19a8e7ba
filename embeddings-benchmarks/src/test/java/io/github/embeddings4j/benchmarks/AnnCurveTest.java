package io.github.embeddings4j.benchmarks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class AnnCurveTest {

  @Test
  void theStreamedRowsAreTheRowsOfTheCurve() throws Exception {
    float[][] all = AnnCurve.gaussian(250, 8, 5, 1);
    AnnCurve.RowStream stream = AnnCurve.RowStream.of("random:250:8:5");
    assertEquals(250, stream.count());
    assertEquals(8, stream.dimension());
    float[][] a = stream.next(100);
    float[][] b = stream.next(150);
    for (int i = 0; i < 100; i++) {
      assertArrayEquals(all[i], a[i]);
    }
    for (int i = 0; i < 150; i++) {
      assertArrayEquals(all[100 + i], b[i]);
    }
  }

  @Test
  void recallCountsTheTrueNeighboursFound() {
    int[][] truth = {{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {10, 11, 12, 13, 14, 15, 16, 17, 18, 19}};
    int[][] found = {{9, 8, 7, 6, 5, 4, 3, 2, 1, 0}, {10, 11, 12, 13, 14, 99, 98, 97, 96, 95}};
    assertEquals(0.75, AnnCurve.recall(truth, found), 1e-12);
  }
}
