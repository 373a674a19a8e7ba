// Just enough of CUDA to run select.cu's kernels on the CPU for testing: CUDA threads as
// std::threads (default) or as fibers (-DE4J_FIBERS), blocks one after another, __syncthreads
// as a barrier of the block, and warp shuffles through a per-warp exchange with a barrier of
// the warp. Only as faithful as the kernels need: every thread of a warp must take part in each
// shuffle (as the full mask promises), and blockDim must be a multiple of 32.
#pragma once
#include <barrier>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#define __global__
#define __device__
#define __forceinline__ inline
#define __launch_bounds__(n)
#define __restrict__ __restrict
#define __shared__ static

struct e4j_dim3 { unsigned x = 1, y = 1, z = 1; };
inline e4j_dim3 gridDim, blockDim;

#ifndef E4J_FIBERS
// One std::thread per CUDA thread: real concurrency, so a missing barrier shows as a race.
inline thread_local e4j_dim3 threadIdx, blockIdx;

struct e4j_block {
  std::unique_ptr<std::barrier<>> all;
  std::vector<std::unique_ptr<std::barrier<>>> warps;
  std::vector<uint64_t> exchange;
};
inline e4j_block* e4j_current = nullptr;

inline void __syncthreads() { e4j_current->all->arrive_and_wait(); }
inline void e4j_warp_barrier() { e4j_current->warps[threadIdx.x >> 5]->arrive_and_wait(); }
inline uint64_t* e4j_exchange() { return e4j_current->exchange.data(); }

// Runs kernel(args...) over grid x block, one block at a time.
template <typename... A, typename... P>
void e4j_launch(void (*kernel)(P...), e4j_dim3 grid, unsigned threads, A... args) {
  gridDim = grid;
  blockDim = e4j_dim3{threads, 1, 1};
  for (unsigned by = 0; by < grid.y; by++) {
    for (unsigned bx = 0; bx < grid.x; bx++) {
      e4j_block block;
      block.all = std::make_unique<std::barrier<>>(threads);
      for (unsigned w = 0; w < threads / 32; w++) {
        block.warps.push_back(std::make_unique<std::barrier<>>(32));
      }
      block.exchange.assign(threads, 0);
      e4j_current = &block;
      std::vector<std::thread> pool;
      for (unsigned t = 0; t < threads; t++) {
        pool.emplace_back([=] {
          threadIdx = e4j_dim3{t, 0, 0};
          blockIdx = e4j_dim3{bx, by, 0};
          kernel(args...);
        });
      }
      for (auto& th : pool) th.join();
    }
  }
}
#else
// Fibers (ucontext) on the calling thread, switched only at barriers: about a hundred times
// faster than threads, deterministic, but blind to races between barriers.
// ucontext starts a fiber on its stack; _setjmp/_longjmp switch (swapcontext would make a
// system call per switch for the signal mask).
#include <csetjmp>
#include <ucontext.h>
inline e4j_dim3 threadIdx, blockIdx;

struct e4j_fiber {
  ucontext_t context;
  jmp_buf resume;
  std::unique_ptr<char[]> stack;
  bool started = false;
  bool done = false;
  unsigned index = 0;
};
struct e4j_barrier {
  unsigned expected = 0, arrived = 0, generation = 0;
};
struct e4j_block {
  std::vector<e4j_fiber> fibers;
  jmp_buf scheduler;
  e4j_fiber* running = nullptr;
  e4j_barrier all;
  std::vector<e4j_barrier> warps;
  std::vector<uint64_t> exchange;
};
inline e4j_block* e4j_current = nullptr;

inline void e4j_wait(e4j_barrier& b) {
  unsigned generation = b.generation;
  if (++b.arrived == b.expected) {
    b.arrived = 0;
    b.generation++;
    return;
  }
  while (b.generation == generation) {
    if (!_setjmp(e4j_current->running->resume)) {
      _longjmp(e4j_current->scheduler, 1);
    }
  }
}
inline void __syncthreads() { e4j_wait(e4j_current->all); }
inline void e4j_warp_barrier() { e4j_wait(e4j_current->warps[threadIdx.x >> 5]); }
inline uint64_t* e4j_exchange() { return e4j_current->exchange.data(); }

template <typename F>
struct e4j_entry {
  static inline F* body = nullptr;
  static void run() {
    (*body)();
    e4j_current->running->done = true;
    _longjmp(e4j_current->scheduler, 1);
  }
};

template <typename... A, typename... P>
void e4j_launch(void (*kernel)(P...), e4j_dim3 grid, unsigned threads, A... args) {
  gridDim = grid;
  blockDim = e4j_dim3{threads, 1, 1};
  auto body = [&] { kernel(args...); };
  using Entry = e4j_entry<decltype(body)>;
  Entry::body = &body;
  for (unsigned by = 0; by < grid.y; by++) {
    for (unsigned bx = 0; bx < grid.x; bx++) {
      e4j_block block;
      block.fibers.resize(threads);
      block.all.expected = threads;
      block.warps.assign(threads / 32, e4j_barrier{32, 0, 0});
      block.exchange.assign(threads, 0);
      e4j_current = &block;
      for (unsigned t = 0; t < threads; t++) {
        e4j_fiber& f = block.fibers[t];
        f.index = t;
        const size_t stackBytes = 1 << 17;  // the KMAX arrays of select.cu need 8 KB at most
        f.stack.reset(new char[stackBytes]);
        getcontext(&f.context);
        f.context.uc_stack.ss_sp = f.stack.get();
        f.context.uc_stack.ss_size = stackBytes;
        f.context.uc_link = nullptr;
        makecontext(&f.context, (void (*)()) &Entry::run, 0);
      }
      blockIdx = e4j_dim3{bx, by, 0};
      bool alive = true;
      while (alive) {
        alive = false;
        for (e4j_fiber& f : block.fibers) {
          if (f.done) continue;
          alive = true;
          threadIdx = e4j_dim3{f.index, 0, 0};
          block.running = &f;
          if (!_setjmp(block.scheduler)) {
            if (!f.started) {
              f.started = true;
              ucontext_t ignored;
              swapcontext(&ignored, &f.context);
            } else {
              _longjmp(f.resume, 1);
            }
          }
        }
      }
    }
  }
}
#endif

template <typename T>
inline T __shfl_down_sync(unsigned, T value, int offset) {
  int lane = threadIdx.x & 31;
  int warp = threadIdx.x >> 5;
  uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof(T));
  e4j_exchange()[threadIdx.x] = bits;
  e4j_warp_barrier();
  T out = value;
  if (lane + offset < 32) {
    uint64_t other = e4j_exchange()[warp * 32 + lane + offset];
    std::memcpy(&out, &other, sizeof(T));
  }
  e4j_warp_barrier();
  return out;
}

// Shared-memory atomics: real ones, since std::threads run concurrently.
inline int atomicAdd(int* address, int value) {
  return __atomic_fetch_add(address, value, __ATOMIC_RELAXED);
}

inline float __int_as_float(int i) { float f; std::memcpy(&f, &i, 4); return f; }
inline unsigned __float_as_uint(float f) { unsigned u; std::memcpy(&u, &f, 4); return u; }
// float32 to IEEE binary16 bits, rounding to nearest even: what PTX's cvt.rn.f16.f32 does on
// the GPU (only NVRTC compiles the asm), for the fake CUDA library's float16 storage.
inline unsigned short e4j_float_to_half(float f) {
  unsigned x = __float_as_uint(f);
  unsigned sign = (x >> 16) & 0x8000u;
  int exp = (int) ((x >> 23) & 0xff);
  unsigned mant = x & 0x7fffffu;
  if (exp == 0xff) return (unsigned short) (sign | 0x7c00u | (mant ? 0x200u : 0u));
  int e = exp - 127 + 15;
  if (e >= 31) return (unsigned short) (sign | 0x7c00u);
  if (e <= 0) {
    int shift = 126 - exp;
    if (shift > 24) return (unsigned short) sign;
    unsigned full = mant | 0x800000u;
    unsigned m = full >> shift;
    unsigned rem = full & ((1u << shift) - 1);
    unsigned half = 1u << (shift - 1);
    if (rem > half || (rem == half && (m & 1u))) m++;
    return (unsigned short) (sign | m);
  }
  unsigned h = sign | ((unsigned) e << 10) | (mant >> 13);
  unsigned rem = mant & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) h++;
  return (unsigned short) h;
}

inline float e4j_half_to_float(unsigned short h) {
  unsigned sign = (h & 0x8000u) << 16;
  int exp = (h >> 10) & 0x1f;
  unsigned mant = h & 0x3ffu;
  float v;
  if (exp == 0) {
    v = (float) mant * 5.9604644775390625e-8f;  // 2^-24
  } else if (exp == 31) {
    v = mant ? __int_as_float(0x7fc00000) : __int_as_float(0x7f800000);
  } else {
    v = __int_as_float((int) (((unsigned) (exp - 15 + 127) << 23) | (mant << 13)));
  }
  return sign ? -v : v;
}
