package io.github.embeddings4j.gpu;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;

/** Whether this machine has a GPU the tests can use; the reason is printed once when not. */
final class GpuTests {

  private static String reason;
  private static boolean checked;

  private GpuTests() {}

  /** Null when a GPU can be used, else why not. */
  static synchronized String unavailableReason() {
    if (!checked) {
      checked = true;
      reason = GpuDevice.unavailableReason();
      if (reason != null) {
        System.err.println("embeddings-gpu: GPU tests skipped: " + reason);
      } else {
        System.err.println("embeddings-gpu: GPU tests on " + GpuDevice.list().get(0));
      }
    }
    return reason;
  }

  /** Skips the calling test, with the reason, on a machine without a usable GPU. */
  static void assumeGpu() {
    String r = unavailableReason();
    assumeTrue(r == null, () -> "no GPU: " + r);
  }

  /** Seeded vectors with components in [-1, 1). */
  static float[][] random(long seed, int n, int d) {
    SplittableRandom rnd = new SplittableRandom(seed);
    float[][] v = new float[n][d];
    for (float[] row : v) {
      for (int i = 0; i < d; i++) {
        row[i] = (float) rnd.nextDouble(-1, 1);
      }
    }
    return v;
  }
}
