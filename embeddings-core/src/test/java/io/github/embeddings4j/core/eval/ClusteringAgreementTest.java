package io.github.embeddings4j.core.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ClusteringAgreementTest {

  private static int[] ints(String csv) {
    return Arrays.stream(csv.split(",")).mapToInt(Integer::parseInt).toArray();
  }

  @Test
  void valuesAreThoseOfScikitLearn() throws IOException {
    int cases = 0;
    try (BufferedReader r = new BufferedReader(new InputStreamReader(getClass()
        .getResourceAsStream("/cluster/agreement-sklearn.txt"), StandardCharsets.UTF_8))) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        if (line.startsWith("#")) {
          continue;
        }
        String[] f = line.split(";");
        int[] classes = ints(f[2]);
        int[] clusters = ints(f[3]);
        assertEquals(Double.parseDouble(f[0]),
            ClusteringAgreement.normalizedMutualInformation(classes, clusters), 1e-12,
            "NMI of case " + cases);
        assertEquals(Double.parseDouble(f[1]),
            ClusteringAgreement.adjustedRandIndex(classes, clusters), 1e-12,
            "ARI of case " + cases);
        cases++;
      }
    }
    assertEquals(15, cases);
  }

  @Test
  void renumberingTheClustersChangesNothing() {
    int[] classes = {0, 0, 0, 1, 1, 2, 2, 2, 2};
    int[] clusters = {4, 4, 7, 7, 7, -1, -1, -1, 4};
    int[] renamed = {9, 9, 3, 3, 3, 0, 0, 0, 9};
    assertEquals(ClusteringAgreement.adjustedRandIndex(classes, clusters),
        ClusteringAgreement.adjustedRandIndex(classes, renamed), 1e-15);
    assertEquals(ClusteringAgreement.normalizedMutualInformation(classes, clusters),
        ClusteringAgreement.normalizedMutualInformation(classes, renamed), 1e-15);
    assertEquals(1.0, ClusteringAgreement.adjustedRandIndex(classes, new int[] {5, 5, 5, 1, 1,
        2, 2, 2, 2}), 1e-15);
    assertThrows(IllegalArgumentException.class,
        () -> ClusteringAgreement.adjustedRandIndex(new int[2], new int[3]));
  }
}
