package io.github.embeddings4j.core.vector;

import io.github.embeddings4j.api.spi.ScalarVectorKernels;
import io.github.embeddings4j.api.spi.VectorKernels;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The kernels on the JDK Vector API: the widest float species of the CPU (16 lanes with
 * AVX-512), four independent accumulators in the main loop so that consecutive fused
 * multiply-adds do not wait on each other's latency, then one accumulator for the remaining
 * whole vectors and a scalar tail. Only {@link PanamaKernelsProvider} creates it, and only after
 * it has checked that the module {@code jdk.incubator.vector} is present, because loading this
 * class without it fails.
 */
final class PanamaVectorKernels implements VectorKernels, ScanKernels {

  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  private static final int LANES = SPECIES.length();
  /**
   * As many byte lanes as the float species has lanes (16 bytes for AVX-512), widened to
   * floats in one conversion; null where that would be under 64 bits (no such shape), and the
   * code kernels then run the scalar loop.
   */
  private static final VectorSpecies<Byte> CODES =
      LANES >= 8 ? VectorSpecies.of(byte.class, VectorShape.forBitSize(8 * LANES)) : null;

  @Override
  public String name() {
    return "panama";
  }

  @Override
  public int priority() {
    return 100;
  }

  /** The number of float lanes in one vector register, for logs and benchmarks. */
  static int lanes() {
    return LANES;
  }

  // Each public kernel is a short dispatcher and each vector loop its own static method under
  // C2's inlining limit for hot methods (FreqInlineSize, 325 bytecodes): the kernels of the
  // first version were 345 to 429 bytecodes, so C2 compiled them as separate calls behind the
  // provider's, which cost a 512-d dot product about a third of its time. The arithmetic, and
  // so every result bit, is unchanged: four accumulators over blocks of four vectors, the
  // remaining whole vectors into the first, the accumulators summed as (0 + 1) + (2 + 3), one
  // lane reduction, then the scalar tail. Cosine keeps its six accumulators in one method by
  // leaving an odd last vector to its scalar tail (its bits for such lengths changed then).

  @Override
  public float dotProduct(float[] a, int ao, float[] b, int bo, int n) {
    int whole = n - n % LANES;
    float sum = whole == 0 ? 0f : dotVectors(a, ao, b, bo, whole);
    return whole == n ? sum : dotTail(a, ao, b, bo, whole, n, sum);
  }

  private static float dotVectors(float[] a, int ao, float[] b, int bo, int whole) {
    final VectorSpecies<Float> sp = SPECIES;
    final int l = LANES;
    final int l2 = 2 * l;
    final int l3 = 3 * l;
    FloatVector acc0 = FloatVector.zero(sp);
    FloatVector acc1 = FloatVector.zero(sp);
    FloatVector acc2 = FloatVector.zero(sp);
    FloatVector acc3 = FloatVector.zero(sp);
    int i = 0;
    for (int bound = whole - 4 * l; i <= bound; i += 4 * l) {
      int p = ao + i;
      int q = bo + i;
      acc0 = FloatVector.fromArray(sp, a, p)
          .fma(FloatVector.fromArray(sp, b, q), acc0);
      acc1 = FloatVector.fromArray(sp, a, p + l)
          .fma(FloatVector.fromArray(sp, b, q + l), acc1);
      acc2 = FloatVector.fromArray(sp, a, p + l2)
          .fma(FloatVector.fromArray(sp, b, q + l2), acc2);
      acc3 = FloatVector.fromArray(sp, a, p + l3)
          .fma(FloatVector.fromArray(sp, b, q + l3), acc3);
    }
    for (; i < whole; i += l) {
      int p = ao + i;
      int q = bo + i;
      acc0 = FloatVector.fromArray(sp, a, p)
          .fma(FloatVector.fromArray(sp, b, q), acc0);
    }
    return acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(VectorOperators.ADD);
  }

  private static float dotTail(float[] a, int ao, float[] b, int bo, int from, int n,
      float sum) {
    for (int i = from; i < n; i++) {
      sum = Math.fma(a[ao + i], b[bo + i], sum);
    }
    return sum;
  }

  @Override
  public float cosine(float[] a, int ao, float[] b, int bo, int n) {
    // Whole pairs of vectors only; what is left (under two vectors) goes to the scalar tail,
    // which keeps this method small enough for C2 to inline.
    final int l2 = 2 * LANES;
    int pairs = n - n % l2;
    if (pairs == 0) {
      return cosineTail(a, ao, b, bo, 0, n, 0f, 0f, 0f);
    }
    // Two sets of three accumulators: enough independent chains to hide FMA latency without
    // spilling registers.
    final VectorSpecies<Float> sp = SPECIES;
    final int l = LANES;
    FloatVector dot0 = FloatVector.zero(sp);
    FloatVector dot1 = FloatVector.zero(sp);
    FloatVector na0 = FloatVector.zero(sp);
    FloatVector na1 = FloatVector.zero(sp);
    FloatVector nb0 = FloatVector.zero(sp);
    FloatVector nb1 = FloatVector.zero(sp);
    for (int i = 0; i < pairs; i += l2) {
      int p = ao + i;
      int q = bo + i;
      FloatVector x0 = FloatVector.fromArray(sp, a, p);
      FloatVector y0 = FloatVector.fromArray(sp, b, q);
      FloatVector x1 = FloatVector.fromArray(sp, a, p + l);
      FloatVector y1 = FloatVector.fromArray(sp, b, q + l);
      dot0 = x0.fma(y0, dot0);
      na0 = x0.fma(x0, na0);
      nb0 = y0.fma(y0, nb0);
      dot1 = x1.fma(y1, dot1);
      na1 = x1.fma(x1, na1);
      nb1 = y1.fma(y1, nb1);
    }
    return cosineTail(a, ao, b, bo, pairs, n, dot0.add(dot1).reduceLanes(VectorOperators.ADD),
        na0.add(na1).reduceLanes(VectorOperators.ADD),
        nb0.add(nb1).reduceLanes(VectorOperators.ADD));
  }

  private static float cosineTail(float[] a, int ao, float[] b, int bo, int from, int n,
      float dot, float na, float nb) {
    for (int i = from; i < n; i++) {
      float x = a[ao + i];
      float y = b[bo + i];
      dot = Math.fma(x, y, dot);
      na = Math.fma(x, x, na);
      nb = Math.fma(y, y, nb);
    }
    if (VectorKernels.outsideFloatRange(na) || VectorKernels.outsideFloatRange(nb)) {
      // Zero, NaN, underflowed or overflowed norms: the double path decides (rare).
      return ScalarVectorKernels.INSTANCE.wideCosine(a, ao, b, bo, n);
    }
    return (float) Math.max(-1.0, Math.min(1.0, dot / (Math.sqrt(na) * Math.sqrt(nb))));
  }

  @Override
  public float squareDistance(float[] a, int ao, float[] b, int bo, int n) {
    int whole = n - n % LANES;
    float sum = whole == 0 ? 0f : squareVectors(a, ao, b, bo, whole);
    for (int i = whole; i < n; i++) {
      float d = a[ao + i] - b[bo + i];
      sum = Math.fma(d, d, sum);
    }
    return sum;
  }

  private static float squareVectors(float[] a, int ao, float[] b, int bo, int whole) {
    final VectorSpecies<Float> sp = SPECIES;
    final int l = LANES;
    final int l2 = 2 * l;
    final int l3 = 3 * l;
    FloatVector acc0 = FloatVector.zero(sp);
    FloatVector acc1 = FloatVector.zero(sp);
    FloatVector acc2 = FloatVector.zero(sp);
    FloatVector acc3 = FloatVector.zero(sp);
    int i = 0;
    for (int bound = whole - 4 * l; i <= bound; i += 4 * l) {
      int p = ao + i;
      int q = bo + i;
      FloatVector d0 = FloatVector.fromArray(sp, a, p)
          .sub(FloatVector.fromArray(sp, b, q));
      FloatVector d1 = FloatVector.fromArray(sp, a, p + l)
          .sub(FloatVector.fromArray(sp, b, q + l));
      FloatVector d2 = FloatVector.fromArray(sp, a, p + l2)
          .sub(FloatVector.fromArray(sp, b, q + l2));
      FloatVector d3 = FloatVector.fromArray(sp, a, p + l3)
          .sub(FloatVector.fromArray(sp, b, q + l3));
      acc0 = d0.fma(d0, acc0);
      acc1 = d1.fma(d1, acc1);
      acc2 = d2.fma(d2, acc2);
      acc3 = d3.fma(d3, acc3);
    }
    for (; i < whole; i += l) {
      int p = ao + i;
      int q = bo + i;
      FloatVector d0 = FloatVector.fromArray(sp, a, p)
          .sub(FloatVector.fromArray(sp, b, q));
      acc0 = d0.fma(d0, acc0);
    }
    return acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(VectorOperators.ADD);
  }

  @Override
  public float manhattan(float[] a, int ao, float[] b, int bo, int n) {
    int whole = n - n % LANES;
    float sum = whole == 0 ? 0f : manhattanVectors(a, ao, b, bo, whole);
    for (int i = whole; i < n; i++) {
      sum += Math.abs(a[ao + i] - b[bo + i]);
    }
    return sum;
  }

  private static float manhattanVectors(float[] a, int ao, float[] b, int bo, int whole) {
    final VectorSpecies<Float> sp = SPECIES;
    final int l = LANES;
    final int l2 = 2 * l;
    final int l3 = 3 * l;
    FloatVector acc0 = FloatVector.zero(sp);
    FloatVector acc1 = FloatVector.zero(sp);
    FloatVector acc2 = FloatVector.zero(sp);
    FloatVector acc3 = FloatVector.zero(sp);
    int i = 0;
    for (int bound = whole - 4 * l; i <= bound; i += 4 * l) {
      int p = ao + i;
      int q = bo + i;
      acc0 = acc0.add(FloatVector.fromArray(sp, a, p)
          .sub(FloatVector.fromArray(sp, b, q)).abs());
      acc1 = acc1.add(FloatVector.fromArray(sp, a, p + l)
          .sub(FloatVector.fromArray(sp, b, q + l)).abs());
      acc2 = acc2.add(FloatVector.fromArray(sp, a, p + l2)
          .sub(FloatVector.fromArray(sp, b, q + l2)).abs());
      acc3 = acc3.add(FloatVector.fromArray(sp, a, p + l3)
          .sub(FloatVector.fromArray(sp, b, q + l3)).abs());
    }
    for (; i < whole; i += l) {
      int p = ao + i;
      int q = bo + i;
      acc0 = acc0.add(FloatVector.fromArray(sp, a, p)
          .sub(FloatVector.fromArray(sp, b, q)).abs());
    }
    return acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(VectorOperators.ADD);
  }

  @Override
  public int signHamming(float[] a, int ao, float[] b, int bo, int n) {
    int i = 0;
    int count = 0;
    // A lane differs when exactly one of the two components is > 0 (NaN compares false, as in
    // the scalar reference): the masks are compared lane by lane and the unequal lanes counted.
    for (int bound = n - LANES; i <= bound; i += LANES) {
      VectorMask<Float> pa = FloatVector.fromArray(SPECIES, a, ao + i)
          .compare(VectorOperators.GT, 0f);
      VectorMask<Float> pb = FloatVector.fromArray(SPECIES, b, bo + i)
          .compare(VectorOperators.GT, 0f);
      count += LANES - pa.eq(pb).trueCount();
    }
    for (; i < n; i++) {
      if ((a[ao + i] > 0f) != (b[bo + i] > 0f)) {
        count++;
      }
    }
    return count;
  }

  @Override
  public void dotProduct4(float[] x, int xo, float[] q0, float[] q1, float[] q2, float[] q3,
      int n, float[] out) {
    // Sixteen accumulators (four per query), summed in exactly the order of the one-query
    // kernel, so each result has the same bits; the row is loaded once for the four queries.
    int i = 0;
    float s0 = 0f;
    float s1 = 0f;
    float s2 = 0f;
    float s3 = 0f;
    if (n >= LANES) {
      FloatVector a00 = FloatVector.zero(SPECIES);
      FloatVector a01 = FloatVector.zero(SPECIES);
      FloatVector a02 = FloatVector.zero(SPECIES);
      FloatVector a03 = FloatVector.zero(SPECIES);
      FloatVector a10 = FloatVector.zero(SPECIES);
      FloatVector a11 = FloatVector.zero(SPECIES);
      FloatVector a12 = FloatVector.zero(SPECIES);
      FloatVector a13 = FloatVector.zero(SPECIES);
      FloatVector a20 = FloatVector.zero(SPECIES);
      FloatVector a21 = FloatVector.zero(SPECIES);
      FloatVector a22 = FloatVector.zero(SPECIES);
      FloatVector a23 = FloatVector.zero(SPECIES);
      FloatVector a30 = FloatVector.zero(SPECIES);
      FloatVector a31 = FloatVector.zero(SPECIES);
      FloatVector a32 = FloatVector.zero(SPECIES);
      FloatVector a33 = FloatVector.zero(SPECIES);
      for (int bound = n - 4 * LANES; i <= bound; i += 4 * LANES) {
        FloatVector x0 = FloatVector.fromArray(SPECIES, x, xo + i);
        a00 = FloatVector.fromArray(SPECIES, q0, i).fma(x0, a00);
        a10 = FloatVector.fromArray(SPECIES, q1, i).fma(x0, a10);
        a20 = FloatVector.fromArray(SPECIES, q2, i).fma(x0, a20);
        a30 = FloatVector.fromArray(SPECIES, q3, i).fma(x0, a30);
        FloatVector x1 = FloatVector.fromArray(SPECIES, x, xo + i + LANES);
        a01 = FloatVector.fromArray(SPECIES, q0, i + LANES).fma(x1, a01);
        a11 = FloatVector.fromArray(SPECIES, q1, i + LANES).fma(x1, a11);
        a21 = FloatVector.fromArray(SPECIES, q2, i + LANES).fma(x1, a21);
        a31 = FloatVector.fromArray(SPECIES, q3, i + LANES).fma(x1, a31);
        FloatVector x2 = FloatVector.fromArray(SPECIES, x, xo + i + 2 * LANES);
        a02 = FloatVector.fromArray(SPECIES, q0, i + 2 * LANES).fma(x2, a02);
        a12 = FloatVector.fromArray(SPECIES, q1, i + 2 * LANES).fma(x2, a12);
        a22 = FloatVector.fromArray(SPECIES, q2, i + 2 * LANES).fma(x2, a22);
        a32 = FloatVector.fromArray(SPECIES, q3, i + 2 * LANES).fma(x2, a32);
        FloatVector x3 = FloatVector.fromArray(SPECIES, x, xo + i + 3 * LANES);
        a03 = FloatVector.fromArray(SPECIES, q0, i + 3 * LANES).fma(x3, a03);
        a13 = FloatVector.fromArray(SPECIES, q1, i + 3 * LANES).fma(x3, a13);
        a23 = FloatVector.fromArray(SPECIES, q2, i + 3 * LANES).fma(x3, a23);
        a33 = FloatVector.fromArray(SPECIES, q3, i + 3 * LANES).fma(x3, a33);
      }
      for (int bound = n - LANES; i <= bound; i += LANES) {
        FloatVector x0 = FloatVector.fromArray(SPECIES, x, xo + i);
        a00 = FloatVector.fromArray(SPECIES, q0, i).fma(x0, a00);
        a10 = FloatVector.fromArray(SPECIES, q1, i).fma(x0, a10);
        a20 = FloatVector.fromArray(SPECIES, q2, i).fma(x0, a20);
        a30 = FloatVector.fromArray(SPECIES, q3, i).fma(x0, a30);
      }
      s0 = a00.add(a01).add(a02.add(a03)).reduceLanes(VectorOperators.ADD);
      s1 = a10.add(a11).add(a12.add(a13)).reduceLanes(VectorOperators.ADD);
      s2 = a20.add(a21).add(a22.add(a23)).reduceLanes(VectorOperators.ADD);
      s3 = a30.add(a31).add(a32.add(a33)).reduceLanes(VectorOperators.ADD);
    }
    for (; i < n; i++) {
      float xi = x[xo + i];
      s0 = Math.fma(q0[i], xi, s0);
      s1 = Math.fma(q1[i], xi, s1);
      s2 = Math.fma(q2[i], xi, s2);
      s3 = Math.fma(q3[i], xi, s3);
    }
    out[0] = s0;
    out[1] = s1;
    out[2] = s2;
    out[3] = s3;
  }

  @Override
  public void squareDistance4(float[] x, int xo, float[] q0, float[] q1, float[] q2, float[] q3,
      int n, float[] out) {
    // Sixteen accumulators (four per query), summed in exactly the order of the one-query
    // kernel, so each result has the same bits; the row is loaded once for the four queries.
    int i = 0;
    float s0 = 0f;
    float s1 = 0f;
    float s2 = 0f;
    float s3 = 0f;
    if (n >= LANES) {
      FloatVector a00 = FloatVector.zero(SPECIES);
      FloatVector a01 = FloatVector.zero(SPECIES);
      FloatVector a02 = FloatVector.zero(SPECIES);
      FloatVector a03 = FloatVector.zero(SPECIES);
      FloatVector a10 = FloatVector.zero(SPECIES);
      FloatVector a11 = FloatVector.zero(SPECIES);
      FloatVector a12 = FloatVector.zero(SPECIES);
      FloatVector a13 = FloatVector.zero(SPECIES);
      FloatVector a20 = FloatVector.zero(SPECIES);
      FloatVector a21 = FloatVector.zero(SPECIES);
      FloatVector a22 = FloatVector.zero(SPECIES);
      FloatVector a23 = FloatVector.zero(SPECIES);
      FloatVector a30 = FloatVector.zero(SPECIES);
      FloatVector a31 = FloatVector.zero(SPECIES);
      FloatVector a32 = FloatVector.zero(SPECIES);
      FloatVector a33 = FloatVector.zero(SPECIES);
      for (int bound = n - 4 * LANES; i <= bound; i += 4 * LANES) {
        FloatVector x0 = FloatVector.fromArray(SPECIES, x, xo + i);
        FloatVector d00 = FloatVector.fromArray(SPECIES, q0, i).sub(x0);
        a00 = d00.fma(d00, a00);
        FloatVector d10 = FloatVector.fromArray(SPECIES, q1, i).sub(x0);
        a10 = d10.fma(d10, a10);
        FloatVector d20 = FloatVector.fromArray(SPECIES, q2, i).sub(x0);
        a20 = d20.fma(d20, a20);
        FloatVector d30 = FloatVector.fromArray(SPECIES, q3, i).sub(x0);
        a30 = d30.fma(d30, a30);
        FloatVector x1 = FloatVector.fromArray(SPECIES, x, xo + i + LANES);
        FloatVector d01 = FloatVector.fromArray(SPECIES, q0, i + LANES).sub(x1);
        a01 = d01.fma(d01, a01);
        FloatVector d11 = FloatVector.fromArray(SPECIES, q1, i + LANES).sub(x1);
        a11 = d11.fma(d11, a11);
        FloatVector d21 = FloatVector.fromArray(SPECIES, q2, i + LANES).sub(x1);
        a21 = d21.fma(d21, a21);
        FloatVector d31 = FloatVector.fromArray(SPECIES, q3, i + LANES).sub(x1);
        a31 = d31.fma(d31, a31);
        FloatVector x2 = FloatVector.fromArray(SPECIES, x, xo + i + 2 * LANES);
        FloatVector d02 = FloatVector.fromArray(SPECIES, q0, i + 2 * LANES).sub(x2);
        a02 = d02.fma(d02, a02);
        FloatVector d12 = FloatVector.fromArray(SPECIES, q1, i + 2 * LANES).sub(x2);
        a12 = d12.fma(d12, a12);
        FloatVector d22 = FloatVector.fromArray(SPECIES, q2, i + 2 * LANES).sub(x2);
        a22 = d22.fma(d22, a22);
        FloatVector d32 = FloatVector.fromArray(SPECIES, q3, i + 2 * LANES).sub(x2);
        a32 = d32.fma(d32, a32);
        FloatVector x3 = FloatVector.fromArray(SPECIES, x, xo + i + 3 * LANES);
        FloatVector d03 = FloatVector.fromArray(SPECIES, q0, i + 3 * LANES).sub(x3);
        a03 = d03.fma(d03, a03);
        FloatVector d13 = FloatVector.fromArray(SPECIES, q1, i + 3 * LANES).sub(x3);
        a13 = d13.fma(d13, a13);
        FloatVector d23 = FloatVector.fromArray(SPECIES, q2, i + 3 * LANES).sub(x3);
        a23 = d23.fma(d23, a23);
        FloatVector d33 = FloatVector.fromArray(SPECIES, q3, i + 3 * LANES).sub(x3);
        a33 = d33.fma(d33, a33);
      }
      for (int bound = n - LANES; i <= bound; i += LANES) {
        FloatVector x0 = FloatVector.fromArray(SPECIES, x, xo + i);
        FloatVector d00 = FloatVector.fromArray(SPECIES, q0, i).sub(x0);
        a00 = d00.fma(d00, a00);
        FloatVector d10 = FloatVector.fromArray(SPECIES, q1, i).sub(x0);
        a10 = d10.fma(d10, a10);
        FloatVector d20 = FloatVector.fromArray(SPECIES, q2, i).sub(x0);
        a20 = d20.fma(d20, a20);
        FloatVector d30 = FloatVector.fromArray(SPECIES, q3, i).sub(x0);
        a30 = d30.fma(d30, a30);
      }
      s0 = a00.add(a01).add(a02.add(a03)).reduceLanes(VectorOperators.ADD);
      s1 = a10.add(a11).add(a12.add(a13)).reduceLanes(VectorOperators.ADD);
      s2 = a20.add(a21).add(a22.add(a23)).reduceLanes(VectorOperators.ADD);
      s3 = a30.add(a31).add(a32.add(a33)).reduceLanes(VectorOperators.ADD);
    }
    for (; i < n; i++) {
      float xi = x[xo + i];
      float d0 = q0[i] - xi;
      s0 = Math.fma(d0, d0, s0);
      float d1 = q1[i] - xi;
      s1 = Math.fma(d1, d1, s1);
      float d2 = q2[i] - xi;
      s2 = Math.fma(d2, d2, s2);
      float d3 = q3[i] - xi;
      s3 = Math.fma(d3, d3, s3);
    }
    out[0] = s0;
    out[1] = s1;
    out[2] = s2;
    out[3] = s3;
  }

  // The selection filters: one compare per vector, and a scalar search only inside the rare
  // vector with a lane at or above the threshold (mask.firstTrue()).

  @Override
  public void addInto(float[] src, int sOff, float[] dst, int dOff, int n) {
    int i = 0;
    for (int bound = SPECIES.loopBound(n); i < bound; i += LANES) {
      FloatVector.fromArray(SPECIES, dst, dOff + i)
          .add(FloatVector.fromArray(SPECIES, src, sOff + i)).intoArray(dst, dOff + i);
    }
    for (; i < n; i++) {
      dst[dOff + i] += src[sOff + i];
    }
  }

  @Override
  public int firstAtLeast(float[] a, int from, int to, float t) {
    int i = from;
    for (int bound = to - LANES; i <= bound; i += LANES) {
      VectorMask<Float> m = FloatVector.fromArray(SPECIES, a, i)
          .compare(VectorOperators.GE, t);
      if (m.anyTrue()) {
        return i + m.firstTrue();
      }
    }
    for (; i < to; i++) {
      if (a[i] >= t) {
        return i;
      }
    }
    return to;
  }

  @Override
  public int firstScaledAtLeast(float[] a, float[] w, int shift, int from, int to, float t) {
    int i = from;
    for (int bound = to - LANES; i <= bound; i += LANES) {
      VectorMask<Float> m = FloatVector.fromArray(SPECIES, a, i)
          .mul(FloatVector.fromArray(SPECIES, w, i + shift))
          .compare(VectorOperators.GE, t);
      if (m.anyTrue()) {
        return i + m.firstTrue();
      }
    }
    for (; i < to; i++) {
      if (a[i] * w[i + shift] >= t) {
        return i;
      }
    }
    return to;
  }

  @Override
  public int firstShiftedAtLeast(float[] a, float[] b, int shift, int from, int to, float t) {
    int i = from;
    for (int bound = to - LANES; i <= bound; i += LANES) {
      VectorMask<Float> m = FloatVector.fromArray(SPECIES, a, i)
          .add(FloatVector.fromArray(SPECIES, b, i + shift))
          .compare(VectorOperators.GE, t);
      if (m.anyTrue()) {
        return i + m.firstTrue();
      }
    }
    for (; i < to; i++) {
      if (a[i] + b[i + shift] >= t) {
        return i;
      }
    }
    return to;
  }

  // The 8-bit code kernels of the graph index: each group of LANES codes is widened to floats
  // (sign-extended) and scaled by the component steps in registers; two accumulators.

  @Override
  public float codeSquareDistance(float[] a, float[] s, byte[] c, int co, int n) {
    if (CODES == null) {
      return ScanFallback.scalarCodeSquareDistance(a, s, c, co, n);
    }
    int whole = n - n % LANES;
    float sum = whole == 0 ? 0f : codeSquareVectors(a, s, c, co, whole);
    for (int i = whole; i < n; i++) {
      float d = s[i] * c[co + i] - a[i];
      sum = Math.fma(d, d, sum);
    }
    return sum;
  }

  private static float codeSquareVectors(float[] a, float[] s, byte[] c, int co, int whole) {
    final VectorSpecies<Float> sp = SPECIES;
    final int l = LANES;
    FloatVector acc0 = FloatVector.zero(sp);
    FloatVector acc1 = FloatVector.zero(sp);
    int i = 0;
    for (int bound = whole - 2 * l; i <= bound; i += 2 * l) {
      FloatVector c0 = (FloatVector) ByteVector.fromArray(CODES, c, co + i)
          .convertShape(VectorOperators.B2F, sp, 0);
      FloatVector c1 = (FloatVector) ByteVector.fromArray(CODES, c, co + i + l)
          .convertShape(VectorOperators.B2F, sp, 0);
      FloatVector d0 = c0.fma(FloatVector.fromArray(sp, s, i), FloatVector.fromArray(sp, a, i)
          .neg());
      FloatVector d1 = c1.fma(FloatVector.fromArray(sp, s, i + l),
          FloatVector.fromArray(sp, a, i + l).neg());
      acc0 = d0.fma(d0, acc0);
      acc1 = d1.fma(d1, acc1);
    }
    for (; i < whole; i += l) {
      FloatVector c0 = (FloatVector) ByteVector.fromArray(CODES, c, co + i)
          .convertShape(VectorOperators.B2F, sp, 0);
      FloatVector d0 = c0.fma(FloatVector.fromArray(sp, s, i), FloatVector.fromArray(sp, a, i)
          .neg());
      acc0 = d0.fma(d0, acc0);
    }
    return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
  }

  @Override
  public float codeDotProduct(float[] w, byte[] c, int co, int n) {
    if (CODES == null) {
      return ScanFallback.scalarCodeDotProduct(w, c, co, n, 0);
    }
    int whole = n - n % LANES;
    float sum = whole == 0 ? 0f : codeDotVectors(w, c, co, whole);
    return whole == n ? sum : sum + ScanFallback.scalarCodeDotProduct(w, c, co, n, whole);
  }

  private static float codeDotVectors(float[] w, byte[] c, int co, int whole) {
    final VectorSpecies<Float> sp = SPECIES;
    final int l = LANES;
    FloatVector acc0 = FloatVector.zero(sp);
    FloatVector acc1 = FloatVector.zero(sp);
    int i = 0;
    for (int bound = whole - 2 * l; i <= bound; i += 2 * l) {
      FloatVector c0 = (FloatVector) ByteVector.fromArray(CODES, c, co + i)
          .convertShape(VectorOperators.B2F, sp, 0);
      FloatVector c1 = (FloatVector) ByteVector.fromArray(CODES, c, co + i + l)
          .convertShape(VectorOperators.B2F, sp, 0);
      acc0 = c0.fma(FloatVector.fromArray(sp, w, i), acc0);
      acc1 = c1.fma(FloatVector.fromArray(sp, w, i + l), acc1);
    }
    for (; i < whole; i += l) {
      FloatVector c0 = (FloatVector) ByteVector.fromArray(CODES, c, co + i)
          .convertShape(VectorOperators.B2F, sp, 0);
      acc0 = c0.fma(FloatVector.fromArray(sp, w, i), acc0);
    }
    return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
  }
}
