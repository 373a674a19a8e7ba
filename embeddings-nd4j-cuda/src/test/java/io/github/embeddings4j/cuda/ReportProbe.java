package io.github.embeddings4j.cuda;

import io.github.embeddings4j.api.BackendReport;
import io.github.embeddings4j.core.backend.Backends;
import org.nd4j.linalg.factory.Nd4j;

/** Prints the backend report as key=value lines; exit 2 when the backend is refused. */
final class ReportProbe {
  public static void main(String[] args) {
    BackendReport r;
    try {
      r = Backends.report();
    } catch (IllegalStateException e) {
      System.err.println("refused: " + e.getMessage());
      System.exit(2);
      return;
    }
    System.out.println("backend=" + r.backend());
    System.out.println("nd4j=" + Nd4j.getBackend().getClass().getSimpleName());
    System.out.println("reason=" + r.reason());
    System.out.println("sum=" + Nd4j.ones(3, 3).sumNumber());
  }
}
