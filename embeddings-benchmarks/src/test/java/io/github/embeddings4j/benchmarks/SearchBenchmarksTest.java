package io.github.embeddings4j.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.Neighbor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The search benchmarks' setups (with their checks) on small sizes, and the check itself. */
class SearchBenchmarksTest {

  @Test
  void scanSetupChecksAndReturnsTheTopK() {
    ScanBenchmark b = new ScanBenchmark();
    b.rows = 3000;
    b.dimension = 64;
    b.k = 7;
    b.setUp();
    List<Neighbor> hits = b.search();
    assertEquals(7, hits.size());
    for (int i = 1; i < hits.size(); i++) {
      assertTrue(hits.get(i - 1).distance() <= hits.get(i).distance(), hits.toString());
    }
  }

  @Test
  void hammingSetupChecksAndRejectsOddCodeLengths() {
    HammingScanBenchmark b = new HammingScanBenchmark();
    b.rows = 5000;
    b.bits = 256;
    b.k = 10;
    b.setUp();
    List<Neighbor> hits = b.search();
    assertEquals(10, hits.size());
    // Random 256-bit codes differ from the query in about 128 bits; the best of 5,000 less.
    assertTrue(hits.get(0).distance() < 128, hits.toString());
    HammingScanBenchmark odd = new HammingScanBenchmark();
    odd.rows = 10;
    odd.bits = 100;
    odd.k = 1;
    assertThrows(IllegalArgumentException.class, odd::setUp);
  }

  @Test
  void batchSetupChecksTheKernelRouteAndTheNd4jProduct() {
    BatchSearchBenchmark b = new BatchSearchBenchmark();
    b.queries = 9;
    b.rows = 2000;
    b.dimension = 32;
    b.k = 5;
    b.prepare("searchAll");
    try {
      assertEquals(9, b.searchAll().size());
      assertEquals(5, b.searchAll().get(8).size());
    } finally {
      b.tearDown();
    }
  }

  @Test
  void checkAcceptsTheSmallestAndRejectsAWrongDistanceOrId() {
    double[] all = {5, 1, 3, 2, 4};
    SearchCheck.requireSmallest("t", all,
        List.of(new Neighbor(1, 1), new Neighbor(3, 2), new Neighbor(2, 3)), 3, 0);
    IllegalStateException missing = assertThrows(IllegalStateException.class,
        () -> SearchCheck.requireSmallest("scan@5", all,
            List.of(new Neighbor(1, 1), new Neighbor(2, 3), new Neighbor(4, 4)), 3, 0));
    assertTrue(missing.getMessage().contains("scan@5")
        && missing.getMessage().contains("expected 2.0"), missing.getMessage());
    IllegalStateException wrongId = assertThrows(IllegalStateException.class,
        () -> SearchCheck.requireSmallest("t", all,
            List.of(new Neighbor(0, 1), new Neighbor(3, 2), new Neighbor(2, 3)), 3, 0));
    assertTrue(wrongId.getMessage().contains("id 0"), wrongId.getMessage());
    assertThrows(IllegalStateException.class,
        () -> SearchCheck.requireSmallest("t", all, List.of(new Neighbor(1, 1)), 3, 0));
  }
}
