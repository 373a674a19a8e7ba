package io.github.embeddings4j.spark;

import io.github.embeddings4j.api.EmbedderDescription;
import io.github.embeddings4j.core.cluster.Hdbscan;
import io.github.embeddings4j.core.cluster.HdbscanOptions;
import java.util.Locale;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.types.StructType;

/**
 * HDBSCAN of an embedding column ({@link Hdbscan}): fitted on the driver on every non-null
 * vector when there are at most {@link #setSampleSize(int) sampleSize}, else on a seeded random
 * sample of about that many, with the minimum cluster size and min samples scaled to the sample
 * ({@link HdbscanOptions#forSample}); the {@link EmbeddingHdbscanModel} then places every row in
 * the clusters on the executors ({@link Hdbscan.Model#predict}). Spark ML has no density-based
 * clustering; this is the core's, so a row is placed on the cluster as on one machine.
 *
 * <pre>{@code
 * EmbeddingHdbscanModel groups = new EmbeddingHdbscan().setInputCol("embedding")
 *     .setMinClusterSize(100).setSampleSize(20_000).setSeed(42).fit(embedded);
 * Dataset<Row> clustered = groups.transform(embedded);   // + cluster, probability, outlier
 * }</pre>
 *
 * <p>The sample: {@link #setSampleSize(int) sampleSize} defaults to 20,000 rows. HDBSCAN compares
 * every pair of them on the driver (20,000 of dimension 50 take about 5 s on two cores), so its
 * time grows with the square of the sample. Rows whose vector is null (failed images) are
 * skipped when fitting.
 */
public final class EmbeddingHdbscan
    extends SampledEstimator<EmbeddingHdbscanModel, EmbeddingHdbscan> {

  private static final long serialVersionUID = 1L;

  private final IntParam minClusterSize;
  private final IntParam minSamples;
  private final Param<String> clusterSelection;

  /** An estimator with a random uid and the defaults listed on each setter. */
  public EmbeddingHdbscan() {
    this(Identifiable$.MODULE$.randomUID("embeddingHdbscan"));
  }

  /**
   * An estimator with a given uid (Spark ML's loader uses this constructor).
   *
   * @param uid the stage's unique id
   */
  public EmbeddingHdbscan(String uid) {
    super(uid, "vector column to cluster", 20_000);
    minClusterSize = new IntParam(this, "minClusterSize",
        "smallest group of the whole column that counts as a cluster");
    minSamples = new IntParam(this, "minSamples",
        "neighbours (itself included) of a point in a dense region; 0: minClusterSize");
    clusterSelection = new Param<>(this, "clusterSelection", "eom (most stable) or leaf");
    setDefault(minClusterSize, (Object) 5);
    setDefault(minSamples, (Object) 0);
    setDefault(clusterSelection, "eom");
  }

  /**
   * Spark ML's reader (for {@code Pipeline.load}).
   *
   * @return the reader
   */
  public static MLReader<EmbeddingHdbscan> read() {
    return new DefaultParamsReader<>();
  }

  /** @return the minimum cluster size parameter */
  public IntParam minClusterSize() {
    return minClusterSize;
  }

  /** @return the min samples parameter */
  public IntParam minSamples() {
    return minSamples;
  }

  /** @return the cluster selection parameter */
  public Param<String> clusterSelection() {
    return clusterSelection;
  }

  /**
   * The smallest group of the whole column that counts as a cluster (scaled to the sample when
   * fitting on one). Default 5.
   *
   * @param size at least 2
   * @return this
   * @throws IllegalArgumentException if below 2
   */
  public EmbeddingHdbscan setMinClusterSize(int size) {
    HdbscanOptions.minClusterSize(size);
    set(minClusterSize, (Object) size);
    return this;
  }

  /**
   * The neighbours (itself included) a point needs to be in a dense region (scaled to the
   * sample). Default 0: the minimum cluster size.
   *
   * @param samples at least 1, or 0 for the minimum cluster size
   * @return this
   * @throws IllegalArgumentException if negative
   */
  public EmbeddingHdbscan setMinSamples(int samples) {
    if (samples < 0) {
      throw new IllegalArgumentException("minSamples must be at least 1, or 0 for the minimum"
          + " cluster size: " + samples);
    }
    set(minSamples, (Object) samples);
    return this;
  }

  /**
   * {@code eom} keeps the most stable clusters (default), {@code leaf} the smallest groups of
   * the hierarchy ({@link HdbscanOptions#withLeafSelection()}).
   *
   * @param selection eom or leaf
   * @return this
   * @throws IllegalArgumentException for another value
   */
  public EmbeddingHdbscan setClusterSelection(String selection) {
    String s = selection.trim().toLowerCase(Locale.ROOT);
    if (!s.equals("eom") && !s.equals("leaf")) {
      throw new IllegalArgumentException("clusterSelection must be eom or leaf, not '"
          + selection + "'");
    }
    set(clusterSelection, s);
    return this;
  }

  /** The options for the whole column, before scaling to a sample. */
  HdbscanOptions options() {
    HdbscanOptions o = HdbscanOptions.minClusterSize((Integer) getOrDefault(minClusterSize));
    int samples = (Integer) getOrDefault(minSamples);
    if (samples > 0) {
      o = o.withMinSamples(samples);
    }
    return getOrDefault(clusterSelection).equals("leaf") ? o.withLeafSelection() : o;
  }

  /**
   * Fits the model on the driver.
   *
   * @param dataset rows with the input column
   * @return the model, placing rows in the clusters found
   * @throws IllegalArgumentException if the column is not a vector column, holds fewer vectors
   *     than HDBSCAN needs, or a vector has another length or a value that is not finite
   */
  @Override
  public EmbeddingHdbscanModel fit(Dataset<?> dataset) {
    transformSchema(dataset.schema());
    Vectors.Sample sample = sample(dataset);
    float[][] rows = sample.rows();
    HdbscanOptions whole = options();
    if (rows.length < Math.max(2, whole.minSamples())) {
      throw new IllegalArgumentException("HDBSCAN needs at least " + Math.max(2,
          whole.minSamples()) + " vectors in column '" + inputName() + "', found "
          + rows.length);
    }
    Hdbscan.Model fitted;
    try {
      fitted = Hdbscan.fitModel(rows, whole.forSample(rows.length, sample.total()));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("column '" + inputName() + "': "
          + e.getMessage(), e);
    }
    EmbedderDescription described = Vectors.description(inputField(dataset),
        fitted.dimension(), "");
    byte[] bytes = SavedBytes.of(fitted.withFittedOn(described)::save, "HDBSCAN model");
    EmbeddingHdbscanModel model = new EmbeddingHdbscanModel(uid(), bytes);
    model.setInputCol(inputName());
    return model.setParent(this);
  }

  @Override
  public StructType transformSchema(StructType schema) {
    Vectors.requireVectorColumn(schema, inputName(), "input");
    // The fitted model adds its default columns (they can be renamed on the model).
    return EmbeddingHdbscanModel.withOutputs(schema, "cluster", "probability", "outlier");
  }
}
