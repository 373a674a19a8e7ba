package io.github.embeddings4j.benchmarks;

import io.github.embeddings4j.api.BackendReport;
import io.github.embeddings4j.api.ImageSource;
import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.core.backend.Backends;
import io.github.embeddings4j.core.search.BatchScorer;
import io.github.embeddings4j.core.zoo.Weights;
import io.github.embeddings4j.core.zoo.ZooEmbedder;
import io.github.embeddings4j.core.zoo.ZooModel;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The same work on ND4J's CPU and CUDA backends, side by side: cosine batch scoring through
 * ND4J's matrix product ({@link BatchScorer}, 256 queries against 20,000 vectors of 512) and
 * ResNet50 embedding throughput (random weights, batches of 16). Each method runs in its own
 * JVM with {@code -Dembeddings4j.backend=cpu} or {@code =gpu}; the setup checks that the backend
 * in use is the one asked for (a GPU run never falls back to the CPU silently) and checks one
 * result against plain Java.
 *
 * <p>Needs a supported NVIDIA GPU (compute capability up to 8.6) and the CUDA module: build with
 * {@code mvn -Pcuda -pl embeddings-benchmarks -am package} and run {@code java -jar
 * embeddings-benchmarks/target/benchmarks.jar CpuVsGpu} (docs/gpu.md). Not part of the quick or
 * full profiles; elsewhere its GPU methods stop at setup with the reason.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
public class CpuVsGpuBenchmark {

  private static final int QUERIES = 256;
  private static final int ROWS = 20_000;
  private static final int DIMENSION = 512;
  private static final int IMAGES = 16;

  private float[][] queries;
  private float[][] rows;
  private List<ImageSource> images;
  private ZooEmbedder embedder;

  /**
   * Checks the backend, builds the inputs and the embedder, and checks one result of each.
   *
   * @throws Exception if the backend is not the one asked for or a result is wrong
   */
  @Setup(Level.Trial)
  public void setUp() throws Exception {
    String wanted = System.getProperty(Backends.PROPERTY, "auto");
    BackendReport report = Backends.report();
    boolean gpu = report.onGpu();
    if ("gpu".equals(wanted) != gpu) {
      throw new IllegalStateException("asked for " + wanted + " but running on "
          + report.backend() + ": " + report.reason());
    }
    SplittableRandom random = new SplittableRandom(42);
    queries = new float[QUERIES][DIMENSION];
    rows = new float[ROWS][DIMENSION];
    for (float[] q : queries) {
      Inputs.fill(q, random);
    }
    for (float[] r : rows) {
      Inputs.fill(r, random);
    }
    float[][] d = BatchScorer.distances(StandardMetric.COSINE, queries, rows);
    for (int q = 0; q < QUERIES; q += 51) {
      for (int r = 0; r < ROWS; r += 4999) {
        double want = StandardMetric.COSINE.distance(queries[q], rows[r]);
        if (Math.abs(d[q][r] - want) > 1e-4) {
          throw new IllegalStateException("cosine[" + q + "][" + r + "] = " + d[q][r]
              + ", plain Java says " + want);
        }
      }
    }
    images = new ArrayList<>();
    for (int i = 0; i < IMAGES; i++) {
      BufferedImage image = new BufferedImage(224, 224, BufferedImage.TYPE_INT_RGB);
      for (int y = 0; y < 224; y++) {
        for (int x = 0; x < 224; x++) {
          image.setRGB(x, y, random.nextInt(1 << 24));
        }
      }
      images.add(ImageSource.of(image, "random-" + i));
    }
    embedder = ZooEmbedder.builder(ZooModel.RESNET50).weights(Weights.random(1))
        .networkBatchSize(IMAGES).concurrency(1).build();
    float[] v = embedder.embed(images.get(0));
    if (v.length != embedder.dimension() || !Float.isFinite(v[0])) {
      throw new IllegalStateException("ResNet50 embedding of length " + v.length);
    }
  }

  /** Frees the embedder's network. */
  @TearDown(Level.Trial)
  public void tearDown() {
    if (embedder != null) {
      embedder.close();
    }
  }

  /**
   * Batch scoring on the CPU backend.
   *
   * @return the distances
   */
  @Benchmark
  @Fork(value = 1, jvmArgsAppend = "-D" + Backends.PROPERTY + "=cpu")
  public float[][] scoreCpu() {
    return BatchScorer.distances(StandardMetric.COSINE, queries, rows);
  }

  /**
   * Batch scoring on the GPU.
   *
   * @return the distances
   */
  @Benchmark
  @Fork(value = 1, jvmArgsAppend = "-D" + Backends.PROPERTY + "=gpu")
  public float[][] scoreGpu() {
    return BatchScorer.distances(StandardMetric.COSINE, queries, rows);
  }

  /**
   * Sixteen ResNet50 embeddings on the CPU backend.
   *
   * @return the vectors
   * @throws Exception if an image fails
   */
  @Benchmark
  @Fork(value = 1, jvmArgsAppend = "-D" + Backends.PROPERTY + "=cpu")
  public List<float[]> embedCpu() throws Exception {
    return embedder.embedAll(images);
  }

  /**
   * Sixteen ResNet50 embeddings on the GPU.
   *
   * @return the vectors
   * @throws Exception if an image fails
   */
  @Benchmark
  @Fork(value = 1, jvmArgsAppend = "-D" + Backends.PROPERTY + "=gpu")
  public List<float[]> embedGpu() throws Exception {
    return embedder.embedAll(images);
  }
}
