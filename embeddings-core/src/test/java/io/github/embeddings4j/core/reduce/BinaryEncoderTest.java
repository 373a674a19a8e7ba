package io.github.embeddings4j.core.reduce;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.core.io.DamagedFileException;
import io.github.embeddings4j.core.reduce.ThresholdBinarizer.Threshold;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BinaryEncoderTest {

  @TempDir Path dir;

  static final float[][] HAND = {{0, 10, 5}, {2, 20, 5}, {4, 60, 5}};

  @Test
  void meanThresholdsSetBitsAboveTheColumnMeans() {
    ThresholdBinarizer bin = ThresholdBinarizer.fit(HAND, Threshold.MEAN);
    assertArrayEquals(new float[] {2, 30, 5}, bin.thresholds());
    assertEquals(3, bin.bits());
    assertEquals(1, bin.words());
    // 3 > 2, 25 < 30, 6 > 5: bits 0 and 2.
    assertArrayEquals(new long[] {0b101}, bin.encode(new float[] {3, 25, 6}));
    // Equal to the threshold is not above it.
    assertArrayEquals(new long[] {0b000}, bin.encode(new float[] {2, 30, 5}));
    assertArrayEquals(new long[] {0b010}, bin.encode(new float[] {1, 31, Float.NaN}));
  }

  @Test
  void medianThresholdsSetBitsAboveTheColumnMedians() {
    ThresholdBinarizer bin = ThresholdBinarizer.fit(HAND, Threshold.MEDIAN);
    assertArrayEquals(new float[] {2, 20, 5}, bin.thresholds());
    assertArrayEquals(new long[] {0b111}, bin.encode(new float[] {3, 25, 6}));
    float[][] even = {{1}, {4}, {10}, {2}};
    assertArrayEquals(new float[] {3}, ThresholdBinarizer.fit(even, Threshold.MEDIAN).thresholds());
  }

  @Test
  void bitsBeyondSixtyFourGoToLaterWords() {
    int d = 130;
    float[][] zeros = new float[2][d];
    ThresholdBinarizer bin = ThresholdBinarizer.fit(zeros, Threshold.MEAN);
    assertEquals(3, bin.words());
    float[] v = new float[d];
    v[0] = 1;
    v[63] = 1;
    v[66] = 1;
    v[129] = 1;
    v[128] = -1;
    assertArrayEquals(new long[] {1L | (1L << 63), 1L << 2, 1L << 1}, bin.encode(v));
    // The packed code agrees with the API's sign-bit Hamming on float vectors.
    float[] u = new float[d];
    u[66] = 1;
    u[5] = 2;
    assertEquals(StandardMetric.HAMMING.distance(v, u),
        StandardMetric.HAMMING.distance(bin.encode(v), bin.encode(u)));
  }

  @Test
  void pcaBeforeThresholdsGivesOneBitPerComponent() {
    float[][] x = PcaTest.anisotropic(200, PcaTest.orthonormalBasis(10, 4),
        new double[] {5, 4, 3, 2}, 7, 5);
    Pca pca = Pca.fit(x, PcaOptions.components(4));
    ThresholdBinarizer bin = ThresholdBinarizer.fit(x, Threshold.MEDIAN, pca);
    assertEquals(10, bin.inputDimension());
    assertEquals(4, bin.bits());
    float[] projected = pca.reduce(x[9]);
    float[] t = bin.thresholds();
    long expected = 0;
    for (int i = 0; i < 4; i++) {
      if (projected[i] > t[i]) {
        expected |= 1L << i;
      }
    }
    assertArrayEquals(new long[] {expected}, bin.encode(x[9]));
    // Median thresholds split the training data in half along every bit.
    long[][] codes = bin.encodeAll(x);
    for (int i = 0; i < 4; i++) {
      int ones = 0;
      for (long[] c : codes) {
        ones += (int) (c[0] >>> i) & 1;
      }
      assertEquals(100, ones, 1, "ones in bit " + i);
    }
  }

  @Test
  void simHashHammingDistanceEstimatesTheAngle() {
    int d = 64;
    int bits = 1024;
    Random r = new Random(17);
    for (double theta : new double[] {0.2, Math.PI / 4, Math.PI / 2, 2.5}) {
      double sum = 0;
      int pairs = 12;
      for (int p = 0; p < pairs; p++) {
        float[][] ab = pairAtAngle(d, theta, r);
        SimHash hash = SimHash.create(d, bits, 1000 + p);
        sum += StandardMetric.HAMMING.distance(hash.encode(ab[0]), hash.encode(ab[1])) / bits;
      }
      // Each estimate has standard deviation sqrt(p(1-p)/1024) <= 0.016; the mean of 12 about
      // 0.0045, so 0.02 is more than four of those.
      assertEquals(theta / Math.PI, sum / pairs, 0.02, "theta " + theta);
    }
  }

  static float[][] pairAtAngle(int d, double theta, Random r) {
    double[] a = new double[d];
    double[] b = new double[d];
    for (int j = 0; j < d; j++) {
      a[j] = r.nextGaussian();
      b[j] = r.nextGaussian();
    }
    normalise(a);
    double dot = 0;
    for (int j = 0; j < d; j++) {
      dot += a[j] * b[j];
    }
    for (int j = 0; j < d; j++) {
      b[j] -= dot * a[j];
    }
    normalise(b);
    float[] x = new float[d];
    float[] y = new float[d];
    for (int j = 0; j < d; j++) {
      x[j] = (float) a[j];
      y[j] = (float) (Math.cos(theta) * a[j] + Math.sin(theta) * b[j]);
    }
    return new float[][] {x, y};
  }

  static void normalise(double[] v) {
    double n = 0;
    for (double x : v) {
      n += x * x;
    }
    for (int j = 0; j < v.length; j++) {
      v[j] /= Math.sqrt(n);
    }
  }

  @Test
  void simHashIsRepeatableForASeedAndDiffersAcrossSeeds() {
    float[] v = pairAtAngle(32, 1, new Random(3))[0];
    assertArrayEquals(SimHash.create(32, 200, 9).encode(v), SimHash.create(32, 200, 9).encode(v));
    assertFalse(Arrays.equals(SimHash.create(32, 200, 9).encode(v),
        SimHash.create(32, 200, 10).encode(v)));
    long[] code = SimHash.create(32, 200, 9).encode(v);
    assertEquals(4, code.length);
    assertEquals(0, code[3] >>> (200 - 192), "bits past the code length stay zero");
  }

  @Test
  void batchEncodingEqualsSingleEncodingOnBothProductPaths() {
    int d = 48;
    SimHash hash = SimHash.create(d, 100, 5);
    Random r = new Random(6);
    for (int n : new int[] {3, 1000}) {
      float[][] x = new float[n][d];
      for (float[] row : x) {
        for (int j = 0; j < d; j++) {
          row[j] = (float) r.nextGaussian();
        }
      }
      long[][] batch = hash.encodeAll(x);
      for (int i = 0; i < n; i += 11) {
        assertArrayEquals(hash.encode(x[i]), batch[i], "row " + i + " of " + n);
      }
    }
    assertTrue(1000L * d * 100 >= Products.BLAS_THRESHOLD, "the large batch takes the BLAS path");
  }

  @Test
  void saveAndLoadGiveTheSameEncoders() throws IOException {
    SimHash hash = SimHash.create(20, 70, 123);
    Path f1 = dir.resolve("hash.bin");
    hash.save(f1);
    SimHash loaded = SimHash.load(f1);
    assertEquals(123, loaded.seed());
    assertEquals(70, loaded.bits());
    for (int i = 0; i < 70; i++) {
      assertArrayEquals(hash.hyperplanes()[i], loaded.hyperplanes()[i]);
    }

    float[][] x = PcaTest.anisotropic(80, PcaTest.orthonormalBasis(6, 1),
        new double[] {3, 2, 1}, 2, 2);
    ThresholdBinarizer withPca = ThresholdBinarizer.fit(x, Threshold.MEAN,
        Pca.fit(x, PcaOptions.components(3)));
    ThresholdBinarizer plain = ThresholdBinarizer.fit(x, Threshold.MEDIAN);
    for (ThresholdBinarizer bin : new ThresholdBinarizer[] {withPca, plain}) {
      Path f = dir.resolve("bin-" + bin.bits() + ".bin");
      bin.save(f);
      ThresholdBinarizer back = ThresholdBinarizer.load(f);
      assertEquals(bin.threshold(), back.threshold());
      assertArrayEquals(bin.thresholds(), back.thresholds());
      assertEquals(bin.projection() != null, back.projection() != null);
      for (float[] row : x) {
        assertArrayEquals(bin.encode(row), back.encode(row));
      }
    }
    assertNotNull(ThresholdBinarizer.load(dir.resolve("bin-3.bin")).projection());
  }

  @Test
  void damagedFilesAreRefused() throws IOException {
    Path f = dir.resolve("hash.bin");
    SimHash.create(8, 16, 1).save(f);
    byte[] bytes = Files.readAllBytes(f);
    bytes[30] ^= 1;
    Files.write(f, bytes);
    DamagedFileException e = assertThrows(DamagedFileException.class, () -> SimHash.load(f));
    assertTrue(e.getMessage().contains("hash.bin"), e.getMessage());
    Path g = dir.resolve("other.bin");
    SimHash.create(8, 16, 1).save(g);
    assertThrows(DamagedFileException.class, () -> ThresholdBinarizer.load(g));
  }

  @Test
  void badInputIsRefusedWithTheValues() {
    ThresholdBinarizer bin = ThresholdBinarizer.fit(HAND, Threshold.MEAN);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> bin.encode(new float[4]));
    assertEquals("vector dimensions differ: 4 != 3", e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> ThresholdBinarizer.fit(new float[0][], Threshold.MEAN));
    assertThrows(IllegalArgumentException.class, () -> SimHash.create(0, 8, 1));
    IllegalArgumentException rows = assertThrows(IllegalArgumentException.class,
        () -> SimHash.create(4, 8, 1).encodeAll(new float[7], 2));
    assertEquals("2 rows of dimension 4 need 8 values, but the array holds 7", rows.getMessage());
  }
}
