package io.github.embeddings4j.cuda;

import org.nd4j.linalg.factory.Nd4j;

/** ND4J without embeddings4j's choice, to document what it does on its own. */
final class Nd4jAloneProbe {
  public static void main(String[] args) {
    System.out.println("nd4j=" + Nd4j.getBackend().getClass().getSimpleName());
    System.out.println("sum=" + Nd4j.ones(3, 3).sumNumber());
  }
}
