package io.github.embeddings4j.core.search;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.Neighbor;
import io.github.embeddings4j.api.StandardMetric;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A FlatIndex that takes its candidates from a {@link CandidateSource}, as the GPU index does. */
class CandidateSourceTest {

  /** Names the 3k rows nearest by a brute-force ranking, shuffled: the index must sort them. */
  private static final class ExactSource implements CandidateSource {
    final AtomicInteger calls = new AtomicInteger();
    CandidateSource.Rows seen;

    @Override
    public int[][] candidates(float[][] queries, int k, Rows rows) {
      calls.incrementAndGet();
      seen = rows;
      int n = rows.count();
      int d = rows.dimension();
      float[] all = new float[n * d];
      rows.copy(0, n, all, 0);
      int[][] out = new int[queries.length][];
      for (int q = 0; q < queries.length; q++) {
        List<Neighbor> ranked = new ArrayList<>();
        for (int r = 0; r < n; r++) {
          ranked.add(new Neighbor(r, rows.metric().distance(queries[q],
              Arrays.copyOfRange(all, r * d, (r + 1) * d))));
        }
        ranked.sort(null);
        int m = Math.min(n, 3 * k);
        out[q] = new int[m];
        for (int i = 0; i < m; i++) {
          out[q][m - 1 - i] = (int) ranked.get(i).id();
        }
      }
      return out;
    }
  }

  @ParameterizedTest
  @EnumSource(value = StandardMetric.class, names = {"DOT_PRODUCT", "COSINE", "EUCLIDEAN",
      "SQUARED_EUCLIDEAN"})
  void candidatesFromASourceGiveTheIndexsOwnAnswer(StandardMetric metric) {
    int d = 24;
    float[][] data = FlatIndexTest.random(7, 900, d);
    float[][] queries = FlatIndexTest.random(8, 40, d);
    // Small storage blocks, so that Rows.copy crosses block boundaries.
    FlatIndex plain = FlatIndex.builder(d).metric(metric).threads(2).blockFloats(d * 130).build();
    ExactSource source = new ExactSource();
    FlatIndex sourced = FlatIndex.builder(d).metric(metric).threads(2).blockFloats(d * 130)
        .candidates(source).build();
    for (int i = 0; i < data.length; i++) {
      plain.add(1000L - i, data[i]);
      sourced.add(1000L - i, data[i]);
    }
    List<List<Neighbor>> expected = plain.searchAll(queries, 10);
    List<List<Neighbor>> actual = sourced.searchAll(queries, 10);
    assertEquals(1, source.calls.get());
    assertEquals(expected, actual, "the same ids and the same distances, bit for bit");
    assertEquals(plain.search(queries[3], 5), sourced.search(queries[3], 5));
    assertEquals(2, source.calls.get(), "one query goes to the source too");
  }

  @Test
  void rowsReadsTheStoredVectorsAndNormsAcrossBlocks() {
    int d = 5;
    float[][] data = FlatIndexTest.random(11, 57, d);
    ExactSource source = new ExactSource();
    FlatIndex index = FlatIndex.builder(d).blockFloats(d * 8).candidates(source).build();
    for (int i = 0; i < data.length; i++) {
      index.add(i, data[i]);
    }
    index.search(data[0], 1);
    CandidateSource.Rows rows = source.seen;
    assertEquals(57, rows.count());
    float[] some = new float[2 + 20 * d];
    rows.copy(6, 26, some, 2);
    for (int r = 6; r < 26; r++) {
      assertArrayEquals(data[r], Arrays.copyOfRange(some, 2 + (r - 6) * d, 2 + (r - 5) * d));
      float sq = 0;
      for (float x : data[r]) {
        sq += x * x;
      }
      assertEquals(sq, rows.squareNorm(r), 1e-5f);
    }
    assertThrows(IndexOutOfBoundsException.class, () -> rows.copy(50, 58, new float[40], 0));
    assertThrows(IndexOutOfBoundsException.class, () -> rows.copy(0, 3, new float[14], 0));
    assertThrows(IndexOutOfBoundsException.class, () -> rows.squareNorm(57));
  }

  @Test
  void aSourceThatDeclinesLeavesTheSearchToTheIndex() {
    int d = 8;
    float[][] data = FlatIndexTest.random(3, 300, d);
    AtomicInteger calls = new AtomicInteger();
    FlatIndex plain = FlatIndex.builder(d).build();
    FlatIndex declined = FlatIndex.builder(d).candidates((q, k, rows) -> {
      calls.incrementAndGet();
      return null;
    }).build();
    for (int i = 0; i < data.length; i++) {
      plain.add(i, data[i]);
      declined.add(i, data[i]);
    }
    assertEquals(plain.searchAll(data, 4), declined.searchAll(data, 4));
    assertEquals(1, calls.get());
  }

  @Test
  void extremeVectorsNeverReachTheSource() {
    AtomicInteger calls = new AtomicInteger();
    FlatIndex index = FlatIndex.builder(2).metric(StandardMetric.DOT_PRODUCT)
        .candidates((q, k, rows) -> {
          calls.incrementAndGet();
          return null;
        }).build();
    index.add(1, new float[] {1, 0});
    index.add(2, new float[] {0, 1});
    index.search(new float[] {1e30f, 0}, 1);
    assertEquals(0, calls.get(), "a query whose squared norm overflows is scanned exactly");
    index.add(3, new float[] {3e19f, 3e19f});
    List<Neighbor> hit = index.search(new float[] {1, 1}, 1);
    assertEquals(3, hit.get(0).id());
    assertEquals(0, calls.get(), "an index with an extreme row is scanned exactly");
  }

  @Test
  void aSourceNamingARowThatDoesNotExistIsAnError() {
    FlatIndex index = FlatIndex.builder(2).candidates((q, k, rows) -> new int[][] {{0, 7}})
        .build();
    index.add(1, new float[] {1, 0});
    index.add(2, new float[] {0, 1});
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> index.search(new float[] {1, 1}, 1));
    assertTrue(e.getMessage().contains("row 7 of an index of 2 rows"), e.getMessage());
    index.candidates(null);
    assertEquals(2, index.search(new float[] {1, 1}, 2).size(), "without the source again");
  }
}
