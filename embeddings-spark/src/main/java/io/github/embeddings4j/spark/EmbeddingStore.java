package io.github.embeddings4j.spark;

import io.github.embeddings4j.api.DistanceMetric;
import io.github.embeddings4j.api.EmbedderDescription;
import io.github.embeddings4j.core.io.EmbeddingSet;
import io.github.embeddings4j.core.io.Npy;
import io.github.embeddings4j.core.search.FlatIndex;
import io.github.embeddings4j.core.search.GraphIndex;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.IntFunction;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.StructType;

/**
 * Embeddings as Parquet: columns {@value #ID} ({@code long}), {@value #PATH} ({@code string}, may
 * be null) and {@value #VECTOR} ({@code array<float>}, null for an image that failed), plus
 * {@value #ERROR} ({@code string}) when the data has it. And conversions between that and the
 * core's single-machine files: a {@link FlatIndex} or {@link GraphIndex} file and a {@code .npy}
 * matrix with its ids file.
 *
 * <pre>{@code
 * EmbeddingStore.write(embedded, "hdfs:///embeddings/photos", false);
 * Dataset<Row> stored = EmbeddingStore.read(spark, "hdfs:///embeddings/photos");
 * EmbeddingStore.toFlatIndex(stored, StandardMetric.COSINE).save(Path.of("photos.index"));
 * }</pre>
 *
 * <p>The vector column's metadata may hold how the vectors were made ({@link #embedder}, put
 * there by {@link ImageEmbedder}); Parquet keeps it, and the conversions pass it on: {@code
 * toNpy} writes it as the set's description, {@code toFlatIndex} and {@code toGraphIndex} record
 * it in the index, {@code fromNpy} and {@code fromFlatIndex} read it back.
 *
 * <p>Writes are all or nothing: Spark writes into a temporary folder beside the target, which is
 * renamed into place only when the job has succeeded. The conversions to and from local files run
 * on the driver and stream rows in id order, so the driver holds one row at a time when writing
 * {@code .npy} (and the whole index when building a {@code FlatIndex} or a {@code GraphIndex},
 * which live in memory).
 */
public final class EmbeddingStore {

  /** The id column. */
  public static final String ID = "id";
  /** The path column. */
  public static final String PATH = "path";
  /** The vector column. */
  public static final String VECTOR = "vector";
  /** The error column (written when present). */
  public static final String ERROR = "error";

  /** The schema every store has (the error column is optional). */
  static final StructType SCHEMA = new StructType()
      .add(ID, DataTypes.LongType, false)
      .add(PATH, DataTypes.StringType, true)
      .add(VECTOR, Vectors.FLOAT_ARRAY, true);

  /** Rows a collected graph index takes per {@code addAll}. */
  static final int GRAPH_BATCH_ROWS = 65_536;

  private EmbeddingStore() {}

  /**
   * Writes embeddings as Parquet, all or nothing.
   *
   * @param embeddings rows with {@value #ID} ({@code long} or {@code int}), {@value #VECTOR}
   *     (any vector column; stored as {@code array<float>}) and optionally {@value #PATH} and
   *     {@value #ERROR}; other columns are dropped
   * @param path the target folder (any Hadoop file system URI)
   * @param overwrite whether an existing target is replaced; if false it is an error
   * @throws IOException if the target exists (without {@code overwrite}) or cannot be replaced
   * @throws IllegalArgumentException if a required column is missing or has the wrong type
   */
  public static void write(Dataset<Row> embeddings, String path, boolean overwrite)
      throws IOException {
    Objects.requireNonNull(path, "path");
    Dataset<Row> out = normalise(embeddings);
    SparkSession spark = embeddings.sparkSession();
    org.apache.hadoop.fs.Path given = new org.apache.hadoop.fs.Path(path);
    FileSystem fs = given.getFileSystem(spark.sparkContext().hadoopConfiguration());
    org.apache.hadoop.fs.Path target = fs.makeQualified(given); // so it has a parent folder
    if (fs.exists(target) && !overwrite) {
      throw new IOException(path + " already exists; pass overwrite to replace it");
    }
    org.apache.hadoop.fs.Path temp = new org.apache.hadoop.fs.Path(target.getParent(),
        "." + target.getName() + ".tmp-" + UUID.randomUUID());
    try {
      out.write().parquet(temp.toString());
      if (fs.exists(target) && !fs.delete(target, true)) {
        throw new IOException("cannot replace " + path);
      }
      if (!fs.rename(temp, target)) {
        throw new IOException("cannot move the written embeddings " + temp + " to " + path);
      }
    } finally {
      if (fs.exists(temp)) {
        fs.delete(temp, true);
      }
    }
  }

  /** Selects and casts the store's columns, failing with the column and its type. */
  static Dataset<Row> normalise(Dataset<Row> embeddings) {
    StructType schema = embeddings.schema();
    DataType idType = Vectors.field(schema, ID, "id").dataType();
    if (!(idType instanceof LongType) && !(idType instanceof IntegerType)) {
      throw new IllegalArgumentException("id column '" + ID + "' must be long or int, not "
          + idType.simpleString());
    }
    Vectors.requireVectorColumn(schema, VECTOR, "vector");
    List<String> names = List.of(schema.fieldNames());
    List<Column> cols = new ArrayList<>();
    cols.add(functions.col(ID).cast(DataTypes.LongType).as(ID));
    cols.add(names.contains(PATH) ? functions.col(PATH).cast(DataTypes.StringType).as(PATH)
        : functions.lit(null).cast(DataTypes.StringType).as(PATH));
    DataType vt = schema.fields()[schema.fieldIndex(VECTOR)].dataType();
    Column vector = vt.equals(Vectors.FLOAT_ARRAY) || vt.equals(
        DataTypes.createArrayType(DataTypes.FloatType, true))
        ? functions.col(VECTOR)
        : vt.equals(org.apache.spark.ml.linalg.SQLDataTypes.VectorType())
            ? org.apache.spark.ml.functions.vector_to_array(functions.col(VECTOR), "float32")
            : functions.col(VECTOR).cast(DataTypes.createArrayType(DataTypes.FloatType));
    // A cast or conversion would drop the column's metadata: the embedder's description is kept.
    cols.add(vector.as(VECTOR, schema.fields()[schema.fieldIndex(VECTOR)].metadata()));
    if (names.contains(ERROR)) {
      cols.add(functions.col(ERROR).cast(DataTypes.StringType).as(ERROR));
    }
    return embeddings.select(cols.toArray(new Column[0]));
  }

  /**
   * How the vectors of a store were made: the embedder's description that {@link ImageEmbedder}
   * records in its output column's metadata, which Parquet keeps with the schema and the
   * conversions below pass on (to {@code .npy} sets and index files, where the command-line
   * tool checks queries against it).
   *
   * @param embeddings rows with {@value #VECTOR}
   * @return the description, or empty when the column carries none
   * @throws IllegalArgumentException if there is no {@value #VECTOR} column, or its description
   *     is damaged
   */
  public static Optional<EmbedderDescription> embedder(Dataset<Row> embeddings) {
    return Optional.ofNullable(Vectors.description(Vectors.field(embeddings.schema(), VECTOR,
        "vector")));
  }

  /**
   * The same rows, with the {@value #VECTOR} column described as made by an embedder (vectors
   * from elsewhere whose maker you know), or with its description dropped (vectors changed since,
   * which it no longer describes).
   *
   * @param embeddings rows with {@value #VECTOR}
   * @param embedder the description, or null to drop the column's
   * @return the rows with the new metadata (a new plan over the same data)
   * @throws IllegalArgumentException if there is no {@value #VECTOR} column
   */
  public static Dataset<Row> withEmbedder(Dataset<Row> embeddings,
      EmbedderDescription embedder) {
    StructType schema = embeddings.schema();
    Vectors.field(schema, VECTOR, "vector");
    // An alias cannot drop metadata (Spark removes an alias of empty metadata as redundant), so
    // the rows are handed over again under the new schema.
    return embeddings.sparkSession().createDataFrame(embeddings.javaRDD(),
        Vectors.describe(schema, VECTOR, embedder));
  }

  /** The description of the vectors, checked against their dimension; null for none. */
  private static EmbedderDescription describedAs(Dataset<Row> embeddings, int dimension) {
    return Vectors.description(Vectors.field(embeddings.schema(), VECTOR, "vector"), dimension,
        "drop it with EmbeddingStore.withEmbedder(embeddings, null)");
  }

  /**
   * Reads embeddings written by {@link #write}.
   *
   * @param spark the session
   * @param path the folder
   * @return the rows: {@value #ID}, {@value #PATH}, {@value #VECTOR} (and {@value #ERROR} if
   *     stored)
   * @throws IllegalArgumentException if the data lacks a store's columns
   */
  public static Dataset<Row> read(SparkSession spark, String path) {
    Dataset<Row> df = spark.read().parquet(path);
    StructType schema = df.schema();
    try {
      Vectors.field(schema, ID, "id");
      Vectors.field(schema, PATH, "path");
      Vectors.requireVectorColumn(schema, VECTOR, "vector");
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(path + " is not an embeddings store: "
          + e.getMessage(), e);
    }
    return df;
  }

  /**
   * Builds a core index from stored embeddings, on the driver, in id order; null vectors are
   * skipped. Paths are not kept (a {@code FlatIndex} holds ids); join on {@value #ID} for them.
   *
   * @param embeddings rows with {@value #ID} and {@value #VECTOR}
   * @param metric the index's metric
   * @return the index; search it on one machine, or {@code save} it
   * @throws IllegalArgumentException if vectors differ in dimension (naming the id) or there are
   *     none
   */
  public static FlatIndex toFlatIndex(Dataset<Row> embeddings, DistanceMetric metric) {
    Objects.requireNonNull(metric, "metric");
    Iterator<Row> it = vectorsInIdOrder(embeddings);
    FlatIndex index = null;
    while (it.hasNext()) {
      Row r = it.next();
      float[] v = Vectors.get(r, 1);
      if (index == null) {
        index = FlatIndex.builder(v.length).metric(metric)
            .embedder(describedAs(embeddings, v.length)).build();
      } else if (v.length != index.dimension()) {
        throw new IllegalArgumentException("vector dimensions differ: id " + r.getLong(0)
            + " has " + v.length + " components, the earlier ones " + index.dimension());
      }
      index.add(r.getLong(0), v);
    }
    if (index == null) {
      throw new IllegalArgumentException("no vectors to index (every vector is null)");
    }
    return index;
  }

  /**
   * Builds one graph index (HNSW) of stored embeddings on the driver, with the core's defaults
   * and the given metric; see {@link #toGraphIndex(Dataset, IntFunction)}.
   *
   * @param embeddings rows with {@value #ID} and {@value #VECTOR}
   * @param metric Euclidean, squared Euclidean, cosine or dot product
   * @return the index; search it on one machine, or {@code save} it for the command-line tool
   * @throws IllegalArgumentException for another metric, vectors that differ in dimension or
   *     have a NaN or infinite component (naming the id), or no vectors
   */
  public static GraphIndex toGraphIndex(Dataset<Row> embeddings, DistanceMetric metric) {
    Objects.requireNonNull(metric, "metric");
    GraphIndex.builder(1).metric(metric); // refuses an unsupported metric before any job runs
    return toGraphIndex(embeddings, d -> GraphIndex.builder(d).metric(metric));
  }

  /**
   * Builds one graph index (HNSW) of stored embeddings on the driver: the non-null vectors stream
   * in id order, 65,536 rows at a time, into {@link GraphIndex#addAll(long[], float[][])}, which inserts on the builder's threads (by default all the driver's cores). The
   * driver holds the whole index (about {@code rows x (dimension x 4 + 8 x (2M + 1))} bytes, a
   * quarter of the floats' part with {@code INT8} compression) and one batch. Ids are the rows'.
   *
   * <pre>{@code
   * GraphIndex index = EmbeddingStore.toGraphIndex(stored, d -> GraphIndex.builder(d)
   *     .metric(StandardMetric.COSINE).maxDegree(16).beamWidth(200));
   * index.save(Path.of("photos.e4j"));   // embeddings4j search --index photos.e4j ...
   * }</pre>
   *
   * @param embeddings rows with {@value #ID} and {@value #VECTOR}
   * @param builder the index's options, given the dimension (that of the first vector)
   * @return the index
   * @throws IllegalArgumentException if vectors differ in dimension or have a NaN or infinite
   *     component (naming the id), the builder is for another dimension, or there are no vectors
   */
  public static GraphIndex toGraphIndex(Dataset<Row> embeddings,
      IntFunction<GraphIndex.Builder> builder) {
    Objects.requireNonNull(builder, "builder");
    Iterator<Row> it = vectorsInIdOrder(embeddings);
    GraphIndex index = null;
    long[] ids = new long[GRAPH_BATCH_ROWS];
    float[][] batch = new float[GRAPH_BATCH_ROWS][];
    int count = 0;
    try {
      while (it.hasNext()) {
        Row r = it.next();
        float[] v = Vectors.get(r, 1);
        if (index == null) {
          EmbedderDescription d = describedAs(embeddings, v.length);
          GraphIndex.Builder b = Objects.requireNonNull(builder.apply(v.length),
              "builder returned null");
          index = (d == null ? b : b.embedder(d)).build();
          if (index.dimension() != v.length) {
            throw new IllegalArgumentException("the builder is for dimension "
                + index.dimension() + ", the vectors have " + v.length);
          }
        } else if (v.length != index.dimension()) {
          throw new IllegalArgumentException("vector dimensions differ: id " + r.getLong(0)
              + " has " + v.length + " components, the earlier ones " + index.dimension());
        }
        ids[count] = r.getLong(0);
        batch[count++] = v;
        if (count == GRAPH_BATCH_ROWS) {
          index.addAll(ids, batch);
          count = 0;
        }
      }
      if (index == null) {
        throw new IllegalArgumentException("no vectors to index (every vector is null)");
      }
      if (count > 0) {
        index.addAll(Arrays.copyOf(ids, count), Arrays.copyOf(batch, count));
      }
      return index;
    } catch (RuntimeException e) {
      if (index != null) {
        index.close(); // a compressed index's vector file
      }
      throw e;
    }
  }

  /**
   * The entries of a core index as rows ({@value #PATH} holds the string key of an index built
   * with keys, else null).
   *
   * @param spark the session
   * @param index the index, e.g. {@code FlatIndex.load(file)}
   * @param partitions how many partitions to spread the rows over
   * @return rows {@value #ID}, {@value #PATH}, {@value #VECTOR}
   */
  public static Dataset<Row> fromFlatIndex(SparkSession spark, FlatIndex index, int partitions) {
    requirePartitions(partitions);
    List<Row> rows = new ArrayList<>(index.size());
    for (int r = 0; r < index.size(); r++) {
      long id = index.idAt(r);
      rows.add(RowFactory.create(id, index.key(id).orElse(null), index.vectorAt(r)));
    }
    return spark.createDataFrame(rows, Vectors.describe(SCHEMA, VECTOR,
        index.embedder().orElse(null))).repartition(partitions);
  }

  /**
   * Writes the vectors as a {@code .npy} matrix in id order (null vectors skipped), streaming,
   * with the ids file beside it ({@link Npy#idsFile}): one line per row, the row's path, or
   * its id where the path is null (percent-escaped where needed), and a description; the three
   * are replaced as one unit ({@link EmbeddingSet}).
   *
   * @param embeddings rows with {@value #ID}, {@value #VECTOR} and optionally {@value #PATH}
   * @param npyFile the local file to write
   * @return the number of rows written
   * @throws IOException if writing fails (nothing is left behind)
   * @throws IllegalArgumentException if vectors differ in dimension or there are none
   */
  public static long toNpy(Dataset<Row> embeddings, Path npyFile) throws IOException {
    Iterator<Row> it = vectorsInIdOrder(embeddings);
    if (!it.hasNext()) {
      throw new IllegalArgumentException("no vectors to write (every vector is null)");
    }
    List<String> names = new ArrayList<>();
    Row first = it.next();
    int d = Vectors.get(first, 1).length;
    // Vectors, ids and description as one unit: a failure leaves the previous set whole.
    try (EmbeddingSet.Writer out = EmbeddingSet.writer(npyFile, d, describedAs(embeddings, d))) {
      for (Row r = first; r != null; r = it.hasNext() ? it.next() : null) {
        float[] v = Vectors.get(r, 1);
        if (v.length != d) {
          throw new IllegalArgumentException("vector dimensions differ: id " + r.getLong(0)
              + " has " + v.length + " components, the earlier ones " + d);
        }
        String name = r.isNullAt(2) ? Long.toString(r.getLong(0)) : r.getString(2);
        out.add(v, name);
        names.add(name);
      }
      out.commit();
    }
    return names.size();
  }

  /**
   * Reads a {@code .npy} matrix (float32, two dimensions) as rows: {@value #ID} is the row
   * number, {@value #PATH} the line of the ids file beside it if there is one, else null.
   *
   * @param spark the session
   * @param npyFile the local file
   * @param partitions how many partitions to spread the rows over
   * @return rows {@value #ID}, {@value #PATH}, {@value #VECTOR}
   * @throws IOException if the file cannot be read or is damaged, or the ids file's line count
   *     differs from the rows
   */
  public static Dataset<Row> fromNpy(SparkSession spark, Path npyFile, int partitions)
      throws IOException {
    requirePartitions(partitions);
    EmbeddingSet.Contents set = EmbeddingSet.read(npyFile);
    float[][] matrix = set.vectors();
    List<String> names = set.described() || Files.isRegularFile(Npy.idsFile(npyFile))
        ? set.ids() : null;
    List<Row> rows = new ArrayList<>(matrix.length);
    for (int i = 0; i < matrix.length; i++) {
      rows.add(RowFactory.create((long) i, names == null ? null : names.get(i), matrix[i]));
    }
    return spark.createDataFrame(rows, Vectors.describe(SCHEMA, VECTOR, set.embedder()))
        .repartition(partitions);
  }

  private static void requirePartitions(int partitions) {
    if (partitions < 1) {
      throw new IllegalArgumentException("partitions must be at least 1: " + partitions);
    }
  }

  /** Non-null vectors sorted by id, streamed to the driver: (id, vector, path). */
  private static Iterator<Row> vectorsInIdOrder(Dataset<Row> embeddings) {
    Dataset<Row> df = normalise(embeddings);
    return df.where(functions.col(VECTOR).isNotNull())
        .select(ID, VECTOR, PATH)
        .orderBy(ID)
        .toLocalIterator();
  }
}
