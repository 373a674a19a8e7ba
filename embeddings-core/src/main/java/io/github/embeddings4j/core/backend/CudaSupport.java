package io.github.embeddings4j.core.backend;

/**
 * Which NVIDIA GPUs ND4J 1.0.0-M2.1's CUDA backend can run on. Its native library was compiled
 * for CUDA 11.6 with machine code (SASS) up to compute capability 8.6 and without PTX, which a
 * newer GPU's driver could otherwise compile: a GPU outside that range fails at the first kernel
 * launch ("no kernel image is available for execution on the device").
 */
final class CudaSupport {

  /** The newest compute capability with kernels in {@code nd4j-cuda-11.6}: 8.6 (Ampere). */
  public static final int MAX_MAJOR = 8;
  /** The minor part of {@link #MAX_MAJOR}'s limit. */
  public static final int MAX_MINOR = 6;
  /** The oldest compute capability CUDA 11.6 compiles for: 3.5 (Kepler). */
  public static final int MIN_MAJOR = 3;
  /** The minor part of {@link #MIN_MAJOR}'s limit. */
  public static final int MIN_MINOR = 5;

  private CudaSupport() {}

  /**
   * Whether a GPU of this compute capability can run the backend.
   *
   * @param major the major version, e.g. 8 for an A100 (8.0) or 9 for an H100 (9.0)
   * @param minor the minor version
   * @return {@code true} from 3.5 to 8.6 inclusive
   * @throws IllegalArgumentException if a number is negative
   */
  public static boolean canRun(int major, int minor) {
    if (major < 0 || minor < 0) {
      throw new IllegalArgumentException(
          "compute capability must not be negative: " + major + "." + minor);
    }
    int cc = major * 10 + Math.min(minor, 9);
    return cc >= MIN_MAJOR * 10 + MIN_MINOR && cc <= MAX_MAJOR * 10 + MAX_MINOR;
  }

  /**
   * Why a GPU of this compute capability can or cannot be used, in one sentence for logs and
   * the command-line tool.
   *
   * @param gpuName the GPU's name, e.g. "NVIDIA H200"
   * @param major the major version
   * @param minor the minor version
   * @return the verdict with its reason
   */
  public static String verdict(String gpuName, int major, int minor) {
    String cc = major + "." + minor;
    if (canRun(major, minor)) {
      return gpuName + " (compute capability " + cc + ") is supported by nd4j-cuda-11.6";
    }
    if (major * 10 + Math.min(minor, 9) > MAX_MAJOR * 10 + MAX_MINOR) {
      return gpuName + " (compute capability " + cc + ") is newer than nd4j-cuda-11.6 supports"
          + " (kernels up to " + MAX_MAJOR + "." + MAX_MINOR + ", no PTX): use the CPU backend";
    }
    return gpuName + " (compute capability " + cc + ") is older than CUDA 11.6 supports"
        + " (from " + MIN_MAJOR + "." + MIN_MINOR + "): use the CPU backend";
  }
}
