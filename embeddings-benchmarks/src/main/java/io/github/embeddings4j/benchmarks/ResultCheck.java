package io.github.embeddings4j.benchmarks;

/** The once-per-trial correctness check every benchmark makes before it is timed. */
final class ResultCheck {

  private ResultCheck() {}

  /**
   * Fails the benchmark run when a kernel's result is wrong.
   *
   * @param what the benchmark and its parameters, for the message
   * @param expected the reference value
   * @param actual the measured kernel's value
   * @param relativeTolerance allowed error relative to {@code max(1, |expected|)}
   * @throws IllegalStateException if the values differ by more than the tolerance
   */
  static void requireClose(String what, double expected, double actual, double relativeTolerance) {
    double allowed = relativeTolerance * Math.max(1.0, Math.abs(expected));
    if (!(Math.abs(expected - actual) <= allowed)) {
      throw new IllegalStateException("wrong result from " + what + ": expected " + expected
          + " but the kernel gave " + actual + " (allowed error " + allowed + ")");
    }
  }
}
