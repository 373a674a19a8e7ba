// Runs select.cu's kernels on the CPU (cuda_emulation.h) and checks them against a plain sort:
//   g++ -std=c++20 -O1 -pthread -ffp-contract=off select_test.cpp -o select_test && ./select_test
// Prints "ok" and exits 0 when every output matches bit for bit. KernelEmulationTest runs it.
#define KMAX 64
#define THREADS 256
#include "cuda_emulation.h"
// How each block chose: [0] no filter tried, [1] the sampled threshold used, [2] tried but
// scanned plainly (too few or too many rows passed).
static int traces[3];
#define E4J_FILTER_TRACE(outcome) \
  do {                            \
    if (threadIdx.x == 0) traces[outcome]++; \
  } while (0)
#include "../../main/resources/io/github/embeddings4j/gpu/select.cu"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <utility>
#include <vector>

static int failures = 0;

static void fail(const char* what, int c, int q, int p, int i, float d, int r, float ed, int er) {
  if (failures++ < 20) {
    std::printf("case %d query %d part %d entry %d: %s: got (%g, %d), expected (%g, %d)\n", c, q,
                p, i, what, d, r, ed, er);
  }
}

// Scores: normal, or (ties) rounded to quarters, or (constant) all equal, or (planted) with
// the sampled rows (the first 8 of every 256) far nearer than the rest, or (one_thread) the rows
// of thread 5's stride far nearer, so that one thread's list holds every answer.
enum Kind { NORMAL, TIES, CONSTANT, PLANTED, ONE_THREAD };

struct Case {
  int queries, rows, parts, k, metric;
  bool nans;
  Kind kind;
  int filter;
  int expect;  // the trace every block should leave, or -1 for any
};

int main() {
  const float inf = INFINITY;
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_real_distribution<float> positive(0.1f, 2.0f);
  const Case cases[] = {
      {3, 5000, 1, 10, 0, false, NORMAL, 1, 0},  // dot product, one part
      {2, 5000, 3, 20, 1, true, NORMAL, 1, 0},   // cosine, NaN scores, three parts
      {2, 3000, 2, 64, 2, false, TIES, 1, 0},    // squared L2, many ties, the largest list
      {1, 40, 4, 16, 0, false, NORMAL, 1, 0},    // 10 rows per part: fewer than k, padded
      {2, 700, 1, 1, 2, true, TIES, 1, 0},       // k = 1
      {2, 37, 1, 32, 1, false, TIES, 1, 0},      // fewer rows than threads
      // Parts large enough for the sampled threshold:
      {2, 70000, 1, 10, 0, false, NORMAL, 1, 1},   // used
      {1, 140000, 2, 64, 1, true, NORMAL, 1, 1},   // two parts, cosine, NaNs, k > FILTER_RANK
      {1, 70000, 1, 40, 2, false, TIES, 1, -1},    // many ties at the threshold
      {1, 70000, 1, 10, 0, false, NORMAL, 0, 0},   // filter off: the plain scan
      {1, 70000, 1, 32, 2, false, CONSTANT, 1, 2}, // every row passes: too many for the pool
      {1, 70000, 1, 64, 0, false, PLANTED, 1, 2},  // only 32 pass, fewer than k
      {4, 70000, 1, 64, 0, false, ONE_THREAD, 0, 0},  // one thread's whole list is the answer
      {1, 70000, 1, 32, 2, false, ONE_THREAD, 1, 1},  // exactly k pass
      {8, 70000, 1, 2, 1, false, ONE_THREAD, 0, 0},   // the same with k = 2: each list's tail
  };
  int c = 0;
  for (const Case& t : cases) {
    const int stride = t.rows + 3;     // scores rows padded, as a column-major ldc may be
    const int rowBase = 1000;          // rows of this block start at 1000 in the index
    const int partBase = t.parts;      // and this launch fills the second half of the lists
    const int partsPerQuery = 2 * t.parts;
    std::vector<float> scores((size_t) t.queries * stride);
    for (size_t i = 0; i < scores.size(); i++) {
      float v = normal(rng);
      int r = (int) (i % stride);
      scores[i] = t.kind == TIES ? std::round(v * 4) / 4
                : t.kind == CONSTANT ? 0.5f
                : t.kind == PLANTED && r % 256 < 8 ? 10 + v
                : t.kind == ONE_THREAD && r % THREADS == 5 ? 10 + v : v;
    }
    if (t.nans) {
      for (size_t i = 0; i < scores.size(); i += 97) scores[i] = NAN;
    }
    std::vector<float> rowTerms(rowBase + t.rows);
    for (float& x : rowTerms) x = t.kind == TIES || t.kind == CONSTANT ? 1.0f : positive(rng);
    std::vector<float> queryTerms(t.queries);
    for (float& x : queryTerms) x = positive(rng);
    size_t outSize = (size_t) t.queries * partsPerQuery * t.k;
    std::vector<float> outD(outSize, -7.0f);
    std::vector<int> outR(outSize, -7);
    traces[0] = traces[1] = traces[2] = 0;
    e4j_launch(select_nearest, e4j_dim3{(unsigned) t.queries, (unsigned) t.parts, 1}, THREADS,
               (const float*) scores.data(), (long long) stride, t.rows,
               (const float*) rowTerms.data(), (const float*) queryTerms.data(), t.metric, t.k,
               rowBase, partsPerQuery, partBase, outD.data(), outR.data(), t.filter);
    if (t.expect >= 0 && traces[t.expect] != t.queries * t.parts) {
      if (failures++ < 20) {
        std::printf("case %d: %d of %d blocks should have taken path %d; traces %d %d %d\n", c,
                    traces[t.expect], t.queries * t.parts, t.expect, traces[0], traces[1],
                    traces[2]);
      }
    }
    for (int q = 0; q < t.queries; q++) {
      for (int p = 0; p < partsPerQuery; p++) {
        size_t at = ((size_t) q * partsPerQuery + p) * t.k;
        if (p < partBase) {
          for (int i = 0; i < t.k; i++) {
            if (outD[at + i] != -7.0f || outR[at + i] != -7) {
              fail("wrote outside its parts", c, q, p, i, outD[at + i], outR[at + i], -7, -7);
            }
          }
          continue;
        }
        int part = p - partBase;
        long long span = ((long long) t.rows + t.parts - 1) / t.parts;
        int from = (int) std::min<long long>(span * part, t.rows);
        int to = (int) std::min<long long>(span * (part + 1), t.rows);
        std::vector<std::pair<float, int>> all;
        for (int r = from; r < to; r++) {
          float v = scores[(size_t) q * stride + r];
          float qt = queryTerms[q];
          float d = t.metric == 0 ? -v
                  : t.metric == 1 ? 1.0f - v * qt * rowTerms[rowBase + r]
                                  : qt + rowTerms[rowBase + r] - 2.0f * v;
          if (d != d) d = inf;
          all.emplace_back(d, rowBase + r);
        }
        std::sort(all.begin(), all.end());
        for (int i = 0; i < t.k; i++) {
          float ed = i < (int) all.size() ? all[i].first : inf;
          int er = i < (int) all.size() ? all[i].second : 0x7fffffff;
          if (std::memcmp(&outD[at + i], &ed, 4) != 0 || outR[at + i] != er) {
            fail("differs", c, q, p, i, outD[at + i], outR[at + i], ed, er);
          }
        }
      }
    }
    c++;
  }

  // bfloat16: round to nearest even, NaN stays NaN, overflow to infinity.
  const float in[] = {1.0f, 1.00390625f, 1.01171875f, -0.0f, NAN, 3.4028235e38f, -2.5f, 1e-40f};
  const unsigned short want[] = {0x3f80, 0x3f80, 0x3f82, 0x8000, 0x7fc0, 0x7f80, 0xc020, 0x0001};
  const int n = sizeof(in) / sizeof(in[0]);
  std::vector<unsigned short> out(n, 0xdead);
  e4j_launch(to_bfloat16, e4j_dim3{2, 1, 1}, 32, (const float*) in, out.data(), (long long) n);
  for (int i = 0; i < n; i++) {
    if (out[i] != want[i]) {
      if (failures++ < 20) std::printf("bfloat16 of %g: got %04x, expected %04x\n", in[i], out[i], want[i]);
    }
  }
  if (failures) {
    std::printf("%d failures\n", failures);
    return 1;
  }
  std::printf("ok\n");
  return 0;
}
