package io.github.embeddings4j.gpu;

/**
 * How the GPU index keeps vectors in GPU memory. Every kind ranks candidates on the GPU and
 * measures the final distances exactly in float32 on the CPU, so the precision of storage
 * decides only how many candidates are needed to find the true nearest; {@link
 * GpuOptions#rerank(int)} sets that number.
 */
public enum Storage {

  /** 4 bytes per component; candidates = 2 x k by default. */
  FLOAT32(4, 2),
  /**
   * IEEE half precision, 2 bytes per component: half the memory and twice the speed of
   * float32 on memory-bound searches; components beyond +-65504 are refused. Candidates = 4 x
   * k by default.
   */
  FLOAT16(2, 4),
  /**
   * bfloat16, 2 bytes per component with float32's range and 8 bits of precision. Candidates =
   * 8 x k by default.
   */
  BFLOAT16(2, 8);

  private final int bytes;
  private final int defaultRerank;

  Storage(int bytes, int defaultRerank) {
    this.bytes = bytes;
    this.defaultRerank = defaultRerank;
  }

  /**
   * Bytes per component.
   *
   * @return 4 or 2
   */
  public int bytes() {
    return bytes;
  }

  /**
   * The candidates per neighbour asked for when {@link GpuOptions#rerank(int)} is not set.
   *
   * @return 2, 4 or 8
   */
  public int defaultRerank() {
    return defaultRerank;
  }
}
