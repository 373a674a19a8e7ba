package io.github.embeddings4j.core;

import io.github.embeddings4j.core.backend.NativeFlavour;
import org.junit.jupiter.api.extension.Extension;

/**
 * Makes this module's tests run on the native configuration users get: {@link
 * NativeFlavour#select()} (ND4J's build, OpenBLAS's kernels) before any test touches ND4J.
 * Registered through JUnit's extension auto-detection ({@code junit-platform.properties}), so
 * JUnit creates it when the engine starts, before the first test class is initialised. Without
 * it, whichever test used ND4J first decided, and a test that never called an embedder left
 * OpenBLAS on its own choice of kernels, which hid that one choice gave wrong eigenvectors.
 */
public final class NativeSetup implements Extension {

  static {
    NativeFlavour.select();
  }

  /** Called by JUnit's service loading. */
  public NativeSetup() {}
}
