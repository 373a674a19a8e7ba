package io.github.embeddings4j.benchmarks;

import io.github.embeddings4j.api.StandardMetric;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
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
 * One pair of vectors compared with each built-in metric through the public API, at the
 * dimensions of typical embeddings. Warm-up is long enough for C2 to compile the kernels (about
 * 10k calls); one fork keeps the quick run quick, and the JDK's flags come from the command line.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MetricBenchmark {

  /** The vector length. */
  @Param({"128", "512", "1021", "2048"})
  public int dimension;

  /** The metric, by its name. */
  @Param({"cosine", "euclidean", "manhattan", "dot"})
  public String metric;

  private float[] a;
  private float[] b;
  private StandardMetric m;

  /** Makes seeded inputs and checks the metric against a double-precision reference. */
  @Setup
  public void setUp() {
    SplittableRandom random = new SplittableRandom(42);
    a = new float[dimension];
    b = new float[dimension];
    for (int i = 0; i < dimension; i++) {
      a[i] = (float) random.nextDouble(-1, 1);
      b[i] = (float) random.nextDouble(-1, 1);
    }
    m = StandardMetric.fromName(metric);
    ResultCheck.requireClose(metric + "@" + dimension, Reference.distance(m, a, b),
        m.distance(a, b), 1e-5 * Math.sqrt(dimension));
  }

  /**
   * The distance of the pair.
   *
   * @return the distance, so JMH consumes it
   */
  @Benchmark
  public double distance() {
    return m.distance(a, b);
  }
}
