package io.github.embeddings4j.cuda;

import io.github.embeddings4j.api.BackendReport;
import io.github.embeddings4j.core.backend.Backends;
import java.io.PrintStream;
import java.util.Locale;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Checks a machine: which ND4J backend embeddings4j chose and why, the device's facts, and a
 * matrix product on that backend against a plain-Java reference. Run it where the GPU should be
 * used ({@code java -cp <classpath> io.github.embeddings4j.cuda.CheckGpu}); add {@code
 * -Dembeddings4j.backend=gpu} to make "no usable GPU" an error instead of a CPU fallback.
 *
 * <p>Exit status: 0 when the product agrees (within 1e-4 relative), 1 when it does not, 2 when
 * the backend cannot start (the message says why).
 */
public final class CheckGpu {

  private CheckGpu() {}

  /**
   * Prints the report and the check.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    PrintStream out = System.out;
    BackendReport r;
    try {
      r = Backends.report();
    } catch (IllegalStateException e) {
      System.err.println("backend cannot start: " + e.getMessage());
      System.exit(2);
      return;
    }
    out.println("backend:            " + r.backend() + " (" + r.build() + ")");
    out.println("why:                " + r.reason());
    out.println("device:             " + r.device()
        + (r.onGpu() ? ", compute capability " + r.computeCapability() : ""));
    if (r.onGpu()) {
      out.printf(Locale.ROOT, "GPU memory:         %.1f GiB%n", r.memoryBytes() / 1073741824.0);
      out.println("CUDA / cuDNN:       " + r.cudaVersion() + " / "
          + (r.cudnnVersion().isEmpty() ? "not loaded" : r.cudnnVersion()));
    }
    for (String gpu : r.gpus()) {
      out.println("GPU found:          " + gpu);
    }
    double error = productError(256, 42);
    out.printf(Locale.ROOT, "matrix product:     max relative error %.2e against plain Java%n",
        error);
    System.exit(error <= 1e-4 ? 0 : 1);
  }

  /**
   * Multiplies two seeded random {@code n x n} matrices on the active backend and returns the
   * largest error relative to the largest magnitude of the plain-Java product.
   *
   * @param n the size
   * @param seed the seed
   * @return the relative error
   */
  static double productError(int n, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] a = new float[n * n];
    float[] b = new float[n * n];
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) random.nextDouble(-1, 1);
      b[i] = (float) random.nextDouble(-1, 1);
    }
    INDArray c = Nd4j.create(a, new long[] {n, n}, 'c').mmul(Nd4j.create(b, new long[] {n, n},
        'c'));
    float[] got = c.castTo(DataType.FLOAT).dup('c').data().asFloat();
    double worst = 0;
    double scale = 0;
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        double sum = 0;
        for (int k = 0; k < n; k++) {
          sum += (double) a[i * n + k] * b[k * n + j];
        }
        scale = Math.max(scale, Math.abs(sum));
        worst = Math.max(worst, Math.abs(sum - got[i * n + j]));
      }
    }
    return worst / scale;
  }
}
