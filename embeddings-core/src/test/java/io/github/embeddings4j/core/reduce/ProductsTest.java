package io.github.embeddings4j.core.reduce;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ProductsTest {

  static float[] random(int count, Random r) {
    float[] v = new float[count];
    for (int i = 0; i < count; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }

  @Test
  void blasAndJavaProductsAgreeOnAwkwardSizes() {
    Random r = new Random(1);
    // Sizes straddle the 4096-row blocks and are not multiples of vector widths.
    int[][] shapes = {{1, 1, 1}, {3, 13, 7}, {4097, 13, 33}, {9000, 3, 2}};
    for (int[] s : shapes) {
      int n = s[0];
      int d = s[1];
      int m = s[2];
      float[] a = random(n * d, r);
      float[] b = random(m * d, r);
      float[] java = Products.timesTransposedJava(a, n, d, b, m);
      float[] blas = Products.timesTransposedBlas(a, n, d, b, m);
      for (int i = 0; i < n; i += 1 + n / 50) {
        for (int j = 0; j < m; j++) {
          double exact = 0;
          for (int t = 0; t < d; t++) {
            exact += (double) a[i * d + t] * b[j * d + t];
          }
          float tol = 1e-5f * d;
          assertEquals(exact, java[i * m + j], tol, "java " + i + "," + j);
          assertEquals(exact, blas[i * m + j], tol, "blas " + i + "," + j);
        }
      }
    }
  }

  @Test
  void gramEnginesAgreeOnTheUpperTriangle() {
    Random r = new Random(2);
    int rows = 300;
    int d = 17;
    float[] x = random(rows * d, r);
    double[][] results = new double[Pca.Engine.values().length][];
    for (Pca.Engine e : Pca.Engine.values()) {
      double[] acc = new double[d * d];
      Products.addGram(x, rows, d, acc, e, new float[d * d]);
      results[e.ordinal()] = acc;
    }
    for (int i = 0; i < d; i++) {
      for (int j = i; j < d; j++) {
        double exact = 0;
        for (int t = 0; t < rows; t++) {
          exact += (double) x[t * d + i] * x[t * d + j];
        }
        for (Pca.Engine e : Pca.Engine.values()) {
          assertEquals(exact, results[e.ordinal()][i * d + j], 1e-3, e + " " + i + "," + j);
        }
      }
    }
  }
}
