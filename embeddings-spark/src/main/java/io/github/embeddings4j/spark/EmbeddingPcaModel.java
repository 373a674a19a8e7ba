package io.github.embeddings4j.spark;

import io.github.embeddings4j.api.EmbedderDescription;
import io.github.embeddings4j.core.reduce.Pca;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A fitted {@link EmbeddingPca}: the core's {@link Pca}, broadcast once and applied to every row
 * in plain Java ({@link Pca#reduce(float[])}), so each output is exactly what the core gives for
 * that vector. Null vectors stay null. Saved and loaded with Spark ML (the PCA is stored as the
 * bytes of the core's checksummed PCA file).
 *
 * <p>Descriptions travel through it as through the command-line tool's {@code reduce}: the
 * model remembers the description of the vectors it was fitted on ({@link #fittedOn()}), refuses
 * to reduce vectors described as another embedder's (unless {@link #setCheckEmbedder} says
 * otherwise), and describes its output column as the input's reduced by {@code pca A to B,
 * model sha256=...} (the checksum of the core's PCA file, {@link #pca()} saved).
 */
public final class EmbeddingPcaModel extends BroadcastModel<EmbeddingPcaModel> {

  private static final long serialVersionUID = 1L;

  private final Map<String, String> fittedOn;
  private transient Pca pca;
  private final Param<String> outputCol;

  /**
   * @param fittedOn the description of the vectors the PCA was fitted on, or null for none
   */
  EmbeddingPcaModel(String uid, byte[] pcaBytes, EmbedderDescription fittedOn) {
    super(uid, pcaBytes, "the PCA", "reduce");
    this.fittedOn = asMap(fittedOn);
    outputCol = new Param<>(this, "outputCol", "reduced vector column to add (array<float>)");
    setDefault(outputCol, "pca");
  }

  /**
   * Spark ML's reader (for {@code PipelineModel.load}).
   *
   * @return the reader
   */
  public static MLReader<EmbeddingPcaModel> read() {
    return reader(EmbeddingPcaModel.class, "PCA", EmbeddingPcaModel::new);
  }

  /**
   * Loads a model saved with {@code write().save(path)}.
   *
   * @param path where it was saved
   * @return the model
   */
  public static EmbeddingPcaModel load(String path) {
    return read().load(path);
  }

  /** @return the output column parameter */
  public Param<String> outputCol() {
    return outputCol;
  }

  /**
   * The description of the vectors the PCA was fitted on: the input column's, as {@link
   * ImageEmbedder} and {@link EmbeddingStore} record it, when it had one.
   *
   * @return the description, or empty when the fitted column carried none
   */
  public Optional<EmbedderDescription> fittedOn() {
    return Optional.ofNullable(fittedOn).map(EmbedderDescription::fromMap);
  }

  /**
   * The column to add. Default {@code pca}.
   *
   * @param column the column
   * @return this
   */
  public EmbeddingPcaModel setOutputCol(String column) {
    set(outputCol, column);
    return this;
  }

  /**
   * The fitted PCA, for use on one machine (e.g. to reduce queries before {@link ExactKnn}).
   *
   * @return the core's PCA
   */
  public synchronized Pca pca() {
    if (pca == null) {
      pca = PcaBytes.parse(bytes());
    }
    return pca;
  }

  @Override
  public StructType transformSchema(StructType schema) {
    Vectors.requireVectorColumn(schema, inputName(), "input");
    return adding(schema, List.of(getOrDefault(outputCol)), List.of(Vectors.FLOAT_ARRAY));
  }

  /**
   * Adds the reduced vectors. The input column's description, when it has one, is checked
   * against {@link #fittedOn()} and carried to the output column as reduced by this PCA; the
   * other columns keep their metadata.
   *
   * @param dataset rows with the input column
   * @return the rows with the output column
   * @throws IllegalArgumentException if the columns are wrong, or the input column is described
   *     as another embedder's vectors or as vectors of another dimension than the PCA's
   */
  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    StructType out = transformSchema(dataset.schema());
    String name = inputName();
    int column = dataset.schema().fieldIndex(name);
    EmbedderDescription reduced = reducedDescription(dataset.schema().fields()[column]);
    Reduce f = new Reduce(broadcast(dataset), column, name, pca().inputDimension());
    Dataset<Row> rows = dataset.toDF().mapPartitions(f, Encoders.row(out));
    return Vectors.withMetadata(rows, reduced == null ? out
        : Vectors.describe(out, getOrDefault(outputCol), reduced));
  }

  /** The output column's description: the input's, checked, reduced; null when it has none. */
  private EmbedderDescription reducedDescription(StructField input) {
    Pca p = pca();
    EmbedderDescription in = Vectors.requireFittedOn(input, p.inputDimension(), fittedOn(),
        checking(), "the PCA", "its components", "reduce");
    if (in == null) {
      return null;
    }
    return in.reducedTo(p.outputDimension(), p.reductionStep() + ", model sha256="
        + sha256(bytes()));
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }

  private record Reduce(Broadcast<byte[]> shared, int column, String name, int dimension)
      implements MapPartitionsFunction<Row, Row> {

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
      Pca p = PcaBytes.parsed(shared.id(), shared.value());
      return new Iterator<>() {
        @Override
        public boolean hasNext() {
          return rows.hasNext();
        }

        @Override
        public Row next() {
          Row r = rows.next();
          float[] v = Vectors.get(r, column);
          if (v != null && v.length != dimension) {
            throw new IllegalArgumentException("vector dimensions differ: column '" + name
                + "' has " + v.length + " components, the PCA " + dimension + " (row " + r
                + ")");
          }
          Object[] values = new Object[r.length() + 1];
          for (int c = 0; c < r.length(); c++) {
            values[c] = r.get(c);
          }
          values[r.length()] = v == null ? null : p.reduce(v);
          return RowFactory.create(values);
        }
      };
    }
  }

  @Override
  public EmbeddingPcaModel copy(ParamMap extra) {
    return copyValues(new EmbeddingPcaModel(uid(), bytes(), fittedOn().orElse(null)), extra)
        .setParent(parent());
  }

  @Override
  public String toString() {
    return "EmbeddingPcaModel[" + uid() + ", " + pca() + "]";
  }

  @Override
  String dataColumn() {
    return "pca";
  }

  @Override
  boolean storesFittedOn() {
    return true;
  }

  @Override
  Map<String, String> storedFittedOn() {
    return fittedOn;
  }
}
