package io.github.embeddings4j.benchmarks;

import io.github.embeddings4j.api.Neighbor;
import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.core.search.BatchScorer;
import io.github.embeddings4j.core.search.FlatIndex;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Many queries at once: 1,000 queries against 100,000 vectors of 512 floats (dot product, top
 * 10), as GFLOP/s ({@code 2 * queries * rows * dimension} per call) beside the matrix-multiply
 * rate of {@link MachineLimitsBenchmark#sgemm} measured in the same run.
 *
 * <ul>
 *   <li>{@code searchAll}: {@link FlatIndex#searchAll} as a user gets it (the default route).</li>
 *   <li>{@code searchAllMatrixProduct}: the same call in a JVM where {@code
 *       -Dembeddings4j.matrixProduct.minQueries=1} sends it through ND4J matrix products
 *       ({@link BatchScorer}) and exact re-ranking of twice k candidates.</li>
 *   <li>{@code nd4jProduct}: the bare {@code 1000 x 512 x 100000} product through {@code
 *       Nd4j.gemm} into a preallocated result, without any top-k: the ceiling for this shape.</li>
 * </ul>
 *
 * <p>One call takes seconds, so each iteration is one call ({@code SingleShotTime}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g"})
public class BatchSearchBenchmark {

  static {
    Facts.nativeBuild();
  }

  /** Queries per call. */
  @Param({"1000"})
  public int queries;

  /** Stored vectors. */
  @Param({"100000"})
  public int rows;

  /** Their length. */
  @Param({"512"})
  public int dimension;

  /** Neighbours per query. */
  @Param({"10"})
  public int k;

  private FlatIndex index;
  private float[][] batch;
  private INDArray queryMatrix;
  private INDArray rowMatrix;
  private INDArray product;

  /**
   * Builds the index and ND4J copies of the same data, and checks the measured route once.
   *
   * @param params which benchmark method this trial measures
   */
  @Setup(Level.Trial)
  public void setUp(BenchmarkParams params) {
    prepare(params.getBenchmark());
  }

  /** The setup for the method named (its simple or full name). */
  void prepare(String method) {
    index = FlatIndex.builder(dimension).metric(StandardMetric.DOT_PRODUCT).build();
    SplittableRandom r = new SplittableRandom(31);
    float[] flatRows = new float[Math.multiplyExact(rows, dimension)];
    float[] v = new float[dimension];
    for (int i = 0; i < rows; i++) {
      Inputs.fill(v, r);
      index.add(i, v);
      System.arraycopy(v, 0, flatRows, i * dimension, dimension);
    }
    batch = new float[queries][];
    float[] flatQueries = new float[queries * dimension];
    for (int q = 0; q < queries; q++) {
      batch[q] = Inputs.floats(dimension, 1000L + q);
      System.arraycopy(batch[q], 0, flatQueries, q * dimension, dimension);
    }
    Facts.note("batchSearch.matrixProductRoute",
        BatchScorer.prefersMatrixProduct(queries, rows));
    if (!method.endsWith("nd4jProduct")) {
      // A sample of queries against brute force; all of them would take a minute.
      List<List<Neighbor>> got = searchAll();
      for (int q : new int[] {0, queries / 3, queries - 1}) {
        SearchCheck.requireDotTopK("batch search, query " + q, index, batch[q], got.get(q), k);
      }
    }
    queryMatrix = Nd4j.create(flatQueries, new long[] {queries, dimension}, 'c');
    rowMatrix = Nd4j.create(flatRows, new long[] {rows, dimension}, 'c');
    product = Nd4j.createUninitialized(DataType.FLOAT, queries, rows);
    nd4jProduct();
    int q = queries / 2;
    int row = rows / 3;
    ResultCheck.requireClose("nd4j batch product", Reference.dot(batch[q], index.vectorAt(row)),
        product.getDouble(q, row), 1e-5 * Math.sqrt(dimension));
  }

  /** Pairs of the alternated measurement in {@link #tearDown}. */
  static final int ALTERNATED_PAIRS = 7;

  /**
   * After the default route's trial (JIT warm by then): searches alternated with 2048 x 2048
   * matrix products, the same product as {@code MachineLimitsBenchmark.sgemm}, and the median
   * of the {@value #ALTERNATED_PAIRS} paired ratios noted as facts. The goal's ratio then
   * compares rates measured seconds apart rather than minutes apart in other forks, which on a
   * shared machine moved it by 0.25 between runs.
   *
   * @param params which benchmark method this trial measured
   */
  @TearDown(Level.Trial)
  public void alternateWithSgemm(BenchmarkParams params) {
    if (!params.getBenchmark().endsWith(".searchAll")) {
      return;
    }
    int n = 2048;
    double flops = 2.0 * queries * rows * dimension;
    double[] search = new double[ALTERNATED_PAIRS];
    double[] sgemm = new double[ALTERNATED_PAIRS];
    double[] ratio = new double[ALTERNATED_PAIRS];
    try (INDArray x = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray y = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray out = Nd4j.createUninitialized(DataType.FLOAT, n, n)) {
      for (int i = 0; i < 3; i++) {
        Nd4j.gemm(x, y, out, false, false, 1.0, 0.0);
      }
      for (int i = 0; i < ALTERNATED_PAIRS; i++) {
        long t0 = System.nanoTime();
        searchAll();
        long t1 = System.nanoTime();
        // Two products after a warm-up one: the first after a pause runs slower.
        Nd4j.gemm(x, y, out, false, false, 1.0, 0.0);
        long t2 = System.nanoTime();
        Nd4j.gemm(x, y, out, false, false, 1.0, 0.0);
        Nd4j.gemm(x, y, out, false, false, 1.0, 0.0);
        long t3 = System.nanoTime();
        search[i] = flops / (t1 - t0);
        sgemm[i] = 2 * 2.0 * n * n * n / (t3 - t2);
        ratio[i] = search[i] / sgemm[i];
      }
    }
    Facts.note("batchSearch.alternated.pairs", ALTERNATED_PAIRS);
    Facts.note("batchSearch.alternated.searchAllGflops", median(search));
    Facts.note("batchSearch.alternated.sgemmGflops", median(sgemm));
    Facts.note("batchSearch.alternated.ratio", median(ratio));
  }

  private static double median(double[] v) {
    double[] c = v.clone();
    java.util.Arrays.sort(c);
    return c[c.length / 2];
  }

  /** Frees ND4J's off-heap copies. */
  @TearDown(Level.Trial)
  public void tearDown() {
    queryMatrix.close();
    rowMatrix.close();
    product.close();
  }

  /**
   * Every query's top k, by the index's default route.
   *
   * @return the neighbours
   */
  @Benchmark
  public List<List<Neighbor>> searchAll() {
    return index.searchAll(batch, k);
  }

  /**
   * Every query's top k through matrix products and exact re-ranking.
   *
   * @return the neighbours
   */
  @Benchmark
  @Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g",
      "-Dembeddings4j.matrixProduct.minQueries=1"})
  public List<List<Neighbor>> searchAllMatrixProduct() {
    return index.searchAll(batch, k);
  }

  /**
   * Every query's top k through the SIMD kernels (each row read once for four queries), the
   * route below {@code BatchScorer.MIN_QUERIES}.
   *
   * @return the neighbours
   */
  @Benchmark
  @Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g",
      "-Dembeddings4j.matrixProduct.minQueries=2147483647"})
  public List<List<Neighbor>> searchAllKernels() {
    return index.searchAll(batch, k);
  }

  /**
   * The bare product of the queries with every vector through ND4J, no selection.
   *
   * @return the product
   */
  @Benchmark
  public INDArray nd4jProduct() {
    return Nd4j.gemm(queryMatrix, rowMatrix, product, false, true, 1.0, 0.0);
  }
}
