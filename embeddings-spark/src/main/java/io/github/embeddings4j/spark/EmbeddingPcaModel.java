package io.github.embeddings4j.spark;

import io.github.embeddings4j.core.reduce.Pca;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Model;
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
import org.apache.spark.sql.types.StructType;
import scala.Option;

/**
 * A fitted {@link EmbeddingPca}: the core's {@link Pca}, broadcast once and applied to every row
 * in plain Java ({@link Pca#reduce(float[])}), so each output is exactly what the core gives for
 * that vector. Null vectors stay null. Saved and loaded with Spark ML (the PCA is stored as the
 * bytes of the core's checksummed PCA file).
 */
public final class EmbeddingPcaModel extends Model<EmbeddingPcaModel> implements MLWritable {

  private static final long serialVersionUID = 1L;

  private final String uid;
  private final byte[] pcaBytes;
  private transient Pca pca;
  private final Param<String> inputCol;
  private final Param<String> outputCol;

  EmbeddingPcaModel(String uid, byte[] pcaBytes) {
    this.uid = uid;
    this.pcaBytes = pcaBytes.clone();
    inputCol = new Param<>(this, "inputCol", "vector column to reduce");
    outputCol = new Param<>(this, "outputCol", "reduced vector column to add (array<float>)");
    setDefault(inputCol, "embedding");
    setDefault(outputCol, "pca");
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

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    StructType out = transformSchema(dataset.schema());
    int column = dataset.schema().fieldIndex(getOrDefault(inputCol));
    String name = getOrDefault(inputCol);
    Broadcast<byte[]> shared = JavaSparkContext.fromSparkContext(
        dataset.sparkSession().sparkContext()).broadcast(pcaBytes);
    Reduce f = new Reduce(shared, column, name, pca().inputDimension());
    return dataset.toDF().mapPartitions(f, Encoders.row(out));
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
    return copyValues(new EmbeddingPcaModel(uid, pcaBytes), extra).setParent(parent());
  }

  @Override
  public MLWriter write() {
    return new Writer(this);
  }

  @Override
  public String toString() {
    return "EmbeddingPcaModel[" + uid + ", " + pca() + "]";
  }

  /** Metadata (params) as Spark ML writes it, and the PCA file's bytes in {@code data/}. */
  private static final class Writer extends MLWriter {
    private final EmbeddingPcaModel model;

    Writer(EmbeddingPcaModel model) {
      this.model = model;
    }

    @Override
    public void saveImpl(String path) {
      DefaultParamsWriter.saveMetadata(model, path, sc(), Option.empty(), Option.empty());
      StructType schema = new StructType().add("pca", DataTypes.BinaryType, false);
      sparkSession().createDataFrame(List.of(RowFactory.create((Object) model.pcaBytes)), schema)
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
      EmbeddingPcaModel m = new EmbeddingPcaModel(metadata.uid(), (byte[]) data.get(0).get(0));
      metadata.getAndSetParams(m, Option.empty());
      return m;
    }
  }
}
