package io.github.embeddings4j.core.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class EmbeddingEvaluatorClusteringTest {

  /** {@code n} points in three far-apart groups, labelled by group. */
  private static float[][] blobs(int n, int[] labels, Random random) {
    float[][] x = new float[n][6];
    for (int i = 0; i < n; i++) {
      labels[i] = i % 3;
      for (int t = 0; t < 6; t++) {
        x[i][t] = (float) (random.nextGaussian() + (t == labels[i] ? 25 : 0));
      }
    }
    return x;
  }

  @Test
  void kMeansOnTheTestVectorsRecoversSeparatedClassesAndNotShuffledOnes() {
    Random random = new Random(8);
    int[] trainLabels = new int[90];
    int[] testLabels = new int[60];
    float[][] train = blobs(90, trainLabels, random);
    float[][] test = blobs(60, testLabels, random);
    EvaluationReport r = EmbeddingEvaluator.builder().clustering(true).seed(3).build()
        .evaluate(train, trainLabels, test, testLabels);
    assertEquals(1.0, r.clusteringNmi(), 1e-12);
    assertEquals(1.0, r.clusteringAri(), 1e-12);
    // Labels that have nothing to do with the groups: the clusters do not recover them.
    int[] shuffled = new int[60];
    for (int i = 0; i < 60; i++) {
      shuffled[i] = (i / 3) % 3;
    }
    EvaluationReport s = EmbeddingEvaluator.builder().clustering(true).seed(3).build()
        .evaluate(train, trainLabels, test, shuffled);
    assertTrue(s.clusteringNmi() < 0.2 && Math.abs(s.clusteringAri()) < 0.1,
        s.clusteringNmi() + " " + s.clusteringAri());
    EvaluationReport off = EmbeddingEvaluator.builder().build()
        .evaluate(train, trainLabels, test, testLabels);
    assertTrue(Double.isNaN(off.clusteringNmi()) && Double.isNaN(off.clusteringAri()));
  }
}
