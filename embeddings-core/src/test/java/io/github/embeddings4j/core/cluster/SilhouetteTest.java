package io.github.embeddings4j.core.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SilhouetteTest {

  @Test
  void coefficientsAreThoseOfScikitLearn() throws IOException {
    List<float[]> rows = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    List<Double> expected = new ArrayList<>();
    double expectedMean = Double.NaN;
    try (BufferedReader r = new BufferedReader(new InputStreamReader(getClass()
        .getResourceAsStream("/cluster/silhouette-sklearn.csv"), StandardCharsets.UTF_8))) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        if (line.startsWith("#")) {
          expectedMean = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
          continue;
        }
        if (line.startsWith("x0")) {
          continue;
        }
        String[] f = line.split(",");
        float[] x = new float[f.length - 2];
        for (int j = 0; j < x.length; j++) {
          x[j] = Float.parseFloat(f[j]);
        }
        rows.add(x);
        labels.add(Integer.parseInt(f[f.length - 2]));
        expected.add(Double.parseDouble(f[f.length - 1]));
      }
    }
    int[] y = labels.stream().mapToInt(Integer::intValue).toArray();
    Silhouette s = Silhouette.of(rows.toArray(float[][]::new));
    assertEquals(240, s.size());
    double[] values = s.values(y, 5);
    for (int i = 0; i < values.length; i++) {
      assertEquals(expected.get(i), values[i], 2e-6, "point " + i);
    }
    assertEquals(0.0, values[7], "a point alone in its cluster counts 0");
    assertEquals(expectedMean, s.score(y, 5), 1e-6);
    // Labels may name clusters that hold no point.
    assertEquals(s.score(y, 5), s.score(y, 9), 0);
  }

  @Test
  void distancesAreEuclideanAndSymmetric() {
    float[] data = {0, 0, 3, 4, 6, 8};
    Silhouette s = Silhouette.of(data, 3, 2);
    assertEquals(5f, s.distance(0, 1));
    assertEquals(5f, s.distance(1, 0));
    assertEquals(10f, s.distance(2, 0));
    assertEquals(0f, s.distance(1, 1));
    // Two points near each other and one far: a = 5 for both, b = 10 and 5 => 0.5 and 0.
    double[] v = s.values(new int[] {0, 0, 1}, 2);
    assertEquals(0.5, v[0], 1e-12);
    assertEquals(0.0, v[1], 1e-12);
    assertEquals(0.0, v[2], 1e-12);
  }

  @Test
  void valuesDoNotDependOnTheThreads() {
    Random random = new Random(3);
    int n = 700;
    int d = 16;
    float[] data = new float[n * d];
    for (int i = 0; i < data.length; i++) {
      data[i] = (float) random.nextGaussian();
    }
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      labels[i] = random.nextInt(6);
    }
    Silhouette s = Silhouette.of(data, n, d);
    double[] parallel = s.values(labels, 6);
    double[] serial = new java.util.concurrent.ForkJoinPool(1).submit(() -> s.values(labels, 6))
        .join();
    org.junit.jupiter.api.Assertions.assertArrayEquals(serial, parallel);
    // Random labels on one blob: no structure to find.
    assertTrue(Math.abs(s.score(labels, 6)) < 0.05, String.valueOf(s.score(labels, 6)));
  }

  @Test
  void badInputIsRefusedWithItsReason() {
    float[] data = {0, 0, 1, 1, 2, 2, 3, 3};
    Silhouette s = Silhouette.of(data, 4, 2);
    assertTrue(assertThrows(IllegalArgumentException.class, () -> s.score(new int[] {0, 1}, 2))
        .getMessage().contains("2 labels for 4 points"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> s.score(new int[] {0, 1, 2, 0}, 2)).getMessage().contains("point 2 has label 2"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> s.score(new int[] {1, 1, 1, 1}, 2)).getMessage().contains("fill 1"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> s.score(new int[] {0, 1, 2, 3}, 4)).getMessage().contains("fill 4"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> Silhouette.of(new float[] {0, Float.NaN, 1, 1}, 2, 2)).getMessage()
        .contains("row 0"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> Silhouette.of(new float[2], 1, 2)).getMessage().contains("sample"));
  }
}
