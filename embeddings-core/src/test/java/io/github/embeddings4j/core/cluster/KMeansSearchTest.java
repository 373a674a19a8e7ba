package io.github.embeddings4j.core.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class KMeansSearchTest {

  /** {@code groups} Gaussian blobs of {@code per} points, centres 10 apart on the axes. */
  private static float[] blobs(int groups, int per, int d, long seed) {
    Random random = new Random(seed);
    float[] data = new float[groups * per * d];
    for (int g = 0; g < groups; g++) {
      for (int i = 0; i < per; i++) {
        int row = g * per + i;
        for (int j = 0; j < d; j++) {
          data[row * d + j] = (float) random.nextGaussian() + (j == g ? 10 : 0);
        }
      }
    }
    return data;
  }

  @Test
  void findsTheNumberOfGroupsAndKeepsItsClustering() {
    int d = 8;
    float[] data = blobs(5, 120, d, 11);
    KMeansSearch.Result r = KMeansSearch.run(data, 600, d, 2, 9,
        KMeansOptions.clusters(2).withSeed(4));
    assertEquals(8, r.trials().size());
    assertEquals(5, r.best().clusters(), r.toMarkdown());
    assertEquals(5, r.bestModel().clusterCount());
    assertEquals(600, r.sample());
    for (KMeansSearch.Trial t : r.trials()) {
      if (t != r.best()) {
        assertTrue(t.silhouette() < r.best().silhouette(), r.toMarkdown());
      }
    }
    // Inertia falls with every cluster added: it could not have chosen.
    for (int i = 1; i < r.trials().size(); i++) {
      assertTrue(r.trials().get(i).inertia() < r.trials().get(i - 1).inertia(), r.toMarkdown());
    }
    // The kept model is the fit of that count with the same options.
    KMeans direct = KMeans.fit(data, 600, d, KMeansOptions.clusters(5).withSeed(4));
    assertArrayEquals(direct.assignments(), r.bestModel().assignments());
    assertTrue(r.toMarkdown().contains("| 5 (kept) |"), r.toMarkdown());
  }

  @Test
  void aSampleChoosesTheSameAndTheSearchRepeats() {
    int d = 6;
    float[] data = blobs(4, 500, d, 12);
    KMeansSearch.Result a = KMeansSearch.run(data, 2000, d, 2, 7,
        KMeansOptions.clusters(2).withSeed(9), 300);
    KMeansSearch.Result b = KMeansSearch.run(data, 2000, d, 2, 7,
        KMeansOptions.clusters(2).withSeed(9), 300);
    assertEquals(4, a.best().clusters(), a.toMarkdown());
    assertEquals(300, a.sample());
    for (int i = 0; i < a.trials().size(); i++) {
      assertEquals(a.trials().get(i).silhouette(), b.trials().get(i).silhouette(), 0);
      assertEquals(a.trials().get(i).inertia(), b.trials().get(i).inertia(), 0);
    }
    int[] rows = KMeansSearch.sampleRows(2000, 300, 9);
    assertEquals(300, java.util.Arrays.stream(rows).distinct().count());
    for (int i = 1; i < rows.length; i++) {
      assertTrue(rows[i] > rows[i - 1]);
    }
  }

  @Test
  void rangesThatSilhouettesCannotCompareAreRefused() {
    float[] data = blobs(2, 5, 3, 1);
    KMeansOptions o = KMeansOptions.clusters(2);
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> KMeansSearch.run(data, 10, 3, 1, 4, o)).getMessage().contains("start at 2"));
    assertThrows(IllegalArgumentException.class, () -> KMeansSearch.run(data, 10, 3, 5, 4, o));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> KMeansSearch.run(data, 10, 3, 2, 10, o)).getMessage().contains("below 10"));
    assertThrows(IllegalArgumentException.class, () -> KMeansSearch.run(data, 10, 3, 2, 4, o,
        2));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> KMeansSearch.run(data, 10, 3, 2, 2, KMeansOptions.clusters(2)
            .withInitialCentroids(new float[2][3]))).getMessage()
        .contains("withInitialCentroids"));
  }
}
