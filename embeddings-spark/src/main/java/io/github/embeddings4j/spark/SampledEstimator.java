package io.github.embeddings4j.spark;

import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.types.StructField;

/**
 * What the estimators that fit a core model on the driver share ({@link EmbeddingPca}, {@link
 * EmbeddingHdbscan}): the vector column, and a seeded sample of about {@code sampleSize} of its
 * non-null vectors collected to the driver (every one when there are no more), drawn by
 * {@link Vectors#sample}. Each estimator's description gives its default sample size and what a
 * larger one costs.
 *
 * @param <M> the fitted model
 * @param <E> the concrete estimator
 */
abstract class SampledEstimator<M extends Model<M>, E extends SampledEstimator<M, E>>
    extends Estimator<M> implements DefaultParamsWritable {

  private static final long serialVersionUID = 1L;

  private final String uid;
  private final Param<String> inputCol;
  private final IntParam sampleSize;
  private final LongParam seed;

  /**
   * @param uid the stage's unique id
   * @param inputDoc what the input column is for, in the parameter's doc
   * @param defaultSampleSize the sample size when none is set
   */
  SampledEstimator(String uid, String inputDoc, int defaultSampleSize) {
    this.uid = uid;
    inputCol = new Param<>(this, "inputCol", inputDoc);
    sampleSize = new IntParam(this, "sampleSize", "at most about this many rows are fitted on");
    seed = new LongParam(this, "seed", "seed of the sample");
    setDefault(inputCol, "embedding");
    setDefault(sampleSize, (Object) defaultSampleSize);
    setDefault(seed, (Object) 42L);
  }

  @SuppressWarnings("unchecked")
  private E self() {
    return (E) this;
  }

  @Override
  public String uid() {
    return uid;
  }

  /** @return the input column parameter */
  public Param<String> inputCol() {
    return inputCol;
  }

  /** @return the sample size parameter */
  public IntParam sampleSize() {
    return sampleSize;
  }

  /** @return the seed parameter */
  public LongParam seed() {
    return seed;
  }

  /**
   * The vector column ({@code array<float>}, {@code array<double>} or an ML vector). Default
   * {@code embedding}.
   *
   * @param column the column
   * @return this
   */
  public E setInputCol(String column) {
    set(inputCol, column);
    return self();
  }

  /**
   * The most rows (about) collected to the driver to fit on; the class's description gives the
   * default and what more rows cost.
   *
   * @param rows at least 2
   * @return this
   * @throws IllegalArgumentException if below 2
   */
  public E setSampleSize(int rows) {
    if (rows < 2) {
      throw new IllegalArgumentException("sampleSize must be at least 2: " + rows);
    }
    set(sampleSize, (Object) rows);
    return self();
  }

  /**
   * The seed of the sample: the same seed on the same partitioned data gives the same fit.
   * Default 42.
   *
   * @param value the seed
   * @return this
   */
  public E setSeed(long value) {
    set(seed, (Object) value);
    return self();
  }

  /** The name of the input column. */
  final String inputName() {
    return getOrDefault(inputCol);
  }

  /** The input column's field in the dataset's schema. */
  final StructField inputField(Dataset<?> dataset) {
    return dataset.schema().fields()[dataset.schema().fieldIndex(inputName())];
  }

  /**
   * The rows fitted on, in a deterministic order: all non-null vectors when there are at most
   * {@code sampleSize}, else a Bernoulli sample with the seed, cut to {@code sampleSize}.
   */
  final Vectors.Sample sample(Dataset<?> dataset) {
    return Vectors.sample(dataset, inputName(), (Integer) getOrDefault(sampleSize),
        (Long) getOrDefault(seed));
  }

  @Override
  public E copy(ParamMap extra) {
    return defaultCopy(extra);
  }
}
