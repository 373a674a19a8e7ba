package io.github.embeddings4j.spark;

import io.github.embeddings4j.api.EmbedderDescription;
import io.github.embeddings4j.core.reduce.Pca;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.Option;

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
public final class EmbeddingPcaModel extends Model<EmbeddingPcaModel> implements MLWritable {

  private static final long serialVersionUID = 1L;

  /** The column of the saved data that holds the description the PCA was fitted on. */
  private static final String FITTED_ON = "fitted_on";

  private final String uid;
  private final byte[] pcaBytes;
  private final Map<String, String> fittedOn;
  private transient Pca pca;
  private final Param<String> inputCol;
  private final Param<String> outputCol;
  private final BooleanParam checkEmbedder;

  /**
   * @param fittedOn the description of the vectors the PCA was fitted on, or null for none
   */
  EmbeddingPcaModel(String uid, byte[] pcaBytes, EmbedderDescription fittedOn) {
    this.uid = uid;
    this.pcaBytes = pcaBytes.clone();
    this.fittedOn = fittedOn == null ? null : new LinkedHashMap<>(fittedOn.toMap());
    inputCol = new Param<>(this, "inputCol", "vector column to reduce");
    outputCol = new Param<>(this, "outputCol", "reduced vector column to add (array<float>)");
    checkEmbedder = new BooleanParam(this, "checkEmbedder", "refuse vectors described as made "
        + "by another embedder than the ones the PCA was fitted on");
    setDefault(inputCol, "embedding");
    setDefault(outputCol, "pca");
    setDefault(checkEmbedder, true);
  }

  /**
   * Spark ML's reader (for {@code PipelineModel.load}).
   *
   * @return the reader
   */
  public static MLReader<EmbeddingPcaModel> read() {
    return new Reader();
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

  @Override
  public String uid() {
    return uid;
  }

  /** @return the input column parameter */
  public Param<String> inputCol() {
    return inputCol;
  }

  /** @return the output column parameter */
  public Param<String> outputCol() {
    return outputCol;
  }

  /** @return the embedder check parameter */
  public BooleanParam checkEmbedder() {
    return checkEmbedder;
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
   * Whether {@link #transform} refuses an input column described as made by another embedder
   * than the vectors the PCA was fitted on (other model, weights, layer, preprocessing: its
   * components mean nothing there). Default true; nothing is checked when either side has no
   * description.
   *
   * @param check false to reduce such vectors anyway
   * @return this
   */
  public EmbeddingPcaModel setCheckEmbedder(boolean check) {
    set(checkEmbedder, check);
    return this;
  }

  /**
   * The vector column to reduce. Default {@code embedding}.
   *
   * @param column the column
   * @return this
   */
  public EmbeddingPcaModel setInputCol(String column) {
    set(inputCol, column);
    return this;
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
      pca = PcaBytes.parse(pcaBytes);
    }
    return pca;
  }

  @Override
  public StructType transformSchema(StructType schema) {
    Vectors.requireVectorColumn(schema, getOrDefault(inputCol), "input");
    String out = getOrDefault(outputCol);
    if (List.of(schema.fieldNames()).contains(out)) {
      throw new IllegalArgumentException("output column '" + out + "' already exists in "
          + schema.simpleString());
    }
    return schema.add(out, Vectors.FLOAT_ARRAY, true);
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
    int column = dataset.schema().fieldIndex(getOrDefault(inputCol));
    String name = getOrDefault(inputCol);
    EmbedderDescription reduced = reducedDescription(dataset.schema().fields()[column]);
    Broadcast<byte[]> shared = JavaSparkContext.fromSparkContext(
        dataset.sparkSession().sparkContext()).broadcast(pcaBytes);
    Reduce f = new Reduce(shared, column, name, pca().inputDimension());
    Dataset<Row> rows = dataset.toDF().mapPartitions(f, Encoders.row(out));
    return Vectors.withMetadata(rows, reduced == null ? out
        : Vectors.describe(out, getOrDefault(outputCol), reduced));
  }

  /** The output column's description: the input's, checked, reduced; null when it has none. */
  private EmbedderDescription reducedDescription(StructField input) {
    Pca p = pca();
    EmbedderDescription in = Vectors.requireFittedOn(input, p.inputDimension(), fittedOn(),
        (Boolean) getOrDefault(checkEmbedder), "the PCA", "its components", "reduce");
    if (in == null) {
      return null;
    }
    return in.reducedTo(p.outputDimension(), p.reductionStep() + ", model sha256="
        + sha256(pcaBytes));
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
    return copyValues(new EmbeddingPcaModel(uid, pcaBytes, fittedOn().orElse(null)), extra)
        .setParent(parent());
  }

  @Override
  public MLWriter write() {
    return new Writer(this);
  }

  @Override
  public String toString() {
    return "EmbeddingPcaModel[" + uid + ", " + pca() + "]";
  }

  /**
   * Metadata (params) as Spark ML writes it; in {@code data/} the PCA file's bytes and the
   * description of the vectors it was fitted on (null for none).
   */
  private static final class Writer extends MLWriter {
    private final EmbeddingPcaModel model;

    Writer(EmbeddingPcaModel model) {
      this.model = model;
    }

    @Override
    public void saveImpl(String path) {
      DefaultParamsWriter.saveMetadata(model, path, sc(), Option.empty(), Option.empty());
      StructType schema = new StructType().add("pca", DataTypes.BinaryType, false)
          .add(FITTED_ON, DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType),
              true);
      sparkSession().createDataFrame(List.of(RowFactory.create(model.pcaBytes, model.fittedOn)),
              schema)
          .coalesce(1).write().parquet(path + "/data");
    }
  }

  private static final class Reader extends MLReader<EmbeddingPcaModel> {
    @Override
    public EmbeddingPcaModel load(String path) {
      DefaultParamsReader.Metadata metadata = DefaultParamsReader.loadMetadata(path, sc(),
          EmbeddingPcaModel.class.getName());
      List<Row> data = sparkSession().read().parquet(path + "/data").collectAsList();
      if (data.size() != 1) {
        throw new IllegalArgumentException(path + "/data: expected one stored PCA, found "
            + data.size());
      }
      Row row = data.get(0);
      // Models saved before descriptions were kept have no such column.
      boolean hasFitted = List.of(row.schema().fieldNames()).contains(FITTED_ON)
          && !row.isNullAt(row.fieldIndex(FITTED_ON));
      EmbedderDescription fitted = hasFitted
          ? EmbedderDescription.fromMap(row.getJavaMap(row.fieldIndex(FITTED_ON))) : null;
      EmbeddingPcaModel m = new EmbeddingPcaModel(metadata.uid(), (byte[]) row.get(0), fitted);
      metadata.getAndSetParams(m, Option.empty());
      return m;
    }
  }
}
