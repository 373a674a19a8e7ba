package io.github.embeddings4j.core.eval;

/** Argument checks shared by the evaluations, with the values in the messages. */
final class Checks {

  private Checks() {}

  static void sameLength(String a, int na, String b, int nb) {
    if (na != nb) {
      throw new IllegalArgumentException(a + " and " + b + " differ in count: " + na + " != "
          + nb);
    }
  }

  static int classCount(int[] labels) {
    int max = -1;
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0) {
        throw new IllegalArgumentException("label at " + i + " is negative: " + labels[i]);
      }
      max = Math.max(max, labels[i]);
    }
    return max + 1;
  }
}
