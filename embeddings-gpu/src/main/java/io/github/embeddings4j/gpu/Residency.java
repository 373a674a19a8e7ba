package io.github.embeddings4j.gpu;

/** Whether the GPU index keeps all vectors in GPU memory or streams them from host memory. */
public enum Residency {
  /** In GPU memory when they fit in the budget, streamed otherwise (the default). */
  AUTO,
  /** Always in GPU memory; a collection that does not fit is an error naming the sizes. */
  RESIDENT,
  /**
   * Always streamed from host memory in blocks, each search reading every vector across the
   * bus once: for collections larger than the GPU's memory.
   */
  STREAMED
}
