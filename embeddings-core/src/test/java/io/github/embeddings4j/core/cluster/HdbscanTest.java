package io.github.embeddings4j.core.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.EmbedderDescription;
import io.github.embeddings4j.core.io.DamagedFileException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
    float[][] x = rows.toArray(float[][]::new);
    double[] ours = Hdbscan.coreDistances(x, 4, null);
    float[] squared = new float[n];
    for (int i = 0; i < n; i++) {
      assertEquals(core.get(i), ours[i], 1e-5, "core distance of row " + i);
      squared[i] = (float) (ours[i] * ours[i]);
    }
    double[][] tree = Hdbscan.spanningTree(x, squared);
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
    // The outlier scores rank the scattered points first: most of the 40 highest are theirs.
    Integer[] byScore = IntStream.range(0, n).boxed().toArray(Integer[]::new);
    Arrays.sort(byScore, (a, b) -> Double.compare(r.outlierScores()[b], r.outlierScores()[a]));
    int scatteredTop = 0;
    for (int t = 0; t < scattered; t++) {
      scatteredTop += truth[byScore[t]] < 0 ? 1 : 0;
    }
    assertTrue(scatteredTop >= 0.9 * scattered, scatteredTop + " of the " + scattered
        + " highest outlier scores are scattered points");
    for (double o : r.outlierScores()) {
      assertTrue(o >= 0 && o <= 1, "outlier score " + o);
    }
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
  void newPointsArePlacedWhereTheyWouldHaveJoinedWorkedByHand() {
    // The hierarchy of twoGroupsAndAnOutlierWorkedByHand: clusters {0,1,2} and {10,11,12}
    // born at lambda 1/8, their points leaving at 1; 30 leaves the root at 1/18. Core
    // distances are 0 (min samples 1), so reachability is plain distance.
    Hdbscan.Model model = Hdbscan.fitModel(line(0, 1, 2, 10, 11, 12, 30), 7, 1,
        HdbscanOptions.minClusterSize(3).withMinSamples(1));
    assertArrayEquals(new int[] {0, 0, 0, 1, 1, 1, -1}, model.result().labels());
    Hdbscan.Prediction p = model.predict(new float[][] {{1.5f}, {6}, {19}, {20}, {29}, {-3}});
    // 1.5: linked to 1 at 0.5 (lambda 2, above where 1 leaves): in cluster 0, strength 1.
    // 6: linked to 2 at 4 (lambda 1/4): cluster 0 existed then (born 1/8): strength 1/4.
    // 19: linked to 12 at 7: lambda 1/7 > 1/8, cluster 1, strength 1/7.
    // 20: linked to 12 at 8: lambda 1/8 is cluster 1's birth, so the root: noise.
    // 29: linked to 30, which is in the root only: noise. -3: linked to 0 at 3: cluster 0.
    assertArrayEquals(new int[] {0, 0, 1, -1, -1, 0}, p.labels());
    assertArrayEquals(new double[] {1, 0.25, 1.0 / 7, 0, 0, 1.0 / 3}, p.probabilities(), 1e-9);
    // GLOSH: every cluster's densest part leaves at lambda 1, the root's too. Fitted: 30 left
    // the root at 1/18, (1 - 1/18) / 1; the others at 1, 0. Placed: (1 - lambda) / 1, at
    // least 0 (1.5 and 29 are as dense as the densest).
    assertArrayEquals(new double[] {0, 0, 0, 0, 0, 0, 17.0 / 18},
        model.result().outlierScores(), 1e-9);
    assertArrayEquals(new double[] {0, 0.75, 6.0 / 7, 0.875, 0, 2.0 / 3}, p.outlierScores(),
        1e-9);
    assertEquals(7, model.size());
    assertEquals(1, model.dimension());
    assertEquals(0, model.predict(new float[0][]).labels().length);
  }

  @Test
  void aModelFittedOnASamplePlacesTheRestOfItsBlobs() {
    int d = 8;
    float[] centres = new float[3 * d];
    for (int g = 0; g < 3; g++) {
      centres[g * d + g] = 12;
    }
    double[] spread = {0.3, 1.0, 0.15};
    float[][] fitted = blobPoints(new Random(5), centres, spread, 80);
    Hdbscan.Model model = Hdbscan.fitModel(fitted, HdbscanOptions.minClusterSize(15));
    Hdbscan.Result whole = Hdbscan.fit(fitted, HdbscanOptions.minClusterSize(15));
    assertArrayEquals(whole.labels(), model.result().labels());
    assertArrayEquals(whole.probabilities(), model.result().probabilities());
    assertEquals(3, whole.clusterCount());
    // The blob each fitted cluster is (rows come blob by blob, 80 each).
    int[] clusterOfBlob = new int[3];
    for (int g = 0; g < 3; g++) {
      clusterOfBlob[g] = whole.labels()[g * 80];
    }
    assertEquals(3, Arrays.stream(clusterOfBlob).distinct().count());
    // Other points of the same blobs join their blob's cluster.
    float[][] fresh = blobPoints(new Random(6), centres, spread, 200);
    Hdbscan.Prediction p = model.predict(fresh);
    for (int g = 0; g < 3; g++) {
      int right = 0;
      for (int i = g * 200; i < (g + 1) * 200; i++) {
        right += p.labels()[i] == clusterOfBlob[g] ? 1 : 0;
        assertTrue(p.labels()[i] == clusterOfBlob[g] || p.labels()[i] == -1, "point " + i);
      }
      assertTrue(right >= 190, right + " of 200 points of blob " + g + " placed in it");
    }
    // Points far from every blob are noise, with strength 0.
    float[][] far = new float[5][d];
    for (int i = 0; i < far.length; i++) {
      Arrays.fill(far[i], 60 + 20 * i);
    }
    Hdbscan.Prediction none = model.predict(far);
    assertArrayEquals(new int[] {-1, -1, -1, -1, -1}, none.labels());
    assertArrayEquals(new double[5], none.probabilities());
    for (double o : none.outlierScores()) {
      assertTrue(o > 0.99, "far point's outlier score " + o);
    }
    // A fitted point placed again, as a new one, keeps its cluster.
    Hdbscan.Prediction again = model.predict(fitted);
    for (int i = 0; i < fitted.length; i++) {
      if (whole.labels()[i] >= 0) {
        assertEquals(whole.labels()[i], again.labels()[i], "fitted point " + i);
      }
      assertTrue(again.probabilities()[i] >= 0 && again.probabilities()[i] <= 1);
    }
    // Bad points are refused, named.
    assertTrue(assertThrows(IllegalArgumentException.class, () -> model.predict(
        new float[][] {new float[d], new float[d + 1]})).getMessage().contains("point 1"));
    float[] nan = new float[d];
    nan[3] = Float.NaN;
    assertTrue(assertThrows(IllegalArgumentException.class, () -> model.predict(
        new float[][] {nan})).getMessage().contains("point 0"));
    assertThrows(IllegalArgumentException.class, () -> model.predict(new float[d], 2));
  }

  @Test
  void optionsForASampleScaleTheSizesToIt() {
    HdbscanOptions whole = HdbscanOptions.minClusterSize(500).withLeafSelection();
    HdbscanOptions part = whole.forSample(20_000, 1_000_000);
    assertEquals(10, part.minClusterSize());
    assertEquals(10, part.minSamples());
    assertTrue(part.leafSelection());
    // Never below a cluster of 2 and a neighbourhood of 1.
    HdbscanOptions tiny = HdbscanOptions.minClusterSize(5).withMinSamples(3).forSample(10, 1000);
    assertEquals(2, tiny.minClusterSize());
    assertEquals(1, tiny.minSamples());
    assertSame(whole, whole.forSample(7, 7));
    assertThrows(IllegalArgumentException.class, () -> whole.forSample(0, 10));
    assertThrows(IllegalArgumentException.class, () -> whole.forSample(11, 10));
  }

  @Test
  void aSavedModelPlacesPointsAsTheFittedOne(@TempDir Path dir) throws IOException {
    int d = 8;
    float[] centres = new float[3 * d];
    for (int g = 0; g < 3; g++) {
      centres[g * d + g] = 12;
    }
    double[] spread = {0.3, 1.0, 0.15};
    EmbedderDescription made = EmbedderDescription.builder("toy", d).weights("w1").build();
    Hdbscan.Model model = Hdbscan.fitModel(blobPoints(new Random(5), centres, spread, 60),
        HdbscanOptions.minClusterSize(12).withMinSamples(5).withLeafSelection())
        .withFittedOn(made);
    Path file = dir.resolve("clusters.hdb");
    model.save(file);
    Hdbscan.Model loaded = Hdbscan.Model.load(file);
    assertEquals(made, loaded.fittedOn().orElseThrow());
    assertEquals(model.options().toString(), loaded.options().toString());
    assertEquals(model.size(), loaded.size());
    Hdbscan.Result a = model.result();
    Hdbscan.Result b = loaded.result();
    assertArrayEquals(a.labels(), b.labels());
    assertArrayEquals(a.probabilities(), b.probabilities());
    assertArrayEquals(a.outlierScores(), b.outlierScores());
    assertArrayEquals(a.stabilities(), b.stabilities());
    assertArrayEquals(a.coreDistances(), b.coreDistances());
    float[][] fresh = blobPoints(new Random(9), centres, new double[] {2, 2, 2}, 50);
    Hdbscan.Prediction p = model.predict(fresh);
    Hdbscan.Prediction q = loaded.predict(fresh);
    assertArrayEquals(p.labels(), q.labels());
    assertArrayEquals(p.probabilities(), q.probabilities());
    assertArrayEquals(p.outlierScores(), q.outlierScores());
    assertTrue(Arrays.stream(p.labels()).anyMatch(l -> l >= 0));
    assertTrue(Hdbscan.fitModel(blobPoints(new Random(5), centres, spread, 60),
        HdbscanOptions.minClusterSize(12)).fittedOn().isEmpty());

    byte[] bytes = Files.readAllBytes(file);
    Path truncated = dir.resolve("truncated.hdb");
    Files.write(truncated, Arrays.copyOf(bytes, bytes.length - 5));
    assertTrue(assertThrows(DamagedFileException.class, () -> Hdbscan.Model.load(truncated))
        .getMessage().contains("truncated.hdb"));
    Path altered = dir.resolve("altered.hdb");
    byte[] changed = bytes.clone();
    changed[bytes.length / 2] ^= 0x10;
    Files.write(altered, changed);
    assertThrows(DamagedFileException.class, () -> Hdbscan.Model.load(altered));
    Path pca = dir.resolve("model.pca");
    io.github.embeddings4j.core.reduce.Pca.fit(new float[][] {{1, 2}, {2, 1}, {3, 5}},
        io.github.embeddings4j.core.reduce.PcaOptions.components(1)).save(pca);
    assertThrows(DamagedFileException.class, () -> Hdbscan.Model.load(pca));
  }

  /** {@code per} Gaussian points around each centre (rows of {@code centres}), blob by blob. */
  private static float[][] blobPoints(Random random, float[] centres, double[] spread,
      int per) {
    int d = centres.length / spread.length;
    float[][] out = new float[spread.length * per][d];
    for (int g = 0; g < spread.length; g++) {
      for (int i = 0; i < per; i++) {
        for (int j = 0; j < d; j++) {
          out[g * per + i][j] = (float) (centres[g * d + j] + random.nextGaussian() * spread[g]);
        }
      }
    }
    return out;
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

  /**
   * HDBSCAN stated another way, slowly: lower a distance threshold through every mutual
   * reachability value and watch each cluster's points fall apart into connected components.
   * A cluster whose points split into two or more components of at least the minimum size
   * ends, and those components start as clusters; points in smaller components leave at that
   * level. Then the same stability and excess-of-mass rule. No spanning tree, no dendrogram.
   */
  private static int[] reference(float[][] x, int minClusterSize, int minSamples) {
    int n = x.length;
    double[][] dist = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        double s = 0;
        for (int t = 0; t < x[i].length; t++) {
          double v = (double) x[i][t] - x[j][t];
          s += v * v;
        }
        dist[i][j] = Math.sqrt(s);
      }
    }
    double[] core = new double[n];
    for (int i = 0; i < n; i++) {
      double[] row = dist[i].clone();
      Arrays.sort(row);
      core[i] = row[minSamples - 1];
    }
    double[][] m = new double[n][n];
    java.util.TreeSet<Double> levels = new java.util.TreeSet<>();
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        m[i][j] = Math.max(dist[i][j], Math.max(core[i], core[j]));
        if (i != j) {
          levels.add(m[i][j]);
        }
      }
    }
    List<int[]> members = new ArrayList<>(); // the points of each cluster
    List<Integer> parent = new ArrayList<>();
    List<Double> birth = new ArrayList<>();
    List<Double> stability = new ArrayList<>();
    int[] all = new int[n];
    for (int i = 0; i < n; i++) {
      all[i] = i;
    }
    members.add(all);
    parent.add(-1);
    birth.add(0.0);
    stability.add(0.0);
    int[] leftFrom = new int[n];
    List<int[]> alive = new ArrayList<>(); // {cluster, ...points still in it}
    alive.add(all);
    List<Integer> aliveId = new ArrayList<>(List.of(0));
    for (double level : levels.descendingSet()) {
      double lambda = 1 / level;
      List<int[]> nextAlive = new ArrayList<>();
      List<Integer> nextId = new ArrayList<>();
      for (int a = 0; a < alive.size(); a++) {
        int[] pts = alive.get(a);
        int id = aliveId.get(a);
        // Components of pts with the edges below the level.
        int[] comp = new int[pts.length];
        Arrays.fill(comp, -1);
        int comps = 0;
        for (int s0 = 0; s0 < pts.length; s0++) {
          if (comp[s0] >= 0) {
            continue;
          }
          java.util.ArrayDeque<Integer> q = new java.util.ArrayDeque<>(List.of(s0));
          comp[s0] = comps;
          while (!q.isEmpty()) {
            int u = q.pop();
            for (int v = 0; v < pts.length; v++) {
              if (comp[v] < 0 && m[pts[u]][pts[v]] < level) {
                comp[v] = comps;
                q.push(v);
              }
            }
          }
          comps++;
        }
        if (comps == 1) {
          nextAlive.add(pts);
          nextId.add(id);
          continue;
        }
        List<int[]> big = new ArrayList<>();
        for (int c = 0; c < comps; c++) {
          int cc = c;
          int[] part = IntStream.range(0, pts.length).filter(t -> comp[t] == cc)
              .map(t -> pts[t]).toArray();
          if (part.length >= minClusterSize) {
            big.add(part);
          } else {
            for (int p : part) {
              leftFrom[p] = id;
              stability.set(id, stability.get(id) + lambda - birth.get(id));
            }
          }
        }
        if (big.size() == 1) {
          nextAlive.add(big.get(0));
          nextId.add(id);
        } else {
          for (int[] part : big) {
            stability.set(id, stability.get(id) + (lambda - birth.get(id)) * part.length);
            members.add(part);
            parent.add(id);
            birth.add(lambda);
            stability.add(0.0);
            nextAlive.add(part);
            nextId.add(members.size() - 1);
          }
        }
      }
      alive = nextAlive;
      aliveId = nextId;
    }
    // Points still together below the smallest level leave at its lambda... they cannot: at
    // the smallest level every edge is removed, so every point has left.
    int k = members.size();
    boolean[] hasChild = new boolean[k];
    for (int c = 1; c < k; c++) {
      hasChild[parent.get(c)] = true;
    }
    boolean[] selected = new boolean[k];
    double[] best = new double[k];
    double[] childSum = new double[k];
    for (int c = k - 1; c >= 1; c--) { // the root is never selected here
      if (!hasChild[c] || stability.get(c) >= childSum[c]) {
        selected[c] = true;
        best[c] = stability.get(c);
        for (int d = c + 1; d < k; d++) {
          for (int a = parent.get(d); a >= 0; a = parent.get(a)) {
            if (a == c) {
              selected[d] = false;
            }
          }
        }
      } else {
        best[c] = childSum[c];
      }
      childSum[parent.get(c)] += best[c];
    }
    int[] labels = new int[n];
    for (int p = 0; p < n; p++) {
      labels[p] = -1;
      for (int c = leftFrom[p]; c >= 0; c = parent.get(c)) {
        if (selected[c]) {
          labels[p] = c;
        }
      }
    }
    return labels;
  }

  /** Two labellings are the same partition (cluster numbers aside, noise as noise). */
  private static void assertSamePartition(int[] expected, int[] actual, String what) {
    java.util.Map<Integer, Integer> map = new java.util.HashMap<>();
    java.util.Map<Integer, Integer> back = new java.util.HashMap<>();
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i] < 0, actual[i] < 0, what + ": noise at " + i + "\n"
          + Arrays.toString(expected) + "\n" + Arrays.toString(actual));
      if (expected[i] >= 0) {
        int e = expected[i];
        int f = actual[i];
        assertEquals(map.computeIfAbsent(e, k -> f), f, what + ": " + i + "\n"
            + Arrays.toString(expected) + "\n" + Arrays.toString(actual));
        assertEquals(back.computeIfAbsent(f, k -> e), e, what);
      }
    }
  }

  /** Points whose cluster (or noise) differs between two partitions, after matching them. */
  private static int disagreements(int[] expected, int[] actual) {
    java.util.Map<Long, Integer> pairs = new java.util.HashMap<>();
    for (int i = 0; i < expected.length; i++) {
      pairs.merge(((long) expected[i] << 32) ^ (actual[i] & 0xffffffffL), 1, Integer::sum);
    }
    // Each expected cluster keeps the actual cluster most of its points went to.
    java.util.Map<Integer, int[]> best = new java.util.HashMap<>();
    pairs.forEach((k, v) -> {
      int e = (int) (k >> 32);
      int a = (int) (long) k;
      if (e >= 0 && a >= 0 && v > best.getOrDefault(e, new int[] {0, 0})[1]) {
        best.put(e, new int[] {a, v});
      }
    });
    int wrong = 0;
    for (int i = 0; i < expected.length; i++) {
      boolean same = expected[i] < 0 ? actual[i] < 0
          : best.containsKey(expected[i]) && best.get(expected[i])[0] == actual[i];
      wrong += same ? 0 : 1;
    }
    return wrong;
  }

  @Test
  void labelsAreThoseOfAThresholdSweepOnRandomSets() {
    Random random = new Random(17);
    int tied = 0;
    int points = 0;
    for (int trial = 0; trial < 80; trial++) {
      int n = 20 + random.nextInt(50);
      int d = 1 + random.nextInt(3);
      int groups = 1 + random.nextInt(4);
      float[][] x = new float[n][d];
      for (int i = 0; i < n; i++) {
        int g = random.nextInt(groups);
        for (int t = 0; t < d; t++) {
          x[i][t] = (float) (random.nextGaussian() * (0.3 + g * 0.4) + g * 4 * (t == 0 ? 1 : 0));
        }
      }
      int mcs = 2 + random.nextInt(6);
      // Half the trials with min samples 1: mutual reachability is the distance, no two
      // levels tie, and the partitions must be the same. With larger min samples many
      // levels are some point's core distance, and where a split and points leaving tie, the
      // order of equal merges decides which cluster those points leave from (as in any
      // implementation on a binary hierarchy): count such points instead.
      int ms = trial % 2 == 0 ? 1 : 2 + random.nextInt(3);
      String what = "trial " + trial + " (n " + n + ", d " + d + ", min size " + mcs
          + ", min samples " + ms + ")";
      int[] expected = reference(x, mcs, ms);
      int[] actual = Hdbscan.fit(x, HdbscanOptions.minClusterSize(mcs).withMinSamples(ms))
          .labels();
      if (ms == 1) {
        assertSamePartition(expected, actual, what);
      } else {
        tied += disagreements(expected, actual);
        points += n;
      }
    }
    assertTrue(tied <= points / 200, tied + " of " + points + " points placed differently");
  }
}
