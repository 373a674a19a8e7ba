package io.github.embeddings4j.core.eval;

import java.util.Locale;

/**
 * How good a set of embeddings is, by every measure of {@link EmbeddingEvaluator}.
 *
 * @param metric the distance used for kNN and retrieval
 * @param k the number of neighbours that vote
 * @param voting how they vote
 * @param knnAccuracy the kNN accuracy on the test vectors
 * @param retrievalK the cut-off of the retrieval measures
 * @param recallAtK recall@k as {@link Retrieval} defines it
 * @param mapAtK mAP@k as {@link Retrieval} defines it
 * @param precisionAtK precision@k as {@link Retrieval} defines it
 * @param linearProbeAccuracy the linear probe's test accuracy, or {@code NaN} when not run
 * @param clusteringNmi how well k-means on the test vectors (as many clusters as classes)
 *     recovers the classes, as {@link ClusteringAgreement#normalizedMutualInformation}; {@code
 *     NaN} when not run
 * @param clusteringAri the same clustering's {@link ClusteringAgreement#adjustedRandIndex};
 *     {@code NaN} when not run
 * @param confusion the kNN predictions against the test labels
 * @param seconds the wall time of the evaluation
 */
public record EvaluationReport(String metric, int k, Voting voting, double knnAccuracy,
    int retrievalK, double recallAtK, double mapAtK, double precisionAtK,
    double linearProbeAccuracy, double clusteringNmi, double clusteringAri,
    ConfusionMatrix confusion, double seconds) {

  /**
   * One markdown table row: metric, k, voting, kNN accuracy, recall@k, mAP@k, probe, seconds.
   *
   * @return the row, without a line break
   */
  public String markdownRow() {
    return String.format(Locale.ROOT, "| %s | %d | %s | %.4f | %.4f | %.4f | %s | %.1f |",
        metric, k, voting.name().toLowerCase(Locale.ROOT), knnAccuracy, recallAtK, mapAtK,
        Double.isNaN(linearProbeAccuracy) ? "-" : String.format(Locale.ROOT, "%.4f",
            linearProbeAccuracy), seconds);
  }

  /**
   * The header of {@link #markdownRow()}'s table, with {@code k} of the retrieval measures.
   *
   * @param retrievalK the retrieval cut-off
   * @return two lines: the header and the alignment row
   */
  public static String markdownHeader(int retrievalK) {
    return "| metric | k | voting | kNN accuracy | recall@" + retrievalK + " | mAP@" + retrievalK
        + " | linear probe | seconds |\n|---|---:|---|---:|---:|---:|---:|---:|";
  }
}
