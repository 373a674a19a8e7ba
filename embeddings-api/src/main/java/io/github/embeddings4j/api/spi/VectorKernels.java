package io.github.embeddings4j.api.spi;

/**
 * The arithmetic the built-in metrics and {@code embeddings-core}'s vector math run on, in single
 * precision, on runs of arrays (a row of a matrix stored row after row is compared in place).
 * Callers have already checked that the runs fit in their arrays; implementations may assume it
 * (with {@code assert}). The whole-array methods are defaults over the runs.
 *
 * <p>One implementation is chosen once, when {@link #provider()} is first called: the one with
 * the highest {@link #priority()} among those registered with {@link java.util.ServiceLoader},
 * or the plain-Java {@link ScalarVectorKernels} when none is. The system property {@value
 * #PROVIDER_PROPERTY} forces a choice by {@link #name()} (for example {@code scalar}); naming
 * one that is not available is an error, so a benchmark or test cannot silently measure the
 * wrong one.
 *
 * <p>Every implementation must agree with {@link ScalarVectorKernels} within floating-point
 * rounding (the sums may be taken in another order), and must keep {@link #cosine} accurate for
 * every finite input: when a squared norm summed in float leaves the range where that is
 * accurate ({@link #outsideFloatRange(float)}), it hands the pair to {@link #wideCosine}.
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
   * The inner product of two runs, {@code sum(a[aOffset + i] * b[bOffset + i])}, rounded to
   * float: beyond {@code Float.MAX_VALUE} in magnitude it is infinite.
   *
   * @param a an array
   * @param aOffset where the run starts in {@code a}
   * @param b another array
   * @param bOffset where the run starts in {@code b}
   * @param length the runs' length
   * @return the dot product
   */
  float dotProduct(float[] a, int aOffset, float[] b, int bOffset, int length);

  /**
   * The cosine similarity of two runs, {@code a.b / (|a| |b|)}, in {@code [-1, 1]}; 0 when
   * either run has norm zero; {@code NaN} when a component is {@code NaN}; accurate for every
   * finite input (see the class comment).
   *
   * @param a an array
   * @param aOffset where the run starts in {@code a}
   * @param b another array
   * @param bOffset where the run starts in {@code b}
   * @param length the runs' length
   * @return the cosine similarity
   */
  float cosine(float[] a, int aOffset, float[] b, int bOffset, int length);

  /**
   * The squared Euclidean distance of two runs, {@code sum((a[i] - b[i])^2)}, rounded to float:
   * it underflows to 0 for differences below about {@code 1e-19} and overflows to infinity
   * beyond about {@code 1e19}; {@link #outsideFloatRange(float)} tells such a result, and
   * {@link #wideSquareDistance} gives the value.
   *
   * @param a an array
   * @param aOffset where the run starts in {@code a}
   * @param b another array
   * @param bOffset where the run starts in {@code b}
   * @param length the runs' length
   * @return the squared distance
   */
  float squareDistance(float[] a, int aOffset, float[] b, int bOffset, int length);

  /**
   * The Manhattan distance of two runs, {@code sum(|a[i] - b[i]|)}, rounded to float.
   *
   * @param a an array
   * @param aOffset where the run starts in {@code a}
   * @param b another array
   * @param bOffset where the run starts in {@code b}
   * @param length the runs' length
   * @return the L1 distance
   */
  float manhattan(float[] a, int aOffset, float[] b, int bOffset, int length);

  /**
   * The number of positions where exactly one of {@code a[i] > 0} and {@code b[i] > 0} holds.
   *
   * @param a an array
   * @param aOffset where the run starts in {@code a}
   * @param b another array
   * @param bOffset where the run starts in {@code b}
   * @param length the runs' length
   * @return the Hamming distance of the sign codes
   */
  int signHamming(float[] a, int aOffset, float[] b, int bOffset, int length);

  /**
   * The number of differing bits of two runs of packed codes. The default is the plain popcount
   * loop, which the JIT compiles to one {@code popcnt} per word: there is nothing for SIMD to add.
   *
   * @param a an array of words
   * @param aOffset the first word of the code in {@code a}
   * @param b another array of words
   * @param bOffset the first word of the code in {@code b}
   * @param words the codes' length in 64-bit words
   * @return the Hamming distance
   */
  default int hamming(long[] a, int aOffset, long[] b, int bOffset, int words) {
    int count = 0;
    for (int i = 0; i < words; i++) {
      count += Long.bitCount(a[aOffset + i] ^ b[bOffset + i]);
    }
    return count;
  }

  /**
   * The squared Euclidean distance of two runs computed in double precision, differences
   * included, so exact to double rounding for every finite float input: the slow path for the
   * rare pair whose {@link #squareDistance} is {@link #outsideFloatRange(float) outside float's
   * accurate range}.
   *
   * @param a an array
   * @param aOffset where the run starts in {@code a}
   * @param b another array
   * @param bOffset where the run starts in {@code b}
   * @param length the runs' length
   * @return the squared distance
   */
  default double wideSquareDistance(float[] a, int aOffset, float[] b, int bOffset, int length) {
    double sum = 0;
    for (int i = 0; i < length; i++) {
      double d = (double) a[aOffset + i] - b[bOffset + i];
      sum += d * d;
    }
    return sum;
  }

  /**
   * The cosine similarity computed in double precision, for pairs whose squared norms leave
   * float's accurate range (vectors scaled by {@code 1e20} or {@code 1e-25}); the same edge cases
   * as {@link #cosine}.
   *
   * @param a an array
   * @param aOffset where the run starts in {@code a}
   * @param b another array
   * @param bOffset where the run starts in {@code b}
   * @param length the runs' length
   * @return the cosine similarity
   */
  default float wideCosine(float[] a, int aOffset, float[] b, int bOffset, int length) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < length; i++) {
      double x = a[aOffset + i];
      double y = b[bOffset + i];
      dot += x * y;
      na += x * x;
      nb += y * y;
    }
    if (Double.isNaN(dot) || Double.isNaN(na) || Double.isNaN(nb)) {
      return Float.NaN;
    }
    if (na == 0 || nb == 0) {
      return 0f;
    }
    double c = dot / (Math.sqrt(na) * Math.sqrt(nb));
    return (float) Math.max(-1.0, Math.min(1.0, c));
  }

  /**
   * Whether a sum of squares taken in float may be inaccurate: {@code NaN}, infinite (it
   * overflowed), or below {@code 2^-100} (its terms may have lost their bits to underflow; an
   * exact 0 counts too). Inside {@code [2^-100, Float.MAX_VALUE]} the terms lost to underflow
   * are below a relative {@code 1e-14} of the sum.
   *
   * @param sumOfSquares a squared norm or squared distance summed in float
   * @return true when the wide (double) path should decide
   */
  static boolean outsideFloatRange(float sumOfSquares) {
    return !(sumOfSquares >= 0x1p-100f && sumOfSquares <= Float.MAX_VALUE);
  }

  /**
   * The inner product {@code sum(a[i] * b[i])}.
   *
   * @param a a vector
   * @param b a vector of the same length
   * @return the dot product
   */
  default float dotProduct(float[] a, float[] b) {
    return dotProduct(a, 0, b, 0, a.length);
  }

  /**
   * The cosine similarity {@code a.b / (|a| |b|)}, in {@code [-1, 1]}; 0 when either vector has
   * norm zero; {@code NaN} when a component is {@code NaN}.
   *
   * @param a a vector
   * @param b a vector of the same length
   * @return the cosine similarity
   */
  default float cosine(float[] a, float[] b) {
    return cosine(a, 0, b, 0, a.length);
  }

  /**
   * The squared Euclidean distance {@code sum((a[i] - b[i])^2)}, rounded to float.
   *
   * @param a a vector
   * @param b a vector of the same length
   * @return the squared distance
   */
  default float squareDistance(float[] a, float[] b) {
    return squareDistance(a, 0, b, 0, a.length);
  }

  /**
   * The Manhattan distance {@code sum(|a[i] - b[i]|)}.
   *
   * @param a a vector
   * @param b a vector of the same length
   * @return the L1 distance
   */
  default float manhattan(float[] a, float[] b) {
    return manhattan(a, 0, b, 0, a.length);
  }

  /**
   * The number of differing bits of two packed codes.
   *
   * @param a a code
   * @param b a code with the same number of words
   * @return the Hamming distance
   */
  default int hamming(long[] a, long[] b) {
    return hamming(a, 0, b, 0, a.length);
  }

  /**
   * The number of positions where exactly one of {@code a[i] > 0} and {@code b[i] > 0} holds.
   *
   * @param a a vector
   * @param b a vector of the same length
   * @return the Hamming distance of the sign codes
   */
  default int signHamming(float[] a, float[] b) {
    return signHamming(a, 0, b, 0, a.length);
  }

  /**
   * The provider in use, chosen once.
   *
   * @return the chosen provider
   * @throws IllegalStateException if {@value #PROVIDER_PROPERTY} names one that is not available
   */
  static VectorKernels provider() {
    return ProviderChoice.CHOSEN;
  }
}
