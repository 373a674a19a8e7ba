package io.github.embeddings4j.benchmarks;

import io.github.embeddings4j.core.backend.NativeFlavour;

/**
 * Facts a benchmark learns while it sets up (the FLOPs of a network, the ND4J build in use),
 * printed as one line each so that the report script finds them in the run's log: JMH copies
 * every fork's output into the log, and its JSON holds only scores and parameters.
 */
final class Facts {

  /** The prefix the report script looks for. */
  static final String PREFIX = "embeddings4j-fact: ";

  private Facts() {}

  /**
   * Prints one fact.
   *
   * @param key a dotted name, e.g. {@code flops.RESNET50}
   * @param value its value
   */
  static void note(String key, Object value) {
    System.out.println(PREFIX + key + "=" + value);
    System.out.flush();
  }

  /**
   * Chooses ND4J's fastest native build for this CPU before ND4J loads, as the SDK's embedders
   * do, so that the limits and the peers run on the same build as our own code. Without this a
   * benchmark that touches ND4J first would get the plain build, about half as fast.
   */
  static void nativeBuild() {
    String chosen = NativeFlavour.select();
    if (!nativeBuildNoted) {
      nativeBuildNoted = true;
      // What JavaCPP really loaded (it can differ from the property): touch ND4J once.
      org.nd4j.linalg.factory.Nd4j.getBackend();
      String loaded = NativeFlavour.loadedFlavour();
      String f = loaded != null ? loaded : chosen;
      note("nd4j.nativeFlavour", f.isEmpty() ? "plain" : f.substring(1));
    }
  }

  private static boolean nativeBuildNoted;
}
