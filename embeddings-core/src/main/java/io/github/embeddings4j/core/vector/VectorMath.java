package io.github.embeddings4j.core.vector;

import io.github.embeddings4j.api.DistanceMetric;
import io.github.embeddings4j.api.spi.VectorKernels;
import java.util.Objects;

/**
 * Vector arithmetic on {@code float[]} and packed bits, on the fastest kernels available: the
 * JDK Vector API when the JVM runs with {@code --add-modules jdk.incubator.vector}, plain Java
 * otherwise (chosen once, see {@link VectorKernels#provider()}; {@code -Dembeddings4j.kernels=
 * scalar|panama} forces one). The built-in {@link io.github.embeddings4j.api.StandardMetric}s
 * run on the same kernels.
 *
 * <p>Every method checks its arguments here, at the boundary, with the values in the message
 * ("vector dimensions differ: 512 != 768"); the kernels behind it do not. The variants with
 * offsets compare a run of a large array (a row of a matrix stored row after row) without
 * copying it.
 *
 * <p>Edge cases, the same for every kernel: a {@code NaN} component makes the result {@code
 * NaN}; infinite components follow IEEE 754 (so {@code inf - inf} gives {@code NaN}); the cosine
 * of a zero vector with anything is 0.
 *
 * <pre>{@code
 * float[] a = ..., b = ...;
 * float cos = VectorMath.cosine(a, b);
 * VectorMath.normalize(a);          // in place, now |a| = 1
 * float dot = VectorMath.dotProduct(a, b);
 * }</pre>
 */
public final class VectorMath {

  /**
   * The chosen provider's kernels; for the SIMD provider, the kernels behind it, so that these
   * calls skip the provider's delegation.
   */
  static final VectorKernels KERNELS = unwrap(VectorKernels.provider());

  /** The scan kernels of the same provider: the SIMD ones, or four calls to its one-query kernels. */
  static final ScanKernels SCAN = KERNELS instanceof ScanKernels s ? s : new ScanFallback(KERNELS);

  private VectorMath() {}

  static VectorKernels unwrap(VectorKernels provider) {
    return provider instanceof PanamaKernelsProvider p ? p.kernels() : provider;
  }

  /**
   * The name of the kernels in use, {@code "panama"} or {@code "scalar"}.
   *
   * @return the name
   */
  public static String kernelsName() {
    return KERNELS.name();
  }

  /**
   * The inner product.
   *
   * @param a a vector
   * @param b a vector of the same length
   * @return {@code sum(a[i] * b[i])}
   * @throws IllegalArgumentException if the lengths differ
   */
  public static float dotProduct(float[] a, float[] b) {
    DistanceMetric.requireSameDimension(a, b);
    return KERNELS.dotProduct(a, 0, b, 0, a.length);
  }

  /**
   * The inner product of two runs of arrays.
   *
   * @param a an array
   * @param aOffset where the run starts in {@code a}
   * @param b another array
   * @param bOffset where the run starts in {@code b}
   * @param length the run's length
   * @return {@code sum(a[aOffset + i] * b[bOffset + i])}
   * @throws IndexOutOfBoundsException if a run does not fit in its array
   */
  public static float dotProduct(float[] a, int aOffset, float[] b, int bOffset, int length) {
    checkRuns(a.length, aOffset, b.length, bOffset, length);
    return KERNELS.dotProduct(a, aOffset, b, bOffset, length);
  }

  /**
   * The cosine similarity, in {@code [-1, 1]}; 0 when either vector is zero.
   *
   * @param a a vector
   * @param b a vector of the same length
   * @return {@code a.b / (|a| |b|)}
   * @throws IllegalArgumentException if the lengths differ
   */
  public static float cosine(float[] a, float[] b) {
    DistanceMetric.requireSameDimension(a, b);
    return KERNELS.cosine(a, 0, b, 0, a.length);
  }

  /**
   * The cosine similarity of two runs of arrays.
   *
   * @param a an array
   * @param aOffset where the run starts in {@code a}
   * @param b another array
   * @param bOffset where the run starts in {@code b}
   * @param length the run's length
   * @return the cosine similarity, 0 when either run is all zeros
   * @throws IndexOutOfBoundsException if a run does not fit in its array
   */
  public static float cosine(float[] a, int aOffset, float[] b, int bOffset, int length) {
    checkRuns(a.length, aOffset, b.length, bOffset, length);
    return KERNELS.cosine(a, aOffset, b, bOffset, length);
  }

  /**
   * The squared Euclidean distance.
   *
   * @param a a vector
   * @param b a vector of the same length
   * @return {@code sum((a[i] - b[i])^2)}
   * @throws IllegalArgumentException if the lengths differ
   */
  public static float squareDistance(float[] a, float[] b) {
    DistanceMetric.requireSameDimension(a, b);
    return KERNELS.squareDistance(a, 0, b, 0, a.length);
  }

  /**
   * The squared Euclidean distance of two runs of arrays.
   *
   * @param a an array
   * @param aOffset where the run starts in {@code a}
   * @param b another array
   * @param bOffset where the run starts in {@code b}
   * @param length the run's length
   * @return the squared distance
   * @throws IndexOutOfBoundsException if a run does not fit in its array
   */
  public static float squareDistance(float[] a, int aOffset, float[] b, int bOffset, int length) {
    checkRuns(a.length, aOffset, b.length, bOffset, length);
    return KERNELS.squareDistance(a, aOffset, b, bOffset, length);
  }

  /**
   * The Euclidean distance.
   *
   * @param a a vector
   * @param b a vector of the same length
   * @return {@code sqrt(sum((a[i] - b[i])^2))}
   * @throws IllegalArgumentException if the lengths differ
   */
  public static float euclideanDistance(float[] a, float[] b) {
    float s = squareDistance(a, b);
    return (float) Math.sqrt(outsideFloatRange(s) ? KERNELS.wideSquareDistance(a, 0, b, 0,
        a.length) : s);
  }

  /**
   * The squared Euclidean distance of two runs in double precision, differences included: the
   * value for a pair whose float {@link #squareDistance(float[], int, float[], int, int)} is
   * {@link #outsideFloatRange(float) outside float's accurate range} (components beyond about
   * {@code 1e19}, differences below about {@code 1e-19}).
   *
   * @param a an array
   * @param aOffset where the run starts in {@code a}
   * @param b another array
   * @param bOffset where the run starts in {@code b}
   * @param length the run's length
   * @return the squared distance
   * @throws IndexOutOfBoundsException if a run does not fit in its array
   */
  public static double wideSquareDistance(float[] a, int aOffset, float[] b, int bOffset,
      int length) {
    checkRuns(a.length, aOffset, b.length, bOffset, length);
    return KERNELS.wideSquareDistance(a, aOffset, b, bOffset, length);
  }

  /**
   * Whether a sum of squares taken in float (a squared norm or distance) may be inaccurate:
   * {@code NaN}, infinite, or below {@code 2^-100} (0 included). See {@link
   * VectorKernels#outsideFloatRange(float)}.
   *
   * @param sumOfSquares the sum
   * @return true when the double path should decide
   */
  public static boolean outsideFloatRange(float sumOfSquares) {
    return VectorKernels.outsideFloatRange(sumOfSquares);
  }

  /**
   * Finishes a cosine from its three sums: {@code NaN} in, {@code NaN} out; a zero norm gives
   * similarity 0; the result is clamped to {@code [-1, 1]} against rounding. Accurate only when
   * neither squared norm is {@link #outsideFloatRange(float) outside float's range}; otherwise
   * compute {@link #cosine(float[], int, float[], int, int)} from the vectors.
   *
   * @param dot the dot product
   * @param normA2 the squared norm of the first vector
   * @param normB2 the squared norm of the second vector
   * @return the cosine similarity
   */
  public static float cosineFromSums(float dot, float normA2, float normB2) {
    if (Float.isNaN(dot) || Float.isNaN(normA2) || Float.isNaN(normB2)) {
      return Float.NaN;
    }
    if (normA2 == 0f || normB2 == 0f) {
      return 0f;
    }
    double c = dot / (Math.sqrt(normA2) * Math.sqrt(normB2));
    return (float) Math.max(-1.0, Math.min(1.0, c));
  }

  /**
   * The Manhattan (L1) distance.
   *
   * @param a a vector
   * @param b a vector of the same length
   * @return {@code sum(|a[i] - b[i]|)}
   * @throws IllegalArgumentException if the lengths differ
   */
  public static float manhattan(float[] a, float[] b) {
    DistanceMetric.requireSameDimension(a, b);
    return KERNELS.manhattan(a, 0, b, 0, a.length);
  }

  /**
   * The Manhattan distance of two runs of arrays.
   *
   * @param a an array
   * @param aOffset where the run starts in {@code a}
   * @param b another array
   * @param bOffset where the run starts in {@code b}
   * @param length the run's length
   * @return the L1 distance
   * @throws IndexOutOfBoundsException if a run does not fit in its array
   */
  public static float manhattan(float[] a, int aOffset, float[] b, int bOffset, int length) {
    checkRuns(a.length, aOffset, b.length, bOffset, length);
    return KERNELS.manhattan(a, aOffset, b, bOffset, length);
  }

  /**
   * The Hamming distance of the sign codes: the positions where exactly one of {@code a[i] > 0}
   * and {@code b[i] > 0} holds.
   *
   * @param a a vector
   * @param b a vector of the same length
   * @return the number of differing sign bits
   * @throws IllegalArgumentException if the lengths differ
   */
  public static int signHamming(float[] a, float[] b) {
    DistanceMetric.requireSameDimension(a, b);
    return KERNELS.signHamming(a, 0, b, 0, a.length);
  }

  /**
   * The sign-code Hamming distance of two runs of arrays.
   *
   * @param a an array
   * @param aOffset where the run starts in {@code a}
   * @param b another array
   * @param bOffset where the run starts in {@code b}
   * @param length the run's length
   * @return the number of differing sign bits
   * @throws IndexOutOfBoundsException if a run does not fit in its array
   */
  public static int signHamming(float[] a, int aOffset, float[] b, int bOffset, int length) {
    checkRuns(a.length, aOffset, b.length, bOffset, length);
    return KERNELS.signHamming(a, aOffset, b, bOffset, length);
  }

  /**
   * The Hamming distance of two packed binary codes.
   *
   * @param a a code, 64 bits to a word
   * @param b a code with the same number of words
   * @return the number of differing bits
   * @throws IllegalArgumentException if the word counts differ
   */
  public static int hamming(long[] a, long[] b) {
    DistanceMetric.requireSameDimension(a, b);
    return KERNELS.hamming(a, 0, b, 0, a.length);
  }

  /**
   * The Hamming distance of two runs of packed codes.
   *
   * @param a an array of words
   * @param aOffset the first word of the code in {@code a}
   * @param b another array of words
   * @param bOffset the first word of the code in {@code b}
   * @param words the code's length in 64-bit words
   * @return the number of differing bits
   * @throws IndexOutOfBoundsException if a run does not fit in its array
   */
  public static int hamming(long[] a, int aOffset, long[] b, int bOffset, int words) {
    checkRuns(a.length, aOffset, b.length, bOffset, words);
    return KERNELS.hamming(a, aOffset, b, bOffset, words);
  }

  /**
   * One row of a matrix against four queries at once: {@code out[j] = dotProduct(qj, row run)}.
   * The row is read from memory once for the four, which is what makes scanning a large index
   * with many queries faster than four separate calls; each result has exactly the bits of
   * {@link #dotProduct(float[], int, float[], int, int)}.
   *
   * @param row an array holding the row
   * @param rowOffset where the row starts
   * @param q0 a query of at least {@code length} components
   * @param q1 a query
   * @param q2 a query
   * @param q3 a query
   * @param length the row's length
   * @param out receives the four results in its first four elements
   * @throws IndexOutOfBoundsException if the row, a query or {@code out} is too short
   */
  public static void dotProduct4(float[] row, int rowOffset, float[] q0, float[] q1, float[] q2,
      float[] q3, int length, float[] out) {
    checkFour(row, rowOffset, q0, q1, q2, q3, length, out);
    SCAN.dotProduct4(row, rowOffset, q0, q1, q2, q3, length, out);
  }

  /**
   * One row against four queries, as {@link #dotProduct4}, for the squared Euclidean distance.
   *
   * @param row an array holding the row
   * @param rowOffset where the row starts
   * @param q0 a query of at least {@code length} components
   * @param q1 a query
   * @param q2 a query
   * @param q3 a query
   * @param length the row's length
   * @param out receives the four results in its first four elements
   * @throws IndexOutOfBoundsException if the row, a query or {@code out} is too short
   */
  public static void squareDistance4(float[] row, int rowOffset, float[] q0, float[] q1,
      float[] q2, float[] q3, int length, float[] out) {
    checkFour(row, rowOffset, q0, q1, q2, q3, length, out);
    SCAN.squareDistance4(row, rowOffset, q0, q1, q2, q3, length, out);
  }

  /**
   * Adds a run of one array into another, {@code dst[dstOffset + i] += src[srcOffset + i]} for
   * {@code i < length}, on the SIMD kernels: the sums of k-means' update step. Each element is
   * rounded once, so every kernel gives the same bits.
   *
   * @param src the values added
   * @param srcOffset where they start
   * @param dst the running sums
   * @param dstOffset where the sums start
   * @param length how many
   * @throws IndexOutOfBoundsException if a run is not inside its array
   */
  public static void addInto(float[] src, int srcOffset, float[] dst, int dstOffset,
      int length) {
    Objects.checkFromIndexSize(srcOffset, length, src.length);
    Objects.checkFromIndexSize(dstOffset, length, dst.length);
    SCAN.addInto(src, srcOffset, dst, dstOffset, length);
  }

  private static void checkFour(float[] row, int rowOffset, float[] q0, float[] q1, float[] q2,
      float[] q3, int length, float[] out) {
    Objects.checkFromIndexSize(rowOffset, length, row.length);
    Objects.checkFromIndexSize(0, length, q0.length);
    Objects.checkFromIndexSize(0, length, q1.length);
    Objects.checkFromIndexSize(0, length, q2.length);
    Objects.checkFromIndexSize(0, length, q3.length);
    Objects.checkFromIndexSize(0, 4, out.length);
  }

  /**
   * The first index in {@code [from, to)} whose value is at least {@code threshold}: the filter
   * a top-k selection runs over a block of scores, on the SIMD kernels (one comparison per
   * vector register of scores).
   *
   * @param values the values
   * @param from the first index searched
   * @param to one past the last
   * @param threshold the value to reach
   * @return the first {@code i} with {@code values[i] >= threshold}, or {@code to} if none
   * @throws IndexOutOfBoundsException if the range is not inside the array
   */
  public static int firstAtLeast(float[] values, int from, int to, float threshold) {
    Objects.checkFromToIndex(from, to, values.length);
    return SCAN.firstAtLeast(values, from, to, threshold);
  }

  /** Checks {@code values[from, to)} and {@code other[from + shift, to + shift)}. */
  private static void checkShifted(float[] values, float[] other, int shift, int from, int to) {
    Objects.checkFromToIndex(from, to, values.length);
    if (to > from) {
      Objects.checkFromToIndex(from + shift, to + shift, other.length);
    }
  }

  /**
   * As {@link #firstAtLeast} for the products {@code values[i] * weights[i + shift]}, each
   * rounded to float.
   *
   * @param values the values
   * @param weights the weights, read from {@code from + shift} to {@code to + shift}
   * @param shift where the weights of {@code values[from]} start, less {@code from}
   * @param from the first index searched
   * @param to one past the last
   * @param threshold the value to reach
   * @return the first such {@code i}, or {@code to} if none
   * @throws IndexOutOfBoundsException if either range is not inside its array
   */
  public static int firstScaledAtLeast(float[] values, float[] weights, int shift, int from,
      int to, float threshold) {
    checkShifted(values, weights, shift, from, to);
    return SCAN.firstScaledAtLeast(values, weights, shift, from, to, threshold);
  }

  /**
   * As {@link #firstAtLeast} for the sums {@code values[i] + offsets[i + shift]}, each rounded
   * to float.
   *
   * @param values the values
   * @param offsets the terms added, read from {@code from + shift} to {@code to + shift}
   * @param shift where the terms of {@code values[from]} start, less {@code from}
   * @param from the first index searched
   * @param to one past the last
   * @param threshold the value to reach
   * @return the first such {@code i}, or {@code to} if none
   * @throws IndexOutOfBoundsException if either range is not inside its array
   */
  public static int firstShiftedAtLeast(float[] values, float[] offsets, int shift, int from,
      int to, float threshold) {
    checkShifted(values, offsets, shift, from, to);
    return SCAN.firstShiftedAtLeast(values, offsets, shift, from, to, threshold);
  }

  /**
   * The squared Euclidean distance from a float query to a row of signed 8-bit codes, the
   * kernel of a scalar-quantised index: a code {@code c} of component {@code i} stands for
   * {@code offset[i] + steps[i] * c}, and the query comes shifted by the offsets ({@code
   * shiftedQuery[i] = q[i] - offset[i]}), so the result is {@code sum((steps[i] * c[i] -
   * shiftedQuery[i])^2)}. SIMD where the Vector API is present; the order of the sums is the
   * kernel's own, so the last bits may differ between kernels.
   *
   * @param shiftedQuery the query less the offsets, at least {@code length} components
   * @param steps the components' steps, at least {@code length}
   * @param codes an array holding the row of codes
   * @param codesOffset where the row starts
   * @param length the number of components
   * @return the squared distance from the query to the vector the codes stand for
   * @throws IndexOutOfBoundsException if a run does not fit in its array
   */
  public static float squareDistanceToCodes(float[] shiftedQuery, float[] steps, byte[] codes,
      int codesOffset, int length) {
    Objects.checkFromIndexSize(0, length, shiftedQuery.length);
    Objects.checkFromIndexSize(0, length, steps.length);
    Objects.checkFromIndexSize(codesOffset, length, codes.length);
    return SCAN.codeSquareDistance(shiftedQuery, steps, codes, codesOffset, length);
  }

  /**
   * The inner product of float weights with a row of signed 8-bit codes, {@code sum(weights[i]
   * * codes[codesOffset + i])}: with {@code weights[i] = q[i] * steps[i]} and the constant
   * {@code sum(q[i] * offset[i])} added, the inner product of a query with a scalar-quantised
   * vector. SIMD where the Vector API is present, summed in the kernel's own order.
   *
   * @param weights the weights, at least {@code length}
   * @param codes an array holding the row of codes
   * @param codesOffset where the row starts
   * @param length the number of components
   * @return the inner product
   * @throws IndexOutOfBoundsException if a run does not fit in its array
   */
  public static float dotProductWithCodes(float[] weights, byte[] codes, int codesOffset,
      int length) {
    Objects.checkFromIndexSize(0, length, weights.length);
    Objects.checkFromIndexSize(codesOffset, length, codes.length);
    return SCAN.codeDotProduct(weights, codes, codesOffset, length);
  }

  /**
   * The squared Euclidean norm.
   *
   * @param v a vector
   * @return {@code sum(v[i]^2)}
   */
  public static float squareNorm(float[] v) {
    return KERNELS.dotProduct(v, 0, v, 0, v.length);
  }

  /**
   * The Euclidean norm.
   *
   * @param v a vector
   * @return {@code sqrt(sum(v[i]^2))}
   */
  public static float norm(float[] v) {
    return (float) Math.sqrt(squareNorm(v));
  }

  /**
   * Scales a vector in place to unit length. A zero vector (or one whose norm is not finite and
   * positive, such as one holding {@code NaN}) is left as it was, because it has no direction.
   *
   * @param v the vector, changed in place
   * @return the norm it had before
   */
  public static float normalize(float[] v) {
    double norm = Math.sqrt(KERNELS.dotProduct(v, 0, v, 0, v.length));
    if (norm > 0 && norm < Double.POSITIVE_INFINITY) {
      float inv = (float) (1.0 / norm);
      for (int i = 0; i < v.length; i++) {
        v[i] *= inv;
      }
    }
    return (float) norm;
  }

  /**
   * A unit-length copy of a vector; see {@link #normalize(float[])} for zero vectors.
   *
   * @param v the vector, left unchanged
   * @return a new array
   */
  public static float[] normalized(float[] v) {
    float[] copy = v.clone();
    normalize(copy);
    return copy;
  }

  /**
   * Checks that every vector of a batch has the same length.
   *
   * @param vectors the vectors
   * @param what what they are, for the message ("queries")
   * @return their common length (0 if there are none)
   * @throws IllegalArgumentException naming the first vector whose length differs
   */
  public static int requireSameDimension(float[][] vectors, String what) {
    Objects.requireNonNull(vectors, what);
    if (vectors.length == 0) {
      return 0;
    }
    int d = Objects.requireNonNull(vectors[0], what + "[0]").length;
    for (int i = 1; i < vectors.length; i++) {
      float[] v = Objects.requireNonNull(vectors[i], what + "[" + i + "]");
      if (v.length != d) {
        throw new IllegalArgumentException("vector dimensions differ: " + what + "[" + i
            + "] has " + v.length + " components, " + what + "[0] has " + d);
      }
    }
    return d;
  }

  private static void checkRuns(int aLength, int aOffset, int bLength, int bOffset, int length) {
    Objects.checkFromIndexSize(aOffset, length, aLength);
    Objects.checkFromIndexSize(bOffset, length, bLength);
  }
}
