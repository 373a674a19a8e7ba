package io.github.embeddings4j.core.zoo;

import java.util.concurrent.CountDownLatch;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The cores' single-precision FMA rate as a program reaches it: every core runs twelve
 * independent chains of vector fused multiply-adds on the widest vectors the JIT compiles (512
 * bits with AVX-512), enough to cover the FMA latency on two pipes. The CNN ceiling of the
 * measurement programs; needs {@code --add-modules jdk.incubator.vector}.
 */
final class FmaPeak {

  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

  private FmaPeak() {}

  /** Lanes per vector on this machine. */
  static int lanes() {
    return S.length();
  }

  /**
   * Measures the rate on every core at once.
   *
   * @param iterations loop trips per thread (each trip: 12 vector FMAs)
   * @return GFLOP/s (an FMA counts as two operations)
   */
  static double gflops(long iterations) throws InterruptedException {
    int threads = Runtime.getRuntime().availableProcessors();
    float[] sink = new float[threads];
    CountDownLatch start = new CountDownLatch(1);
    Thread[] ts = new Thread[threads];
    for (int t = 0; t < threads; t++) {
      int id = t;
      ts[t] = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          return;
        }
        sink[id] = chains(iterations);
      });
      ts[t].start();
    }
    long t0 = System.nanoTime();
    start.countDown();
    for (Thread t : ts) {
      t.join();
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    float keep = 0;
    for (float f : sink) {
      keep += f;
    }
    if (keep == 42.4242f) {
      System.out.print("");
    }
    return 2.0 * 12 * S.length() * iterations * threads / seconds / 1e9;
  }

  private static float chains(long iterations) {
    FloatVector m = FloatVector.broadcast(S, 0.999999f);
    FloatVector c = FloatVector.broadcast(S, 1e-7f);
    FloatVector a0 = FloatVector.broadcast(S, 1f);
    FloatVector a1 = a0;
    FloatVector a2 = a0;
    FloatVector a3 = a0;
    FloatVector a4 = a0;
    FloatVector a5 = a0;
    FloatVector a6 = a0;
    FloatVector a7 = a0;
    FloatVector a8 = a0;
    FloatVector a9 = a0;
    FloatVector a10 = a0;
    FloatVector a11 = a0;
    for (long i = 0; i < iterations; i++) {
      a0 = a0.fma(m, c);
      a1 = a1.fma(m, c);
      a2 = a2.fma(m, c);
      a3 = a3.fma(m, c);
      a4 = a4.fma(m, c);
      a5 = a5.fma(m, c);
      a6 = a6.fma(m, c);
      a7 = a7.fma(m, c);
      a8 = a8.fma(m, c);
      a9 = a9.fma(m, c);
      a10 = a10.fma(m, c);
      a11 = a11.fma(m, c);
    }
    return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9)
        .add(a10).add(a11).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
  }

  /**
   * The highest rate of several measurements, after a warm-up that lets the JIT compile the
   * loop as a whole method: measured cold, the first long call runs an on-stack-replaced loop
   * whose vectors may stay boxed, at a few percent of the peak.
   *
   * @param rounds measurements to take the highest of
   * @return GFLOP/s
   */
  static double best(int rounds) throws InterruptedException {
    float keep = 0;
    for (int i = 0; i < 2_000; i++) {
      keep += chains(2_000);
    }
    if (keep == 42.4242f) {
      System.out.print("");
    }
    double best = 0;
    for (int r = 0; r < rounds; r++) {
      best = Math.max(best, gflops(20_000_000));
    }
    return best;
  }

  /**
   * Prints the rate, after a warm-up.
   *
   * @param args unused
   * @throws InterruptedException if interrupted
   */
  public static void main(String[] args) throws InterruptedException {
    best(1);
    for (int i = 0; i < 5; i++) {
      System.out.printf(java.util.Locale.ROOT, "FMA peak: %.1f GFLOP/s (%d cores, %d lanes)%n",
          gflops(50_000_000), Runtime.getRuntime().availableProcessors(), lanes());
    }
  }
}
