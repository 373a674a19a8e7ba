package io.github.embeddings4j.core.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HdbscanTest {

  @Test
  void coreDistancesAndTheSpanningTreeAreThoseOfScipy() throws IOException {
    List<float[]> rows = new ArrayList<>();
    List<Double> core = new ArrayList<>();
    List<Double> heights = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(getClass()
        .getResourceAsStream("/cluster/mst-scipy.csv"), StandardCharsets.UTF_8))) {
      boolean tree = false;
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        if (line.startsWith("#")) {
          continue;
        }
        if (line.equals("heights")) {
          tree = true;
          continue;
        }
        if (tree) {
          heights.add(Double.parseDouble(line));
          continue;
        }
        String[] f = line.split(",");
        float[] x = new float[4];
        for (int j = 0; j < 4; j++) {
          x[j] = Float.parseFloat(f[j]);
        }
        rows.add(x);
        core.add(Double.parseDouble(f[4]));
      }
    }
    int n = rows.size();
    float[] data = new float[n * 4];
    for (int i = 0; i < n; i++) {
      System.arraycopy(rows.get(i), 0, data, i * 4, 4);
    }
    float[] ours = Hdbscan.coreDistances(data, n, 4, 4);
    for (int i = 0; i < n; i++) {
      assertEquals(core.get(i), ours[i], 1e-5, "core distance of row " + i);
    }
    double[][] tree = Hdbscan.spanningTree(data, n, 4, ours);
    assertEquals(n - 1, tree.length);
    double[] w = Arrays.stream(tree).mapToDouble(e -> e[2]).sorted().toArray();
    for (int i = 0; i < w.length; i++) {
      assertEquals(heights.get(i), w[i], 1e-5, "merge " + i);
    }
  }

  /** Points on a line, as rows of one column. */
  private static float[] line(double... x) {
    float[] out = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = (float) x[i];
    }
    return out;
  }

  @Test
  void twoGroupsAndAnOutlierWorkedByHand() {
    // Single linkage: 0-1-2 and 10-11-12 at height 1, the groups at 8, 30 at 18. With a
    // minimum cluster size of 3, the root loses 30 at lambda 1/18 and splits at 1/8 into two
    // clusters whose points all leave at lambda 1: stability 3 x (1 - 1/8) = 2.625 each, more
    // than the root's 1/18 + 6/8. 30 is noise.
    Hdbscan.Result r = Hdbscan.fit(line(0, 1, 2, 10, 11, 12, 30), 7, 1,
        HdbscanOptions.minClusterSize(3).withMinSamples(1));
    assertEquals(2, r.clusterCount());
    assertArrayEquals(new int[] {0, 0, 0, 1, 1, 1, -1}, r.labels());
    assertArrayEquals(new double[] {2.625, 2.625}, r.stabilities(), 1e-6);
    assertArrayEquals(new double[] {1, 1, 1, 1, 1, 1, 0}, r.probabilities(), 1e-12);
    assertArrayEquals(new int[] {3, 3}, r.clusterSizes());
    assertEquals(1, r.noiseCount());
  }

  @Test
  void theRootIsOneClusterOnlyWhenAllowedAndMoreStableThanItsParts() {
    // 0,1,2 and 3.5,4.5,5.5 split at 1.5: each child 3 x (1 - 1/1.5) = 1; the root 1/94.5 + 6 x
    // (1/1.5) = 4.01. Without single clusters the two halves are kept; with, the root is.
    float[] x = line(0, 1, 2, 3.5, 4.5, 5.5, 100);
    HdbscanOptions o = HdbscanOptions.minClusterSize(3).withMinSamples(1);
    Hdbscan.Result parts = Hdbscan.fit(x, 7, 1, o);
    assertArrayEquals(new int[] {0, 0, 0, 1, 1, 1, -1}, parts.labels());
    assertArrayEquals(new double[] {1, 1}, parts.stabilities(), 1e-6);
    Hdbscan.Result whole = Hdbscan.fit(x, 7, 1, o.withSingleClusterAllowed());
    assertEquals(1, whole.clusterCount());
    assertArrayEquals(new int[7], whole.labels());
    // Leaf selection keeps the smallest clusters of the hierarchy whatever their stability.
    assertArrayEquals(parts.labels(), Hdbscan.fit(x, 7, 1, o.withSingleClusterAllowed()
        .withLeafSelection()).labels());
    // One group with no denser part: all noise, unless a single cluster is allowed.
    float[] even = line(0, 1, 2, 3, 4, 5);
    assertEquals(6, Hdbscan.fit(even, 6, 1, HdbscanOptions.minClusterSize(3)).noiseCount());
    assertEquals(0, Hdbscan.fit(even, 6, 1, HdbscanOptions.minClusterSize(3)
        .withSingleClusterAllowed()).noiseCount());
  }

  @Test
  void blobsOfDifferentDensitiesAreFoundAndScatteredPointsAreNoise() {
    Random random = new Random(5);
    int d = 8;
    int[] sizes = {150, 100, 60};
    double[] spread = {0.3, 1.0, 0.15};
    int scattered = 40;
    int n = 150 + 100 + 60 + scattered;
    float[] data = new float[n * d];
    int[] truth = new int[n];
    int row = 0;
    for (int g = 0; g < sizes.length; g++) {
      for (int i = 0; i < sizes[g]; i++, row++) {
        for (int j = 0; j < d; j++) {
          data[row * d + j] = (float) (random.nextGaussian() * spread[g] + (j == g ? 12 : 0));
        }
        truth[row] = g;
      }
    }
    for (; row < n; row++) {
      for (int j = 0; j < d; j++) {
        data[row * d + j] = (float) (random.nextDouble() * 40 - 20);
      }
      truth[row] = -1;
    }
    Hdbscan.Result r = Hdbscan.fit(data, n, d, HdbscanOptions.minClusterSize(15));
    assertEquals(3, r.clusterCount(), Arrays.toString(r.clusterSizes()));
    // Each blob maps to one cluster, and almost all of it is in it; the scattered points are
    // nearly all noise.
    int[] clusterOf = new int[3];
    Arrays.fill(clusterOf, -2);
    int inBlob = 0;
    int noise = 0;
    for (int i = 0; i < n; i++) {
      if (truth[i] >= 0 && r.labels()[i] >= 0) {
        if (clusterOf[truth[i]] == -2) {
          clusterOf[truth[i]] = r.labels()[i];
        }
        assertEquals(clusterOf[truth[i]], r.labels()[i], "row " + i);
        inBlob++;
      }
      if (truth[i] < 0 && r.labels()[i] < 0) {
        noise++;
      }
    }
    assertEquals(3, Arrays.stream(clusterOf).distinct().count());
    assertTrue(inBlob >= 0.95 * 310, inBlob + " of 310 blob points clustered");
    assertTrue(noise >= 0.9 * scattered, noise + " of " + scattered + " scattered points noise");
    for (int i = 0; i < n; i++) {
      double p = r.probabilities()[i];
      assertTrue(p >= 0 && p <= 1 && (r.labels()[i] >= 0 || p == 0), "row " + i + ": " + p);
    }
    // The same result whatever the threads.
    Hdbscan.Result serial = new java.util.concurrent.ForkJoinPool(1).submit(
        () -> Hdbscan.fit(data, n, d, HdbscanOptions.minClusterSize(15))).join();
    assertArrayEquals(r.labels(), serial.labels());
    assertArrayEquals(r.probabilities(), serial.probabilities());
  }

  @Test
  void exactDuplicatesKeepStabilitiesFinite() {
    float[] x = new float[40];
    for (int i = 20; i < 40; i++) {
      x[i] = 50; // 20 copies of 0 and 20 of 50
    }
    Hdbscan.Result r = Hdbscan.fit(x, 40, 1, HdbscanOptions.minClusterSize(5));
    assertEquals(2, r.clusterCount());
    for (double s : r.stabilities()) {
      assertTrue(Double.isFinite(s) && s > 0, Arrays.toString(r.stabilities()));
    }
    assertEquals(0, r.noiseCount());
  }

  @Test
  void badInputIsRefusedWithItsReason() {
    assertThrows(IllegalArgumentException.class, () -> HdbscanOptions.minClusterSize(1));
    assertThrows(IllegalArgumentException.class,
        () -> HdbscanOptions.minClusterSize(5).withMinSamples(0));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Hdbscan.fit(line(0, 1, 2),
        3, 1, HdbscanOptions.minClusterSize(5))).getMessage().contains("at least 5 points"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Hdbscan.fit(
        line(0, 1, Double.NaN, 3), 4, 1, HdbscanOptions.minClusterSize(2))).getMessage()
        .contains("row 2"));
  }
}
