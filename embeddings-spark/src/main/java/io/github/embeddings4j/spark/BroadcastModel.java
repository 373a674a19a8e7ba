package io.github.embeddings4j.spark;

import io.github.embeddings4j.api.EmbedderDescription;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.Option;

/**
 * What the fitted stages that apply a core model to a vector column share ({@link
 * EmbeddingPcaModel}, {@link EmbeddingHdbscanModel}): the model as the bytes of its saved file
 * ({@link SavedBytes}), broadcast to the executors once per {@code transform}; the input column
 * and the embedder check as parameters; saving and loading with Spark ML, the bytes (and, where
 * the model's file does not hold it, the description of the vectors it was fitted on) stored as
 * one row in {@code data/}.
 *
 * @param <M> the concrete model
 */
abstract class BroadcastModel<M extends BroadcastModel<M>> extends Model<M>
    implements MLWritable {

  private static final long serialVersionUID = 1L;

  /** The column of the saved data that holds the description the model was fitted on. */
  private static final String FITTED_ON = "fitted_on";

  private final String uid;
  private final byte[] bytes;
  private final Param<String> inputCol;
  private final BooleanParam checkEmbedder;

  /**
   * @param uid the stage's unique id
   * @param bytes the core model's file
   * @param what the model in messages and parameter docs ("the PCA")
   * @param verb what the stage does to a vector ("reduce")
   */
  BroadcastModel(String uid, byte[] bytes, String what, String verb) {
    this.uid = uid;
    this.bytes = bytes.clone();
    inputCol = new Param<>(this, "inputCol", "vector column to " + verb);
    checkEmbedder = new BooleanParam(this, "checkEmbedder", "refuse vectors described as made "
        + "by another embedder than the ones " + what + " was fitted on");
    setDefault(inputCol, "embedding");
    setDefault(checkEmbedder, true);
  }

  @SuppressWarnings("unchecked")
  private M self() {
    return (M) this;
  }

  @Override
  public String uid() {
    return uid;
  }

  /** The core model's file, shared: not to be modified. */
  final byte[] bytes() {
    return bytes;
  }

  /** The bytes, broadcast to the executors of the dataset's session. */
  final Broadcast<byte[]> broadcast(Dataset<?> dataset) {
    return JavaSparkContext.fromSparkContext(dataset.sparkSession().sparkContext())
        .broadcast(bytes);
  }

  /** @return the input column parameter */
  public Param<String> inputCol() {
    return inputCol;
  }

  /** @return the embedder check parameter */
  public BooleanParam checkEmbedder() {
    return checkEmbedder;
  }

  /**
   * The vector column ({@code array<float>}, {@code array<double>} or an ML vector). Default
   * {@code embedding}.
   *
   * @param column the column
   * @return this
   */
  public M setInputCol(String column) {
    set(inputCol, column);
    return self();
  }

  /**
   * Whether {@code transform} refuses an input column described as made by another embedder
   * than the vectors the model was fitted on (other model, weights, layer, preprocessing: what
   * was fitted means nothing there). Default true; nothing is checked when either side has no
   * description.
   *
   * @param check false to apply the model to such vectors anyway
   * @return this
   */
  public M setCheckEmbedder(boolean check) {
    set(checkEmbedder, check);
    return self();
  }

  /** The name of the input column. */
  final String inputName() {
    return getOrDefault(inputCol);
  }

  /** Whether the embedder check is on. */
  final boolean checking() {
    return (Boolean) getOrDefault(checkEmbedder);
  }

  /** The schema with columns added, refusing names already taken. */
  static StructType adding(StructType schema, List<String> names,
      List<org.apache.spark.sql.types.DataType> types) {
    List<String> taken = List.of(schema.fieldNames());
    StructType out = schema;
    for (int i = 0; i < names.size(); i++) {
      if (taken.contains(names.get(i))) {
        throw new IllegalArgumentException("output column '" + names.get(i)
            + "' already exists in " + schema.simpleString()
            + ": rename it, or set the model's output columns");
      }
      out = out.add(names.get(i), types.get(i), true);
    }
    return out;
  }

  /**
   * The description of the fitted vectors to store beside the bytes, or null when the model's
   * file holds it (then no such column is stored).
   */
  Map<String, String> storedFittedOn() {
    return null;
  }

  /** Whether {@link #storedFittedOn()} is stored at all (a column, possibly null). */
  boolean storesFittedOn() {
    return false;
  }

  @Override
  public MLWriter write() {
    return new Writer(this);
  }

  /** Rebuilds a model from what {@link Writer} stored. */
  interface Factory<M> {
    /**
     * @param fittedOn the stored description, or null (none stored, or a model saved before
     *     descriptions were kept)
     */
    M create(String uid, byte[] bytes, EmbedderDescription fittedOn);
  }

  /**
   * Metadata (params) as Spark ML writes it; in {@code data/} one row: the model's bytes under
   * its column name, and the fitted-on description where the model keeps it outside its file.
   */
  private static final class Writer extends MLWriter {
    private final BroadcastModel<?> model;

    Writer(BroadcastModel<?> model) {
      this.model = model;
    }

    @Override
    public void saveImpl(String path) {
      DefaultParamsWriter.saveMetadata(model, path, sc(), Option.empty(), Option.empty());
      StructType schema = new StructType().add(model.dataColumn(), DataTypes.BinaryType, false);
      Row row;
      if (model.storesFittedOn()) {
        schema = schema.add(FITTED_ON,
            DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType), true);
        row = RowFactory.create(model.bytes, model.storedFittedOn());
      } else {
        row = RowFactory.create((Object) model.bytes);
      }
      sparkSession().createDataFrame(List.of(row), schema).coalesce(1).write()
          .parquet(path + "/data");
    }
  }

  /** The name of the column of {@code data/} that holds the bytes ("pca", "model"). */
  abstract String dataColumn();

  /**
   * Spark ML's reader of a model saved by {@link #write()}.
   *
   * @param type the model's class (its metadata must name it)
   * @param what the model in messages ("PCA")
   * @param factory rebuilds the model
   */
  static <M extends BroadcastModel<M>> MLReader<M> reader(Class<M> type, String what,
      Factory<M> factory) {
    return new MLReader<>() {
      @Override
      public M load(String path) {
        DefaultParamsReader.Metadata metadata = DefaultParamsReader.loadMetadata(path, sc(),
            type.getName());
        List<Row> data = sparkSession().read().parquet(path + "/data").collectAsList();
        if (data.size() != 1) {
          throw new IllegalArgumentException(path + "/data: expected one stored " + what
              + ", found " + data.size());
        }
        Row row = data.get(0);
        // Models saved before descriptions were kept have no such column.
        boolean hasFitted = List.of(row.schema().fieldNames()).contains(FITTED_ON)
            && !row.isNullAt(row.fieldIndex(FITTED_ON));
        EmbedderDescription fitted = hasFitted
            ? EmbedderDescription.fromMap(row.getJavaMap(row.fieldIndex(FITTED_ON))) : null;
        M m = factory.create(metadata.uid(), (byte[]) row.get(0), fitted);
        metadata.getAndSetParams(m, Option.empty());
        return m;
      }
    };
  }

  /** A description as the map stored beside the bytes; null for none. */
  static Map<String, String> asMap(EmbedderDescription description) {
    return description == null ? null : new LinkedHashMap<>(description.toMap());
  }
}
