package io.github.embeddings4j.api.spi;

import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The arithmetic the built-in metrics run on, in single precision. Callers have already checked
 * that the two arrays have the same length; implementations may assume it (with {@code assert}).
 *
 * <p>One implementation is chosen once, when {@link #provider()} is first called: the one with
 * the highest {@link #priority()} among those registered with {@link ServiceLoader}, or the
 * plain-Java {@link ScalarVectorKernels} when none is. The system property {@value
 * #PROVIDER_PROPERTY} forces a choice by {@link #name()} (for example {@code scalar}); naming
 * one that is not available is an error, so a benchmark or test cannot silently measure the
 * wrong one.
 *
 * <p>Every implementation must agree with {@link ScalarVectorKernels} within floating-point
 * rounding (the sums may be taken in another order).
 */
public interface VectorKernels {

  /** The system property that forces a provider by name, e.g. {@code -Dembeddings4j.kernels=scalar}. */
  String PROVIDER_PROPERTY = "embeddings4j.kernels";

  /**
   * A short name for logs and benchmarks, e.g. {@code "scalar"} or {@code "panama"}.
   *
   * @return the provider's name
   */
  String name();

  /**
   * The rank used to choose among available providers; higher wins. {@link ScalarVectorKernels}
   * has 0.
   *
   * @return the priority
   */
  int priority();

  /**
   * The inner product {@code sum(a[i] * b[i])}.
   *
   * @param a a vector
   * @param b a vector of the same length
   * @return the dot product
   */
  float dotProduct(float[] a, float[] b);

  /**
   * The cosine similarity {@code a.b / (|a| |b|)}, in {@code [-1, 1]}; 0 when either vector has
   * norm zero; {@code NaN} when a component is {@code NaN}.
   *
   * @param a a vector
   * @param b a vector of the same length
   * @return the cosine similarity
   */
  float cosine(float[] a, float[] b);

  /**
   * The squared Euclidean distance {@code sum((a[i] - b[i])^2)}.
   *
   * @param a a vector
   * @param b a vector of the same length
   * @return the squared distance
   */
  float squareDistance(float[] a, float[] b);

  /**
   * The Manhattan distance {@code sum(|a[i] - b[i]|)}.
   *
   * @param a a vector
   * @param b a vector of the same length
   * @return the L1 distance
   */
  float manhattan(float[] a, float[] b);

  /**
   * The number of differing bits of two packed codes.
   *
   * @param a a code
   * @param b a code with the same number of words
   * @return the Hamming distance
   */
  int hamming(long[] a, long[] b);

  /**
   * The number of positions where exactly one of {@code a[i] > 0} and {@code b[i] > 0} holds.
   *
   * @param a a vector
   * @param b a vector of the same length
   * @return the Hamming distance of the sign codes
   */
  int signHamming(float[] a, float[] b);

  /**
   * The provider in use, chosen once.
   *
   * @return the chosen provider
   * @throws IllegalStateException if {@value #PROVIDER_PROPERTY} names one that is not available
   */
  static VectorKernels provider() {
    return Holder.CHOSEN;
  }

  /** Lazy, thread-safe, once-only choice (the holder idiom). */
  final class Holder {
    private static final VectorKernels CHOSEN = choose();

    private Holder() {}

    private static VectorKernels choose() {
      String forced = System.getProperty(PROVIDER_PROPERTY, "").trim();
      VectorKernels best = ScalarVectorKernels.INSTANCE;
      StringBuilder seen = new StringBuilder(best.name());
      ServiceLoader<VectorKernels> loader =
          ServiceLoader.load(VectorKernels.class, VectorKernels.class.getClassLoader());
      for (var it = loader.iterator(); ; ) {
        VectorKernels candidate;
        try {
          if (!it.hasNext()) {
            break;
          }
          candidate = it.next();
        } catch (ServiceConfigurationError | LinkageError e) {
          Logger.getLogger(VectorKernels.class.getName()).log(Level.FINE,
              "skipping a vector kernel provider that could not be loaded", e);
          continue;
        }
        seen.append(", ").append(candidate.name());
        if (forced.isEmpty() ? candidate.priority() > best.priority()
            : candidate.name().equals(forced)) {
          best = candidate;
        }
      }
      if (!forced.isEmpty() && !best.name().equals(forced)) {
        throw new IllegalStateException("-D" + PROVIDER_PROPERTY + "=" + forced
            + " names no available vector kernel provider; available: " + seen);
      }
      return best;
    }
  }
}
