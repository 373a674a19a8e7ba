package io.github.embeddings4j.core.cluster;

import io.github.embeddings4j.api.EmbedderDescription;
import io.github.embeddings4j.api.Neighbor;
import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.core.io.SdkFile;
import io.github.embeddings4j.core.search.FlatIndex;
import io.github.embeddings4j.core.vector.VectorMath;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * Density-based clustering without a number of clusters: HDBSCAN (Campello, Moulavi and Sander,
 * 2013), as in scikit-learn's {@code HDBSCAN} and the {@code hdbscan} package, in Euclidean
 * distance. Groups are the regions where points are denser than around them; a point in no such
 * region is <em>noise</em> (label -1) instead of being forced into the nearest group, which is
 * what a photo collection needs: the holiday, the cat and the garden become clusters, the
 * one-off photos stay unclustered.
 *
 * <pre>{@code
 * Hdbscan.Result r = Hdbscan.fit(data, n, d, HdbscanOptions.minClusterSize(5));
 * int[] labels = r.labels();              // -1 for noise
 * double[] strength = r.probabilities();  // 1 in a cluster's core, lower at its edge, 0 noise
 * }</pre>
 *
 * <p>How: each point's <em>core distance</em> is the distance to its {@code minSamples}-th
 * nearest point (itself counted, as in scikit-learn); the <em>mutual reachability</em> of two
 * points is the largest of their distance and their two core distances; the minimum spanning
 * tree of that graph (Prim's algorithm on the complete graph, every distance computed once and
 * not stored) becomes a single-linkage hierarchy, which is condensed: a split where both sides
 * have at least {@code minClusterSize} points starts two clusters, a smaller side is points
 * leaving their cluster. The clusters kept are those of the largest total stability (excess of
 * mass), never the root unless {@link HdbscanOptions#allowSingleCluster()}.
 *
 * <p>Cost: {@code n²} distances, twice (core distances by an exact k-nearest-neighbour search,
 * then the tree), on all cores, growing with the square of the points and with the dimension:
 * under 2 s for 10,000 points of dimension 50 or 128 on two cores with the vector kernels on
 * ({@code --add-modules jdk.incubator.vector}), 45-55 s for 60,000; reduce the dimension first
 * (PCA to 32-64 components) for larger sets, and beyond a few tens of thousands of points fit
 * on a sample and place the others ({@link #fitModel}, {@link Model#predict}).
 * Memory while fitting: two copies of the data (the rows, and the index of the nearest-neighbour
 * search) and {@code O(n)} more; a {@link Model} keeps one. The result is the same whatever
 * the thread count (ties broken by index).
 */
public final class Hdbscan {

  private Hdbscan() {}

  /**
   * A clustering.
   *
   * @param labels the cluster of each point, {@code 0..clusterCount-1}, or -1 for noise
   * @param probabilities how strongly each point belongs to its cluster, in {@code [0, 1]}: 1
   *     for the points that stay in it the longest as density rises, 0 for noise
   * @param clusterCount the number of clusters
   * @param stabilities each cluster's stability (excess of mass), a measure of how long it
   *     persists: higher is more distinct
   * @param coreDistances each point's core distance
   * @param outlierScores each point's GLOSH outlier score (Campello et al., 2015; the {@code
   *     hdbscan} package's {@code outlier_scores_}), in {@code [0, 1]}: how much sparser the point
   *     is than the densest part of the cluster it left, 0 at that core and near 1 for a point
   *     far from everything. It ranks the unusual images of a collection, noise or not
   */
  public record Result(int[] labels, double[] probabilities, int clusterCount,
      double[] stabilities, float[] coreDistances, double[] outlierScores) {

    /**
     * The number of points in each cluster.
     *
     * @return one count per cluster
     */
    public int[] clusterSizes() {
      int[] sizes = new int[clusterCount];
      for (int l : labels) {
        if (l >= 0) {
          sizes[l]++;
        }
      }
      return sizes;
    }

    /**
     * The number of points labelled noise.
     *
     * @return the count of -1 labels
     */
    public int noiseCount() {
      int c = 0;
      for (int l : labels) {
        c += l < 0 ? 1 : 0;
      }
      return c;
    }
  }

  /**
   * Where points a model was not fitted on belong.
   *
   * @param labels each point's cluster, numbered as in the model's {@link Result#labels()}, or
   *     -1 for noise
   * @param probabilities each point's membership strength, as {@link Result#probabilities()}:
   *     0 for noise
   * @param outlierScores each point's GLOSH outlier score, as {@link Result#outlierScores()}
   *     against the cluster it joined (the {@code hdbscan} package's {@code
   *     approximate_predict_scores})
   */
  public record Prediction(int[] labels, double[] probabilities, double[] outlierScores) {}

  /**
   * A clustering that can place other points: the hierarchy a fit built, with the fitted points
   * (in an exact Euclidean index). {@link #predict} is the {@code hdbscan} package's {@code
   * approximate_predict}: a new point is put where it would have joined the hierarchy, without
   * changing it. This is how a collection too large for HDBSCAN's {@code n²} distances is
   * clustered: fit on a sample of tens of thousands, then place every other point.
   *
   * <pre>{@code
   * Hdbscan.Model model = Hdbscan.fitModel(sample, m, d, HdbscanOptions.minClusterSize(25));
   * Hdbscan.Prediction rest = model.predict(otherRows);
   * }</pre>
   *
   * <p>Immutable and safe to share between threads. It holds one copy of the fitted points.
   * {@link #save} and {@link #load} keep it in a file, to place later points without fitting.
   */
  public static final class Model {
    /** The {@link SdkFile} kind of a saved model. */
    public static final String KIND = "HDB1";
    static final int VERSION = 1;

    private final FlatIndex index;
    private final int dimension;
    private final HdbscanOptions options;
    private final float[] core;
    private final int[] clusterParent;
    private final double[] clusterBirth;
    private final int[] pointCluster;
    private final double[] pointLambda;
    private final int[] clusterLabel;
    private final double[] maxLambda;
    private final double densest;
    private final double[] deepest;
    private final Result result;
    private final EmbedderDescription fittedOn;

    private Model(FlatIndex index, HdbscanOptions options, Condensed c, Selection s) {
      this(index, options, s.result(), c.parent.stream().mapToInt(Integer::intValue).toArray(),
          c.birth.stream().mapToDouble(Double::doubleValue).toArray(), c.pointCluster,
          c.pointLambda, s.clusterLabel(), s.maxLambda(), c.densest, s.deepest(), null);
    }

    private Model(FlatIndex index, HdbscanOptions options, Result result, int[] clusterParent,
        double[] clusterBirth, int[] pointCluster, double[] pointLambda, int[] clusterLabel,
        double[] maxLambda, double densest, double[] deepest, EmbedderDescription fittedOn) {
      this.index = index;
      this.dimension = index.dimension();
      this.options = options;
      this.result = result;
      this.core = result.coreDistances();
      this.clusterParent = clusterParent;
      this.clusterBirth = clusterBirth;
      this.pointCluster = pointCluster;
      this.pointLambda = pointLambda;
      this.clusterLabel = clusterLabel;
      this.maxLambda = maxLambda;
      this.densest = densest;
      this.deepest = deepest;
      this.fittedOn = fittedOn;
    }

    /**
     * This model recording what made the vectors it was fitted on, saved with it, so that a
     * caller can refuse to place another embedder's vectors ({@link
     * EmbedderDescription#differences}). The command line does.
     *
     * @param description the embedder of the fitted vectors, or null for none
     * @return a model sharing this one's state, with that description
     */
    public Model withFittedOn(EmbedderDescription description) {
      return new Model(index, options, result, clusterParent, clusterBirth, pointCluster,
          pointLambda, clusterLabel, maxLambda, densest, deepest, description);
    }

    /**
     * What made the vectors this model was fitted on.
     *
     * @return the description given to {@link #withFittedOn}, if any
     */
    public Optional<EmbedderDescription> fittedOn() {
      return Optional.ofNullable(fittedOn);
    }

    /**
     * The settings it was fitted with.
     *
     * @return the options
     */
    public HdbscanOptions options() {
      return options;
    }

    /**
     * Saves the model (its fitted points, hierarchy and clustering) in an {@link SdkFile}
     * container (kind {@value #KIND}), atomically, so that later points can be placed without
     * fitting again: {@link #load} gives a model that predicts the same, bit for bit.
     *
     * @param file the target; replaced only when the new file is complete
     * @throws IOException if writing fails
     */
    public void save(Path file) throws IOException {
      SdkFile.write(file, KIND, VERSION, out -> {
        int n = core.length;
        int k = clusterParent.length;
        int count = result.clusterCount();
        out.writeInt(dimension);
        out.writeInt(n);
        out.writeInt(k);
        out.writeInt(count);
        out.writeInt(options.minClusterSize());
        out.writeInt(options.minSamples());
        out.writeInt((options.allowSingleCluster() ? 1 : 0) | (options.leafSelection() ? 2 : 0));
        out.writeDouble(densest);
        out.writeDescription(fittedOn);
        for (int i = 0; i < n; i++) {
          out.writeFloats(index.vectorAt(i), 0, dimension);
        }
        out.writeFloats(core, 0, n);
        for (int i = 0; i < n; i++) {
          out.writeInt(pointCluster[i]);
          out.writeDouble(pointLambda[i]);
          out.writeInt(result.labels()[i]);
          out.writeDouble(result.probabilities()[i]);
          out.writeDouble(result.outlierScores()[i]);
        }
        for (int c = 0; c < k; c++) {
          out.writeInt(clusterParent[c]);
          out.writeDouble(clusterBirth[c]);
          out.writeInt(clusterLabel[c]);
          out.writeDouble(deepest[c]);
        }
        for (int l = 0; l < count; l++) {
          out.writeDouble(maxLambda[l]);
          out.writeDouble(result.stabilities()[l]);
        }
      });
    }

    /**
     * Loads a model written by {@link #save}.
     *
     * @param file the file
     * @return the model
     * @throws io.github.embeddings4j.core.io.DamagedFileException if the file is truncated,
     *     altered, not an HDBSCAN model or inconsistent; the message names the file
     * @throws IOException if the file cannot be read
     */
    public static Model load(Path file) throws IOException {
      return SdkFile.read(file, KIND, VERSION, (in, version) -> read(in));
    }

    private static Model read(SdkFile.Input in) throws IOException {
      int d = in.readInt();
      int n = in.readInt();
      int k = in.readInt();
      int count = in.readInt();
      int mcs = in.readInt();
      int ms = in.readInt();
      int flags = in.readInt();
      double densest = in.readDouble();
      if (d < 1 || n < 2 || k < 1 || count < 0 || count > k || mcs < 2 || ms < 1 || ms > n
          || (flags & ~3) != 0 || !(densest > 0) || Double.isInfinite(densest)) {
        throw in.damaged("bad HDBSCAN model header: dimension " + d + ", points " + n
            + ", clusters " + k + ", kept " + count + ", sizes " + mcs + "/" + ms + ", flags "
            + flags + ", densest " + densest);
      }
      HdbscanOptions options = HdbscanOptions.minClusterSize(mcs).withMinSamples(ms);
      options = (flags & 1) != 0 ? options.withSingleClusterAllowed() : options;
      options = (flags & 2) != 0 ? options.withLeafSelection() : options;
      EmbedderDescription fittedOn = in.readDescription();
      in.require((long) n * d + n, 4, "HDBSCAN points");
      float[][] rows = new float[n][d];
      for (int i = 0; i < n; i++) {
        in.readFloats(rows[i], 0, d);
      }
      float[] core = new float[n];
      in.readFloats(core, 0, n);
      in.require(n, 4 + 8 + 4 + 8 + 8, "HDBSCAN point records");
      int[] pointCluster = new int[n];
      double[] pointLambda = new double[n];
      int[] labels = new int[n];
      double[] probabilities = new double[n];
      double[] outliers = new double[n];
      for (int i = 0; i < n; i++) {
        pointCluster[i] = in.readInt();
        pointLambda[i] = in.readDouble();
        labels[i] = in.readInt();
        probabilities[i] = in.readDouble();
        outliers[i] = in.readDouble();
        if (pointCluster[i] < 0 || pointCluster[i] >= k || labels[i] < -1 || labels[i] >= count
            || !(pointLambda[i] >= 0) || !(probabilities[i] >= 0 && probabilities[i] <= 1)
            || !(outliers[i] >= 0 && outliers[i] <= 1) || !(core[i] >= 0)) {
          throw in.damaged("bad record for point " + i);
        }
      }
      in.require(k, 4 + 8 + 4 + 8, "HDBSCAN cluster records");
      int[] parent = new int[k];
      double[] birth = new double[k];
      int[] clusterLabel = new int[k];
      double[] deepest = new double[k];
      for (int c = 0; c < k; c++) {
        parent[c] = in.readInt();
        birth[c] = in.readDouble();
        clusterLabel[c] = in.readInt();
        deepest[c] = in.readDouble();
        // The root has no parent; every other cluster comes after its parent.
        if ((c == 0 ? parent[c] != -1 : parent[c] < 0 || parent[c] >= c) || !(birth[c] >= 0)
            || clusterLabel[c] < -1 || clusterLabel[c] >= count || !(deepest[c] >= 0)) {
          throw in.damaged("bad record for cluster " + c);
        }
      }
      in.require(count, 16, "HDBSCAN label records");
      double[] maxLambda = new double[count];
      double[] stabilities = new double[count];
      for (int l = 0; l < count; l++) {
        maxLambda[l] = in.readDouble();
        stabilities[l] = in.readDouble();
      }
      FlatIndex index = FlatIndex.builder(d).metric(StandardMetric.EUCLIDEAN).build();
      index.addAll(0, rows);
      Result result = new Result(labels, probabilities, count, stabilities, core, outliers);
      return new Model(index, options, result, parent, birth, pointCluster, pointLambda,
          clusterLabel, maxLambda, densest, deepest, fittedOn);
    }

    /**
     * The clustering of the fitted points.
     *
     * @return the result
     */
    public Result result() {
      return result;
    }

    /**
     * Places points in the fitted hierarchy. For each point: its core distance is taken among
     * the fitted points as if it were one of them (itself counted first); among its {@code 2 x
     * minSamples} nearest fitted points the one of smallest mutual reachability is its link,
     * joined at density {@code 1 / reachability}; the point belongs to the cluster its link was
     * in at that density, and to no cluster (-1) where that is above the kept clusters. Its
     * strength is that density over the cluster's highest, at most 1, and its outlier score
     * how far that density is below the densest of the cluster (of the hierarchy) it joined.
     * The hierarchy is not changed: a new dense group among the points is not found, and each
     * point is placed as if it were the only new one.
     *
     * @param points the points, of the fitted dimension; not modified
     * @return their labels, strengths and outlier scores
     * @throws IllegalArgumentException if a point has another dimension or a value that is not
     *     finite, naming it
     */
    public Prediction predict(float[][] points) {
      Objects.requireNonNull(points, "points");
      for (int i = 0; i < points.length; i++) {
        if (points[i] == null || points[i].length != dimension) {
          throw new IllegalArgumentException("point " + i + " has dimension "
              + (points[i] == null ? "null" : points[i].length) + ", not the model's "
              + dimension);
        }
      }
      requireFinite(points, "point");
      int n = core.length;
      int minSamples = options.minSamples();
      int k = Math.min(n, Math.max(2, 2 * minSamples));
      List<List<Neighbor>> near = points.length == 0 ? List.of() : index.searchAll(points, k);
      int[] labels = new int[points.length];
      double[] strengths = new double[points.length];
      double[] outliers = new double[points.length];
      for (int i = 0; i < points.length; i++) {
        List<Neighbor> nb = near.get(i);
        // Itself counted first: the (minSamples - 1)-th fitted point.
        double own = minSamples <= 1 ? 0 : nb.get(Math.min(minSamples - 2, nb.size() - 1))
            .distance();
        int link = -1;
        double reach = Double.POSITIVE_INFINITY;
        for (Neighbor x : nb) {
          int j = (int) x.id();
          double m = Math.max(Math.max(own, core[j]), x.distance());
          if (m < reach || m == reach && j < link) {
            reach = m;
            link = j;
          }
        }
        double lambda = reach > 0 ? 1 / reach : densest;
        int c = pointCluster[link];
        if (pointLambda[link] > lambda) {
          // The link stays deeper than this point joins: go up to the cluster that held the
          // link at the point's density.
          while (c != 0 && clusterBirth[c] >= lambda) {
            c = clusterParent[c];
          }
        }
        int label = clusterLabel[c];
        labels[i] = label;
        outliers[i] = outlierScore(deepest[c], lambda);
        if (label >= 0) {
          double top = maxLambda[label];
          strengths[i] = top > 0 ? Math.min(lambda, top) / top : 1;
        }
      }
      return new Prediction(labels, strengths, outliers);
    }

    /**
     * As {@link #predict(float[][])} for a row-major matrix.
     *
     * @param data the points, {@code m x dimension}; not modified
     * @param m the number of points
     * @return their labels, strengths and outlier scores
     * @throws IllegalArgumentException if the array is too short or a value is not finite
     */
    public Prediction predict(float[] data, int m) {
      Objects.requireNonNull(data, "data");
      if (m < 0 || data.length < (long) m * dimension) {
        throw new IllegalArgumentException("data of length " + data.length + " does not hold "
            + m + " rows of dimension " + dimension);
      }
      return predict(rows(data, m, dimension));
    }

    /**
     * The dimension of the points.
     *
     * @return the fitted points' dimension
     */
    public int dimension() {
      return dimension;
    }

    /**
     * The number of fitted points.
     *
     * @return the count
     */
    public int size() {
      return core.length;
    }
  }

  /**
   * Clusters vectors given as rows.
   *
   * @param rows the points, all of one length; not modified
   * @param options the settings
   * @return the clustering
   * @throws IllegalArgumentException as {@link #fit(float[], int, int, HdbscanOptions)}
   */
  public static Result fit(float[][] rows, HdbscanOptions options) {
    Objects.requireNonNull(options, "options");
    VectorMath.requireSameDimension(rows, "rows");
    return fitRows(rows, options);
  }

  /**
   * Clusters a row-major matrix (not modified; its rows are copied once).
   *
   * @param data the points, {@code n x d}
   * @param n the points, at least {@code options.minSamples()} and at least 2
   * @param d the dimension, at least 1
   * @param options the settings
   * @return the clustering
   * @throws IllegalArgumentException if there are too few points, the array is too short, or a
   *     value is not finite (naming the row)
   */
  public static Result fit(float[] data, int n, int d, HdbscanOptions options) {
    return fitRows(matrixRows(data, n, d, options), options);
  }

  private static Result fitRows(float[][] rows, HdbscanOptions options) {
    check(rows, options);
    return fitChecked(rows, options, null).selection().result();
  }

  /** The rows of a row-major matrix argument, checked. */
  private static float[][] matrixRows(float[] data, int n, int d, HdbscanOptions options) {
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(options, "options");
    if (d < 1 || data.length < (long) n * d) {
      throw new IllegalArgumentException("data of length " + data.length + " does not hold "
          + n + " rows of dimension " + d);
    }
    return rows(data, Math.max(0, n), d);
  }

  /**
   * Clusters vectors given as rows and keeps what {@link Model#predict} needs to place other
   * points: fit on a sample, then assign the rest of a collection too large to cluster whole.
   *
   * @param rows the points, all of one length; not modified
   * @param options the settings
   * @return the model; its {@link Model#result()} is what {@link #fit(float[][],
   *     HdbscanOptions)} returns
   * @throws IllegalArgumentException as {@link #fit(float[], int, int, HdbscanOptions)}
   */
  public static Model fitModel(float[][] rows, HdbscanOptions options) {
    Objects.requireNonNull(options, "options");
    VectorMath.requireSameDimension(rows, "rows");
    check(rows, options);
    FlatIndex index = FlatIndex.builder(rows[0].length).metric(StandardMetric.EUCLIDEAN)
        .build();
    index.addAll(0, rows);
    Fit fit = fitChecked(rows, options, index);
    return new Model(index, options, fit.condensed(), fit.selection());
  }

  /**
   * As {@link #fitModel(float[][], HdbscanOptions)} for a row-major matrix.
   *
   * @param data the points, {@code n x d}; not modified (its rows are copied once)
   * @param n the points
   * @param d the dimension
   * @param options the settings
   * @return the model
   * @throws IllegalArgumentException as {@link #fit(float[], int, int, HdbscanOptions)}
   */
  public static Model fitModel(float[] data, int n, int d, HdbscanOptions options) {
    return fitModel(matrixRows(data, n, d, options), options);
  }

  private static void check(float[][] rows, HdbscanOptions options) {
    int n = rows.length;
    if (n < 2 || n < options.minSamples()) {
      throw new IllegalArgumentException("HDBSCAN with min samples " + options.minSamples()
          + " needs at least " + Math.max(2, options.minSamples()) + " points, not " + n);
    }
    requireFinite(rows, "row");
  }

  private static void requireFinite(float[][] rows, String what) {
    for (int i = 0; i < rows.length; i++) {
      for (int j = 0; j < rows[i].length; j++) {
        if (!Float.isFinite(rows[i][j])) {
          throw new IllegalArgumentException(what + " " + i + " has a value that is not finite"
              + " at column " + j + ": " + rows[i][j]);
        }
      }
    }
  }

  /** A fit: the condensed tree and the clusters kept from it. */
  private record Fit(Condensed condensed, Selection selection) {}

  /** The clustering of checked rows (core distances in {@code index} if given). */
  private static Fit fitChecked(float[][] rows, HdbscanOptions options, FlatIndex index) {
    int n = rows.length;
    double[] nearest = coreDistances(rows, options.minSamples(), index);
    float[] core = new float[n];
    float[] core2 = new float[n];
    for (int i = 0; i < n; i++) {
      core[i] = (float) nearest[i];
      core2[i] = (float) (nearest[i] * nearest[i]);
    }
    double[][] tree = spanningTree(rows, core2);
    Hierarchy h = Hierarchy.of(tree, n);
    Condensed c = h.condense(options.minClusterSize());
    return new Fit(c, c.select(options.allowSingleCluster(), options.leafSelection(), core));
  }

  /** The squared distances of one row to four others, accurate where float's are not. */
  private static void squared4(float[] row, float[] q0, float[] q1, float[] q2, float[] q3,
      float[] out) {
    int d = row.length;
    VectorMath.squareDistance4(row, 0, q0, q1, q2, q3, d, out);
    float[][] q = {q0, q1, q2, q3};
    for (int t = 0; t < 4; t++) {
      if (VectorMath.outsideFloatRange(out[t])) {
        out[t] = (float) VectorMath.wideSquareDistance(row, 0, q[t], 0, d);
      }
    }
  }

  /** The squared distance of two rows, accurate where float's is not. */
  private static float squared(float[] a, float[] b) {
    float s = VectorMath.squareDistance(a, b);
    return VectorMath.outsideFloatRange(s) ? (float) VectorMath.wideSquareDistance(a, 0, b, 0,
        a.length) : s;
  }

  /** The rows of a row-major matrix, each a copy. */
  static float[][] rows(float[] data, int n, int d) {
    float[][] rows = new float[n][];
    for (int i = 0; i < n; i++) {
      rows[i] = Arrays.copyOfRange(data, i * d, i * d + d);
    }
    return rows;
  }

  /**
   * The distance of each row to its {@code k}-th nearest row, itself counted first: an exact
   * k-nearest-neighbour search of every row ({@link FlatIndex#searchAll}, matrix products then
   * exact distances of the candidates; ten times the four-query kernels' speed here), in {@code
   * rowsIndex} if given (holding the rows with ids {@code 0..n-1}).
   */
  static double[] coreDistances(float[][] rows, int k, FlatIndex rowsIndex) {
    double[] core = new double[rows.length];
    if (k <= 1) {
      return core;
    }
    FlatIndex index = rowsIndex;
    if (index == null) {
      index = FlatIndex.builder(rows[0].length).metric(StandardMetric.EUCLIDEAN).build();
      index.addAll(0, rows);
    }
    List<List<Neighbor>> nearest = index.searchAll(rows, k);
    for (int i = 0; i < rows.length; i++) {
      core[i] = nearest.get(i).get(k - 1).distance();
    }
    return core;
  }

  /**
   * The minimum spanning tree of the mutual reachability graph, by Prim's algorithm: {@code
   * n - 1} edges {@code {from, to, weight}} in the order they join the tree. Squared distances
   * throughout (the same tree); the weights returned are distances.
   */
  static double[][] spanningTree(float[][] rows, float[] core2) {
    int n = rows.length;
    int[] rest = new int[n - 1];
    for (int i = 0; i < rest.length; i++) {
      rest[i] = i + 1;
    }
    int restSize = rest.length;
    float[] best = new float[n];
    int[] from = new int[n];
    Arrays.fill(best, Float.POSITIVE_INFINITY);
    double[][] edges = new double[n - 1][];
    int current = 0;
    int chunks = Math.max(1, Math.min(64, Runtime.getRuntime().availableProcessors() * 4));
    for (int e = 0; e < n - 1; e++) {
      int cur = current;
      int size = restSize;
      int per = ((size + chunks - 1) / chunks + 3) & ~3;
      // Each chunk updates its nodes' best links, four at a time, and returns its nearest node.
      long[] nearest = IntStream.range(0, chunks).parallel().mapToLong(c -> {
        int lo = Math.min(size, c * per);
        int hi = Math.min(size, lo + per);
        float[] out = new float[4];
        int arg = -1;
        for (int t = lo; t < hi; t += 4) {
          if (t + 4 <= hi) {
            squared4(rows[cur], rows[rest[t]], rows[rest[t + 1]], rows[rest[t + 2]],
                rows[rest[t + 3]], out);
          } else {
            for (int u = 0; u < hi - t; u++) {
              out[u] = squared(rows[cur], rows[rest[t + u]]);
            }
          }
          for (int u = 0; u < 4 && t + u < hi; u++) {
            int j = rest[t + u];
            float m = Math.max(Math.max(core2[cur], core2[j]), out[u]);
            if (m < best[j]) {
              best[j] = m;
              from[j] = cur;
            }
            if (arg < 0 || best[j] < best[arg] || best[j] == best[arg] && j < arg) {
              arg = j;
            }
          }
        }
        return arg;
      }).toArray();
      int next = -1;
      for (long a : nearest) {
        int j = (int) a;
        if (j >= 0 && (next < 0 || best[j] < best[next] || best[j] == best[next] && j < next)) {
          next = j;
        }
      }
      edges[e] = new double[] {from[next], next, Math.sqrt(best[next])};
      // Remove next from the rest (order does not matter: ties are broken by index).
      for (int t = 0; t < restSize; t++) {
        if (rest[t] == next) {
          rest[t] = rest[--restSize];
          break;
        }
      }
      current = next;
    }
    return edges;
  }

  /** The single-linkage hierarchy of the spanning tree: nodes {@code n..2n-2} are merges. */
  private static final class Hierarchy {
    final int n;
    final int[] left;
    final int[] right;
    final double[] height;
    final int[] size;

    private Hierarchy(int n) {
      this.n = n;
      left = new int[n - 1];
      right = new int[n - 1];
      height = new double[n - 1];
      size = new int[n - 1];
    }

    static Hierarchy of(double[][] tree, int n) {
      Integer[] order = new Integer[tree.length];
      for (int i = 0; i < order.length; i++) {
        order[i] = i;
      }
      Arrays.sort(order, (a, b) -> Double.compare(tree[a][2], tree[b][2]));
      Hierarchy h = new Hierarchy(n);
      int[] parent = new int[2 * n - 1];
      int[] top = new int[n]; // union-find over points: each set's current hierarchy node
      for (int i = 0; i < n; i++) {
        parent[i] = i;
        top[i] = i;
      }
      for (int m = 0; m < order.length; m++) {
        double[] e = tree[order[m]];
        int a = find(parent, (int) e[0]);
        int b = find(parent, (int) e[1]);
        h.left[m] = top[a];
        h.right[m] = top[b];
        h.height[m] = e[2];
        h.size[m] = h.count(top[a]) + h.count(top[b]);
        parent[b] = a;
        top[a] = n + m;
      }
      return h;
    }

    private static int find(int[] parent, int x) {
      while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
      }
      return x;
    }

    int count(int node) {
      return node < n ? 1 : size[node - n];
    }

    /** The condensed tree for a minimum cluster size. */
    Condensed condense(int minClusterSize) {
      // A merge at distance 0 (duplicates) gets twice the largest finite density, so that
      // stabilities stay finite and such merges still count as the densest.
      double smallest = Double.POSITIVE_INFINITY;
      for (double v : height) {
        if (v > 0) {
          smallest = Math.min(smallest, v);
        }
      }
      double densest = Double.isInfinite(smallest) ? 1 : 2 / smallest;
      Condensed c = new Condensed(n, densest);
      int root = 2 * n - 2;
      int rootCluster = c.newCluster(-1, 0, count(root));
      Deque<int[]> todo = new ArrayDeque<>();
      todo.push(new int[] {root, rootCluster});
      while (!todo.isEmpty()) {
        int[] t = todo.pop();
        int node = t[0];
        int cluster = t[1];
        if (node < n) {
          continue; // a single point still in its cluster: it leaves at the cluster's end
        }
        int m = node - n;
        double lambda = height[m] > 0 ? 1 / height[m] : densest;
        int l = left[m];
        int r = right[m];
        boolean bigLeft = count(l) >= minClusterSize;
        boolean bigRight = count(r) >= minClusterSize;
        if (bigLeft && bigRight) {
          todo.push(new int[] {r, c.newCluster(cluster, lambda, count(r))});
          todo.push(new int[] {l, c.newCluster(cluster, lambda, count(l))});
        } else {
          if (bigLeft) {
            todo.push(new int[] {l, cluster});
          } else {
            leave(l, cluster, lambda, c);
          }
          if (bigRight) {
            todo.push(new int[] {r, cluster});
          } else {
            leave(r, cluster, lambda, c);
          }
        }
      }
      // With minClusterSize >= 2 a single point is never a big side: every point leaves its
      // cluster through leave().
      return c;
    }

    /** Every point under {@code node} leaves {@code cluster} at {@code lambda}. */
    private void leave(int node, int cluster, double lambda, Condensed c) {
      Deque<Integer> stack = new ArrayDeque<>();
      stack.push(node);
      while (!stack.isEmpty()) {
        int v = stack.pop();
        if (v < n) {
          c.pointLeaves(v, cluster, lambda);
        } else {
          stack.push(right[v - n]);
          stack.push(left[v - n]);
        }
      }
    }
  }

  /**
   * The clusters kept: the result, the label each condensed cluster's points get ({@code -1}
   * above the kept ones), and the largest density at which a point leaves each label's cluster.
   */
  private record Selection(Result result, int[] clusterLabel, double[] maxLambda,
      double[] deepest) {}

  /** GLOSH: {@code (deepest - lambda) / deepest}, within {@code [0, 1]}. */
  private static double outlierScore(double deepest, double lambda) {
    if (!(deepest > 0) || Double.isInfinite(deepest)) {
      return 0;
    }
    return Math.max(0, Math.min(1, (deepest - lambda) / deepest));
  }

  /** The condensed tree: clusters with their parent and birth, points with where they left. */
  private static final class Condensed {
    final List<Integer> parent = new ArrayList<>();
    final List<Double> birth = new ArrayList<>();
    final List<Integer> sizeAtBirth = new ArrayList<>();
    final int[] pointCluster;
    final double[] pointLambda;
    /** The density given to merges at distance 0. */
    final double densest;

    Condensed(int n, double densest) {
      pointCluster = new int[n];
      pointLambda = new double[n];
      this.densest = densest;
    }

    int newCluster(int parentCluster, double lambda, int size) {
      parent.add(parentCluster);
      birth.add(lambda);
      sizeAtBirth.add(size);
      return parent.size() - 1;
    }

    void pointLeaves(int point, int cluster, double lambda) {
      pointCluster[point] = cluster;
      pointLambda[point] = lambda;
    }

    Selection select(boolean allowSingleCluster, boolean leaves, float[] core) {
      int k = parent.size();
      int n = pointCluster.length;
      // Stability: each point and each child cluster contributes (lambda - birth) x size.
      double[] stability = new double[k];
      for (int p = 0; p < n; p++) {
        int c = pointCluster[p];
        stability[c] += pointLambda[p] - birth.get(c);
      }
      for (int c = 1; c < k; c++) {
        int pc = parent.get(c);
        stability[pc] += (birth.get(c) - birth.get(pc)) * sizeAtBirth.get(c);
      }
      // Excess of mass, children before parents (a child's index is above its parent's).
      boolean[] selected = new boolean[k];
      boolean[] hasChild = new boolean[k];
      for (int c = 1; c < k; c++) {
        hasChild[parent.get(c)] = true;
      }
      double[] best = stability.clone();
      double[] childSum = new double[k];
      for (int c = k - 1; c >= 0; c--) {
        boolean leaf = !hasChild[c];
        // The root is a cluster only when asked for (else one blob is all noise, as in
        // scikit-learn).
        boolean eligible = c != 0 || allowSingleCluster;
        if (leaves) {
          selected[c] = leaf && eligible;
        } else if (leaf) {
          selected[c] = eligible;
        } else if (eligible && stability[c] >= childSum[c]) {
          selected[c] = true;
          best[c] = stability[c];
          deselectBelow(c, selected);
        } else {
          best[c] = childSum[c];
        }
        if (c > 0) {
          childSum[parent.get(c)] += best[c];
        }
      }
      // Labels: the selected cluster on the path from a point's cluster to the root, numbered
      // in the order of each cluster's first point.
      int[] owner = new int[k];
      for (int c = 0; c < k; c++) {
        owner[c] = selected[c] ? c : c == 0 ? -1 : owner[parent.get(c)];
      }
      int[] labelOf = new int[k];
      Arrays.fill(labelOf, -1);
      int count = 0;
      for (int p = 0; p < n; p++) {
        int s = owner[pointCluster[p]];
        if (s >= 0 && labelOf[s] < 0) {
          labelOf[s] = count++;
        }
      }
      int[] labels = new int[n];
      double[] probabilities = new double[n];
      double[] maxLambda = new double[count];
      for (int p = 0; p < n; p++) {
        int s = owner[pointCluster[p]];
        labels[p] = s < 0 ? -1 : labelOf[s];
        if (labels[p] >= 0) {
          maxLambda[labels[p]] = Math.max(maxLambda[labels[p]], pointLambda[p]);
        }
      }
      for (int p = 0; p < n; p++) {
        int l = labels[p];
        if (l >= 0) {
          probabilities[p] = maxLambda[l] > 0
              ? Math.min(pointLambda[p], maxLambda[l]) / maxLambda[l] : 1;
        }
      }
      double[] stabilities = new double[count];
      for (int c = 0; c < k; c++) {
        if (labelOf[c] >= 0) {
          stabilities[labelOf[c]] = stability[c];
        }
      }
      int[] clusterLabel = new int[k];
      for (int c = 0; c < k; c++) {
        clusterLabel[c] = owner[c] < 0 ? -1 : labelOf[owner[c]];
      }
      double[] deepest = deepest();
      double[] outliers = new double[n];
      for (int p = 0; p < n; p++) {
        outliers[p] = outlierScore(deepest[pointCluster[p]], pointLambda[p]);
      }
      return new Selection(new Result(labels, probabilities, count, stabilities, core,
          outliers), clusterLabel, maxLambda, deepest);
    }

    /**
     * The largest density at which any point of each cluster's subtree leaves: where the
     * cluster, or a part of it, is densest.
     */
    double[] deepest() {
      int k = parent.size();
      double[] deepest = new double[k];
      for (int p = 0; p < pointCluster.length; p++) {
        deepest[pointCluster[p]] = Math.max(deepest[pointCluster[p]], pointLambda[p]);
      }
      for (int c = k - 1; c > 0; c--) { // children after their parents
        int pc = parent.get(c);
        deepest[pc] = Math.max(deepest[pc], deepest[c]);
      }
      return deepest;
    }

    private void deselectBelow(int c, boolean[] selected) {
      for (int i = c + 1; i < parent.size(); i++) {
        // Children come after their parents; an ancestor test walks up.
        for (int a = parent.get(i); a >= 0; a = parent.get(a)) {
          if (a == c) {
            selected[i] = false;
            break;
          }
          if (a < c) {
            break;
          }
        }
      }
    }
  }
}
