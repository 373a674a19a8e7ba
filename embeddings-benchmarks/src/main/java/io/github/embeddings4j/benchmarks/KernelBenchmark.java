package io.github.embeddings4j.benchmarks;

import io.github.embeddings4j.api.spi.VectorKernels;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One pair of vectors per call, for each metric: our Vector-API kernels ({@code panama}), our
 * plain-Java kernels ({@code scalar}) and ND4J's per-pair calls ({@code nd4j}: {@code
 * Transforms.cosineSim}, {@code euclideanDistance}, {@code manhattanDistance}, {@code
 * hammingDistance} and BLAS {@code dot} on row vectors made once in setup). Lucene is measured
 * by {@link LuceneKernelBenchmark}.
 *
 * <p>Hamming compares packed codes of {@code dimension} bits for ours, and {@code dimension}
 * 0/1 floats for ND4J, which has no packed form. Warm-up of 3 seconds lets C2 compile the
 * kernels (they are small; about 10k calls suffice); one fork keeps the quick profile quick, and
 * the full profile raises it from the command line ({@code -f 3}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class KernelBenchmark {

  static {
    // Before ND4J loads: the same native build as the SDK's own code uses.
    Facts.nativeBuild();
  }

  /** Vector length (bits for Hamming). */
  @Param({"128", "512", "1021", "2048"})
  public int dimension;

  /** The metric. */
  @Param({"dot", "cosine", "euclidean", "manhattan", "hamming"})
  public String metric;

  /** Whose implementation: panama, scalar or nd4j. */
  @Param({"panama", "scalar", "nd4j"})
  public String impl;

  private float[] a;
  private float[] b;
  private long[] ca;
  private long[] cb;
  private INDArray na;
  private INDArray nb;
  private VectorKernels kernels;
  private int op;

  static final int DOT = 0;
  static final int COSINE = 1;
  static final int EUCLIDEAN = 2;
  static final int MANHATTAN = 3;
  static final int HAMMING = 4;
  private static final int ND4J = 5;

  /** Makes the inputs and checks this implementation against the reference once. */
  @Setup
  public void setUp() {
    a = Inputs.floats(dimension, 1);
    b = Inputs.floats(dimension, 2);
    ca = Inputs.code(dimension, 3);
    cb = Inputs.code(dimension, 4);
    if (impl.equals("nd4j")) {
      if (metric.equals("hamming")) {
        na = Nd4j.create(bitsAsFloats(ca, dimension));
        nb = Nd4j.create(bitsAsFloats(cb, dimension));
      } else {
        na = Nd4j.create(a);
        nb = Nd4j.create(b);
      }
      op = ND4J + op(metric);
    } else {
      kernels = Inputs.kernels(impl);
      op = op(metric);
    }
    double expected = reference();
    double actual = call();
    ResultCheck.requireClose(impl + " " + metric + "@" + dimension, expected, actual,
        1e-5 * Math.sqrt(dimension));
  }

  static float[] bitsAsFloats(long[] code, int bits) {
    float[] f = new float[bits];
    for (int i = 0; i < bits; i++) {
      f[i] = (code[i >>> 6] >>> (i & 63) & 1L) != 0 ? 1f : 0f;
    }
    return f;
  }

  /** The value every implementation must give, in double precision, in its own convention. */
  private double reference() {
    double dot = 0;
    double na2 = 0;
    double nb2 = 0;
    double l1 = 0;
    double l2 = 0;
    for (int i = 0; i < dimension; i++) {
      dot += (double) a[i] * b[i];
      na2 += (double) a[i] * a[i];
      nb2 += (double) b[i] * b[i];
      l1 += Math.abs((double) a[i] - b[i]);
      l2 += ((double) a[i] - b[i]) * ((double) a[i] - b[i]);
    }
    int hamming = 0;
    for (int i = 0; i < ca.length; i++) {
      hamming += Long.bitCount(ca[i] ^ cb[i]);
    }
    boolean nd4j = impl.equals("nd4j");
    return switch (metric) {
      case "dot" -> dot;
      case "cosine" -> dot / Math.sqrt(na2 * nb2);
      case "euclidean" -> nd4j ? Math.sqrt(l2) : l2;
      case "manhattan" -> l1;
      case "hamming" -> nd4j && isNormalisedHamming() ? (double) hamming / dimension : hamming;
      default -> throw new IllegalArgumentException("unknown metric " + metric);
    };
  }

  /** ND4J's hammingDistance returns a fraction of differing positions in some versions. */
  private boolean isNormalisedHamming() {
    double probe = Transforms.hammingDistance(Nd4j.create(new float[] {1, 0}),
        Nd4j.create(new float[] {0, 0}));
    return probe < 1.0;
  }

  /**
   * One call of the measured implementation.
   *
   * @return its result, for JMH to consume
   */
  @Benchmark
  public double call() {
    // One int switch, resolved in setup: a String switch per call cost a few nanoseconds of a
    // call that takes tens.
    return switch (op) {
      case DOT -> kernels.dotProduct(a, b);
      case COSINE -> kernels.cosine(a, b);
      case EUCLIDEAN -> kernels.squareDistance(a, b);
      case MANHATTAN -> kernels.manhattan(a, b);
      case HAMMING -> kernels.hamming(ca, cb);
      case ND4J + DOT -> Nd4j.getBlasWrapper().dot(na, nb);
      case ND4J + COSINE -> Transforms.cosineSim(na, nb);
      case ND4J + EUCLIDEAN -> Transforms.euclideanDistance(na, nb);
      case ND4J + MANHATTAN -> Transforms.manhattanDistance(na, nb);
      default -> Transforms.hammingDistance(na, nb);
    };
  }

  /**
   * The metric's number for {@link #call()}'s switch.
   *
   * @param metric the metric's name
   * @return its number
   */
  static int op(String metric) {
    return switch (metric) {
      case "dot" -> DOT;
      case "cosine" -> COSINE;
      case "euclidean" -> EUCLIDEAN;
      case "manhattan" -> MANHATTAN;
      case "hamming" -> HAMMING;
      default -> throw new IllegalArgumentException("unknown metric " + metric);
    };
  }
}
