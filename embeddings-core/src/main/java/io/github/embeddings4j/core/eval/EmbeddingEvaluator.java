package io.github.embeddings4j.core.eval;

import io.github.embeddings4j.api.DistanceMetric;
import io.github.embeddings4j.api.StandardMetric;
import java.util.List;
import java.util.Objects;

/**
 * Scores embeddings in one pass: the test vectors are searched against the training vectors
 * once, and that ranking gives the kNN accuracy, its confusion matrix and the retrieval
 * measures; a {@link LinearProbe} is fitted on the training vectors when asked.
 *
 * <pre>{@code
 * EvaluationReport r = EmbeddingEvaluator.builder()
 *     .k(5).metric(StandardMetric.COSINE).retrievalK(10).linearProbe(true).build()
 *     .evaluate(trainVectors, trainLabels, testVectors, testLabels);
 * }</pre>
 */
public final class EmbeddingEvaluator {

  private final int k;
  private final DistanceMetric metric;
  private final Voting voting;
  private final int retrievalK;
  private final boolean linearProbe;
  private final boolean clustering;
  private final long seed;
  private final List<String> classNames;

  private EmbeddingEvaluator(Builder b) {
    this.k = b.k;
    this.metric = b.metric;
    this.voting = b.voting;
    this.retrievalK = b.retrievalK;
    this.linearProbe = b.linearProbe;
    this.clustering = b.clustering;
    this.seed = b.seed;
    this.classNames = b.classNames;
  }

  /**
   * A builder with the defaults: k 5, cosine, uniform votes, retrieval at 10, no linear probe,
   * no clustering, seed 42.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Evaluates test embeddings against training embeddings.
   *
   * @param train the training vectors (the kNN voters and the retrieval database)
   * @param trainLabels their classes
   * @param test the test vectors (the queries)
   * @param testLabels their classes
   * @return the report
   * @throws IllegalArgumentException if counts or dimensions differ, or {@code k} exceeds the
   *     training set
   */
  public EvaluationReport evaluate(float[][] train, int[] trainLabels, float[][] test,
      int[] testLabels) {
    long start = System.nanoTime();
    Checks.sameLength("training vectors", train.length, "training labels", trainLabels.length);
    Checks.sameLength("test vectors", test.length, "test labels", testLabels.length);
    int depth = Math.max(k, retrievalK);
    NearestNeighbors.Result r = NearestNeighbors.search(train, test, depth, metric);
    int[] predicted = KnnAccuracy.predict(r, trainLabels, k, voting);
    int[][] ranked = new int[test.length][depth];
    for (int q = 0; q < test.length; q++) {
      for (int j = 0; j < depth; j++) {
        ranked[q][j] = trainLabels[r.ids()[q][j]];
      }
    }
    int classes = Math.max(Checks.classCount(trainLabels), Checks.classCount(testLabels));
    ConfusionMatrix confusion = classNames != null && classNames.size() >= classes
        ? ConfusionMatrix.of(testLabels, predicted, classNames)
        : ConfusionMatrix.of(testLabels, predicted, classes);
    double probe = linearProbe
        ? LinearProbe.fit(train, trainLabels, seed).accuracy(test, testLabels) : Double.NaN;
    double nmi = Double.NaN;
    double ari = Double.NaN;
    int present = (int) java.util.Arrays.stream(testLabels).distinct().count();
    if (clustering && present >= 2 && present <= test.length) {
      int[] found = io.github.embeddings4j.core.cluster.KMeans.fit(test,
          io.github.embeddings4j.core.cluster.KMeansOptions.clusters(present).withSeed(seed))
          .assignments();
      nmi = ClusteringAgreement.normalizedMutualInformation(testLabels, found);
      ari = ClusteringAgreement.adjustedRandIndex(testLabels, found);
    }
    return new EvaluationReport(metric.metricName(), k, voting,
        KnnAccuracy.accuracy(predicted, testLabels), retrievalK,
        Retrieval.recallAtK(testLabels, ranked, retrievalK),
        Retrieval.meanAveragePrecisionAtK(testLabels, ranked, trainLabels, retrievalK),
        Retrieval.precisionAtK(testLabels, ranked, retrievalK), probe, nmi, ari,
        confusion, (System.nanoTime() - start) / 1e9);
  }

  /** Collects an evaluator's settings. */
  public static final class Builder {
    private int k = 5;
    private DistanceMetric metric = StandardMetric.COSINE;
    private Voting voting = Voting.UNIFORM;
    private int retrievalK = 10;
    private boolean linearProbe;
    private boolean clustering;
    private long seed = 42;
    private List<String> classNames;

    private Builder() {}

    /**
     * Sets the number of voting neighbours.
     *
     * @param v at least 1
     * @return this builder
     */
    public Builder k(int v) {
      if (v < 1) {
        throw new IllegalArgumentException("k must be >= 1: " + v);
      }
      k = v;
      return this;
    }

    /**
     * Sets the distance.
     *
     * @param v the metric
     * @return this builder
     */
    public Builder metric(DistanceMetric v) {
      metric = Objects.requireNonNull(v, "metric");
      return this;
    }

    /**
     * Sets how neighbours vote.
     *
     * @param v the voting
     * @return this builder
     */
    public Builder voting(Voting v) {
      voting = Objects.requireNonNull(v, "voting");
      return this;
    }

    /**
     * Sets the cut-off of recall@k and mAP@k.
     *
     * @param v at least 1
     * @return this builder
     */
    public Builder retrievalK(int v) {
      if (v < 1) {
        throw new IllegalArgumentException("retrieval k must be >= 1: " + v);
      }
      retrievalK = v;
      return this;
    }

    /**
     * Whether to fit and score a linear probe too.
     *
     * @param v {@code true} to run it
     * @return this builder
     */
    public Builder linearProbe(boolean v) {
      linearProbe = v;
      return this;
    }

    /**
     * Whether to cluster the test vectors with k-means (as many clusters as classes, the seed
     * of {@link #seed}) and score how well the clusters recover the classes (normalised mutual
     * information and adjusted Rand index): how well the embeddings group by class without any
     * label, which kNN accuracy does not tell. Default false.
     *
     * @param v whether to cluster
     * @return this builder
     */
    public Builder clustering(boolean v) {
      clustering = v;
      return this;
    }

    /**
     * Sets the seed of the linear probe and of the clustering.
     *
     * @param v the seed
     * @return this builder
     */
    public Builder seed(long v) {
      seed = v;
      return this;
    }

    /**
     * Names the classes in the confusion matrix.
     *
     * @param v one name per class, or {@code null} for numbers
     * @return this builder
     */
    public Builder classNames(List<String> v) {
      classNames = v == null ? null : List.copyOf(v);
      return this;
    }

    /**
     * Makes the evaluator.
     *
     * @return the evaluator
     */
    public EmbeddingEvaluator build() {
      return new EmbeddingEvaluator(this);
    }
  }
}
