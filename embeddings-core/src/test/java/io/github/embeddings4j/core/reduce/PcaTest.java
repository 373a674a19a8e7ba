package io.github.embeddings4j.core.reduce;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.core.io.DamagedFileException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dimensionalityreduction.PCA;
import org.nd4j.linalg.factory.Nd4j;

class PcaTest {

  @TempDir Path dir;

  /** A random orthonormal basis of R^d (Gram-Schmidt on seeded Gaussian vectors), as rows. */
  static double[][] orthonormalBasis(int d, long seed) {
    Random r = new Random(seed);
    double[][] u = new double[d][d];
    for (int i = 0; i < d; i++) {
      for (int j = 0; j < d; j++) {
        u[i][j] = r.nextGaussian();
      }
      for (int p = 0; p < i; p++) {
        double dot = 0;
        for (int j = 0; j < d; j++) {
          dot += u[i][j] * u[p][j];
        }
        for (int j = 0; j < d; j++) {
          u[i][j] -= dot * u[p][j];
        }
      }
      double norm = 0;
      for (int j = 0; j < d; j++) {
        norm += u[i][j] * u[i][j];
      }
      for (int j = 0; j < d; j++) {
        u[i][j] /= Math.sqrt(norm);
      }
    }
    return u;
  }

  /** Gaussian data whose axes u[j] have standard deviations sd[j] (others zero), plus an offset. */
  static float[][] anisotropic(int n, double[][] u, double[] sd, double offset, long seed) {
    Random r = new Random(seed);
    int d = u[0].length;
    float[][] x = new float[n][d];
    for (int i = 0; i < n; i++) {
      double[] row = new double[d];
      for (int a = 0; a < sd.length; a++) {
        double z = r.nextGaussian() * sd[a];
        for (int j = 0; j < d; j++) {
          row[j] += z * u[a][j];
        }
      }
      for (int j = 0; j < d; j++) {
        x[i][j] = (float) (row[j] + offset + j);
      }
    }
    return x;
  }

  static double absCos(float[] a, double[] b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += a[i] * b[i];
      na += (double) a[i] * a[i];
      nb += b[i] * b[i];
    }
    return Math.abs(dot) / Math.sqrt(na * nb);
  }

  static double[][] sampleCovariance(float[][] x) {
    int n = x.length;
    int d = x[0].length;
    double[] mean = new double[d];
    for (float[] row : x) {
      for (int j = 0; j < d; j++) {
        mean[j] += row[j];
      }
    }
    for (int j = 0; j < d; j++) {
      mean[j] /= n;
    }
    double[][] c = new double[d][d];
    for (float[] row : x) {
      for (int i = 0; i < d; i++) {
        for (int j = 0; j < d; j++) {
          c[i][j] += (row[i] - mean[i]) * (row[j] - mean[j]);
        }
      }
    }
    for (int i = 0; i < d; i++) {
      for (int j = 0; j < d; j++) {
        c[i][j] /= n - 1;
      }
    }
    return c;
  }

  @Test
  void exactEigenvaluesFromOrthogonalHadamardDesign() {
    // Rows of the 8x8 Sylvester-Hadamard matrix give +-1 coefficients that have zero mean and are
    // exactly orthogonal, so the sample covariance is exactly sum_j a_j^2 * 8/7 * u_j u_j^T.
    int[][] h = new int[8][8];
    h[0][0] = 1;
    for (int size = 1; size < 8; size *= 2) {
      for (int i = 0; i < size; i++) {
        for (int j = 0; j < size; j++) {
          h[i][j + size] = h[i][j];
          h[i + size][j] = h[i][j];
          h[i + size][j + size] = -h[i][j];
        }
      }
    }
    int d = 5;
    double[][] u = orthonormalBasis(d, 3);
    double[] a = {4, 2, 1};
    float[][] x = new float[8][d];
    for (int i = 0; i < 8; i++) {
      for (int j = 0; j < d; j++) {
        double v = 10 + j;
        for (int c = 0; c < a.length; c++) {
          v += a[c] * h[i][c + 1] * u[c][j];
        }
        x[i][j] = (float) v;
      }
    }
    Pca pca = Pca.fit(x, PcaOptions.components(3));
    double[] variance = pca.explainedVariance();
    for (int c = 0; c < a.length; c++) {
      assertEquals(a[c] * a[c] * 8 / 7, variance[c], 1e-4 * a[0] * a[0], "variance " + c);
      assertEquals(1.0, absCos(pca.components()[c], u[c]), 1e-5, "direction " + c);
    }
    assertEquals((16 + 4 + 1) * 8.0 / 7, pca.totalVariance(), 1e-3);
    assertEquals(1.0, sum(pca.explainedVarianceRatio()), 1e-5);
    float[] mean = pca.mean();
    for (int j = 0; j < d; j++) {
      assertEquals(10 + j, mean[j], 1e-5);
    }
  }

  @Test
  void matchesReferenceJacobiSolverOnRandomData() {
    int d = 12;
    double[] sd = new double[d];
    for (int j = 0; j < d; j++) {
      sd[j] = 12 - j; // distinct variances, so each eigenvector is unique up to sign
    }
    float[][] x = anisotropic(500, orthonormalBasis(d, 5), sd, 100, 6);
    Jacobi ref = Jacobi.of(sampleCovariance(x));
    assertTrue(OpenBlas.AVAILABLE, "the OpenBLAS engine loads in this build");
    for (Pca.Engine blas : Pca.Engine.values()) {
      Pca pca = Pca.fit(flatten(x), x.length, d, PcaOptions.components(d), blas);
      double[] var = pca.explainedVariance();
      float[][] comps = pca.components();
      for (int i = 0; i < d; i++) {
        assertEquals(ref.values[i], var[i], 1e-5 * ref.values[0], "blas=" + blas + " value " + i);
        assertEquals(1.0, absCos(comps[i], ref.vectors[i]), 1e-4, "blas=" + blas + " vector " + i);
      }
    }
  }

  @Test
  void componentsAreOrthonormalWithDeterministicSign() {
    float[][] x = anisotropic(300, orthonormalBasis(9, 8), new double[] {5, 4, 3, 2, 1}, 0, 9);
    Pca pca = Pca.fit(x, PcaOptions.components(5));
    float[][] c = pca.components();
    for (int i = 0; i < c.length; i++) {
      for (int j = 0; j < c.length; j++) {
        double dot = 0;
        for (int t = 0; t < c[i].length; t++) {
          dot += c[i][t] * c[j][t];
        }
        assertEquals(i == j ? 1.0 : 0.0, dot, 1e-5, "dot " + i + "," + j);
      }
      int largest = 0;
      for (int t = 1; t < c[i].length; t++) {
        if (Math.abs(c[i][t]) > Math.abs(c[i][largest])) {
          largest = t;
        }
      }
      assertTrue(c[i][largest] > 0, "largest entry of component " + i + " is positive");
    }
    assertArrayEquals(c[0], Pca.fit(x, PcaOptions.components(5)).components()[0]);
  }

  @Test
  void agreesWithNd4jPcaUpToSign() {
    int d = 10;
    double[] sd = {9, 7, 5, 4, 3, 2, 1.5, 1, 0.5, 0.25};
    float[][] x = anisotropic(400, orthonormalBasis(d, 12), sd, 3, 13);
    int k = 4;
    INDArray factor;
    // pca_factor needs column-major input: given a row-major array, M2.1 returns the columns of
    // V^T instead of V (seen here as |cos| of 0.3 on this data).
    try (INDArray a = Nd4j.create(x).dup('f')) {
      factor = PCA.pca_factor(a, k, true); // d x k, the right singular vectors of the centred data
    }
    Pca pca = Pca.fit(x, PcaOptions.components(k));
    float[][] comps = pca.components();
    for (int i = 0; i < k; i++) {
      double[] theirs = factor.getColumn(i).toDoubleVector();
      assertEquals(1.0, absCos(comps[i], theirs), 1e-4, "component " + i);
    }
  }

  @Test
  void reconstructionErrorFallsWithMoreComponentsAndVanishesWithAll() {
    int d = 8;
    float[][] x = anisotropic(200, orthonormalBasis(d, 21),
        new double[] {6, 5, 4, 3, 2, 1, 0.5, 0.25}, 1, 22);
    Pca full = Pca.fit(x, PcaOptions.components(d));
    double previous = Double.POSITIVE_INFINITY;
    for (int k = 1; k <= d; k++) {
      Pca pca = full.withComponents(k);
      double err = 0;
      for (float[] row : x) {
        float[] back = pca.inverse(pca.reduce(row));
        for (int j = 0; j < d; j++) {
          err += (back[j] - row[j]) * (back[j] - row[j]);
        }
      }
      err /= x.length - 1;
      // The mean squared error is the variance of the dropped components.
      double dropped = 0;
      for (int j = k; j < d; j++) {
        dropped += full.explainedVariance()[j];
      }
      assertEquals(dropped, err, 1e-3 * full.totalVariance() + 1e-3, "k=" + k);
      assertTrue(err < previous, "error falls at k=" + k);
      previous = err;
    }
    assertTrue(previous < 1e-6 * full.totalVariance(), "all components reconstruct exactly");
  }

  @Test
  void varianceFractionKeepsTheFewestComponentsThatReachIt() {
    int d = 6;
    float[][] x = anisotropic(300, orthonormalBasis(d, 31), new double[] {4, 3, 2, 1, 0.5, 0.1},
        0, 32);
    double[] ratio = Pca.fit(x, PcaOptions.components(d)).explainedVarianceRatio();
    assertEquals(1.0, sum(ratio), 1e-6);
    double cumulative = 0;
    for (int k = 1; k <= d; k++) {
      double before = cumulative;
      cumulative += ratio[k - 1];
      // Halfway between the previous cumulative share and this one needs exactly k components.
      Pca pca = Pca.fit(x, PcaOptions.varianceFraction((before + cumulative) / 2));
      assertEquals(k, pca.outputDimension(), "fraction between " + before + " and " + cumulative);
      assertTrue(sum(pca.explainedVarianceRatio()) >= (before + cumulative) / 2);
    }
  }

  @Test
  void whiteningGivesUnitVarianceAndInvertsExactly() {
    int d = 7;
    float[][] x = anisotropic(400, orthonormalBasis(d, 41), new double[] {9, 5, 3, 2, 1, 0.7, 0.4},
        5, 42);
    Pca pca = Pca.fit(x, PcaOptions.components(d).whitened());
    assertTrue(pca.isWhitened());
    float[][] y = pca.reduceAll(x);
    for (int j = 0; j < d; j++) {
      double m = 0;
      for (float[] row : y) {
        m += row[j];
      }
      m /= y.length;
      double v = 0;
      for (float[] row : y) {
        v += (row[j] - m) * (row[j] - m);
      }
      v /= y.length - 1;
      assertEquals(0.0, m, 1e-4, "mean of component " + j);
      assertEquals(1.0, v, 1e-3, "variance of component " + j);
    }
    float[] back = pca.inverse(y[17]);
    for (int j = 0; j < d; j++) {
      assertEquals(x[17][j], back[j], 1e-3);
    }
  }

  @Test
  void batchProjectionEqualsSingleProjectionOnBothProductPaths() {
    // 3000 x 64 x 16 multiply-adds exceed the BLAS threshold; 20 rows stay in Java.
    int d = 64;
    double[] sd = new double[16];
    for (int j = 0; j < sd.length; j++) {
      sd[j] = 16 - j;
    }
    float[][] x = anisotropic(3000, orthonormalBasis(d, 51), sd, 2, 52);
    Pca pca = Pca.fit(x, PcaOptions.components(16));
    assertTrue((long) x.length * d * 16 >= Products.BLAS_THRESHOLD);
    for (int n : new int[] {20, x.length}) {
      float[][] sub = java.util.Arrays.copyOf(x, n);
      float[][] batch = pca.reduceAll(sub);
      for (int i = 0; i < n; i += 7) {
        assertArrayEquals(pca.reduce(sub[i]), batch[i], 1e-3f, "row " + i + " of " + n);
      }
    }
  }

  @Test
  void saveAndLoadGiveTheSameModel() throws IOException {
    float[][] x = anisotropic(100, orthonormalBasis(6, 61), new double[] {3, 2, 1}, 1, 62);
    Pca pca = Pca.fit(x, PcaOptions.components(3).whitened());
    Path file = dir.resolve("model.pca");
    pca.save(file);
    Pca loaded = Pca.load(file);
    assertEquals(pca.inputDimension(), loaded.inputDimension());
    assertEquals(pca.outputDimension(), loaded.outputDimension());
    assertEquals(pca.isWhitened(), loaded.isWhitened());
    assertEquals(pca.totalVariance(), loaded.totalVariance());
    assertArrayEquals(pca.mean(), loaded.mean());
    assertArrayEquals(pca.explainedVariance(), loaded.explainedVariance());
    for (int i = 0; i < 3; i++) {
      assertArrayEquals(pca.components()[i], loaded.components()[i]);
    }
    assertArrayEquals(pca.reduce(x[3]), loaded.reduce(x[3]));
    assertEquals("pca 6 to 3 whitened", loaded.reductionStep());
    assertEquals("pca 6 to 2", Pca.fit(x, PcaOptions.components(2)).reductionStep());
  }

  @Test
  void truncatedOrAlteredFileIsRefusedNamingIt() throws IOException {
    Pca pca = Pca.fit(anisotropic(50, orthonormalBasis(4, 71), new double[] {2, 1}, 0, 72),
        PcaOptions.components(2));
    Path file = dir.resolve("model.pca");
    pca.save(file);
    byte[] bytes = Files.readAllBytes(file);

    Path truncated = dir.resolve("truncated.pca");
    Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length - 9));
    DamagedFileException e1 = assertThrows(DamagedFileException.class, () -> Pca.load(truncated));
    assertTrue(e1.getMessage().contains("truncated.pca"), e1.getMessage());

    Path altered = dir.resolve("altered.pca");
    Files.write(altered, bytes);
    try (FileChannel ch = FileChannel.open(altered, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[] {(byte) (bytes[40] ^ 0x10)}), 40);
    }
    DamagedFileException e2 = assertThrows(DamagedFileException.class, () -> Pca.load(altered));
    assertTrue(e2.getMessage().contains("altered.pca"), e2.getMessage());
  }

  @Test
  void tooManyComponentsAreRefusedWithTheSizes() {
    float[][] x = anisotropic(30, orthonormalBasis(5, 81), new double[] {1}, 0, 82);
    IllegalArgumentException dims = assertThrows(IllegalArgumentException.class,
        () -> Pca.fit(x, PcaOptions.components(6)));
    assertTrue(dims.getMessage().contains("6 components") && dims.getMessage().contains("5 dim"),
        dims.getMessage());
    float[][] few = java.util.Arrays.copyOf(x, 3);
    IllegalArgumentException samples = assertThrows(IllegalArgumentException.class,
        () -> Pca.fit(few, PcaOptions.components(4)));
    assertTrue(samples.getMessage().contains("only 3 samples"), samples.getMessage());
  }

  @Test
  void badInputIsRefusedWithTheValues() {
    IllegalArgumentException ragged = assertThrows(IllegalArgumentException.class,
        () -> Pca.fit(new float[][] {{1, 2}, {3, 4, 5}}, PcaOptions.components(1)));
    assertEquals("row 1: vector dimensions differ: 3 != 2", ragged.getMessage());
    IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
        () -> Pca.fit(new float[][] {{1, 2}, {3, Float.NaN}}, PcaOptions.components(1)));
    assertTrue(nan.getMessage().contains("row 1, column 1"), nan.getMessage());
    Pca pca = Pca.fit(new float[][] {{1, 2}, {3, 5}, {0, 1}}, PcaOptions.components(1));
    IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
        () -> pca.reduce(new float[3]));
    assertEquals("vector dimensions differ: 3 != 2", wrong.getMessage());
    assertThrows(IllegalArgumentException.class, () -> PcaOptions.components(0));
    assertThrows(IllegalArgumentException.class, () -> PcaOptions.varianceFraction(1.5));
    IllegalArgumentException whiten = assertThrows(IllegalArgumentException.class,
        () -> Pca.fit(new float[][] {{1, 1}, {2, 2}, {3, 3}}, PcaOptions.components(2).whitened()));
    assertTrue(whiten.getMessage().contains("component 1"), whiten.getMessage());
  }

  @Test
  void aSetReadInPlaceGivesTheLoadedFitBitForBit() throws IOException {
    // 9,000 rows: two full blocks of 4,096 and a partial one, over mapped segments of 1,000
    // rows, so blocks straddle segments. Both engines: 9,000 x 40^2 is under the native
    // threshold, 9,000 x 60^2 over it.
    for (int d : new int[] {40, 60}) {
      double[] sd = new double[d];
      for (int i = 0; i < d; i++) {
        sd[i] = 10.0 / (1 + i);
      }
      float[][] x = anisotropic(9_000, orthonormalBasis(d, 91 + d), sd, 5.0, 92 + d);
      Path npy = dir.resolve("set" + d + ".npy");
      io.github.embeddings4j.core.io.Npy.write(npy, x);
      io.github.embeddings4j.core.io.MappedNpy mapped =
          io.github.embeddings4j.core.io.MappedNpy.open(npy, 1_000L * d * 4);
      assertTrue(mapped.segments() > 1);
      for (PcaOptions options : new PcaOptions[] {PcaOptions.components(7),
          PcaOptions.varianceFraction(0.9).whitened()}) {
        Pca loaded = Pca.fit(x, options);
        Pca inPlace = Pca.fit(mapped, options);
        assertArrayEquals(loaded.mean(), inPlace.mean(), "mean, d = " + d);
        assertArrayEquals(loaded.explainedVariance(), inPlace.explainedVariance());
        assertEquals(loaded.totalVariance(), inPlace.totalVariance());
        for (int c = 0; c < loaded.outputDimension(); c++) {
          assertArrayEquals(loaded.components()[c], inPlace.components()[c], "component " + c);
        }
      }
    }
    float[][] bad = anisotropic(50, orthonormalBasis(3, 1), new double[] {1}, 0, 2);
    bad[37][2] = Float.POSITIVE_INFINITY;
    Path npy = dir.resolve("bad.npy");
    io.github.embeddings4j.core.io.Npy.write(npy, bad);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Pca.fit(io.github.embeddings4j.core.io.MappedNpy.open(npy), PcaOptions.components(2)));
    assertTrue(e.getMessage().contains("row 37, column 2"), e.getMessage());
  }

  static float[] flatten(float[][] x) {
    int d = x[0].length;
    float[] out = new float[x.length * d];
    for (int i = 0; i < x.length; i++) {
      System.arraycopy(x[i], 0, out, i * d, d);
    }
    return out;
  }

  static double sum(double[] v) {
    double s = 0;
    for (double x : v) {
      s += x;
    }
    return s;
  }
}
