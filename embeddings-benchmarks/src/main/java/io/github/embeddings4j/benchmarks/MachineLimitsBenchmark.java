package io.github.embeddings4j.benchmarks;

import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The machine's own limits, measured in the same run as everything else so that ratios compare
 * like with like on a shared, noisy machine:
 *
 * <ul>
 *   <li>{@code readOneThread} / {@code readAllThreads}: STREAM-like read bandwidth, summing a
 *       1 GiB {@code int[]} (four times this machine's 260 MiB L3, so it streams from memory).
 *       Integer sums through the Vector API (the widest loads the JDK can issue); bytes per
 *       second is {@code 2^30 / score}.</li>
 *   <li>{@code sgemm}: the single-precision matrix-multiply rate ND4J reaches on {@code n x n}
 *       matrices ({@code 2 n^3} FLOPs per call), through {@code Nd4j.gemm}, ND4J's faster route
 *       (2.4x {@code INDArray.mmuli} with the oneDNN build).</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx3g"})
public class MachineLimitsBenchmark {

  static {
    // Before ND4J loads: the same native build as the SDK's own code uses.
    Facts.nativeBuild();
  }

  /** Bytes read per call of the bandwidth benchmarks. */
  public static final long READ_BYTES = 1L << 30;

  /** The array streamed by the bandwidth benchmarks. */
  @State(Scope.Benchmark)
  public static class Memory {
    int[] data;
    long expected;

    /** Fills 1 GiB with a pattern whose sum is known. */
    @Setup(Level.Trial)
    public void setUp() {
      data = new int[(int) (READ_BYTES / Integer.BYTES)];
      for (int i = 0; i < data.length; i++) {
        data[i] = i & 0xff;
      }
      expected = (long) (data.length / 256) * (255 * 256 / 2);
      ResultCheck.requireClose("read sum", expected, sum(data, 0, data.length), 0);
    }
  }

  /** Square matrices for the multiply rate. */
  @State(Scope.Benchmark)
  public static class Matrices {
    static {
      Facts.nativeBuild();
    }

    /** The matrix side. */
    @Param({"2048"})
    public int n;

    INDArray x;
    INDArray y;
    INDArray out;

    /** Makes seeded matrices and checks one product entry against a Java dot product. */
    @Setup(Level.Trial)
    public void setUp() {
      Nd4j.getRandom().setSeed(7);
      x = Nd4j.rand(DataType.FLOAT, n, n);
      y = Nd4j.rand(DataType.FLOAT, n, n);
      out = Nd4j.create(DataType.FLOAT, n, n);
      Nd4j.gemm(x, y, out, false, false, 1.0, 0.0);
      double expected = 0;
      for (int k = 0; k < n; k++) {
        expected += x.getDouble(3, k) * y.getDouble(k, 5);
      }
      ResultCheck.requireClose("sgemm entry", expected, out.getDouble(3, 5), 1e-4);
    }

    /** Frees the native memory. */
    @TearDown(Level.Trial)
    public void tearDown() {
      x.close();
      y.close();
      out.close();
    }
  }

  private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;

  /**
   * The sum of {@code data[from, to)}, read with the widest vectors of the CPU: two independent
   * vector accumulators keep the loads in flight. A plain loop ({@code s += data[i]}) measured
   * 1.5 to 3 times slower here, which would have made the limit a property of the loop rather
   * than of the memory.
   */
  static long sum(int[] data, int from, int to) {
    long total = 0;
    int lanes = INTS.length();
    // Chunks of 2^20 keep the int lanes from overflowing (255 * 2^20 < 2^31).
    for (int c = from; c < to; c += 1 << 20) {
      int end = Math.min(to, c + (1 << 20));
      IntVector a0 = IntVector.zero(INTS);
      IntVector a1 = IntVector.zero(INTS);
      int i = c;
      for (; i + 2 * lanes <= end; i += 2 * lanes) {
        a0 = a0.add(IntVector.fromArray(INTS, data, i));
        a1 = a1.add(IntVector.fromArray(INTS, data, i + lanes));
      }
      long s = a0.add(a1).reduceLanes(VectorOperators.ADD);
      for (; i < end; i++) {
        s += data[i];
      }
      total += s;
    }
    return total;
  }

  /**
   * Reads 1 GiB on one thread.
   *
   * @param m the array
   * @return the sum
   */
  @Benchmark
  public long readOneThread(Memory m) {
    return sum(m.data, 0, m.data.length);
  }

  /**
   * Reads 1 GiB on every core, each thread its own slice.
   *
   * @param m the array
   * @return the sum
   */
  @Benchmark
  public long readAllThreads(Memory m) {
    int threads = Runtime.getRuntime().availableProcessors();
    int slice = (m.data.length + threads - 1) / threads;
    return IntStream.range(0, threads).parallel()
        .mapToLong(t -> sum(m.data, t * slice, Math.min(m.data.length, (t + 1) * slice)))
        .sum();
  }

  /**
   * One {@code n x n} single-precision matrix product through ND4J.
   *
   * @param mm the matrices
   * @return the product (into a preallocated result)
   */
  @Benchmark
  public INDArray sgemm(Matrices mm) {
    // Nd4j.gemm, not INDArray.mmuli: with the oneDNN build the two reach different rates on
    // the same matrices (2048^2 here: 243-275 against 89-116 GFLOP/s), and the limit is the
    // faster one. Until session 3 this measured mmuli.
    return Nd4j.gemm(mm.x, mm.y, mm.out, false, false, 1.0, 0.0);
  }
}
