package io.github.embeddings4j.spark;

import java.util.List;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
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
