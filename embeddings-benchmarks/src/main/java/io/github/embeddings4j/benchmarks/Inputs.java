package io.github.embeddings4j.benchmarks;

import io.github.embeddings4j.api.spi.ScalarVectorKernels;
import io.github.embeddings4j.api.spi.VectorKernels;
import java.util.ServiceLoader;
import java.util.SplittableRandom;

/** Seeded inputs and the kernel providers the benchmarks compare. */
final class Inputs {

  private Inputs() {}

  /**
   * Uniform random floats in [-1, 1).
   *
   * @param n how many
   * @param seed the seed
   * @return the array
   */
  static float[] floats(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextDouble(-1, 1);
    }
    return v;
  }

  /**
   * Fills an array with uniform random floats in [-1, 1), from 24 random bits each: cheaper
   * than {@link #floats} for the hundreds of millions of values of a large index.
   *
   * @param v the array to fill
   * @param r the generator
   */
  static void fill(float[] v, SplittableRandom r) {
    for (int i = 0; i < v.length; i++) {
      v[i] = (r.nextInt() >> 8) * 0x1p-23f;
    }
  }

  /**
   * Random packed codes of {@code bits} bits (the last word's unused bits zero).
   *
   * @param bits code length
   * @param seed the seed
   * @return {@code ceil(bits / 64)} words
   */
  static long[] code(int bits, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    long[] c = new long[(bits + 63) / 64];
    for (int i = 0; i < c.length; i++) {
      c[i] = r.nextLong();
    }
    if (bits % 64 != 0) {
      c[c.length - 1] &= (1L << (bits % 64)) - 1;
    }
    return c;
  }

  /**
   * A kernel provider by name: {@code scalar} is the API's reference; any other name is looked
   * up with {@link ServiceLoader}, so a missing provider (say, the Vector API path without
   * {@code --add-modules jdk.incubator.vector}) fails the run instead of measuring another one.
   *
   * @param name the provider's name
   * @return the provider
   * @throws IllegalStateException if no provider has that name
   */
  static VectorKernels kernels(String name) {
    if (name.equals("scalar")) {
      return ScalarVectorKernels.INSTANCE;
    }
    for (VectorKernels k : ServiceLoader.load(VectorKernels.class)) {
      if (k.name().equals(name)) {
        return k;
      }
    }
    throw new IllegalStateException("no vector kernel provider named '" + name
        + "' (for 'panama' run the JVM with --add-modules jdk.incubator.vector)");
  }
}
