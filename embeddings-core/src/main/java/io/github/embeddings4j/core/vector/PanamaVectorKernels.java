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
}
