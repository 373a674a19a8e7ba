// Kernels of embeddings4j's GPU index, compiled at run time by NVRTC for the GPU in use.
// The host defines KMAX (the most candidates a thread keeps) and THREADS (threads per block).
// No headers: NVRTC needs none for this file. The selection kernel's logic is also compiled for
// the CPU by src/test/emulator (without __CUDACC_RTC__) and checked against a plain sort.

#define NO_ROW 0x7fffffff

// (d1, r1) ranks before (d2, r2): nearer first, equal distances by the smaller row.
__device__ __forceinline__ bool before(float d1, int r1, float d2, int r2) {
  return d1 < d2 || (d1 == d2 && r1 < r2);
}

// The least (d, r) of the warp, in lane 0 (the full mask: every lane must call this).
__device__ __forceinline__ void warp_least(float& d, int& r) {
  for (int offset = 16; offset > 0; offset >>= 1) {
    const float d2 = __shfl_down_sync(0xffffffffu, d, offset);
    const int r2 = __shfl_down_sync(0xffffffffu, r, offset);
    if (before(d2, r2, d, r)) {
      d = d2;
      r = r2;
    }
  }
}

// The sampled-threshold filter (see select_nearest). A sampled group is one 32-byte sector of
// scores; one group is sampled in every SAMPLE_EVERY rows, so the sample costs about 1/32 of
// the scores' traffic and holds 1/32 of the rows. The threshold is the FILTER_RANK-th least
// sampled distance: about FILTER_RANK x 32 = 1,024 rows lie at or below it, whatever the number
// of rows, and they must fit the block's pool of POOL entries.
#define SAMPLE_GROUP 8
#define SAMPLE_EVERY 256
#define FILTER_RANK 32
#define FILTER_MIN_ROWS 32768
#define FILTER_MAX_K 256
#define POOL 2048

// How a block chose (for the CPU emulation's tests; nothing on the GPU).
#ifndef E4J_FILTER_TRACE
#define E4J_FILTER_TRACE(outcome)
#endif

// The approximate distance of row r of a block of scores, NaN counted as +infinity.
__device__ __forceinline__ float distance_of(const float* __restrict__ s, int r,
                                             const float* __restrict__ rowTerms, int rowBase,
                                             float qt, int metric) {
  const float v = s[r];
  float d;
  if (metric == 0) {
    d = -v;
  } else if (metric == 1) {
    d = 1.0f - v * qt * rowTerms[rowBase + r];
  } else {
    d = qt + rowTerms[rowBase + r] - 2.0f * v;
  }
  return d != d ? __int_as_float(0x7f800000) : d;
}

// Offers (d, row) to one thread's list: its `count` entries nearest first, at most k; (worstD,
// worstR) is the entry a newcomer must beat, the sentinel (inf, NO_ROW) until the list is full.
__device__ __forceinline__ void offer(float d, int row, float* bestD, int* bestR, int& count,
                                      int k, float& worstD, int& worstR) {
  if (!before(d, row, worstD, worstR)) {
    return;
  }
  int i = count < k ? count++ : k - 1;
  while (i > 0 && before(d, row, bestD[i - 1], bestR[i - 1])) {
    bestD[i] = bestD[i - 1];
    bestR[i] = bestR[i - 1];
    i--;
  }
  bestD[i] = d;
  bestR[i] = row;
  if (count == k) {
    worstD = bestD[k - 1];
    worstR = bestR[k - 1];
  }
}

// The k least entries of all the block's lists, in order, to outD[0..k) and outR[0..k) (written
// by one thread; global or shared memory), padded with (inf, NO_ROW). k rounds: the block's
// least head of list wins and its thread moves to its next entry. Rows are unique to one
// thread, so exactly one thread owns each winner. Every thread of the block must call it.
__device__ __forceinline__ void block_least(const float* bestD, const int* bestR, int count,
                                            int k, float* outD, int* outR, float* warpD,
                                            int* warpR, int* winnerR) {
  const float inf = __int_as_float(0x7f800000);
  const int lane = threadIdx.x & 31;
  const int warp = threadIdx.x >> 5;
  int head = 0;
  for (int j = 0; j < k; j++) {
    float d = head < count ? bestD[head] : inf;
    int r = head < count ? bestR[head] : NO_ROW;
    warp_least(d, r);
    if (lane == 0) {
      warpD[warp] = d;
      warpR[warp] = r;
    }
    __syncthreads();
    if (warp == 0) {
      d = lane < THREADS / 32 ? warpD[lane] : inf;
      r = lane < THREADS / 32 ? warpR[lane] : NO_ROW;
      warp_least(d, r);
      if (lane == 0) {
        *winnerR = r;
        outD[j] = d;
        outR[j] = r;
      }
    }
    __syncthreads();
    if (head < count && *winnerR != NO_ROW && bestR[head] == *winnerR) {
      head++;
    }
  }
}

// Per query (blockIdx.x) and part of the rows (blockIdx.y), the k rows of least approximate
// distance among the scores of one block of rows.
//   scores:     scores[q * scoreStride + r] = <query q, row rowBase + r>, r in [0, rows)
//   rowTerms:   per stored row: 1/|x| (cosine, 0 for a zero row) or |x|^2 (Euclidean); unused
//               for the dot product
//   queryTerms: per query of this launch: 1/|q| or |q|^2, as rowTerms
//   metric:     0 dot product (-s), 1 cosine (1 - s/|q||x|), 2 squared Euclidean
//               (|q|^2 + |x|^2 - 2s)
//   out:        k (distance, row) pairs per (query, part), nearest first, at
//               out[(q * partsPerQuery + partBase + blockIdx.y) * k + i]; NaN distances count
//               as +infinity, missing entries (fewer rows than k) have row NO_ROW.
//   filter:     1 to let large parts use the sampled threshold, 0 to scan every row into the
//               threads' lists (the answers are the same; only the speed differs).
//
// Every thread keeps a sorted list of its nearest rows. Inserting into it is the costly step,
// and in a plain scan a thread inserts k + k ln(rows / (THREADS k)) times. With the filter, a
// part of at least FILTER_MIN_ROWS rows first finds a threshold from a sample; one pass over
// all rows then gathers the rows at or below it (about 1,024) into shared memory, and only
// those are inserted. When fewer than k rows or more than POOL rows pass, the part is scanned
// plainly, so the answer never depends on the sample.
extern "C" __global__ void __launch_bounds__(THREADS)
select_nearest(const float* __restrict__ scores, long long scoreStride, int rows,
               const float* __restrict__ rowTerms, const float* __restrict__ queryTerms,
               int metric, int k, int rowBase, int partsPerQuery, int partBase,
               float* __restrict__ outDist, int* __restrict__ outRow, int filter) {
  const float inf = __int_as_float(0x7f800000);
  const int q = blockIdx.x;
  const int parts = gridDim.y;
  const int part = blockIdx.y;
  const long long span = ((long long) rows + parts - 1) / parts;
  const int from = (int) (span * part < rows ? span * part : rows);
  const int to = (int) (span * (part + 1) < rows ? span * (part + 1) : rows);
  const float* s = scores + (long long) q * scoreStride;
  const float qt = queryTerms[q];

  __shared__ float warpD[THREADS / 32];
  __shared__ int warpR[THREADS / 32];
  __shared__ int winnerR;
  __shared__ float poolD[POOL];
  __shared__ int poolR[POOL];
  __shared__ int pooled;
  __shared__ float sampleD[FILTER_RANK];
  __shared__ int sampleR[FILTER_RANK];

  float bestD[KMAX];
  int bestR[KMAX];
  int count = 0;
  float worstD = inf;
  int worstR = NO_ROW;
  bool done = false;
  if (filter && k <= FILTER_MAX_K && to - from >= FILTER_MIN_ROWS) {
    const int samples = (to - from) / SAMPLE_EVERY * SAMPLE_GROUP;
    for (int j = threadIdx.x; j < samples; j += THREADS) {
      const int r = from + j / SAMPLE_GROUP * SAMPLE_EVERY + j % SAMPLE_GROUP;
      offer(distance_of(s, r, rowTerms, rowBase, qt, metric), rowBase + r, bestD, bestR, count,
            FILTER_RANK, worstD, worstR);
    }
    block_least(bestD, bestR, count, FILTER_RANK, sampleD, sampleR, warpD, warpR, &winnerR);
    const float cut = sampleD[FILTER_RANK - 1];
    if (threadIdx.x == 0) {
      pooled = 0;
    }
    __syncthreads();
    for (int r = from + threadIdx.x; r < to; r += THREADS) {
      const float d = distance_of(s, r, rowTerms, rowBase, qt, metric);
      if (d <= cut) {
        const int at = atomicAdd(&pooled, 1);
        if (at < POOL) {
          poolD[at] = d;
          poolR[at] = rowBase + r;
        }
      }
    }
    __syncthreads();
    const int passed = pooled;
    // At least k rows at or below the threshold: the k nearest are all among them.
    done = passed >= k && passed <= POOL;
    E4J_FILTER_TRACE(done ? 1 : 2);
    count = 0;
    worstD = inf;
    worstR = NO_ROW;
    if (done) {
      for (int i = threadIdx.x; i < passed; i += THREADS) {
        offer(poolD[i], poolR[i], bestD, bestR, count, k, worstD, worstR);
      }
    }
  } else {
    E4J_FILTER_TRACE(0);
  }
  if (!done) {
    for (int r = from + threadIdx.x; r < to; r += THREADS) {
      offer(distance_of(s, r, rowTerms, rowBase, qt, metric), rowBase + r, bestD, bestR, count,
            k, worstD, worstR);
    }
  }
  const long long out = ((long long) q * partsPerQuery + partBase + part) * k;
  block_least(bestD, bestR, count, k, outDist + out, outRow + out, warpD, warpR, &winnerR);
}

// float32 to float16, rounding to nearest even (IEEE binary16; beyond 65504 becomes infinity).
extern "C" __global__ void to_float16(const float* __restrict__ in,
                                      unsigned short* __restrict__ out, long long n) {
  for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (long long) gridDim.x * blockDim.x) {
#ifdef __CUDACC_RTC__
    unsigned short h;
    asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(in[i]));
    out[i] = h;
#else
    out[i] = e4j_float_to_half(in[i]);  // the CPU emulation's, which only has to compile
#endif
  }
}

// float32 to bfloat16, rounding to nearest even; NaN stays a (quiet) NaN.
extern "C" __global__ void to_bfloat16(const float* __restrict__ in,
                                       unsigned short* __restrict__ out, long long n) {
  for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (long long) gridDim.x * blockDim.x) {
    const unsigned int u = __float_as_uint(in[i]);
    unsigned short h;
    if ((u & 0x7fffffffu) > 0x7f800000u) {
      h = (unsigned short) ((u >> 16) | 0x40u);
    } else {
      h = (unsigned short) ((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
    }
    out[i] = h;
  }
}
