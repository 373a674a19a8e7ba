package io.github.embeddings4j.gpu;

import java.util.Locale;

/**
 * How one search lays out GPU memory: whether the vectors stay on the GPU or stream through it,
 * how many rows one matrix product scores, how many queries' candidates are held at once, and
 * the bytes of each buffer. Pure arithmetic, so it is tested without a GPU.
 *
 * @param resident whether the vectors stay in GPU memory
 * @param rowBlock rows scored by one matrix product (and rows per streamed chunk)
 * @param queryBatch queries per matrix product
 * @param superBatch queries whose candidates are held on the GPU at once (a multiple of
 *     queryBatch, or all queries)
 * @param partsPerBlock parts each query's scores of one row block are split into, one thread
 *     block each, so that few queries still fill the GPU
 * @param matrixBytes GPU bytes of the resident vectors (0 when streamed)
 * @param workingBytes GPU bytes of everything else: row terms, queries, scores, candidates and,
 *     when streamed, the chunk buffers
 * @param budgetBytes the GPU memory the index may use in all
 */
record MemoryPlan(boolean resident, int rowBlock, int queryBatch, int superBatch,
    int partsPerBlock, long matrixBytes, long workingBytes, long budgetBytes) {

  /** GPU memory left to the driver, cuBLAS's workspace and other programs. */
  static final long RESERVE_BYTES = 512L << 20;
  /** The most threads any GPU CUDA 13 supports holds at once per multiprocessor. */
  static final int MAX_THREADS_PER_SM = 2048;
  /** Most bytes of one block of scores (query batch x row block floats). */
  static final long MAX_SCORE_BYTES = 1L << 30;
  /** Most bytes of the candidates held for a super-batch of queries. */
  static final long MAX_CANDIDATE_BYTES = 512L << 20;
  /** Most bytes of one streamed chunk in float32 (also the size of each pinned host buffer). */
  static final long MAX_CHUNK_BYTES = 128L << 20;
  /** Threads per block of the selection kernel; each thread should see a few rows. */
  static final int THREADS = 256;

  /**
   * Plans a search.
   *
   * @param rows the stored vectors
   * @param dimension their length
   * @param storage how they are kept
   * @param candidates candidates per query per part
   * @param queries the number of queries of the search
   * @param options the residency, the query batch and the memory limit
   * @param freeBytes the GPU memory free now
   * @param multiprocessors the GPU's streaming multiprocessors
   * @return the plan
   * @throws GpuException if it cannot fit, naming the sizes and what would fit
   */
  static MemoryPlan plan(int rows, int dimension, Storage storage, int candidates, int queries,
      GpuOptions options, long freeBytes, int multiprocessors) {
    long reserve = RESERVE_BYTES + localMemoryBytes(candidates, multiprocessors);
    long budget = Math.max(0, freeBytes - reserve);
    if (options.memoryLimitBytes() > 0) {
      budget = Math.min(budget, options.memoryLimitBytes());
    }
    int qBatch = Math.max(1, Math.min(options.queryBatch(), queries));
    long matrix = (long) rows * dimension * storage.bytes();
    long rowTerms = 4L * rows;
    if (options.residency() != Residency.STREAMED) {
      MemoryPlan p = working(true, rows, rows, dimension, storage, candidates, queries, qBatch,
          budget - matrix - rowTerms, multiprocessors, matrix);
      if (p != null && matrix + p.workingBytes() <= budget) {
        return p.withBudget(budget);
      }
      if (options.residency() == Residency.RESIDENT) {
        throw new GpuException(String.format(Locale.ROOT, "%,d x %d %s vectors need %s of GPU"
            + " memory plus %s of buffers; %s may be used (%s free%s, %s kept in reserve): use"
            + " Residency.AUTO or STREAMED to stream them from host memory, a smaller storage,"
            + " or a larger memory limit", rows, dimension, name(storage), gib(matrix),
            gib(p == null ? minimumWorking(rows, dimension, storage, candidates) :
                p.workingBytes()), gib(budget), gib(freeBytes),
            options.memoryLimitBytes() > 0 ? ", limit " + gib(options.memoryLimitBytes()) : "",
            gib(reserve)));
      }
    }
    long perRow = 4L * dimension + (storage == Storage.FLOAT32 ? 0 : (long) storage.bytes()
        * dimension);
    int chunk = (int) Math.max(1, Math.min(rows, MAX_CHUNK_BYTES / (4L * dimension)));
    // Shrink the chunk until chunk, scores and candidates fit.
    while (true) {
      MemoryPlan p = working(false, rows, chunk, dimension, storage, candidates, queries, qBatch,
          budget - rowTerms - perRow * chunk, multiprocessors, 0);
      if (p != null && p.workingBytes() <= budget) {
        return p.withBudget(budget);
      }
      if (chunk <= THREADS) {
        throw new GpuException(String.format(Locale.ROOT, "even streamed, searching %,d x %d"
            + " %s vectors needs about %s of GPU memory; %s may be used (%s free%s): free GPU"
            + " memory or raise the memory limit", rows, dimension, name(storage),
            gib(rowTerms + perRow * chunk + minimumWorking(chunk, dimension, storage,
                candidates)), gib(budget), gib(freeBytes),
            options.memoryLimitBytes() > 0 ? ", limit " + gib(options.memoryLimitBytes())
                : ""));
      }
      chunk = Math.max(THREADS, chunk / 2);
    }
  }

  /**
   * The local memory the driver sets aside when the selection kernel is launched: each
   * thread's candidate lists (a float and an int per entry, {@code KMAX} entries) for every
   * thread the GPU can hold at once. 66 MiB for lists of 32 on an H200's 132 multiprocessors,
   * 2.06 GiB for lists of 1,024.
   */
  static long localMemoryBytes(int candidates, int multiprocessors) {
    int list = Kernels.listSize(Math.max(1, Math.min(candidates, Kernels.MAX_CANDIDATES)));
    return 8L * list * MAX_THREADS_PER_SM * multiprocessors;
  }

  /**
   * The buffers of a search whose row blocks hold at most {@code blockRows} rows, fitted into
   * {@code room} bytes; null if even the smallest do not fit.
   */
  private static MemoryPlan working(boolean resident, int rows, int blockRows, int dimension,
      Storage storage, int candidates, int queries, int qBatch, long room, int multiprocessors,
      long matrixBytes) {
    if (room <= 0) {
      return null;
    }
    long scoreRoom = Math.min(MAX_SCORE_BYTES, room / 4);
    int rowBlock = (int) Math.max(1, Math.min(blockRows, scoreRoom / (4L * qBatch)));
    int blocks = (int) ((rows + (long) rowBlock - 1) / rowBlock);
    // Enough thread blocks to fill the GPU twice over, but each one scanning at least
    // 8 rows per thread.
    int parts = (int) Math.max(1, Math.min((2L * multiprocessors + qBatch - 1) / qBatch,
        rowBlock / (8L * THREADS)));
    long perQueryCandidates = (long) blocks * parts * candidates * 8;
    long candidateRoom = Math.min(MAX_CANDIDATE_BYTES, room / 4);
    long superBatch = Math.min(queries, candidateRoom / Math.max(1, perQueryCandidates));
    if (superBatch < 1) {
      return null;
    }
    if (superBatch < queries) {
      if (superBatch >= qBatch) {
        superBatch = superBatch / qBatch * qBatch;
      } else {
        qBatch = (int) superBatch;
      }
    }
    long extra = storage == Storage.FLOAT32 ? 0 : storage.bytes();
    long queryBytes = superBatch * dimension * (4L + extra) + 4L * superBatch;
    long scoreBytes = 4L * qBatch * rowBlock;
    long buffers = queryBytes + scoreBytes + superBatch * perQueryCandidates;
    if (buffers > room) {
      return null;
    }
    long working = 4L * rows + buffers
        + (resident ? 0 : (long) rowBlock * dimension * (4L + extra));
    return new MemoryPlan(resident, rowBlock, qBatch, (int) superBatch, parts, matrixBytes,
        working, 0);
  }

  /** The least working memory any plan needs: one query's buffers over a small block. */
  private static long minimumWorking(int rows, int dimension, Storage storage, int candidates) {
    int block = Math.min(rows, THREADS);
    return 4L * rows + 8L * dimension + 4L * block + 8L * candidates
        * ((rows + (long) block - 1) / block);
  }

  private static String name(Storage storage) {
    return storage.name().toLowerCase(Locale.ROOT);
  }

  /** Bytes in GiB with two decimals, or MiB below 1 GiB. */
  static String gib(long bytes) {
    return bytes >= (1L << 30) ? String.format(Locale.ROOT, "%.2f GiB", bytes / 1073741824.0)
        : String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
  }

  private MemoryPlan withBudget(long budget) {
    return new MemoryPlan(resident, rowBlock, queryBatch, superBatch, partsPerBlock, matrixBytes,
        workingBytes, budget);
  }

  /**
   * Rows the resident matrix may hold: {@code rows} and up to an eighth more (at least 1,024)
   * for vectors added later, as far as the budget allows.
   */
  long residentCapacity(int rows, long rowBytes) {
    long spare = (budgetBytes - workingBytes - matrixBytes) / Math.max(1, rowBytes);
    return rows + Math.max(0, Math.min(Math.max(rows / 8, 1024), spare));
  }

  /** Number of row blocks. */
  int blocks(int rows) {
    return (int) ((rows + (long) rowBlock - 1) / rowBlock);
  }
}
