package io.github.embeddings4j.core.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.core.io.DamagedFileException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KMeansTest {

  @TempDir Path dir;

  /** Gaussian blobs (sd 0.5) around random centres 20 apart on average; label = blob. */
  record Blobs(float[][] points, int[] truth, float[][] centres) {}

  static Blobs blobs(int count, int perBlob, int d, long seed) {
    Random r = new Random(seed);
    float[][] centres = new float[count][d];
    for (float[] c : centres) {
      for (int t = 0; t < d; t++) {
        c[t] = (float) (r.nextDouble() * 40 - 20);
      }
    }
    float[][] points = new float[count * perBlob][d];
    int[] truth = new int[points.length];
    for (int i = 0; i < points.length; i++) {
      // Interleave blobs so that order carries no hint.
      int b = i % count;
      truth[i] = b;
      for (int t = 0; t < d; t++) {
        points[i][t] = (float) (centres[b][t] + 0.5 * r.nextGaussian());
      }
    }
    return new Blobs(points, truth, centres);
  }

  /** Asserts that clusters and blobs correspond one to one. */
  static void assertSamePartition(int[] truth, int[] labels, int k) {
    int[] blobToCluster = new int[k];
    Arrays.fill(blobToCluster, -1);
    boolean[] used = new boolean[k];
    for (int i = 0; i < truth.length; i++) {
      if (blobToCluster[truth[i]] < 0) {
        assertFalse(used[labels[i]], "cluster " + labels[i] + " holds two blobs");
        blobToCluster[truth[i]] = labels[i];
        used[labels[i]] = true;
      }
      assertEquals(blobToCluster[truth[i]], labels[i], "point " + i + " of blob " + truth[i]);
    }
  }

  @Test
  void recoversWellSeparatedBlobsWithBothAssignmentStrategies() {
    Blobs b = blobs(5, 60, 8, 1);
    for (Assigner.Strategy s : Assigner.Strategy.values()) {
      KMeans km = KMeans.fit(b.points(), 8, KMeansOptions.clusters(5).withSeed(3), s);
      assertSamePartition(b.truth(), km.assignments(), 5);
      assertTrue(km.converged(), s + " converged");
      int[] labels = km.assignments();
      for (int i = 0; i < b.points().length; i++) {
        float[] c = km.centroid(labels[i]);
        for (int t = 0; t < 8; t++) {
          assertEquals(b.centres()[b.truth()[i]][t], c[t], 0.3, s + " centroid of blob");
        }
      }
      assertArrayEquals(new int[] {60, 60, 60, 60, 60}, km.clusterSizes());
    }
  }

  @Test
  void inertiaIsTheSumOfSquaredDistancesToTheAssignedCentroids() {
    Blobs b = blobs(4, 50, 6, 2);
    KMeans km = KMeans.fit(b.points(), KMeansOptions.clusters(4).withSeed(1));
    double expected = 0;
    int[] labels = km.assignments();
    for (int i = 0; i < labels.length; i++) {
      float[] c = km.centroid(labels[i]);
      for (int t = 0; t < 6; t++) {
        double delta = b.points()[i][t] - c[t];
        expected += delta * delta;
      }
    }
    assertEquals(expected, km.inertia(), 1e-9 * expected);
    assertArrayEquals(labels, km.predictAll(b.points()));
  }

  @Test
  void sameSeedGivesIdenticalResultsWhateverTheThreadCount() {
    Blobs b = blobs(6, 400, 10, 4);
    // Overlapping blobs (sd 0.5 but k larger than the blob count) make the path depend on seeds.
    KMeansOptions options = KMeansOptions.clusters(9).withSeed(11);
    KMeans one = KMeans.fit(b.points(), options.withThreads(1));
    KMeans two = KMeans.fit(b.points(), options.withThreads(2));
    KMeans again = KMeans.fit(b.points(), options.withThreads(3));
    for (KMeans other : new KMeans[] {two, again}) {
      assertArrayEquals(one.assignments(), other.assignments());
      assertEquals(one.inertia(), other.inertia());
      assertEquals(one.iterations(), other.iterations());
      for (int j = 0; j < 9; j++) {
        assertArrayEquals(one.centroid(j), other.centroid(j));
      }
    }
    KMeans blasOne = KMeans.fit(b.points(), 10, options.withThreads(1), Assigner.Strategy.BLAS);
    KMeans blasTwo = KMeans.fit(b.points(), 10, options.withThreads(2), Assigner.Strategy.BLAS);
    assertArrayEquals(blasOne.assignments(), blasTwo.assignments());
    assertEquals(blasOne.inertia(), blasTwo.inertia());
    KMeans otherSeed = KMeans.fit(b.points(), options.withSeed(12));
    assertFalse(Arrays.deepEquals(one.centroids(), otherSeed.centroids()),
        "another seed starts elsewhere");
  }

  @Test
  void greedySeedingFindsEveryBlobOfManyWellSeparatedOnes() {
    // Ten tight blobs: plain k-means++ puts two seeds in one blob now and then, and Lloyd's
    // iterations cannot move a seed across to the blob left without one.
    Blobs b = blobs(10, 100, 16, 9);
    for (long seed = 0; seed < 20; seed++) {
      KMeans km = KMeans.fit(b.points(), KMeansOptions.clusters(10).withSeed(seed));
      assertSamePartition(b.truth(), km.assignments(), 10);
    }
  }

  @Test
  void samplingFollowsTheRunningSumOfTheWeights() {
    double[] weights = {0, 2, 0, 1, 3};
    // Running sums 2, 3, 6 at points 1, 3, 4; weightless points are never drawn.
    assertArrayEquals(new int[] {4, 1, 3, 1, 4},
        KMeans.sample(weights, new double[] {5.9, 0.0, 2.5, 1.99, 3.0}));
    // A target at the very sum (rounding) takes the last point with weight.
    assertArrayEquals(new int[] {2}, KMeans.sample(new double[] {1, 1, 1, 0}, new double[] {3.0}));
  }

  @Test
  void emptyClusterTakesThePointFarthestFromItsCentroid() {
    int[] labels = {0, 0, 0, 1, 1};
    float[] distances = {1, 5, 2, 9, 3};
    KMeans.repairEmpty(labels, distances, 4);
    // Cluster 2 takes point 3 (distance 9), cluster 3 then takes point 1 (distance 5).
    assertArrayEquals(new int[] {0, 3, 0, 2, 1}, labels);
    assertEquals(0f, distances[3]);
  }

  @Test
  void aCentroidThatAttractsNothingIsRepairedDuringFitting() {
    Blobs b = blobs(3, 40, 4, 5);
    float[][] init = {b.points()[0].clone(), b.points()[3].clone(), {1e4f, 1e4f, 1e4f, 1e4f}};
    // Points 0 and 3 are both in blob 0; the far centroid attracts no point at first.
    KMeans km = KMeans.fit(b.points(), KMeansOptions.clusters(3).withInitialCentroids(init));
    assertSamePartition(b.truth(), km.assignments(), 3);
    for (int size : km.clusterSizes()) {
      assertEquals(40, size);
    }
  }

  @Test
  void asManyClustersAsDistinctPointsGivesZeroInertia() {
    float[][] points = {{0, 0}, {1, 0}, {0, 1}, {5, 5}};
    KMeans km = KMeans.fit(points, KMeansOptions.clusters(4).withSeed(2));
    assertEquals(0.0, km.inertia());
    assertEquals(4, Arrays.stream(km.assignments()).distinct().count());
    float[][] same = {{1, 1}, {1, 1}, {1, 1}, {1, 1}, {1, 1}};
    KMeans dup = KMeans.fit(same, KMeansOptions.clusters(3));
    assertEquals(0.0, dup.inertia());
  }

  @Test
  void iterationLimitStopsFittingUnconverged() {
    // Uniform points have no natural clusters, so Lloyd needs many small steps.
    Random r = new Random(6);
    float[][] points = new float[800][2];
    for (float[] p : points) {
      p[0] = r.nextFloat();
      p[1] = r.nextFloat();
    }
    KMeans full = KMeans.fit(points, KMeansOptions.clusters(8).withSeed(5).withTolerance(0));
    assertTrue(full.converged());
    assertTrue(full.iterations() > 2, "needs several iterations: " + full.iterations());
    KMeans cut = KMeans.fit(points,
        KMeansOptions.clusters(8).withSeed(5).withTolerance(0).withMaxIterations(1));
    assertEquals(1, cut.iterations());
    assertFalse(cut.converged());
    assertTrue(cut.inertia() >= full.inertia());
  }

  @Test
  void contiguousAndRowInputsGiveTheSameClustering() {
    Blobs b = blobs(3, 30, 5, 7);
    float[] flat = new float[90 * 5];
    for (int i = 0; i < 90; i++) {
      System.arraycopy(b.points()[i], 0, flat, i * 5, 5);
    }
    KMeansOptions options = KMeansOptions.clusters(3).withSeed(8);
    assertArrayEquals(KMeans.fit(b.points(), options).assignments(),
        KMeans.fit(flat, 90, 5, options).assignments());
  }

  @Test
  void saveAndLoadGiveTheSameClustering() throws IOException {
    Blobs b = blobs(3, 30, 5, 9);
    KMeans km = KMeans.fit(b.points(), KMeansOptions.clusters(3).withSeed(1));
    Path file = dir.resolve("km.bin");
    km.save(file);
    KMeans back = KMeans.load(file);
    assertArrayEquals(km.assignments(), back.assignments());
    assertEquals(km.inertia(), back.inertia());
    assertEquals(km.iterations(), back.iterations());
    assertEquals(km.converged(), back.converged());
    for (int j = 0; j < 3; j++) {
      assertArrayEquals(km.centroid(j), back.centroid(j));
    }
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(bytes, bytes.length - 1));
    DamagedFileException e = assertThrows(DamagedFileException.class, () -> KMeans.load(file));
    assertTrue(e.getMessage().contains("km.bin"), e.getMessage());
  }

  @Test
  void badInputIsRefusedWithTheValues() {
    float[][] three = {{1, 2}, {3, 4}, {5, 6}};
    IllegalArgumentException many = assertThrows(IllegalArgumentException.class,
        () -> KMeans.fit(three, KMeansOptions.clusters(4)));
    assertEquals("k-means asked for 4 clusters but there are only 3 points", many.getMessage());
    IllegalArgumentException ragged = assertThrows(IllegalArgumentException.class,
        () -> KMeans.fit(new float[][] {{1, 2}, {3}}, KMeansOptions.clusters(1)));
    assertEquals("row 1: vector dimensions differ: 1 != 2", ragged.getMessage());
    IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
        () -> KMeans.fit(new float[][] {{1, 2}, {Float.NaN, 4}}, KMeansOptions.clusters(1)));
    assertTrue(nan.getMessage().contains("row 1, column 0"), nan.getMessage());
    assertThrows(IllegalArgumentException.class, () -> KMeansOptions.clusters(0));
    assertThrows(IllegalArgumentException.class,
        () -> KMeansOptions.clusters(2).withInitialCentroids(new float[1][2]));
    KMeans km = KMeans.fit(three, KMeansOptions.clusters(2));
    IllegalArgumentException dims = assertThrows(IllegalArgumentException.class,
        () -> km.predict(new float[3]));
    assertEquals("vector dimensions differ: 3 != 2", dims.getMessage());
  }
}
