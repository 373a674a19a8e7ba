package io.github.embeddings4j.benchmarks;

import io.github.embeddings4j.core.reduce.Pca;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dimensionalityreduction.PCA;
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
 * PCA fitted to Fashion-MNIST's 60,000 x 784 training images, keeping the same number of
 * components in each:
 *
 * <ul>
 *   <li>{@code ours}: {@link Pca#fit(float[], int, int, io.github.embeddings4j.core.reduce.PcaOptions)}
 *       (mean, covariance, symmetric eigensolver; the components and their variances).</li>
 *   <li>{@code nd4jPcaFactor}: ND4J's {@code PCA.pca_factor(data, components, true)}, the call
 *       that returns that many components (an SVD of the centred data; {@code true} asks it to
 *       centre, without which its first component is the mean's direction). It centres its argument
 *       in place, so each call gets a fresh copy, whose cost is part of the time; and it needs
 *       the data in column-major ('f') order: on a row-major array it returns wrong directions
 *       without an error (measured with 1.0.0-M2.1), so the copy is column-major.</li>
 * </ul>
 *
 * <p>ND4J's other route, {@code new PCA(data)} (covariance, then {@code
 * Eigen.symmetricGeneralizedEigenvalues}), inverts the covariance matrix and fails on this data
 * ("matrix_inverse: ... has no inverse"): raw pixels have a singular covariance (the corner
 * pixels are almost always 0). It is therefore not measured.
 *
 * <p>A fit takes seconds, so each iteration is one fit.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx3g"})
public class PcaBenchmark {

  static {
    Facts.nativeBuild();
  }

  /** Components kept. */
  @Param({"50"})
  public int components;

  private final int n = Datasets.ROWS;
  private final int d = Datasets.PIXELS;
  private float[] data;
  private INDArray matrix;

  /** Loads the data and checks that both libraries find the same leading components. */
  @Setup(Level.Trial)
  public void setUp() {
    data = Datasets.fashionMnistTrain();
    try (INDArray rowMajor = Nd4j.create(data, new long[] {n, d}, 'c')) {
      matrix = rowMajor.dup('f');
    }
    float[][] ours = ours().components();
    if (ours.length != components) {
      throw new IllegalStateException("wrong result from PCA: " + ours.length
          + " components, asked for " + components);
    }
    INDArray factor = nd4jPcaFactor();
    // Leading directions are well separated on this data; signs are arbitrary.
    for (int c = 0; c < 3; c++) {
      double dot = 0;
      for (int j = 0; j < d; j++) {
        dot += ours[c][j] * factor.getDouble(j, c);
      }
      double norm = Math.sqrt(Reference.dot(ours[c], ours[c]))
          * factor.getColumn(c).norm2Number().doubleValue();
      ResultCheck.requireClose("PCA component " + c + " |cos(ours, nd4j)|", 1.0,
          Math.abs(dot) / norm, 1e-3);
    }
  }

  /** Frees ND4J's copy. */
  @TearDown(Level.Trial)
  public void tearDown() {
    matrix.close();
  }

  /**
   * Our fit.
   *
   * @return the fitted PCA
   */
  @Benchmark
  public Pca ours() {
    return Pca.fit(data, n, d, Pca.keep(components));
  }

  /**
   * ND4J's fit of the same number of components (SVD).
   *
   * @return the {@code d x components} factor
   */
  @Benchmark
  public INDArray nd4jPcaFactor() {
    try (INDArray copy = matrix.dup('f')) {
      return PCA.pca_factor(copy, components, true);
    }
  }
}
