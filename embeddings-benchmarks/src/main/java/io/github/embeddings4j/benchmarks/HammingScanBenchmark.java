package io.github.embeddings4j.benchmarks;

import io.github.embeddings4j.api.Neighbor;
import io.github.embeddings4j.core.search.BinaryIndex;
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
 * One query code against every code of a {@link BinaryIndex} (Hamming distance, top 10, all
 * processors), for 256- and 1024-bit codes: codes per second and bytes per second, beside the
 * read bandwidth. A million 256-bit codes are 32 MB (in the L3 cache here), a million 1024-bit
 * codes 128 MB.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx2g"})
public class HammingScanBenchmark {

  /** Code length in bits (a multiple of 64). */
  @Param({"256", "1024"})
  public int bits;

  /** Stored codes. */
  @Param({"1000000"})
  public int rows;

  /** Neighbours returned. */
  @Param({"10"})
  public int k;

  private BinaryIndex index;
  private long[] query;

  /** Fills the index with seeded random codes and checks one search against brute force. */
  @Setup(Level.Trial)
  public void setUp() {
    if (bits % 64 != 0) {
      throw new IllegalArgumentException("bits must be a multiple of 64: " + bits);
    }
    int words = bits / 64;
    index = BinaryIndex.builder(words).build();
    SplittableRandom r = new SplittableRandom(21);
    long[] c = new long[words];
    for (int i = 0; i < rows; i++) {
      for (int w = 0; w < words; w++) {
        c[w] = r.nextLong();
      }
      index.add(i, c);
    }
    query = Inputs.code(bits, 22);
    SearchCheck.requireHammingTopK("hamming scan " + rows + "x" + bits, index, query, search(),
        k);
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
