package io.github.embeddings4j.gpu;

/**
 * A CUDA, cuBLAS or NVRTC call failed while a GPU was in use, or the GPU has too little memory
 * for what was asked; the message names the call or the sizes.
 */
public class GpuException extends IllegalStateException {

  private static final long serialVersionUID = 1L;

  /**
   * An exception with its message.
   *
   * @param message what failed
   */
  public GpuException(String message) {
    super(message);
  }
}
