package io.github.embeddings4j.spark;

import io.github.embeddings4j.api.EmbedderDescription;
import io.github.embeddings4j.core.cluster.Hdbscan;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
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
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A fitted {@link EmbeddingHdbscan}: the core's {@link Hdbscan.Model}, broadcast once (as the
 * bytes of its saved file) and applied to every row on the executors, a block of rows at a
 * time. Adds three columns: the cluster ({@code int}, -1 for noise), the membership strength
 * and the GLOSH outlier score ({@code double}); a null vector gives nulls. Saved and loaded with
 * Spark ML.
 *
 * <p>The model remembers the description of the column it was fitted on and refuses to place
 * vectors described as another embedder's (unless {@link #setCheckEmbedder} says otherwise):
 * the clusters mean nothing for another network's vectors.
 */
public final class EmbeddingHdbscanModel extends BroadcastModel<EmbeddingHdbscanModel> {

  private static final long serialVersionUID = 1L;

  /** Rows placed at a time on an executor: one nearest-neighbour search each block. */
  static final int BLOCK = 4096;

  private transient Hdbscan.Model model;
  private final Param<String> clusterCol;
  private final Param<String> probabilityCol;
  private final Param<String> outlierCol;

  EmbeddingHdbscanModel(String uid, byte[] modelBytes) {
    super(uid, modelBytes, "the model", "place in the clusters");
    clusterCol = new Param<>(this, "clusterCol", "cluster column to add (int, -1 for noise)");
    probabilityCol = new Param<>(this, "probabilityCol",
        "membership strength column to add (double)");
    outlierCol = new Param<>(this, "outlierCol", "GLOSH outlier score column to add (double)");
    setDefault(clusterCol, "cluster");
    setDefault(probabilityCol, "probability");
    setDefault(outlierCol, "outlier");
  }

  /**
   * Spark ML's reader (for {@code PipelineModel.load}).
   *
   * @return the reader
   */
  public static MLReader<EmbeddingHdbscanModel> read() {
    return reader(EmbeddingHdbscanModel.class, "HDBSCAN model",
        (uid, bytes, fittedOn) -> new EmbeddingHdbscanModel(uid, bytes));
  }

  /**
   * Loads a model saved with {@code write().save(path)}.
   *
   * @param path where it was saved
   * @return the model
   */
  public static EmbeddingHdbscanModel load(String path) {
    return read().load(path);
  }

  /** @return the cluster column parameter */
  public Param<String> clusterCol() {
    return clusterCol;
  }

  /** @return the probability column parameter */
  public Param<String> probabilityCol() {
    return probabilityCol;
  }

  /** @return the outlier column parameter */
  public Param<String> outlierCol() {
    return outlierCol;
  }

  /**
   * The cluster column to add. Default {@code cluster}.
   *
   * @param column the column
   * @return this
   */
  public EmbeddingHdbscanModel setClusterCol(String column) {
    set(clusterCol, column);
    return this;
  }

  /**
   * The membership strength column to add. Default {@code probability}.
   *
   * @param column the column
   * @return this
   */
  public EmbeddingHdbscanModel setProbabilityCol(String column) {
    set(probabilityCol, column);
    return this;
  }

  /**
   * The outlier score column to add. Default {@code outlier}.
   *
   * @param column the column
   * @return this
   */
  public EmbeddingHdbscanModel setOutlierCol(String column) {
    set(outlierCol, column);
    return this;
  }

  /**
   * The fitted model, for use on one machine ({@link Hdbscan.Model#save} writes the file the
   * command line's {@code cluster --apply} reads).
   *
   * @return the core's model
   */
  public synchronized Hdbscan.Model model() {
    if (model == null) {
      model = SavedBytes.parse(bytes(), Hdbscan.Model::load, "HDBSCAN model");
    }
    return model;
  }

  /**
   * The description of the vectors the model was fitted on, when the column had one.
   *
   * @return the description
   */
  public Optional<EmbedderDescription> fittedOn() {
    return model().fittedOn();
  }

  /** The schema with the three output columns added, refusing names already taken. */
  static StructType withOutputs(StructType schema, String cluster, String probability,
      String outlier) {
    return adding(schema, List.of(cluster, probability, outlier),
        List.of(DataTypes.IntegerType, DataTypes.DoubleType, DataTypes.DoubleType));
  }

  @Override
  public StructType transformSchema(StructType schema) {
    Vectors.requireVectorColumn(schema, inputName(), "input");
    return withOutputs(schema, getOrDefault(clusterCol), getOrDefault(probabilityCol),
        getOrDefault(outlierCol));
  }

  /**
   * Adds each row's cluster, strength and outlier score.
   *
   * @param dataset rows with the input column
   * @return the rows with the three columns
   * @throws IllegalArgumentException if the columns are wrong, or the input column is described
   *     as another embedder's vectors or as vectors of another dimension than the model's
   */
  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    StructType out = transformSchema(dataset.schema());
    String name = inputName();
    int column = dataset.schema().fieldIndex(name);
    check(dataset.schema().fields()[column]);
    Place f = new Place(broadcast(dataset), column, name, model().dimension());
    return Vectors.withMetadata(dataset.toDF().mapPartitions(f, Encoders.row(out)), out);
  }

  /** Refuses a column described as other vectors than the model's. */
  private void check(StructField input) {
    Hdbscan.Model m = model();
    Vectors.requireFittedOn(input, m.dimension(), m.fittedOn(),
        checking(), "the HDBSCAN model", "its clusters", "place");
  }

  /** Places the rows of a partition a block at a time. */
  private record Place(Broadcast<byte[]> shared, int column, String name, int dimension)
      implements MapPartitionsFunction<Row, Row> {

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
      Hdbscan.Model m = SavedBytes.parsed(shared.id(), shared.value(), Hdbscan.Model::load,
          "HDBSCAN model");
      return new Iterator<>() {
        private final List<Row> block = new ArrayList<>();
        private int next;

        @Override
        public boolean hasNext() {
          if (next < block.size()) {
            return true;
          }
          block.clear();
          next = 0;
          while (rows.hasNext() && block.size() < BLOCK) {
            block.add(rows.next());
          }
          if (block.isEmpty()) {
            return false;
          }
          placeBlock();
          return true;
        }

        @Override
        public Row next() {
          if (!hasNext()) {
            throw new NoSuchElementException();
          }
          return block.get(next++);
        }

        /** Replaces the block's rows by the rows with the three columns added. */
        private void placeBlock() {
          List<float[]> vectors = new ArrayList<>();
          List<Integer> at = new ArrayList<>();
          for (int i = 0; i < block.size(); i++) {
            float[] v = Vectors.get(block.get(i), column);
            if (v != null) {
              if (v.length != dimension) {
                throw new IllegalArgumentException("vector dimensions differ: column '" + name
                    + "' has " + v.length + " components, the model " + dimension + " (row "
                    + block.get(i) + ")");
              }
              vectors.add(v);
              at.add(i);
            }
          }
          Hdbscan.Prediction p = vectors.isEmpty() ? null
              : m.predict(vectors.toArray(new float[0][]));
          Object[][] added = new Object[block.size()][3];
          for (int t = 0; t < at.size(); t++) {
            added[at.get(t)] = new Object[] {p.labels()[t], p.probabilities()[t],
                p.outlierScores()[t]};
          }
          for (int i = 0; i < block.size(); i++) {
            Row r = block.get(i);
            Object[] values = new Object[r.length() + 3];
            for (int c = 0; c < r.length(); c++) {
              values[c] = r.get(c);
            }
            System.arraycopy(added[i], 0, values, r.length(), 3);
            block.set(i, RowFactory.create(values));
          }
        }
      };
    }
  }

  @Override
  public EmbeddingHdbscanModel copy(ParamMap extra) {
    return copyValues(new EmbeddingHdbscanModel(uid(), bytes()), extra).setParent(parent());
  }

  @Override
  public String toString() {
    Hdbscan.Model m = model();
    return "EmbeddingHdbscanModel[" + uid() + ", " + m.result().clusterCount() + " clusters of "
        + m.size() + " fitted rows, " + m.options() + "]";
  }

  @Override
  String dataColumn() {
    return "model";
  }
}
