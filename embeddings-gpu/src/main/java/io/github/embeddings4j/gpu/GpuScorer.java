package io.github.embeddings4j.gpu;

import static org.bytedeco.cuda.global.cublas.CUBLAS_COMPUTE_32F;
import static org.bytedeco.cuda.global.cublas.CUBLAS_GEMM_DEFAULT;
import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_N;
import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_T;
import static org.bytedeco.cuda.global.cublas.cublasCreate_v2;
import static org.bytedeco.cuda.global.cublas.cublasDestroy_v2;
import static org.bytedeco.cuda.global.cublas.cublasGemmEx;
import static org.bytedeco.cuda.global.cublas.cublasSetStream_v2;
import static org.bytedeco.cuda.global.cublas.cublasSgemm_v2;
import static org.bytedeco.cuda.global.cudart.CUDA_R_16BF;
import static org.bytedeco.cuda.global.cudart.CUDA_R_16F;
import static org.bytedeco.cuda.global.cudart.CUDA_R_32F;
import static org.bytedeco.cuda.global.cudart.cudaErrorMemoryAllocation;
import static org.bytedeco.cuda.global.cudart.cudaEventCreateWithFlags;
import static org.bytedeco.cuda.global.cudart.cudaEventDestroy;
import static org.bytedeco.cuda.global.cudart.cudaEventDisableTiming;
import static org.bytedeco.cuda.global.cudart.cudaEventRecord;
import static org.bytedeco.cuda.global.cudart.cudaEventSynchronize;
import static org.bytedeco.cuda.global.cudart.cudaFree;
import static org.bytedeco.cuda.global.cudart.cudaFreeHost;
import static org.bytedeco.cuda.global.cudart.cudaMalloc;
import static org.bytedeco.cuda.global.cudart.cudaMallocHost;
import static org.bytedeco.cuda.global.cudart.cudaMemGetInfo;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyAsync;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyDeviceToHost;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyHostToDevice;
import static org.bytedeco.cuda.global.cudart.cudaSetDevice;
import static org.bytedeco.cuda.global.cudart.cudaStreamCreateWithFlags;
import static org.bytedeco.cuda.global.cudart.cudaStreamDestroy;
import static org.bytedeco.cuda.global.cudart.cudaStreamNonBlocking;
import static org.bytedeco.cuda.global.cudart.cudaStreamSynchronize;

import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.core.search.CandidateSource;
import io.github.embeddings4j.core.vector.VectorMath;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import org.bytedeco.cuda.cublas.cublasContext;
import org.bytedeco.cuda.cudart.CUevent_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.SizeTPointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The GPU half of a {@link GpuFlatIndex}: keeps the index's vectors (or streams them) on one
 * GPU, scores every row against a batch of queries with a cuBLAS matrix product, selects each
 * query's nearest rows with {@code select.cu}'s kernel, and hands those rows to the {@link
 * io.github.embeddings4j.core.search.FlatIndex}, which measures them exactly.
 *
 * <p>All GPU work of one index runs under one lock, on one stream.
 */
final class GpuScorer implements CandidateSource, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(GpuScorer.class);
  /** The largest finite float16. */
  static final float FLOAT16_MAX = 65504f;

  private final GpuOptions options;
  private final GpuDevice device;
  private final int metricCode;
  private final int sm;
  private final int multiprocessors;
  private final ReentrantLock lock = new ReentrantLock();
  private final cublasContext blas = new cublasContext();
  private final CUstream_st stream = new CUstream_st();
  private final Map<Integer, Kernels.Loaded> kernels = new HashMap<>();
  private final Map<String, Buffer> buffers = new HashMap<>();
  private final FloatPointer one = new FloatPointer(1f);
  private final FloatPointer zero = new FloatPointer(0f);
  /** Two pinned host buffers of MAX_CHUNK_BYTES for uploads, alternating, each with an event. */
  private final Pointer[] pinned = new Pointer[2];
  private final CUevent_st[] pinnedFree = {new CUevent_st(), new CUevent_st()};
  private int nextPinned;
  private float[] hostChunk;
  private int residentRows;
  private int termRows;
  /** The index's removal count when the resident rows and terms were copied. */
  private long copiedGeneration;
  private boolean closed;
  private boolean loggedTooManyCandidates;
  /** Nanoseconds all calls of {@link #candidates} spent holding the GPU, for benchmarks. */
  final java.util.concurrent.atomic.AtomicLong candidateNanos =
      new java.util.concurrent.atomic.AtomicLong();

  /** One device allocation. */
  private record Buffer(Pointer pointer, long bytes) {
    long address() {
      return pointer.address();
    }
  }

  /**
   * Opens the GPU: a cuBLAS handle and a stream on the device, the kernels compiled.
   *
   * @throws GpuUnavailableException if the device cannot be used
   */
  GpuScorer(GpuOptions options, StandardMetric metric) {
    this.options = options;
    this.metricCode = switch (metric) {
      case DOT_PRODUCT -> 0;
      case COSINE -> 1;
      case EUCLIDEAN, SQUARED_EUCLIDEAN -> 2;
      default -> throw new IllegalArgumentException("metric '" + metric + "' cannot be"
          + " searched on the GPU");
    };
    this.device = GpuDevice.get(options.device());
    this.sm = device.smVersion();
    if (sm < 75) {
      throw new GpuUnavailableException("GPU " + device.index() + " (" + device.name()
          + ", compute capability " + device.computeCapability() + ") is older than CUDA 13"
          + " supports (7.5, Turing)", null);
    }
    setDevice();
    this.multiprocessors = GpuDevice.attribute(
        org.bytedeco.cuda.global.cudart.cudaDevAttrMultiProcessorCount, options.device());
    Cuda.check(cudaStreamCreateWithFlags(stream, cudaStreamNonBlocking), "cudaStreamCreate");
    Cuda.checkBlas(cublasCreate_v2(blas), "cublasCreate");
    Cuda.checkBlas(cublasSetStream_v2(blas, stream), "cublasSetStream");
    for (CUevent_st e : pinnedFree) {
      Cuda.check(cudaEventCreateWithFlags(e, cudaEventDisableTiming), "cudaEventCreate");
    }
    kernelsFor(32);
  }

  GpuDevice device() {
    return device;
  }

  @Override
  public int[][] candidates(float[][] queries, int k, Rows rows) {
    int n = rows.count();
    int candidates = (int) Math.min(n, (long) options.effectiveRerank() * k);
    if (candidates > Kernels.MAX_CANDIDATES) {
      if (!loggedTooManyCandidates) {
        loggedTooManyCandidates = true;
        LOG.warn("k = {} with {} candidates per neighbour asks for {} candidates per query, more"
            + " than the GPU kernel keeps ({}): searched on the CPU", k,
            options.effectiveRerank(), candidates, Kernels.MAX_CANDIDATES);
      }
      return null;
    }
    if (options.storage() == Storage.FLOAT16) {
      for (float[] q : queries) {
        if (beyondFloat16(q) >= 0) {
          return null;
        }
      }
    }
    lock.lock();
    long start = System.nanoTime();
    try {
      if (closed) {
        throw new IllegalStateException("the GPU index is closed");
      }
      setDevice();
      MemoryPlan plan = MemoryPlan.plan(n, rows.dimension(), options.storage(), candidates,
          queries.length, options, freeBytes(), multiprocessors);
      if (rows.generation() != copiedGeneration) {
        // Rows were removed: those after them moved down, so every copy is stale.
        residentRows = 0;
        termRows = 0;
        copiedGeneration = rows.generation();
      }
      syncTerms(rows);
      if (plan.resident()) {
        syncResident(rows, plan);
      } else if (residentRows > 0 || buffers.containsKey("matrix")) {
        release("matrix");
        residentRows = 0;
      }
      return search(queries, candidates, plan, rows);
    } finally {
      candidateNanos.addAndGet(System.nanoTime() - start);
      lock.unlock();
    }
  }

  /** The index of the first finite component beyond float16's range, or -1. */
  static int beyondFloat16(float[] v) {
    return beyondFloat16(v, 0, v.length);
  }

  /** The index in {@code [from, to)} of the first finite component beyond float16's range. */
  static int beyondFloat16(float[] v, int from, int to) {
    for (int i = from; i < to; i++) {
      float a = Math.abs(v[i]);
      if (a > FLOAT16_MAX && a != Float.POSITIVE_INFINITY) {
        return i;
      }
    }
    return -1;
  }

  private int[][] search(float[][] queries, int candidates, MemoryPlan plan, Rows rows) {
    int n = rows.count();
    int d = rows.dimension();
    int nq = queries.length;
    Storage storage = options.storage();
    int blocks = plan.blocks(n);
    int partsPerQuery = blocks * plan.partsPerBlock();
    long perQuery = (long) partsPerQuery * candidates;
    int superBatch = plan.superBatch();
    Buffer q32 = buffer("queries32", 4L * superBatch * d);
    Buffer qStored = storage == Storage.FLOAT32 ? q32
        : buffer("queriesStored", (long) storage.bytes() * superBatch * d);
    Buffer qTerms = buffer("queryTerms", 4L * superBatch);
    Buffer scores = buffer("scores", 4L * plan.queryBatch() * plan.rowBlock());
    Buffer candD = buffer("candidateDistances", 4L * superBatch * perQuery);
    Buffer candR = buffer("candidateRows", 4L * superBatch * perQuery);
    Buffer chunk32 = null;
    Buffer chunkStored = null;
    if (!plan.resident()) {
      chunk32 = buffer("chunk32", 4L * plan.rowBlock() * d);
      chunkStored = storage == Storage.FLOAT32 ? chunk32
          : buffer("chunkStored", (long) storage.bytes() * plan.rowBlock() * d);
    }
    Kernels.Loaded k = kernelsFor(candidates);
    int filter = "false".equals(System.getProperty(GpuFlatIndex.FILTER_PROPERTY)) ? 0 : 1;
    int[][] out = new int[nq][];
    float[] hostD = new float[(int) Math.min(Integer.MAX_VALUE - 8, superBatch * perQuery)];
    int[] hostR = new int[hostD.length];
    float[] terms = new float[superBatch];
    for (int s0 = 0; s0 < nq; s0 += superBatch) {
      int count = Math.min(superBatch, nq - s0);
      uploadQueries(queries, s0, count, d, q32, qStored, terms, qTerms);
      for (int b = 0; b < blocks; b++) {
        int r0 = b * plan.rowBlock();
        int rowsInBlock = Math.min(plan.rowBlock(), n - r0);
        long source;
        if (plan.resident()) {
          source = buffers.get("matrix").address() + (long) r0 * d * storage.bytes();
        } else {
          upload(rows, r0, r0 + rowsInBlock, chunk32, chunkStored, 0);
          source = chunkStored.address();
        }
        for (int q0 = 0; q0 < count; q0 += plan.queryBatch()) {
          int qb = Math.min(plan.queryBatch(), count - q0);
          gemm(source, rowsInBlock, qStored.address() + (long) q0 * d * storage.bytes(), qb, d,
              scores.address());
          Kernels.launch(k.select, "select_nearest", qb, plan.partsPerBlock(),
              MemoryPlan.THREADS, stream, scores.address(), (long) rowsInBlock, rowsInBlock,
              buffers.get("rowTerms").address(), qTerms.address() + 4L * q0, metricCode,
              candidates, r0, partsPerQuery, b * plan.partsPerBlock(),
              candD.address() + 4L * q0 * perQuery, candR.address() + 4L * q0 * perQuery,
              filter);
        }
      }
      int entries = (int) (count * perQuery);
      download(candD, hostD, candR, hostR, entries);
      for (int q = 0; q < count; q++) {
        out[s0 + q] = CandidateMerge.best(hostD, hostR, (int) (q * perQuery), (int) perQuery,
            candidates);
      }
    }
    return out;
  }

  /** {@code scores} (rows x queries, column-major: each query's scores contiguous). */
  private void gemm(long rowsAddress, int rowCount, long queriesAddress, int queryCount, int d,
      long scoresAddress) {
    if (options.storage() == Storage.FLOAT32) {
      Cuda.checkBlas(cublasSgemm_v2(blas, CUBLAS_OP_T, CUBLAS_OP_N, rowCount, queryCount, d,
          one, new FloatPointer(Cuda.at(rowsAddress)), d,
          new FloatPointer(Cuda.at(queriesAddress)), d, zero,
          new FloatPointer(Cuda.at(scoresAddress)), rowCount), "cublasSgemm");
    } else {
      int type = options.storage() == Storage.FLOAT16 ? CUDA_R_16F : CUDA_R_16BF;
      Cuda.checkBlas(cublasGemmEx(blas, CUBLAS_OP_T, CUBLAS_OP_N, rowCount, queryCount, d, one,
          Cuda.at(rowsAddress), type, d, Cuda.at(queriesAddress), type, d, zero,
          Cuda.at(scoresAddress), CUDA_R_32F, rowCount, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
          "cublasGemmEx");
    }
  }

  /** Queries {@code [s0, s0 + count)} and their terms into GPU memory, converted to storage. */
  private void uploadQueries(float[][] queries, int s0, int count, int d, Buffer q32,
      Buffer qStored, float[] terms, Buffer qTerms) {
    int perChunk = (int) Math.max(1, MemoryPlan.MAX_CHUNK_BYTES / (4L * d));
    for (int c0 = 0; c0 < count; c0 += perChunk) {
      int rowsNow = Math.min(perChunk, count - c0);
      float[] host = hostChunk(rowsNow * d);
      for (int q = 0; q < rowsNow; q++) {
        System.arraycopy(queries[s0 + c0 + q], 0, host, q * d, d);
      }
      copyToDevice(host, rowsNow * d, q32.address() + 4L * c0 * d);
    }
    convert(q32.address(), qStored.address(), (long) count * d);
    for (int q = 0; q < count; q++) {
      float sq = VectorMath.dotProduct(queries[s0 + q], queries[s0 + q]);
      terms[q] = termOf(sq);
    }
    copyToDevice(terms, count, qTerms.address());
  }

  /** What the kernel adds per row or query: 1/|x| for cosine (0 for zero), |x|^2 for L2. */
  private float termOf(float squareNorm) {
    return switch (metricCode) {
      case 1 -> squareNorm == 0f ? 0f : (float) (1.0 / Math.sqrt(squareNorm));
      case 2 -> squareNorm;
      default -> 0f;
    };
  }

  /** Row terms of every row, appended for new rows, all again after a reallocation. */
  private void syncTerms(Rows rows) {
    int n = rows.count();
    Buffer terms = buffers.get("rowTerms");
    if (terms == null || terms.bytes() < 4L * n) {
      release("rowTerms");
      buffer("rowTerms", 4L * (n + n / 8 + 16));
      termRows = 0;
    }
    if (termRows > n) {
      termRows = 0;
    }
    Buffer target = buffers.get("rowTerms");
    int perChunk = (int) (MemoryPlan.MAX_CHUNK_BYTES / 4);
    for (int r0 = termRows; r0 < n; r0 += perChunk) {
      int count = Math.min(perChunk, n - r0);
      float[] host = hostChunk(count);
      for (int i = 0; i < count; i++) {
        host[i] = termOf(rows.squareNorm(r0 + i));
      }
      copyToDevice(host, count, target.address() + 4L * r0);
    }
    termRows = n;
  }

  /** The resident matrix: new rows appended, or everything again after a reallocation. */
  private void syncResident(Rows rows, MemoryPlan plan) {
    int n = rows.count();
    int d = rows.dimension();
    long rowBytes = (long) d * options.storage().bytes();
    Buffer matrix = buffers.get("matrix");
    if (matrix == null || matrix.bytes() < rowBytes * n) {
      release("matrix");
      residentRows = 0;
      buffer("matrix", rowBytes * plan.residentCapacity(n, rowBytes));
    }
    if (residentRows > n) {
      residentRows = 0;
    }
    if (residentRows == n) {
      return;
    }
    Buffer target = buffers.get("matrix");
    Buffer staging = options.storage() == Storage.FLOAT32 ? null
        : buffer("chunk32", Math.min(MemoryPlan.MAX_CHUNK_BYTES, 4L * d * (n - residentRows)));
    int perChunk = (int) Math.max(1, MemoryPlan.MAX_CHUNK_BYTES / (4L * d));
    for (int r0 = residentRows; r0 < n; r0 += perChunk) {
      int r1 = Math.min(n, r0 + perChunk);
      upload(rows, r0, r1, staging, target, rowBytes * r0);
    }
    Cuda.check(cudaStreamSynchronize(stream), "cudaStreamSynchronize after uploading vectors");
    residentRows = n;
  }

  /**
   * Rows {@code [r0, r1)} into {@code target} at a byte offset: straight in float32, or through
   * {@code staging} (float32) and the conversion kernel.
   */
  private void upload(Rows rows, int r0, int r1, Buffer staging, Buffer target,
      long targetOffset) {
    int d = rows.dimension();
    int count = r1 - r0;
    float[] host = hostChunk(count * d);
    rows.copy(r0, r1, host, 0);
    int beyond = options.storage() == Storage.FLOAT16 ? beyondFloat16(host, 0, count * d) : -1;
    if (beyond >= 0) {
      throw new IllegalArgumentException(String.format(Locale.ROOT, "component %d of row %d is"
          + " %s, beyond float16's range (+-65504): use Storage.BFLOAT16 or FLOAT32",
          beyond % d, r0 + beyond / d, host[beyond]));
    }
    if (options.storage() == Storage.FLOAT32) {
      copyToDevice(host, count * d, target.address() + targetOffset);
    } else {
      copyToDevice(host, count * d, staging.address());
      convert(staging.address(), target.address() + targetOffset, (long) count * d);
    }
  }

  /** float32 to the storage type on the GPU (nothing for float32, where the two are one). */
  private void convert(long from, long to, long count) {
    if (options.storage() == Storage.FLOAT32 || count == 0) {
      return;
    }
    Kernels.Loaded k = kernelsFor(32);
    int grid = (int) Math.max(1, Math.min((count + 255) / 256, 8L * multiprocessors));
    Kernels.launch(options.storage() == Storage.FLOAT16 ? k.toFloat16 : k.toBfloat16,
        options.storage() == Storage.FLOAT16 ? "to_float16" : "to_bfloat16", grid, 1, 256,
        stream, from, to, count);
  }

  /**
   * Copies floats to the GPU through a pinned buffer (the two alternate, so that filling one
   * overlaps the copy from the other); asynchronous on the stream.
   */
  private void copyToDevice(float[] host, int count, long deviceAddress) {
    int perBuffer = (int) (MemoryPlan.MAX_CHUNK_BYTES / 4);
    for (int at = 0; at < count; at += perBuffer) {
      int now = Math.min(perBuffer, count - at);
      int p = nextPinned;
      nextPinned ^= 1;
      Cuda.check(cudaEventSynchronize(pinnedFree[p]), "cudaEventSynchronize");
      Pointer buffer = pinned(p);
      new FloatPointer(buffer).put(host, at, now);
      Cuda.check(cudaMemcpyAsync(Cuda.at(deviceAddress + 4L * at), buffer, 4L * now,
          cudaMemcpyHostToDevice, stream), "cudaMemcpyAsync to the GPU");
      Cuda.check(cudaEventRecord(pinnedFree[p], stream), "cudaEventRecord");
    }
  }

  /**
   * The candidates of a super-batch back to the host, through pinned buffer 0 (synchronous: the
   * stream's order puts each copy after any upload still reading that buffer).
   */
  private void download(Buffer candD, float[] hostD, Buffer candR, int[] hostR, int entries) {
    Pointer staging = pinned(0);
    int perBuffer = (int) (MemoryPlan.MAX_CHUNK_BYTES / 4);
    for (int at = 0; at < entries; at += perBuffer) {
      int now = Math.min(perBuffer, entries - at);
      for (Buffer source : new Buffer[] {candD, candR}) {
        Cuda.check(cudaMemcpyAsync(staging, Cuda.at(source.address() + 4L * at), 4L * now,
            cudaMemcpyDeviceToHost, stream), "cudaMemcpyAsync from the GPU");
        Cuda.check(cudaStreamSynchronize(stream), "searching on the GPU");
        if (source == candD) {
          new FloatPointer(staging).get(hostD, at, now);
        } else {
          new IntPointer(staging).get(hostR, at, now);
        }
      }
    }
  }

  /**
   * Pinned host buffer {@code p} (0 or 1) of MAX_CHUNK_BYTES, allocated on first use. Its event
   * has then never been recorded, and waiting on such an event returns at once.
   */
  private Pointer pinned(int p) {
    if (pinned[p] == null) {
      Pointer h = new Pointer();
      Cuda.check(cudaMallocHost(h, MemoryPlan.MAX_CHUNK_BYTES),
          "cudaMallocHost(" + MemoryPlan.gib(MemoryPlan.MAX_CHUNK_BYTES) + ")");
      pinned[p] = h;
    }
    return pinned[p];
  }

  /** A reusable float array of at least {@code floats}. */
  private float[] hostChunk(int floats) {
    if (hostChunk == null || hostChunk.length < floats) {
      hostChunk = new float[Math.max(floats, 1024)];
    }
    return hostChunk;
  }

  private Kernels.Loaded kernelsFor(int candidates) {
    int size = Kernels.listSize(Math.max(1, candidates));
    Kernels.Loaded k = kernels.get(size);
    if (k == null) {
      k = new Kernels.Loaded(sm, size);
      kernels.put(size, k);
    }
    return k;
  }

  /** A named device buffer of at least {@code bytes}, kept for later searches. */
  private Buffer buffer(String name, long bytes) {
    Buffer b = buffers.get(name);
    if (b != null && b.bytes() >= bytes) {
      return b;
    }
    release(name);
    Pointer p = new Pointer();
    int rc = cudaMalloc(p, Math.max(bytes, 256));
    if (rc == cudaErrorMemoryAllocation) {
      throw new GpuException(String.format(Locale.ROOT, "the GPU ran out of memory allocating"
          + " %s for %s (GPU %d, %s, holds %s for this index; %s free)", MemoryPlan.gib(bytes),
          name, device.index(), device.name(), MemoryPlan.gib(held()),
          MemoryPlan.gib(freeBytes() - held())));
    }
    Cuda.check(rc, "cudaMalloc(" + MemoryPlan.gib(bytes) + " for " + name + ")");
    b = new Buffer(p, Math.max(bytes, 256));
    buffers.put(name, b);
    return b;
  }

  private void release(String name) {
    Buffer b = buffers.remove(name);
    if (b != null) {
      Cuda.check(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
      Cuda.check(cudaFree(b.pointer()), "cudaFree(" + name + ")");
    }
  }

  private long held() {
    return buffers.values().stream().mapToLong(Buffer::bytes).sum();
  }

  /** Free GPU memory, counting what this index holds as free (its buffers are reused). */
  private long freeBytes() {
    try (SizeTPointer free = new SizeTPointer(1); SizeTPointer total = new SizeTPointer(1)) {
      Cuda.check(cudaMemGetInfo(free, total), "cudaMemGetInfo");
      return free.get() + held();
    }
  }

  private void setDevice() {
    Cuda.check(cudaSetDevice(options.device()), "cudaSetDevice(" + options.device() + ")");
  }

  /** Frees the GPU memory, the kernels, the stream and the cuBLAS handle. */
  @Override
  public void close() {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      setDevice();
      cudaStreamSynchronize(stream);
      for (Buffer b : buffers.values()) {
        cudaFree(b.pointer());
      }
      buffers.clear();
      for (int p = 0; p < 2; p++) {
        if (pinned[p] != null) {
          cudaFreeHost(pinned[p]);
        }
        cudaEventDestroy(pinnedFree[p]);
      }
      kernels.values().forEach(Kernels.Loaded::close);
      kernels.clear();
      cublasDestroy_v2(blas);
      cudaStreamDestroy(stream);
      one.close();
      zero.close();
    } finally {
      lock.unlock();
    }
  }
}
