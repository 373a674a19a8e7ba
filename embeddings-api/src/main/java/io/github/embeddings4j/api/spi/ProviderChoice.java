package io.github.embeddings4j.api.spi;

import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.logging.Level;
import java.util.logging.Logger;

/** The lazy, thread-safe, once-only choice behind {@link VectorKernels#provider()}. */
final class ProviderChoice {

  static final VectorKernels CHOSEN = choose();

  private ProviderChoice() {}

  private static VectorKernels choose() {
    String forced = System.getProperty(VectorKernels.PROVIDER_PROPERTY, "").trim();
    VectorKernels best = ScalarVectorKernels.INSTANCE;
    StringBuilder seen = new StringBuilder(best.name());
    ServiceLoader<VectorKernels> loader =
        ServiceLoader.load(VectorKernels.class, VectorKernels.class.getClassLoader());
    for (var it = loader.iterator(); ; ) {
      VectorKernels candidate;
      try {
        if (!it.hasNext()) {
          break;
        }
        candidate = it.next();
      } catch (ServiceConfigurationError | LinkageError e) {
        Logger.getLogger(VectorKernels.class.getName()).log(Level.FINE,
            "skipping a vector kernel provider that could not be loaded", e);
        continue;
      }
      seen.append(", ").append(candidate.name());
      if (forced.isEmpty() ? candidate.priority() > best.priority()
          : candidate.name().equals(forced)) {
        best = candidate;
      }
    }
    if (!forced.isEmpty() && !best.name().equals(forced)) {
      throw new IllegalStateException("-D" + VectorKernels.PROVIDER_PROPERTY + "=" + forced
          + " names no available vector kernel provider; available: " + seen);
    }
    return best;
  }
}
