package io.github.embeddings4j.spark;

import io.github.embeddings4j.api.EmbedderDescription;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.MetadataBuilder;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.ml.linalg.SQLDataTypes;
import scala.collection.Seq;
import scala.collection.mutable.WrappedArray;

/** Reading and checking vector columns: {@code array<float>}, {@code array<double>}, ML vectors. */
final class Vectors {

  /** The type of every vector column this module writes. */
  static final ArrayType FLOAT_ARRAY = DataTypes.createArrayType(DataTypes.FloatType, false);

  private Vectors() {}

  /** Fails unless the column exists and holds vectors, naming the column and its type. */
  static void requireVectorColumn(StructType schema, String column, String what) {
    DataType t = field(schema, column, what).dataType();
    boolean ok = t instanceof ArrayType a
        && (a.elementType() instanceof FloatType || a.elementType() instanceof DoubleType)
        || t.equals(SQLDataTypes.VectorType());
    if (!ok) {
      throw new IllegalArgumentException(what + " column '" + column + "' must be array<float>, "
          + "array<double> or an ML vector, not " + t.simpleString());
    }
  }

  static StructField field(StructType schema, String column, String what) {
    for (StructField f : schema.fields()) {
      if (f.name().equals(column)) {
        return f;
      }
    }
    throw new IllegalArgumentException("no " + what + " column '" + column + "' in "
        + schema.simpleString());
  }

  /**
   * The key of a vector column's metadata that holds how its vectors were made: an object of
   * the {@link EmbedderDescription#toMap()} fields, kept by Parquet with the schema.
   */
  static final String DESCRIPTION_KEY = "embeddings4j_embedder";

  /**
   * A schema whose column carries a description in its metadata (replacing any earlier one).
   *
   * @param schema the schema
   * @param column the vector column
   * @param d the description, or null to drop the column's
   * @return the new schema
   */
  static StructType describe(StructType schema, String column, EmbedderDescription d) {
    StructField[] fields = schema.fields().clone();
    int i = schema.fieldIndex(column);
    StructField f = fields[i];
    fields[i] = new StructField(f.name(), f.dataType(), f.nullable(),
        withDescription(f.metadata(), d));
    return new StructType(fields);
  }

  /**
   * Metadata with a description under {@link #DESCRIPTION_KEY} (replacing any earlier one).
   *
   * @param base the column's metadata
   * @param d the description, or null to drop it
   * @return the new metadata
   */
  static Metadata withDescription(Metadata base, EmbedderDescription d) {
    MetadataBuilder b = new MetadataBuilder().withMetadata(base).remove(DESCRIPTION_KEY);
    if (d != null) {
      MetadataBuilder fields = new MetadataBuilder();
      d.toMap().forEach(fields::putString);
      b.putMetadata(DESCRIPTION_KEY, fields.build());
    }
    return b.build();
  }

  /**
   * The rows with the metadata of {@code schema}'s columns on them. A row encoder, as {@code
   * mapPartitions} uses, keeps no column metadata, so a stage that maps rows puts it back with
   * this: one select in which the columns that carry metadata are aliased with it.
   *
   * @param rows the rows, with the columns of {@code schema}
   * @param schema their schema, with the metadata to carry
   * @return the rows with the metadata (the same rows when no column carries any)
   */
  static Dataset<Row> withMetadata(Dataset<Row> rows, StructType schema) {
    List<Column> cols = new ArrayList<>();
    boolean any = false;
    for (StructField f : schema.fields()) {
      Column c = rows.col("`" + f.name().replace("`", "``") + "`");
      if (!f.metadata().equals(Metadata.empty())) {
        c = c.as(f.name(), f.metadata());
        any = true;
      }
      cols.add(c);
    }
    return any ? rows.select(cols.toArray(new Column[0])) : rows;
  }

  /**
   * The description a column's metadata carries.
   *
   * @param f the column
   * @return the description, or null when it carries none
   * @throws IllegalArgumentException if it carries one that does not parse, naming the column
   */
  static EmbedderDescription description(StructField f) {
    Metadata m = f.metadata();
    if (!m.contains(DESCRIPTION_KEY)) {
      return null;
    }
    try {
      Metadata d = m.getMetadata(DESCRIPTION_KEY);
      Map<String, String> fields = new LinkedHashMap<>();
      scala.collection.Iterator<String> keys = d.map().keysIterator();
      while (keys.hasNext()) {
        String k = keys.next();
        fields.put(k, d.getString(k));
      }
      return EmbedderDescription.fromMap(fields);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("column '" + f.name() + "' carries a damaged "
          + DESCRIPTION_KEY + " description in its metadata: " + e.getMessage(), e);
    }
  }

  /**
   * A column's description checked against the dimension of the vectors it holds.
   *
   * @param f the column
   * @param dimension the vectors' dimension
   * @param remedy what the message tells the user to do, after a semicolon; empty for nothing
   * @return the description, or null when the column carries none
   * @throws IllegalArgumentException if the description is of vectors of another dimension
   */
  static EmbedderDescription description(StructField f, int dimension, String remedy) {
    EmbedderDescription d = description(f);
    if (d != null && d.dimension() != dimension) {
      throw new IllegalArgumentException("column '" + f.name() + "' is described as the "
          + d.dimension() + "-dimensional vectors of " + d.model() + " but holds " + dimension
          + "-dimensional ones: the description belongs to other vectors"
          + (remedy.isEmpty() ? "" : "; " + remedy));
    }
    return d;
  }

  /**
   * The check a fitted model makes of the column it is applied to: refuses a column described
   * as vectors of another dimension, and, when {@code check}, one described as another
   * embedder's than the vectors the model was fitted on.
   *
   * @param input the column
   * @param dimension the model's input dimension
   * @param fitted the description the model was fitted on, if any
   * @param check whether another embedder's vectors are refused
   * @param model the model in words, e.g. {@code the PCA}
   * @param meaning what the model's fit means nothing for, e.g. {@code its components}
   * @param verb what applying it does, e.g. {@code reduce}
   * @return the column's description, or null when it has none (nothing is checked then)
   * @throws IllegalArgumentException naming the column and the difference
   */
  static EmbedderDescription requireFittedOn(StructField input, int dimension,
      java.util.Optional<EmbedderDescription> fitted, boolean check, String model,
      String meaning, String verb) {
    EmbedderDescription in = description(input);
    if (in == null) {
      return null;
    }
    if (in.dimension() != dimension) {
      throw new IllegalArgumentException("column '" + input.name() + "' is described as the "
          + in.dimension() + "-dimensional vectors of " + in.model() + " but " + model
          + " takes " + dimension + "-dimensional ones: fit it on these vectors");
    }
    if (fitted.isPresent() && check) {
      List<String> differ = in.differences(fitted.get());
      if (!differ.isEmpty()) {
        throw new IllegalArgumentException("column '" + input.name() + "' holds vectors of "
            + "another embedder than " + model + " was fitted on (" + String.join("; ", differ)
            + "): " + meaning + " mean nothing there. Fit it on these vectors, or "
            + "setCheckEmbedder(false) to " + verb + " them anyway");
      }
    }
    return in;
  }

  /**
   * Vectors collected to the driver to fit on.
   *
   * @param rows the vectors, in a deterministic order
   * @param total the non-null vectors of the whole column
   */
  record Sample(float[][] rows, long total) {}

  /**
   * The rows to fit on, in a deterministic order: all non-null vectors of the column when there
   * are at most {@code max}, else a Bernoulli sample with the seed, cut to {@code max}.
   */
  static Sample sample(Dataset<?> dataset, String column, int max, long seed) {
    requireVectorColumn(dataset.schema(), column, "input");
    Dataset<Row> vectors = dataset.toDF().select(column)
        .where(org.apache.spark.sql.functions.col(column).isNotNull());
    long n = vectors.count();
    if (n > max) {
      // A little above the target so the sample rarely falls short; then cut to the target.
      double fraction = Math.min(1.0, 1.1 * max / n);
      vectors = vectors.sample(false, fraction, seed);
    }
    List<float[]> rows = new ArrayList<>();
    java.util.Iterator<Row> it = vectors.toLocalIterator();
    while (it.hasNext() && rows.size() < max) {
      rows.add(get(it.next(), 0));
    }
    return new Sample(rows.toArray(new float[0][]), n);
  }

  /** The vector in a row's column, or null for a null value. */
  static float[] get(Row row, int column) {
    if (row.isNullAt(column)) {
      return null;
    }
    Object v = row.get(column);
    if (v instanceof float[] f) {
      return f.clone();
    }
    // Spark hands array<float> columns without null elements over as a WrappedArray around a
    // float[]: take the array rather than unboxing element by element (2x faster PCA apply).
    if (v instanceof WrappedArray.ofFloat w) {
      return w.array().clone();
    }
    if (v instanceof WrappedArray.ofDouble w) {
      double[] d = w.array();
      float[] out = new float[d.length];
      for (int i = 0; i < d.length; i++) {
        out[i] = (float) d[i];
      }
      return out;
    }
    if (v instanceof Vector ml) {
      double[] d = ml.toArray();
      float[] out = new float[d.length];
      for (int i = 0; i < d.length; i++) {
        out[i] = (float) d[i];
      }
      return out;
    }
    if (v instanceof Seq<?> seq) {
      float[] out = new float[seq.length()];
      scala.collection.Iterator<?> it = seq.iterator();
      for (int i = 0; it.hasNext(); i++) {
        out[i] = toFloat(it.next(), row, column);
      }
      return out;
    }
    if (v instanceof List<?> list) {
      float[] out = new float[list.size()];
      for (int i = 0; i < out.length; i++) {
        out[i] = toFloat(list.get(i), row, column);
      }
      return out;
    }
    throw new IllegalArgumentException("column " + column + " is not a vector: "
        + v.getClass().getName());
  }

  private static float toFloat(Object element, Row row, int column) {
    if (element == null) {
      throw new IllegalArgumentException("vector in column '" + row.schema().fields()[column]
          .name() + "' holds a null element");
    }
    return ((Number) element).floatValue();
  }
}
