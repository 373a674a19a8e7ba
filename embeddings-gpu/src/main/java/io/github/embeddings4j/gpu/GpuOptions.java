package io.github.embeddings4j.gpu;

import java.util.Objects;

/**
 * How a {@link GpuFlatIndex} uses the GPU. Immutable: each method returns a copy with one
 * setting changed.
 *
 * <pre>{@code
 * GpuOptions options = GpuOptions.defaults()
 *     .storage(Storage.FLOAT16)      // half the memory, candidates measured again in float32
 *     .fallbackToCpu(true);          // no GPU: search on the CPU instead of throwing
 * }</pre>
 *
 * @param storage how vectors are kept in GPU memory (default {@link Storage#FLOAT32})
 * @param rerank candidates per neighbour measured exactly on the CPU; 0 (default) for the
 *     storage's {@link Storage#defaultRerank()}
 * @param residency resident, streamed or chosen by size (default {@link Residency#AUTO})
 * @param device the CUDA device number (default 0)
 * @param memoryLimitBytes the most GPU memory the index may use; 0 (default) for what is free
 *     less a reserve of 512 MiB
 * @param queryBatch queries per matrix product (default 1024)
 * @param fallbackToCpu search on the CPU when no GPU can be used, logging why once, instead of
 *     throwing {@link GpuUnavailableException} (default false)
 */
public record GpuOptions(Storage storage, int rerank, Residency residency, int device,
    long memoryLimitBytes, int queryBatch, boolean fallbackToCpu) {

  /**
   * Checks the settings.
   *
   * @param storage how vectors are kept
   * @param rerank candidates per neighbour, 0 for the default
   * @param residency resident, streamed or automatic
   * @param device the CUDA device number
   * @param memoryLimitBytes the GPU memory limit, 0 for none
   * @param queryBatch queries per matrix product
   * @param fallbackToCpu whether to search on the CPU without a GPU
   * @throws IllegalArgumentException if a number is out of range, naming it
   */
  public GpuOptions {
    Objects.requireNonNull(storage, "storage");
    Objects.requireNonNull(residency, "residency");
    if (rerank < 0 || rerank > 64) {
      throw new IllegalArgumentException("rerank must be 0 (the storage's default) to 64: "
          + rerank);
    }
    if (device < 0) {
      throw new IllegalArgumentException("device must be >= 0: " + device);
    }
    if (memoryLimitBytes < 0) {
      throw new IllegalArgumentException("memoryLimitBytes must be >= 0 (0 for no limit): "
          + memoryLimitBytes);
    }
    if (queryBatch < 1 || queryBatch > 65536) {
      throw new IllegalArgumentException("queryBatch must be 1 to 65536: " + queryBatch);
    }
  }

  /**
   * The defaults: float32, automatic residency, GPU 0, no memory limit, 1,024 queries per
   * product, no CPU fallback.
   *
   * @return the default options
   */
  public static GpuOptions defaults() {
    return new GpuOptions(Storage.FLOAT32, 0, Residency.AUTO, 0, 0, 1024, false);
  }

  /**
   * With another storage.
   *
   * @param storage how vectors are kept in GPU memory
   * @return the changed copy
   */
  public GpuOptions storage(Storage storage) {
    return new GpuOptions(storage, rerank, residency, device, memoryLimitBytes, queryBatch,
        fallbackToCpu);
  }

  /**
   * With another number of candidates per neighbour: a search for k neighbours measures
   * {@code rerank * k} candidates exactly.
   *
   * @param rerank 1 to 64, or 0 for the storage's default
   * @return the changed copy
   */
  public GpuOptions rerank(int rerank) {
    return new GpuOptions(storage, rerank, residency, device, memoryLimitBytes, queryBatch,
        fallbackToCpu);
  }

  /**
   * With another residency.
   *
   * @param residency resident, streamed or automatic
   * @return the changed copy
   */
  public GpuOptions residency(Residency residency) {
    return new GpuOptions(storage, rerank, residency, device, memoryLimitBytes, queryBatch,
        fallbackToCpu);
  }

  /**
   * With another GPU.
   *
   * @param device the CUDA device number
   * @return the changed copy
   */
  public GpuOptions device(int device) {
    return new GpuOptions(storage, rerank, residency, device, memoryLimitBytes, queryBatch,
        fallbackToCpu);
  }

  /**
   * With a limit on the GPU memory the index uses (vectors, buffers and all).
   *
   * @param bytes the limit, or 0 for what is free
   * @return the changed copy
   */
  public GpuOptions memoryLimitBytes(long bytes) {
    return new GpuOptions(storage, rerank, residency, device, bytes, queryBatch, fallbackToCpu);
  }

  /**
   * With another number of queries per matrix product.
   *
   * @param queries 1 to 65536
   * @return the changed copy
   */
  public GpuOptions queryBatch(int queries) {
    return new GpuOptions(storage, rerank, residency, device, memoryLimitBytes, queries,
        fallbackToCpu);
  }

  /**
   * With or without the CPU fallback.
   *
   * @param fallback true to search on the CPU when no GPU can be used
   * @return the changed copy
   */
  public GpuOptions fallbackToCpu(boolean fallback) {
    return new GpuOptions(storage, rerank, residency, device, memoryLimitBytes, queryBatch,
        fallback);
  }

  /**
   * The candidates per neighbour in effect.
   *
   * @return {@link #rerank()}, or the storage's default when that is 0
   */
  public int effectiveRerank() {
    return rerank == 0 ? storage.defaultRerank() : rerank;
  }
}
