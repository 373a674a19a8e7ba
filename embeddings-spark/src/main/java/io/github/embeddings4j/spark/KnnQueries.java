package io.github.embeddings4j.spark;

import io.github.embeddings4j.api.EmbedderDescription;
import io.github.embeddings4j.api.Neighbor;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.StructType;

/**
 * What the exact and the approximate search share on the driver: checking the queries and the
 * data's columns, collecting a DataFrame of queries, and the result as a DataFrame.
 */
final class KnnQueries {

  /** The result table's schema: one row per (query, neighbour). */
  static final StructType RESULT = new StructType()
      .add("query_id", DataTypes.LongType, false)
      .add("rank", DataTypes.IntegerType, false)
      .add("id", DataTypes.LongType, false)
      .add("distance", DataTypes.DoubleType, false);

  private KnnQueries() {}

  /**
   * The queries' common dimension (-1 when there are none), failing on a null query, on
   * dimensions that differ and, when {@code finite} is set, on a NaN or infinite component.
   */
  static int dimension(float[][] queries, boolean finite) {
    Objects.requireNonNull(queries, "queries");
    int dimension = -1;
    for (int q = 0; q < queries.length; q++) {
      Objects.requireNonNull(queries[q], "queries[" + q + "]");
      if (dimension < 0) {
        dimension = queries[q].length;
      } else if (queries[q].length != dimension) {
        throw new IllegalArgumentException("vector dimensions differ: queries[" + q + "] has "
            + queries[q].length + " components, queries[0] " + dimension);
      }
      if (finite) {
        for (int i = 0; i < queries[q].length; i++) {
          if (!Float.isFinite(queries[q][i])) {
            throw new IllegalArgumentException("queries[" + q + "] has "
                + (Float.isNaN(queries[q][i]) ? "a NaN" : "an infinite") + " component at " + i
                + "; the graph index needs finite queries (use ExactKnn, which ranks NaN"
                + " distances last)");
          }
        }
      }
    }
    return dimension;
  }

  /** Fails unless the id column is {@code long} or {@code int} and the vector column vectors. */
  static void requireColumns(StructType schema, String idCol, String vectorCol) {
    requireColumns(schema, idCol, vectorCol, "");
  }

  /** As {@link #requireColumns(StructType, String, String)}, {@code what} naming the side. */
  private static void requireColumns(StructType schema, String idCol, String vectorCol,
      String what) {
    DataType idType = Vectors.field(schema, idCol, what + "id").dataType();
    if (!(idType instanceof LongType) && !(idType instanceof IntegerType)) {
      throw new IllegalArgumentException(what + "id column '" + idCol + "' must be long or int,"
          + " not " + idType.simpleString() + " (number the rows, e.g. with"
          + " functions.monotonically_increasing_id())");
    }
    Vectors.requireVectorColumn(schema, vectorCol, what + "vector");
  }

  /** The description a vector column carries in its metadata, or null for none. */
  static EmbedderDescription description(StructType schema, String vectorCol) {
    return Vectors.description(Vectors.field(schema, vectorCol, "vector"));
  }

  static void requireK(int k) {
    if (k < 1) {
      throw new IllegalArgumentException("k must be at least 1: " + k);
    }
  }

  /** Query rows collected to the driver: rows with a null id or vector are skipped. */
  record Collected(List<Long> ids, float[][] vectors) {}

  /**
   * Collects the queries after checking that their column's description (when it has one)
   * matches the data's (when it has one): vectors of two embedders are not comparable, so unless
   * {@code check} is off the search refuses them, naming what differs.
   *
   * @param queries the query rows
   * @param idCol their id column
   * @param vectorCol their vector column
   * @param data the description of the data's vectors, or null for none
   * @param dataColumn the data's vector column, for the message
   * @param check whether to refuse differing descriptions
   */
  static Collected collect(Dataset<Row> queries, String idCol, String vectorCol,
      EmbedderDescription data, String dataColumn, boolean check) {
    Objects.requireNonNull(queries, "queries");
    requireColumns(queries.schema(), idCol, vectorCol, "query ");
    EmbedderDescription query = Vectors.description(
        Vectors.field(queries.schema(), vectorCol, "query vector"));
    if (check && data != null && query != null) {
      List<String> differ = query.differences(data);
      if (!differ.isEmpty()) {
        throw new IllegalArgumentException("query column '" + vectorCol + "' holds vectors of "
            + "another embedder than data column '" + dataColumn + "' ("
            + String.join("; ", differ) + "): distances between them mean nothing. Embed the "
            + "queries as the data was embedded, or checkEmbedder(false) to search anyway");
      }
    }
    List<Long> ids = new ArrayList<>();
    List<float[]> vectors = new ArrayList<>();
    for (Row r : queries.select(idCol, vectorCol).collectAsList()) {
      float[] v = Vectors.get(r, 1);
      if (v != null && !r.isNullAt(0)) {
        ids.add(((Number) r.get(0)).longValue());
        vectors.add(v);
      }
    }
    return new Collected(ids, vectors.toArray(new float[0][]));
  }

  /** The hits of each query as rows {@code query_id, rank, id, distance}. */
  static Dataset<Row> table(SparkSession spark, List<Long> queryIds,
      List<List<Neighbor>> hits) {
    List<Row> rows = new ArrayList<>();
    for (int q = 0; q < hits.size(); q++) {
      List<Neighbor> list = hits.get(q);
      for (int rank = 0; rank < list.size(); rank++) {
        rows.add(RowFactory.create(queryIds.get(q), rank, list.get(rank).id(),
            list.get(rank).distance()));
      }
    }
    return spark.createDataFrame(rows, RESULT);
  }
}
