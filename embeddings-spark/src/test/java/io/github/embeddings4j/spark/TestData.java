package io.github.embeddings4j.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/** Seeded vectors and their DataFrames. */
final class TestData {

  private TestData() {}

  /** Vectors with a few strong directions (so PCA has something to find), seeded. */
  static float[][] vectors(long seed, int n, int d) {
    SplittableRandom rnd = new SplittableRandom(seed);
    float[][] basis = new float[4][d];
    for (float[] b : basis) {
      for (int j = 0; j < d; j++) {
        b[j] = (float) rnd.nextGaussian();
      }
    }
    float[][] v = new float[n][d];
    for (float[] row : v) {
      for (int c = 0; c < basis.length; c++) {
        double w = rnd.nextGaussian() * (4 - c);
        for (int j = 0; j < d; j++) {
          row[j] += (float) (w * basis[c][j]);
        }
      }
      for (int j = 0; j < d; j++) {
        row[j] += (float) (0.1 * rnd.nextGaussian());
      }
    }
    return v;
  }

  /** Seeded Gaussian clusters (centres spread 4, points spread 1 around them), as embeddings are. */
  static float[][] clustered(long seed, int n, int d, int clusters) {
    SplittableRandom centres = new SplittableRandom(99);
    float[][] c = new float[clusters][d];
    for (float[] v : c) {
      for (int j = 0; j < d; j++) {
        v[j] = (float) (4 * centres.nextGaussian());
      }
    }
    SplittableRandom r = new SplittableRandom(seed);
    float[][] x = new float[n][d];
    for (float[] row : x) {
      float[] centre = c[r.nextInt(clusters)];
      for (int j = 0; j < d; j++) {
        row[j] = centre[j] + (float) r.nextGaussian();
      }
    }
    return x;
  }

  /** Rows (id, path, vector) with the given ids, spread over partitions. */
  static Dataset<Row> frame(SparkSession spark, long[] ids, float[][] vectors, int partitions) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < vectors.length; i++) {
      rows.add(RowFactory.create(ids[i], "img/" + ids[i] + ".png", vectors[i]));
    }
    return spark.createDataFrame(rows, EmbeddingStore.SCHEMA).repartition(partitions);
  }

  static long[] range(int n) {
    long[] ids = new long[n];
    for (int i = 0; i < n; i++) {
      ids[i] = i;
    }
    return ids;
  }
}
