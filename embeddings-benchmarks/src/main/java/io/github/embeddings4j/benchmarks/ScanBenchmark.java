package io.github.embeddings4j.benchmarks;

import io.github.embeddings4j.api.Neighbor;
import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.core.search.FlatIndex;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * One query against every vector of a {@link FlatIndex} (dot product, top 10, all processors):
 * the scan streams the index once, so its speed is bytes per second, set beside the read
 * bandwidth of {@link MachineLimitsBenchmark} measured in the same run. 10,000 x 512 floats
 * (20 MB) stay in this machine's 260 MiB L3 cache; 1,000,000 x 512 (2 GB) do not.
 *
 * <p>Bytes per call: {@code rows * dimension * 4}. The heap is 5 GiB for the 2 GB index.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx5g"})
public class ScanBenchmark {

  /** Stored vectors. */
  @Param({"10000", "1000000"})
  public int rows;

  /** Their length. */
  @Param({"512"})
  public int dimension;

  /** Neighbours returned. */
  @Param({"10"})
  public int k;

  private FlatIndex index;
  private float[] query;

  /** Fills the index with seeded random vectors and checks one search against brute force. */
  @Setup(Level.Trial)
  public void setUp() {
    index = FlatIndex.builder(dimension).metric(StandardMetric.DOT_PRODUCT).build();
    SplittableRandom r = new SplittableRandom(11);
    float[] v = new float[dimension];
    for (int i = 0; i < rows; i++) {
      Inputs.fill(v, r);
      index.add(i, v);
    }
    query = Inputs.floats(dimension, 12);
    SearchCheck.requireDotTopK("scan " + rows + "x" + dimension, index, query, search(), k);
  }

  /**
   * One query's top k.
   *
   * @return the neighbours
   */
  @Benchmark
  public List<Neighbor> search() {
    return index.search(query, k);
  }
}
