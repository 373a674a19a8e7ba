package io.github.embeddings4j.core.embed;

import io.github.embeddings4j.api.EmbeddingResult;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warns when every vector of a batch is (nearly) the same: a network that maps all images to
 * one point gives nonsense to search, PCA and k-means without failing anywhere, as SqueezeNet
 * and Xception did with random weights.
 */
final class AlikeVectors {

  private static final Logger LOG = LoggerFactory.getLogger(NetworkEmbedder.class);

  /** Cosine similarity above which two vectors count as the same. */
  static final double SAME = 0.99999;

  private AlikeVectors() {}

  /**
   * Whether the successful results, at least two, all point the same way as the first.
   *
   * @param results a batch's results
   * @return {@code true} when there are two or more vectors and they are all alike
   */
  static boolean allAlike(List<EmbeddingResult> results) {
    float[] first = null;
    int count = 0;
    for (EmbeddingResult r : results) {
      if (r instanceof EmbeddingResult.Success s) {
        float[] v = s.vector();
        if (first == null) {
          first = v;
        } else if (cosine(first, v) < SAME) {
          return false;
        }
        count++;
      }
    }
    return count >= 2;
  }

  /**
   * Logs a warning when {@link #allAlike} holds.
   *
   * @param embedder the embedder, for the message
   * @param results a batch's results
   */
  static void warnIfAllAlike(Object embedder, List<EmbeddingResult> results) {
    if (allAlike(results)) {
      LOG.warn("{}: all {} vectors of this batch are the same (cosine >= {}): the network does "
          + "not tell these images apart (identical images, or weights that make no sense for "
          + "them)", embedder, results.size(), SAME);
    }
  }

  private static double cosine(float[] a, float[] b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += (double) a[i] * b[i];
      na += (double) a[i] * a[i];
      nb += (double) b[i] * b[i];
    }
    if (na == 0 || nb == 0) {
      return na == nb ? 1 : 0; // two zero vectors are alike; zero and non-zero are not
    }
    return dot / Math.sqrt(na * nb);
  }
}
