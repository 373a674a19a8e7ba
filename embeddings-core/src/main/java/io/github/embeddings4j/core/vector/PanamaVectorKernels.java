package io.github.embeddings4j.core.vector;

import io.github.embeddings4j.api.spi.ScalarVectorKernels;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The kernels on the JDK Vector API: the widest float species of the CPU (16 lanes with
 * AVX-512), four independent accumulators in the main loop so that consecutive fused
 * multiply-adds do not wait on each other's latency, then one accumulator for the remaining
 * whole vectors and a scalar tail. Only {@link PanamaKernelsProvider} creates it, and only after
 * it has checked that the module {@code jdk.incubator.vector} is present, because loading this
 * class without it fails.
 */
final class PanamaVectorKernels implements Kernels {

  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  private static final int LANES = SPECIES.length();

  @Override
  public String name() {
    return "panama";
  }

  /** The number of float lanes in one vector register, for logs and benchmarks. */
  static int lanes() {
    return LANES;
  }

  @Override
  public float dotProduct(float[] a, int ao, float[] b, int bo, int n) {
    int i = 0;
    float sum = 0f;
    if (n >= LANES) {
      FloatVector acc0 = FloatVector.zero(SPECIES);
      FloatVector acc1 = FloatVector.zero(SPECIES);
      FloatVector acc2 = FloatVector.zero(SPECIES);
      FloatVector acc3 = FloatVector.zero(SPECIES);
      for (int bound = n - 4 * LANES; i <= bound; i += 4 * LANES) {
        acc0 = FloatVector.fromArray(SPECIES, a, ao + i)
            .fma(FloatVector.fromArray(SPECIES, b, bo + i), acc0);
        acc1 = FloatVector.fromArray(SPECIES, a, ao + i + LANES)
            .fma(FloatVector.fromArray(SPECIES, b, bo + i + LANES), acc1);
        acc2 = FloatVector.fromArray(SPECIES, a, ao + i + 2 * LANES)
            .fma(FloatVector.fromArray(SPECIES, b, bo + i + 2 * LANES), acc2);
        acc3 = FloatVector.fromArray(SPECIES, a, ao + i + 3 * LANES)
            .fma(FloatVector.fromArray(SPECIES, b, bo + i + 3 * LANES), acc3);
      }
      for (int bound = n - LANES; i <= bound; i += LANES) {
        acc0 = FloatVector.fromArray(SPECIES, a, ao + i)
            .fma(FloatVector.fromArray(SPECIES, b, bo + i), acc0);
      }
      sum = acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(VectorOperators.ADD);
    }
    for (; i < n; i++) {
      sum = Math.fma(a[ao + i], b[bo + i], sum);
    }
    return sum;
  }

  @Override
  public float cosine(float[] a, int ao, float[] b, int bo, int n) {
    int i = 0;
    float dot = 0f;
    float na = 0f;
    float nb = 0f;
    if (n >= LANES) {
      // Two sets of three accumulators: enough independent chains to hide FMA latency
      // without spilling registers.
      FloatVector dot0 = FloatVector.zero(SPECIES);
      FloatVector dot1 = FloatVector.zero(SPECIES);
      FloatVector na0 = FloatVector.zero(SPECIES);
      FloatVector na1 = FloatVector.zero(SPECIES);
      FloatVector nb0 = FloatVector.zero(SPECIES);
      FloatVector nb1 = FloatVector.zero(SPECIES);
      for (int bound = n - 2 * LANES; i <= bound; i += 2 * LANES) {
        FloatVector x0 = FloatVector.fromArray(SPECIES, a, ao + i);
        FloatVector y0 = FloatVector.fromArray(SPECIES, b, bo + i);
        FloatVector x1 = FloatVector.fromArray(SPECIES, a, ao + i + LANES);
        FloatVector y1 = FloatVector.fromArray(SPECIES, b, bo + i + LANES);
        dot0 = x0.fma(y0, dot0);
        na0 = x0.fma(x0, na0);
        nb0 = y0.fma(y0, nb0);
        dot1 = x1.fma(y1, dot1);
        na1 = x1.fma(x1, na1);
        nb1 = y1.fma(y1, nb1);
      }
      for (int bound = n - LANES; i <= bound; i += LANES) {
        FloatVector x0 = FloatVector.fromArray(SPECIES, a, ao + i);
        FloatVector y0 = FloatVector.fromArray(SPECIES, b, bo + i);
        dot0 = x0.fma(y0, dot0);
        na0 = x0.fma(x0, na0);
        nb0 = y0.fma(y0, nb0);
      }
      dot = dot0.add(dot1).reduceLanes(VectorOperators.ADD);
      na = na0.add(na1).reduceLanes(VectorOperators.ADD);
      nb = nb0.add(nb1).reduceLanes(VectorOperators.ADD);
    }
    for (; i < n; i++) {
      float x = a[ao + i];
      float y = b[bo + i];
      dot = Math.fma(x, y, dot);
      na = Math.fma(x, x, na);
      nb = Math.fma(y, y, nb);
    }
    return ScalarVectorKernels.cosineFromSums(dot, na, nb);
  }

  @Override
  public float squareDistance(float[] a, int ao, float[] b, int bo, int n) {
    int i = 0;
    float sum = 0f;
    if (n >= LANES) {
      FloatVector acc0 = FloatVector.zero(SPECIES);
      FloatVector acc1 = FloatVector.zero(SPECIES);
      FloatVector acc2 = FloatVector.zero(SPECIES);
      FloatVector acc3 = FloatVector.zero(SPECIES);
      for (int bound = n - 4 * LANES; i <= bound; i += 4 * LANES) {
        FloatVector d0 = FloatVector.fromArray(SPECIES, a, ao + i)
            .sub(FloatVector.fromArray(SPECIES, b, bo + i));
        FloatVector d1 = FloatVector.fromArray(SPECIES, a, ao + i + LANES)
            .sub(FloatVector.fromArray(SPECIES, b, bo + i + LANES));
        FloatVector d2 = FloatVector.fromArray(SPECIES, a, ao + i + 2 * LANES)
            .sub(FloatVector.fromArray(SPECIES, b, bo + i + 2 * LANES));
        FloatVector d3 = FloatVector.fromArray(SPECIES, a, ao + i + 3 * LANES)
            .sub(FloatVector.fromArray(SPECIES, b, bo + i + 3 * LANES));
        acc0 = d0.fma(d0, acc0);
        acc1 = d1.fma(d1, acc1);
        acc2 = d2.fma(d2, acc2);
        acc3 = d3.fma(d3, acc3);
      }
      for (int bound = n - LANES; i <= bound; i += LANES) {
        FloatVector d0 = FloatVector.fromArray(SPECIES, a, ao + i)
            .sub(FloatVector.fromArray(SPECIES, b, bo + i));
        acc0 = d0.fma(d0, acc0);
      }
      sum = acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(VectorOperators.ADD);
    }
    for (; i < n; i++) {
      float d = a[ao + i] - b[bo + i];
      sum = Math.fma(d, d, sum);
    }
    return sum;
  }

  @Override
  public float manhattan(float[] a, int ao, float[] b, int bo, int n) {
    int i = 0;
    float sum = 0f;
    if (n >= LANES) {
      FloatVector acc0 = FloatVector.zero(SPECIES);
      FloatVector acc1 = FloatVector.zero(SPECIES);
      FloatVector acc2 = FloatVector.zero(SPECIES);
      FloatVector acc3 = FloatVector.zero(SPECIES);
      for (int bound = n - 4 * LANES; i <= bound; i += 4 * LANES) {
        acc0 = acc0.add(FloatVector.fromArray(SPECIES, a, ao + i)
            .sub(FloatVector.fromArray(SPECIES, b, bo + i)).abs());
        acc1 = acc1.add(FloatVector.fromArray(SPECIES, a, ao + i + LANES)
            .sub(FloatVector.fromArray(SPECIES, b, bo + i + LANES)).abs());
        acc2 = acc2.add(FloatVector.fromArray(SPECIES, a, ao + i + 2 * LANES)
            .sub(FloatVector.fromArray(SPECIES, b, bo + i + 2 * LANES)).abs());
        acc3 = acc3.add(FloatVector.fromArray(SPECIES, a, ao + i + 3 * LANES)
            .sub(FloatVector.fromArray(SPECIES, b, bo + i + 3 * LANES)).abs());
      }
      for (int bound = n - LANES; i <= bound; i += LANES) {
        acc0 = acc0.add(FloatVector.fromArray(SPECIES, a, ao + i)
            .sub(FloatVector.fromArray(SPECIES, b, bo + i)).abs());
      }
      sum = acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(VectorOperators.ADD);
    }
    for (; i < n; i++) {
      sum += Math.abs(a[ao + i] - b[bo + i]);
    }
    return sum;
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
}
