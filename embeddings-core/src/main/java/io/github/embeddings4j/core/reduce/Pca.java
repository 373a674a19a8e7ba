package io.github.embeddings4j.core.reduce;

import io.github.embeddings4j.api.Reducer;
import io.github.embeddings4j.core.io.MappedNpy;
import io.github.embeddings4j.core.io.SdkFile;
import io.github.embeddings4j.core.vector.VectorMath;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

/**
 * Principal component analysis: a {@link Reducer} that centres vectors on the training mean and
 * projects them on the leading eigenvectors of the training covariance, optionally whitened.
 * Immutable and safe to share between threads.
 *
 * <p>{@link #fit(float[], int, int, PcaOptions) Fitting} accumulates the covariance of the
 * centred data through a matrix product (single-precision blocks summed in double) and
 * decomposes it with LAPACK's symmetric eigensolver in double precision; on 60,000 x 784
 * Fashion-MNIST that is faster than an SVD of the data (docs/reduce-and-cluster.md has the
 * figures). Variances use the {@code n - 1} denominator, as NumPy and scikit-learn do. Each
 * component's sign is fixed (its largest-magnitude entry is positive), so refitting the same
 * data gives the same basis.
 *
 * <pre>{@code
 * Pca pca = Pca.fit(trainingVectors, PcaOptions.components(50));
 * float[] small = pca.reduce(vector);
 * float[] back = pca.inverse(small);           // the reconstruction from 50 components
 * pca.save(Path.of("fashion.pca"));
 * }</pre>
 */
public final class Pca implements Reducer {

  /** The {@link SdkFile} kind of saved models. */
  static final String KIND = "PCA1";
  static final int VERSION = 1;

  /** Covariances with fewer multiply-adds than this are summed in plain Java (an estimate). */
  static final long NATIVE_COVARIANCE_THRESHOLD = 1L << 24;

  /** Where the covariance and the eigendecomposition are computed. */
  enum Engine {
    /** Covariance in plain Java (double); eigenvectors as {@link #OPENBLAS} or {@link #ND4J}. */
    JAVA,
    /** Covariance by ND4J's general matrix product, eigenvectors by ND4J's {@code dsyev}. */
    ND4J,
    /** Covariance by OpenBLAS {@code ssyrk}, eigenvectors by LAPACK {@code dsyevd}. */
    OPENBLAS;

    /** The engine used for an {@code n x d} fit. */
    static Engine forSize(int n, int d) {
      if ((long) n * d * d < NATIVE_COVARIANCE_THRESHOLD) {
        return JAVA;
      }
      return OpenBlas.AVAILABLE ? OPENBLAS : ND4J;
    }
  }

  private final int dimension;
  private final float[] mean;
  private final float[][] components;
  private final double[] variances;
  private final double totalVariance;
  private final boolean whitened;
  /** Multiplier of each projection: 1, or 1 / standard deviation when whitened. */
  private final float[] scale;

  private Pca(float[] mean, float[][] components, double[] variances, double totalVariance,
      boolean whitened) {
    this.dimension = mean.length;
    this.mean = mean;
    this.components = components;
    this.variances = variances;
    this.totalVariance = totalVariance;
    this.whitened = whitened;
    this.scale = new float[components.length];
    for (int j = 0; j < scale.length; j++) {
      scale[j] = whitened ? (float) (1.0 / Math.sqrt(variances[j])) : 1f;
    }
  }

  /**
   * Options that keep {@code count} components: a shortcut for {@link
   * PcaOptions#components(int)}, as in {@code Pca.fit(rows, Pca.keep(64))}. (Named apart from
   * the fitted model's {@link #components()}, which returns the components themselves.)
   *
   * @param count the number of components to keep
   * @return the options
   */
  public static PcaOptions keep(int count) {
    return PcaOptions.components(count);
  }

  /**
   * A shortcut for {@link PcaOptions#varianceFraction(double)}.
   *
   * @param fraction the fraction of the variance to keep, in {@code (0, 1]}
   * @return the options
   */
  public static PcaOptions varianceFraction(double fraction) {
    return PcaOptions.varianceFraction(fraction);
  }

  /**
   * Fits PCA to vectors given as rows.
   *
   * @param rows at least two vectors of the same length; not modified
   * @param options how many components to keep, whitening
   * @return the fitted PCA
   * @throws IllegalArgumentException if the rows are fewer than two, differ in length, hold a
   *     non-finite value, or fewer samples or dimensions exist than the components asked for
   */
  public static Pca fit(float[][] rows, PcaOptions options) {
    Objects.requireNonNull(rows, "rows");
    if (rows.length == 0) {
      throw new IllegalArgumentException("PCA needs at least 2 samples, got 0");
    }
    int d = rows[0].length;
    float[] data = new float[Math.multiplyExact(rows.length, d)];
    for (int i = 0; i < rows.length; i++) {
      if (rows[i].length != d) {
        throw new IllegalArgumentException(
            "row " + i + ": vector dimensions differ: " + rows[i].length + " != " + d);
      }
      System.arraycopy(rows[i], 0, data, i * d, d);
    }
    return fit(data, rows.length, d, options);
  }

  /**
   * Fits PCA to a contiguous row-major matrix.
   *
   * @param data {@code n * d} values, row {@code i} at {@code [i * d, (i + 1) * d)}; not modified
   * @param n the number of samples, at least 2
   * @param d the dimension, at least 1
   * @param options how many components to keep, whitening
   * @return the fitted PCA
   * @throws IllegalArgumentException if the sizes do not fit the array, a value is not finite,
   *     or fewer samples or dimensions exist than the components asked for
   */
  public static Pca fit(float[] data, int n, int d, PcaOptions options) {
    return fit(data, n, d, options, Engine.forSize(n, d));
  }

  /**
   * Fits PCA to the rows of a float32 {@code .npy} file read in place, for sets larger than the
   * heap: two passes over the file (the mean, then the covariance) a block of 4,096 rows at a
   * time, so the heap holds one block and the {@code d x d} covariance. The result is the one
   * {@link #fit(float[], int, int, PcaOptions)} gives on the same rows loaded, bit for bit (the
   * same blocks, summed in the same order).
   *
   * @param rows the mapped rows ({@link MappedNpy#open(Path)})
   * @param options how many components to keep, whitening
   * @return the fitted PCA
   * @throws IllegalArgumentException as the other {@code fit}s
   */
  public static Pca fit(MappedNpy rows, PcaOptions options) {
    Objects.requireNonNull(rows, "rows");
    int n = rows.rows();
    int d = rows.dimension();
    return fit((from, to, dest) -> rows.copy(from, to, dest, 0), n, d, options,
        Engine.forSize(n, d));
  }

  /** Rows {@code [from, to)} of the data, copied one after another into {@code dest}. */
  @FunctionalInterface
  interface RowBlocks {
    void copy(int from, int to, float[] dest);
  }

  /** As the public fit, with the engine chosen by the caller (for tests and measurements). */
  static Pca fit(float[] data, int n, int d, PcaOptions options, Engine engine) {
    Objects.requireNonNull(data, "data");
    if ((long) n * d != data.length && n >= 2 && d >= 1) {
      throw new IllegalArgumentException(n + " samples of dimension " + d + " need "
          + (long) n * d + " values, but the array holds " + data.length);
    }
    return fit((from, to, dest) -> System.arraycopy(data, from * d, dest, 0, (to - from) * d),
        n, d, options, engine);
  }

  private static Pca fit(RowBlocks data, int n, int d, PcaOptions options, Engine engine) {
    Objects.requireNonNull(options, "options");
    if (n < 2) {
      throw new IllegalArgumentException("PCA needs at least 2 samples, got " + n);
    }
    if (d < 1) {
      throw new IllegalArgumentException("PCA needs a dimension of at least 1, got " + d);
    }
    int limit = Math.min(n, d);
    if (options.count() > limit) {
      throw new IllegalArgumentException("PCA asked for " + options.count() + " components, but "
          + (d < n ? "the data has only " + d + " dimensions" : "there are only " + n + " samples")
          + " (" + n + " samples of dimension " + d + ")");
    }
    double[] mean = mean(data, n, d);
    double[] cov = covariance(data, n, d, mean, engine);
    double total = 0;
    for (int i = 0; i < d; i++) {
      total += cov[i * d + i];
    }
    SymmetricEigen eigen = SymmetricEigen.of(cov, d, engine != Engine.ND4J && OpenBlas.AVAILABLE);
    int k = options.count() > 0 ? options.count() : countFor(options.fraction(), eigen.values,
        total, limit);
    float[] meanF = new float[d];
    for (int j = 0; j < d; j++) {
      meanF[j] = (float) mean[j];
    }
    float[][] comps = new float[k][d];
    double[] vars = new double[k];
    for (int i = 0; i < k; i++) {
      // Rounding can leave tiny negative eigenvalues on a positive semi-definite matrix.
      vars[i] = Math.max(0.0, eigen.values[i]);
      for (int j = 0; j < d; j++) {
        comps[i][j] = (float) eigen.vectors[i][j];
      }
    }
    if (options.isWhitened()) {
      requireWhitenable(vars);
    }
    return new Pca(meanF, comps, vars, total, options.isWhitened());
  }

  private static void requireWhitenable(double[] vars) {
    for (int i = 0; i < vars.length; i++) {
      // Relative to the largest, so that rounding noise on a rank-deficient matrix is caught too.
      if (!(vars[i] > 1e-12 * vars[0])) {
        throw new IllegalArgumentException("cannot whiten: component " + i + " has variance "
            + vars[i] + " (largest " + vars[0] + "); ask for at most " + i + " components");
      }
    }
  }

  private static int countFor(double fraction, double[] values, double total, int limit) {
    if (!(total > 0)) {
      return 1;
    }
    double target = fraction * total;
    double sum = 0;
    for (int i = 0; i < limit; i++) {
      sum += Math.max(0.0, values[i]);
      // The relative slack keeps fraction 1.0 from asking for more than rounding allows.
      if (sum >= target * (1 - 1e-12)) {
        return i + 1;
      }
    }
    return limit;
  }

  /** The rows of a block: {@link Products#BLOCK_ROWS}, or all of them when fewer. */
  private static int blockRows(int n) {
    return Math.max(1, Math.min(n, Products.BLOCK_ROWS));
  }

  private static double[] mean(RowBlocks data, int n, int d) {
    double[] sum = new double[d];
    int blockRows = blockRows(n);
    float[] block = new float[blockRows * d];
    for (int start = 0; start < n; start += blockRows) {
      int rows = Math.min(blockRows, n - start);
      data.copy(start, start + rows, block);
      for (int r = 0; r < rows; r++) {
        int off = r * d;
        for (int j = 0; j < d; j++) {
          float v = block[off + j];
          if (!Float.isFinite(v)) {
            throw new IllegalArgumentException("PCA data has a non-finite value " + v
                + " at row " + (start + r) + ", column " + j);
          }
          sum[j] += v;
        }
      }
    }
    for (int j = 0; j < d; j++) {
      sum[j] /= n;
    }
    return sum;
  }

  /**
   * The sample covariance ({@code n - 1} denominator). Rows are centred before the product, so
   * no large mean is subtracted afterwards (that is what loses precision in single precision);
   * the native engines multiply blocks of rows in float and sum the blocks' Gram matrices in
   * double. Both triangles of the result are filled.
   */
  static double[] covariance(float[] data, int n, int d, double[] mean, Engine engine) {
    return covariance((from, to, dest) -> System.arraycopy(data, from * d, dest, 0,
        (to - from) * d), n, d, mean, engine);
  }

  private static double[] covariance(RowBlocks data, int n, int d, double[] mean,
      Engine engine) {
    double[] acc = new double[d * d];
    float[] scratch = engine == Engine.JAVA ? null : new float[d * d];
    int blockRows = blockRows(n);
    float[] block = new float[blockRows * d];
    for (int start = 0; start < n; start += blockRows) {
      int rows = Math.min(blockRows, n - start);
      float[] x = rows == blockRows ? block : new float[rows * d];
      data.copy(start, start + rows, x);
      for (int r = 0; r < rows; r++) {
        int off = r * d;
        for (int j = 0; j < d; j++) {
          x[off + j] = (float) (x[off + j] - mean[j]);
        }
      }
      Products.addGram(x, rows, d, acc, engine, scratch);
    }
    double denom = n - 1;
    for (int i = 0; i < d; i++) {
      for (int j = i; j < d; j++) {
        double v = acc[i * d + j] / denom;
        acc[i * d + j] = v;
        acc[j * d + i] = v;
      }
    }
    return acc;
  }

  @Override
  public int inputDimension() {
    return dimension;
  }

  @Override
  public int outputDimension() {
    return components.length;
  }

  /**
   * Whether the projections are divided by their standard deviations.
   *
   * @return {@code true} if fitted with {@link PcaOptions#whitened()}
   */
  public boolean isWhitened() {
    return whitened;
  }

  /**
   * The training mean that vectors are centred on.
   *
   * @return a copy of the mean, of length {@link #inputDimension()}
   */
  public float[] mean() {
    return mean.clone();
  }

  /**
   * The principal axes, largest variance first: unit vectors, orthogonal to each other.
   *
   * @return a copy, {@link #outputDimension()} rows of length {@link #inputDimension()}
   */
  public float[][] components() {
    float[][] out = new float[components.length][];
    for (int i = 0; i < out.length; i++) {
      out[i] = components[i].clone();
    }
    return out;
  }

  /**
   * The variance of the training data along each kept component (the covariance's
   * eigenvalues), decreasing.
   *
   * @return a copy, one value per component
   */
  public double[] explainedVariance() {
    return variances.clone();
  }

  /**
   * The total variance of the training data over all of its dimensions (the covariance's trace).
   *
   * @return the total variance
   */
  public double totalVariance() {
    return totalVariance;
  }

  /**
   * Each kept component's share of the total variance.
   *
   * @return a new array; its sum is the fraction of the variance this PCA keeps (0 for data
   *     without variance)
   */
  public double[] explainedVarianceRatio() {
    double[] r = new double[variances.length];
    for (int i = 0; i < r.length; i++) {
      r[i] = totalVariance > 0 ? variances[i] / totalVariance : 0.0;
    }
    return r;
  }

  /**
   * The same PCA keeping only its leading components (as if fitted with that count), without
   * refitting.
   *
   * @param count the components to keep, in {@code [1, outputDimension()]}
   * @return a new PCA
   * @throws IllegalArgumentException if the count is out of range
   */
  public Pca withComponents(int count) {
    if (count < 1 || count > components.length) {
      throw new IllegalArgumentException("component count must be in [1, " + components.length
          + "]: " + count);
    }
    float[][] comps = new float[count][];
    System.arraycopy(components, 0, comps, 0, count);
    double[] vars = new double[count];
    System.arraycopy(variances, 0, vars, 0, count);
    return new Pca(mean, comps, vars, totalVariance, whitened);
  }

  @Override
  public float[] reduce(float[] vector) {
    requireInputDimension(vector);
    float[] centred = new float[dimension];
    for (int j = 0; j < dimension; j++) {
      centred[j] = vector[j] - mean[j];
    }
    float[] out = new float[components.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = VectorMath.dotProduct(centred, components[i]) * scale[i];
    }
    return out;
  }

  /**
   * Projects a batch of vectors with one matrix product.
   *
   * @param vectors the rows, each of length {@link #inputDimension()}
   * @return one projected row per input row, in order
   * @throws IllegalArgumentException if a row's length is wrong; the message gives its index
   */
  @Override
  public float[][] reduceAll(float[][] vectors) {
    int n = vectors.length;
    float[] data = new float[Math.multiplyExact(n, dimension)];
    for (int i = 0; i < n; i++) {
      if (vectors[i].length != dimension) {
        throw new IllegalArgumentException("row " + i + ": vector dimensions differ: "
            + vectors[i].length + " != " + dimension);
      }
      System.arraycopy(vectors[i], 0, data, i * dimension, dimension);
    }
    float[] flat = reduceAll(data, n);
    int k = components.length;
    float[][] out = new float[n][];
    for (int i = 0; i < n; i++) {
      out[i] = java.util.Arrays.copyOfRange(flat, i * k, (i + 1) * k);
    }
    return out;
  }

  /**
   * Projects a contiguous row-major batch with one matrix product.
   *
   * @param data {@code n * inputDimension()} values; not modified
   * @param n the number of rows
   * @return {@code n * outputDimension()} values, row-major
   * @throws IllegalArgumentException if the array does not hold {@code n} rows
   */
  public float[] reduceAll(float[] data, int n) {
    if (n < 0 || (long) n * dimension != data.length) {
      throw new IllegalArgumentException(n + " rows of dimension " + dimension + " need "
          + (long) n * dimension + " values, but the array holds " + data.length);
    }
    float[] centred = new float[data.length];
    for (int i = 0; i < n; i++) {
      int off = i * dimension;
      for (int j = 0; j < dimension; j++) {
        centred[off + j] = data[off + j] - mean[j];
      }
    }
    int k = components.length;
    float[] out = Products.timesTransposed(centred, n, dimension, flatComponents(), k);
    if (whitened) {
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < k; j++) {
          out[i * k + j] *= scale[j];
        }
      }
    }
    return out;
  }

  private float[] flatComponents() {
    float[] flat = new float[components.length * dimension];
    for (int i = 0; i < components.length; i++) {
      System.arraycopy(components[i], 0, flat, i * dimension, dimension);
    }
    return flat;
  }

  /**
   * Maps a reduced vector back to the input space: the mean plus the weighted components (the
   * best reconstruction, in least squares, from the kept components).
   *
   * @param reduced a vector of length {@link #outputDimension()}
   * @return a new vector of length {@link #inputDimension()}
   * @throws IllegalArgumentException if the length is wrong, with both lengths in the message
   */
  public float[] inverse(float[] reduced) {
    if (reduced.length != components.length) {
      throw new IllegalArgumentException(
          "reduced vector dimensions differ: " + reduced.length + " != " + components.length);
    }
    double[] acc = new double[dimension];
    for (int i = 0; i < components.length; i++) {
      double w = whitened ? reduced[i] / (double) scale[i] : reduced[i];
      float[] c = components[i];
      for (int j = 0; j < dimension; j++) {
        acc[j] += w * c[j];
      }
    }
    float[] out = new float[dimension];
    for (int j = 0; j < dimension; j++) {
      out[j] = (float) (acc[j] + mean[j]);
    }
    return out;
  }

  /**
   * Maps a batch of reduced vectors back to the input space.
   *
   * @param reduced rows of length {@link #outputDimension()}
   * @return one reconstructed row per input row
   * @throws IllegalArgumentException if a row's length is wrong; the message gives its index
   */
  public float[][] inverseAll(float[][] reduced) {
    float[][] out = new float[reduced.length][];
    for (int i = 0; i < reduced.length; i++) {
      if (reduced[i].length != components.length) {
        throw new IllegalArgumentException("row " + i + ": reduced vector dimensions differ: "
            + reduced[i].length + " != " + components.length);
      }
      out[i] = inverse(reduced[i]);
    }
    return out;
  }

  /**
   * Saves this PCA in an {@link SdkFile} container (kind {@value #KIND}), atomically.
   *
   * @param file the target; replaced only when the new file is complete
   * @throws IOException if writing fails
   */
  public void save(Path file) throws IOException {
    SdkFile.write(file, KIND, VERSION, this::writePayload);
  }

  void writePayload(SdkFile.Output out) throws IOException {
    out.writeInt(dimension);
    out.writeInt(components.length);
    out.writeInt(whitened ? 1 : 0);
    out.writeDouble(totalVariance);
    out.writeFloats(mean, 0, dimension);
    for (double v : variances) {
      out.writeDouble(v);
    }
    for (float[] c : components) {
      out.writeFloats(c, 0, dimension);
    }
  }

  /**
   * This PCA as a step of {@link io.github.embeddings4j.api.EmbedderDescription#reducedTo}:
   * {@code pca 512 to 64}, with {@code whitened} after it when it whitens. Callers that know the
   * saved file add its checksum ({@code , model sha256=...}).
   *
   * @return the step
   */
  public String reductionStep() {
    return "pca " + dimension + " to " + components.length + (whitened ? " whitened" : "");
  }

  /**
   * Loads a PCA written by {@link #save(Path)}.
   *
   * @param file the file
   * @return the PCA
   * @throws io.github.embeddings4j.core.io.DamagedFileException if the file is truncated,
   *     altered, not a PCA file or inconsistent; the message names the file
   * @throws IOException if the file cannot be read
   */
  public static Pca load(Path file) throws IOException {
    return SdkFile.read(file, KIND, VERSION, (in, version) -> readPayload(in));
  }

  static Pca readPayload(SdkFile.Input in) throws IOException {
    int d = in.readInt();
    int k = in.readInt();
    int flag = in.readInt();
    double total = in.readDouble();
    if (d < 1 || k < 1 || k > d || (flag != 0 && flag != 1) || !(total >= 0)
        || Double.isInfinite(total)) {
      throw in.damaged("bad PCA header: dimension " + d + ", components " + k + ", whitened "
          + flag + ", total variance " + total);
    }
    in.require((long) d + (long) k * d, 4, "PCA floats");
    float[] mean = new float[d];
    in.readFloats(mean, 0, d);
    in.require(k, 8, "PCA variances");
    double[] vars = new double[k];
    for (int i = 0; i < k; i++) {
      vars[i] = in.readDouble();
      if (!(vars[i] >= 0) || Double.isInfinite(vars[i]) || (flag == 1 && vars[i] == 0)) {
        throw in.damaged("bad PCA variance " + vars[i] + " for component " + i);
      }
    }
    float[][] comps = new float[k][d];
    for (int i = 0; i < k; i++) {
      in.readFloats(comps[i], 0, d);
    }
    return new Pca(mean, comps, vars, total, flag == 1);
  }

  @Override
  public String toString() {
    double kept = 0;
    for (double r : explainedVarianceRatio()) {
      kept += r;
    }
    return String.format(Locale.ROOT, "Pca[%d -> %d, %.1f%% of variance%s]", dimension,
        components.length, 100 * kept, whitened ? ", whitened" : "");
  }
}
