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
extern "C" __global__ void __launch_bounds__(THREADS)
select_nearest(const float* __restrict__ scores, long long scoreStride, int rows,
               const float* __restrict__ rowTerms, const float* __restrict__ queryTerms,
               int metric, int k, int rowBase, int partsPerQuery, int partBase,
               float* __restrict__ outDist, int* __restrict__ outRow) {
  const float inf = __int_as_float(0x7f800000);
  const int q = blockIdx.x;
  const int parts = gridDim.y;
  const int part = blockIdx.y;
  const long long span = ((long long) rows + parts - 1) / parts;
  const int from = (int) (span * part < rows ? span * part : rows);
  const int to = (int) (span * (part + 1) < rows ? span * (part + 1) : rows);
  const float* s = scores + (long long) q * scoreStride;
  const float qt = queryTerms[q];

  float bestD[KMAX];
  int bestR[KMAX];
  for (int i = 0; i < k; i++) {
    bestD[i] = inf;
    bestR[i] = NO_ROW;
  }
  float worstD = inf;
  int worstR = NO_ROW;
  for (int r = from + threadIdx.x; r < to; r += THREADS) {
    const float v = s[r];
    float d;
    if (metric == 0) {
      d = -v;
    } else if (metric == 1) {
      d = 1.0f - v * qt * rowTerms[rowBase + r];
    } else {
      d = qt + rowTerms[rowBase + r] - 2.0f * v;
    }
    if (d != d) {
      d = inf;
    }
    const int row = rowBase + r;
    if (before(d, row, worstD, worstR)) {
      int i = k - 1;
      while (i > 0 && before(d, row, bestD[i - 1], bestR[i - 1])) {
        bestD[i] = bestD[i - 1];
        bestR[i] = bestR[i - 1];
        i--;
      }
      bestD[i] = d;
      bestR[i] = row;
      worstD = bestD[k - 1];
      worstR = bestR[k - 1];
    }
  }

  // k rounds: the block's least head of list wins and its thread moves to its next entry.
  // Rows are unique to one thread, so exactly one thread owns each winner.
  __shared__ float warpD[THREADS / 32];
  __shared__ int warpR[THREADS / 32];
  __shared__ int winnerR;
  const int lane = threadIdx.x & 31;
  const int warp = threadIdx.x >> 5;
  const long long out = ((long long) q * partsPerQuery + partBase + part) * k;
  int head = 0;
  for (int j = 0; j < k; j++) {
    float d = head < k ? bestD[head] : inf;
    int r = head < k ? bestR[head] : NO_ROW;
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
        winnerR = r;
        outDist[out + j] = d;
        outRow[out + j] = r;
      }
    }
    __syncthreads();
    if (head < k && winnerR != NO_ROW && bestR[head] == winnerR) {
      head++;
    }
  }
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
