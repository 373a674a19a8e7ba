package io.github.embeddings4j.gpu;

/**
 * No GPU can be used: the CUDA libraries are missing, the driver is too old or absent, or there
 * is no such device. The message says which, and what to install or choose instead; {@link
 * GpuOptions#fallbackToCpu(boolean)} searches on the CPU instead of throwing this.
 */
public class GpuUnavailableException extends IllegalStateException {

  private static final long serialVersionUID = 1L;

  /**
   * An exception with the reason.
   *
   * @param message why no GPU can be used, and what to do
   * @param cause the error from the CUDA libraries, or null
   */
  public GpuUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
