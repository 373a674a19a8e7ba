package io.github.embeddings4j.core.backend;

import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes ND4J's bundled OpenBLAS use the matrix kernels the CPU can run, before the library loads.
 *
 * <p>ND4J 1.0.0-M2.1 bundles OpenBLAS 0.3.19 (JavaCPP's {@code openblas} 0.3.19-1.5.7), built for
 * all x86-64 cores, which picks its kernels from the CPU's family and model number when it loads.
 * CPUs newer than that release are not in its table and get the fallback, the SSE3 kernels of
 * 2004's Prescott: on this project's development machine (Xeon, family 6 model 207, AVX-512),
 * ND4J's SGEMM ran at 36 GFLOP/s with {@code sgemm_kernel_PRESCOTT}, at 113 GFLOP/s with the
 * Haswell kernels. OpenBLAS takes a core name from the environment variable {@value #ENV}, read
 * when the library loads; Java cannot set environment variables, so this class calls the C
 * library's {@code setenv} through JNA (which ND4J already brings) before ND4J's first use.
 *
 * <p>What it sets is decided from the CPU's flags ({@link #choose}): {@code Haswell} with AVX2
 * and FMA (AVX-512 CPUs included), nothing otherwise. Not {@code SkylakeX}: under those kernels
 * OpenBLAS 0.3.19's {@code dsyevd} returned wrong eigenvectors on this machine (its SGEMM was
 * right, and 1.8x faster than Haswell's: 205 against 113 GFLOP/s on 2 cores). It never
 * overrides: a {@value #ENV} already in the environment wins, and {@code
 * -D}{@value #PROPERTY}{@code =off} turns it off ({@code =Haswell} or another OpenBLAS core name
 * forces that core). {@link NativeFlavour#select()} calls it; {@link #loaded()} says which core
 * OpenBLAS runs once ND4J is up.
 */
final class OpenBlasCore {

  /** OpenBLAS's environment variable for its kernels. */
  public static final String ENV = "OPENBLAS_CORETYPE";

  /** This SDK's switch: {@code auto} (default), {@code off}, or an OpenBLAS core name. */
  public static final String PROPERTY = "embeddings4j.openblasCore";

  private static final Logger LOG = LoggerFactory.getLogger(OpenBlasCore.class);

  private static volatile String applied;

  private OpenBlasCore() {}

  /**
   * The core to ask for, without side effects.
   *
   * @param flags the CPU's flags, lower case ({@code /proc/cpuinfo})
   * @param property the value of {@value #PROPERTY}, or null
   * @param env the value of {@value #ENV} in the environment, or null
   * @return the core name to set, or null to leave OpenBLAS alone
   */
  static String choose(Set<String> flags, String property, String env) {
    if (env != null && !env.isBlank()) {
      return null;
    }
    String p = property == null ? "auto" : property.trim();
    if (p.equalsIgnoreCase("off")) {
      return null;
    }
    if (!p.equalsIgnoreCase("auto") && !p.isEmpty()) {
      return p;
    }
    // Haswell's kernels also on AVX-512 CPUs: OpenBLAS 0.3.19's SkylakeX kernels multiply
    // correctly (SGEMM 1.8x faster than Haswell's here) but its LAPACK dsyevd returned wrong
    // eigenvectors under them (relative residual 0.5-0.8 at n = 100 to 784, 1e-15 with
    // Haswell's), which PCA relies on. SkylakeX only when asked for by name.
    if (flags.containsAll(Set.of("avx2", "fma"))) {
      return "Haswell";
    }
    return null;
  }

  /**
   * Sets {@value #ENV} for this process if {@link #choose} says so. Must run before OpenBLAS
   * loads (before ND4J's first use); later it has no effect.
   *
   * @param flags the CPU's flags
   */
  static void applyBeforeLoad(Set<String> flags) {
    String core = choose(flags, System.getProperty(PROPERTY), System.getenv(ENV));
    if (core == null) {
      LOG.debug("OpenBLAS core left to OpenBLAS ({}={}, {}={})", ENV, System.getenv(ENV),
          PROPERTY, System.getProperty(PROPERTY));
      return;
    }
    try {
      if (NativeEnv.set(ENV, core)) {
        applied = core;
        LOG.debug("{}={} set for ND4J's OpenBLAS (CPU flags; -D{}=off leaves it alone)", ENV,
            core, PROPERTY);
      } else {
        LOG.warn("could not set {}={}; OpenBLAS picks its own kernels", ENV, core);
      }
    } catch (RuntimeException | LinkageError e) {
      LOG.warn("could not set {}={} ({}); OpenBLAS picks its own kernels", ENV, core,
          e.toString());
    }
  }

  /**
   * The core name this class set, if it set one.
   *
   * @return e.g. {@code "SkylakeX"}, or null
   */
  public static String applied() {
    return applied;
  }

  /**
   * The kernels OpenBLAS runs, from its {@code openblas_get_corename()}, once ND4J has loaded it.
   *
   * @return the core name in lower case (e.g. {@code "skylakex"}, {@code "prescott"}), or null
   *     when OpenBLAS is not loaded or does not export the function
   */
  public static String loaded() {
    try {
      org.bytedeco.javacpp.Pointer symbol =
          org.bytedeco.javacpp.Loader.addressof("openblas_get_corename");
      long address = symbol == null ? 0 : symbol.address();
      if (address == 0) {
        return null;
      }
      String name = com.sun.jna.Function.getFunction(new com.sun.jna.Pointer(address))
          .invokeString(new Object[0], false);
      return name == null ? null : name.trim().toLowerCase(Locale.ROOT);
    } catch (RuntimeException | LinkageError e) {
      LOG.debug("cannot ask OpenBLAS for its core: {}", e.toString());
      return null;
    }
  }
}
