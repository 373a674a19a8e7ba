package io.github.embeddings4j.benchmarks;

import java.util.concurrent.TimeUnit;
import org.apache.lucene.util.VectorUtil;
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
 * Apache Lucene's {@code VectorUtil} on the same inputs as {@link KernelBenchmark}: the peer our
 * kernels must not be slower than. Lucene has no Manhattan distance; its Hamming is {@code
 * xorBitCount} over the same codes as bytes. Lucene logs at start-up whether its Panama
 * (SIMD) path is on; on JDK 17 (Lucene 9) it never is, on JDK 21+ (Lucene 10) it is when the
 * fork has {@code --add-modules jdk.incubator.vector}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class LuceneKernelBenchmark {

  /** Vector length (bits for Hamming). */
  @Param({"128", "512", "1021", "2048"})
  public int dimension;

  /** The metric. */
  @Param({"dot", "cosine", "euclidean", "hamming"})
  public String metric;

  private float[] a;
  private float[] b;
  private byte[] ca;
  private byte[] cb;
  private int op;

  /** Makes the same inputs as {@link KernelBenchmark} and checks Lucene's answer once. */
  @Setup
  public void setUp() {
    a = Inputs.floats(dimension, 1);
    b = Inputs.floats(dimension, 2);
    long[] la = Inputs.code(dimension, 3);
    long[] lb = Inputs.code(dimension, 4);
    ca = toBytes(la);
    cb = toBytes(lb);
    op = KernelBenchmark.op(metric);
    double expected = switch (metric) {
      case "dot" -> Reference.dot(a, b);
      case "cosine" -> Reference.dot(a, b) / Math.sqrt(Reference.dot(a, a) * Reference.dot(b, b));
      case "euclidean" -> Reference.squaredL2(a, b);
      default -> {
        int h = 0;
        for (int i = 0; i < la.length; i++) {
          h += Long.bitCount(la[i] ^ lb[i]);
        }
        yield h;
      }
    };
    ResultCheck.requireClose("lucene " + metric + "@" + dimension, expected, call(),
        1e-5 * Math.sqrt(dimension));
    Facts.note("lucene.version", org.apache.lucene.util.Version.LATEST);
    Facts.note("lucene.vectorUtilSupport", implementation());
  }

  /**
   * The class behind {@code VectorUtil} ({@code PanamaVectorUtilSupport} when Lucene's SIMD
   * path is on, {@code DefaultVectorUtilSupport} when not), read from its private field because
   * Lucene's own accessor refuses callers outside Lucene. Lucene 9 on JDK 17 logs nothing about
   * its choice, so this is the only record of it there.
   */
  static String implementation() {
    try {
      java.lang.reflect.Field f = VectorUtil.class.getDeclaredField("IMPL");
      f.setAccessible(true);
      return f.get(null).getClass().getSimpleName();
    } catch (ReflectiveOperationException | RuntimeException e) {
      return "unknown (" + e + ")";
    }
  }

  private static byte[] toBytes(long[] words) {
    byte[] out = new byte[words.length * 8];
    for (int i = 0; i < out.length; i++) {
      out[i] = (byte) (words[i >>> 3] >>> ((i & 7) * 8));
    }
    return out;
  }

  /**
   * One call of Lucene's kernel.
   *
   * @return its result
   */
  @Benchmark
  public double call() {
    // An int switch, as in KernelBenchmark, so that both pay the same small dispatch.
    return switch (op) {
      case KernelBenchmark.DOT -> VectorUtil.dotProduct(a, b);
      case KernelBenchmark.COSINE -> VectorUtil.cosine(a, b);
      case KernelBenchmark.EUCLIDEAN -> VectorUtil.squareDistance(a, b);
      default -> VectorUtil.xorBitCount(ca, cb);
    };
  }
}
