package io.github.embeddings4j.core.eval;

import io.github.embeddings4j.api.DistanceMetric;

/**
 * k-nearest-neighbour classification of embeddings: each test vector takes the class voted by
 * its {@code k} nearest training vectors under a {@link DistanceMetric}. Ties between classes go
 * to the class whose best-ranked neighbour is nearest.
 *
 * <pre>{@code
 * double acc = KnnAccuracy.of(train, trainLabels, test, testLabels, 5,
 *     StandardMetric.COSINE, Voting.UNIFORM);
 * }</pre>
 */
public final class KnnAccuracy {

  private static final double EPSILON = 1e-9;

  private KnnAccuracy() {}

  /**
   * The share of test vectors whose kNN vote is their label.
   *
   * @param train the labelled vectors to vote
   * @param trainLabels their classes, each at least 0
   * @param test the vectors to classify
   * @param testLabels their true classes
   * @param k the number of neighbours, in {@code [1, train.length]}
   * @param metric the distance
   * @param voting how neighbours vote
   * @return the accuracy in {@code [0, 1]}
   * @throws IllegalArgumentException if lengths or dimensions differ, {@code k} is out of range,
   *     or distance voting meets a negative distance
   */
  public static double of(float[][] train, int[] trainLabels, float[][] test, int[] testLabels,
      int k, DistanceMetric metric, Voting voting) {
    int[] predicted = predict(train, trainLabels, test, k, metric, voting);
    return accuracy(predicted, testLabels);
  }

  /**
   * The kNN vote of each test vector.
   *
   * @param train the labelled vectors to vote
   * @param trainLabels their classes
   * @param test the vectors to classify
   * @param k the number of neighbours
   * @param metric the distance
   * @param voting how neighbours vote
   * @return one predicted class per test vector
   * @throws IllegalArgumentException as for {@link #of}
   */
  public static int[] predict(float[][] train, int[] trainLabels, float[][] test, int k,
      DistanceMetric metric, Voting voting) {
    Checks.sameLength("training vectors", train.length, "training labels", trainLabels.length);
    NearestNeighbors.Result r = NearestNeighbors.search(train, test, k, metric);
    return predict(r, trainLabels, k, voting);
  }

  static int[] predict(NearestNeighbors.Result r, int[] trainLabels, int k, Voting voting) {
    int classes = Checks.classCount(trainLabels);
    int[] out = new int[r.ids().length];
    for (int q = 0; q < out.length; q++) {
      int[] labels = new int[k];
      for (int j = 0; j < k; j++) {
        labels[j] = trainLabels[r.ids()[q][j]];
      }
      out[q] = vote(labels, r.distances()[q], k, voting, classes);
    }
    return out;
  }

  /** The class voted by the first {@code k} neighbours, nearest first. */
  static int vote(int[] labels, double[] distances, int k, Voting voting, int classes) {
    double[] score = new double[classes];
    int[] firstRank = new int[classes];
    java.util.Arrays.fill(firstRank, Integer.MAX_VALUE);
    for (int j = 0; j < k; j++) {
      double w = 1;
      if (voting == Voting.DISTANCE) {
        if (distances[j] < 0) {
          throw new IllegalArgumentException("distance voting needs non-negative distances, got "
              + distances[j] + "; use uniform voting with this metric");
        }
        w = 1 / (distances[j] + EPSILON);
      }
      score[labels[j]] += w;
      firstRank[labels[j]] = Math.min(firstRank[labels[j]], j);
    }
    int best = -1;
    for (int c = 0; c < classes; c++) {
      if (firstRank[c] == Integer.MAX_VALUE) {
        continue;
      }
      if (best < 0 || score[c] > score[best]
          || (score[c] == score[best] && firstRank[c] < firstRank[best])) {
        best = c;
      }
    }
    return best;
  }

  static double accuracy(int[] predicted, int[] actual) {
    Checks.sameLength("predictions", predicted.length, "labels", actual.length);
    int right = 0;
    for (int i = 0; i < predicted.length; i++) {
      if (predicted[i] == actual[i]) {
        right++;
      }
    }
    return predicted.length == 0 ? Double.NaN : (double) right / predicted.length;
  }
}
