package io.github.embeddings4j.spark;

import io.github.embeddings4j.api.EmbedderDescription;
import io.github.embeddings4j.core.reduce.Pca;
import io.github.embeddings4j.core.reduce.PcaOptions;
import java.util.List;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * Fits the core's {@link Pca} on a DataFrame of embeddings: on every row when there are at most
 * {@link #setSampleSize(int) sampleSize} of them, else on a seeded random sample of about that
 * many, collected to the driver. The fitted {@link EmbeddingPcaModel} is broadcast and applied to
 * every row as a pipeline stage.
 *
 * <pre>{@code
 * EmbeddingPcaModel pca = new EmbeddingPca().setInputCol("embedding").setOutputCol("pca")
 *     .setK(128).setSampleSize(100_000).setSeed(42).fit(embedded);
 * Dataset<Row> reduced = pca.transform(embedded);
 * }</pre>
 *
 * <p><b>Why a sample, and not Spark ML's {@code PCA}.</b> The principal directions of a few
 * hundred thousand embeddings are those of millions to within the sampling error, and the sample
 * fits the driver; measured in docs/spark.md, the sampled fit is faster than Spark ML's
 * distributed covariance, works on {@code array<float>} columns directly (Spark ML's needs
 * vectors of doubles), supports whitening and variance-fraction selection, and its result is the
 * core's {@code Pca}, so vectors reduced on the cluster and on one machine are identical.
 *
 * <p>The sample: {@link #setSampleSize(int) sampleSize} defaults to 100,000 rows; with 2,048
 * dimensions that is 800 MB of floats on the driver, so lower it for small drivers. Rows whose
 * vector is null (failed images) are skipped.
 */
public final class EmbeddingPca extends SampledEstimator<EmbeddingPcaModel, EmbeddingPca> {

  private static final long serialVersionUID = 1L;

  private final Param<String> outputCol;
  private final IntParam k;
  private final DoubleParam varianceFraction;
  private final BooleanParam whiten;

  /** An estimator with a random uid and the defaults listed on each setter. */
  public EmbeddingPca() {
    this(Identifiable$.MODULE$.randomUID("embeddingPca"));
  }

  /**
   * An estimator with a given uid (Spark ML's loader uses this constructor).
   *
   * @param uid the stage's unique id
   */
  public EmbeddingPca(String uid) {
    super(uid, "vector column to fit on and reduce", 100_000);
    outputCol = new Param<>(this, "outputCol", "reduced vector column to add (array<float>)");
    k = new IntParam(this, "k", "number of components; 0 when varianceFraction is set");
    varianceFraction = new DoubleParam(this, "varianceFraction",
        "keep the fewest components explaining this fraction of the variance; 0: use k");
    whiten = new BooleanParam(this, "whiten", "scale components to unit variance");
    setDefault(outputCol, "pca");
    setDefault(k, (Object) 0);
    setDefault(varianceFraction, (Object) 0.0);
    setDefault(whiten, (Object) false);
  }

  /**
   * Spark ML's reader (for {@code Pipeline.load}).
   *
   * @return the reader
   */
  public static MLReader<EmbeddingPca> read() {
    return new DefaultParamsReader<>();
  }

  /** @return the output column parameter */
  public Param<String> outputCol() {
    return outputCol;
  }

  /** @return the component count parameter */
  public IntParam k() {
    return k;
  }

  /** @return the variance fraction parameter */
  public DoubleParam varianceFraction() {
    return varianceFraction;
  }

  /** @return the whitening parameter */
  public BooleanParam whiten() {
    return whiten;
  }

  /**
   * The reduced column the model adds. Default {@code pca}.
   *
   * @param column the column
   * @return this
   */
  public EmbeddingPca setOutputCol(String column) {
    set(outputCol, column);
    return this;
  }

  /**
   * Keep this many components (one of this and {@link #setVarianceFraction} is required).
   *
   * @param components at least 1
   * @return this
   */
  public EmbeddingPca setK(int components) {
    if (components < 1) {
      throw new IllegalArgumentException("k must be at least 1: " + components);
    }
    set(k, (Object) components);
    set(varianceFraction, (Object) 0.0);
    return this;
  }

  /**
   * Keep the fewest components that explain this fraction of the sample's variance.
   *
   * @param fraction in (0, 1]
   * @return this
   */
  public EmbeddingPca setVarianceFraction(double fraction) {
    if (!(fraction > 0 && fraction <= 1)) {
      throw new IllegalArgumentException("varianceFraction must be in (0, 1]: " + fraction);
    }
    set(varianceFraction, (Object) fraction);
    set(k, (Object) 0);
    return this;
  }

  /**
   * Whether to scale each component to unit variance. Default false.
   *
   * @param value whether to whiten
   * @return this
   */
  public EmbeddingPca setWhiten(boolean value) {
    set(whiten, (Object) value);
    return this;
  }

  private PcaOptions options() {
    int count = (Integer) getOrDefault(k);
    double fraction = (Double) getOrDefault(varianceFraction);
    if (count < 1 && !(fraction > 0)) {
      throw new IllegalArgumentException("set k (components) or varianceFraction before fit");
    }
    PcaOptions o = count >= 1 ? Pca.keep(count) : Pca.varianceFraction(fraction);
    return (Boolean) getOrDefault(whiten) ? o.whitened() : o;
  }

  @Override
  public EmbeddingPcaModel fit(Dataset<?> dataset) {
    transformSchema(dataset.schema());
    PcaOptions options = options();
    float[][] rows = sample(dataset).rows();
    if (rows.length < 2) {
      throw new IllegalArgumentException("PCA needs at least 2 vectors in column '"
          + inputName() + "', found " + rows.length);
    }
    Pca pca = Pca.fit(rows, options);
    EmbedderDescription described = Vectors.description(inputField(dataset),
        pca.inputDimension(), "");
    EmbeddingPcaModel model = new EmbeddingPcaModel(uid(), PcaBytes.of(pca), described);
    model.setInputCol(inputName()).setOutputCol(getOrDefault(outputCol));
    return model.setParent(this);
  }

  @Override
  public StructType transformSchema(StructType schema) {
    Vectors.requireVectorColumn(schema, inputName(), "input");
    if (List.of(schema.fieldNames()).contains(getOrDefault(outputCol))) {
      throw new IllegalArgumentException("output column '" + getOrDefault(outputCol)
          + "' already exists in " + schema.simpleString());
    }
    return schema.add(getOrDefault(outputCol), Vectors.FLOAT_ARRAY, true);
  }
}
