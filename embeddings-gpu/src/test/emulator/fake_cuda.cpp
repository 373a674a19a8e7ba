// A fake CUDA 13 for testing embeddings-gpu's Java code on a machine without a GPU: the few
// functions of libcudart.so.13, libcuda.so.1 and libcublas.so.13 that GpuScorer and GpuDevice
// call, done on the CPU. "Device" memory is host memory, every call completes before it
// returns (so stream ordering is trivially kept: this cannot find a missing synchronisation),
// kernels run through cuda_emulation.h, and cuBLAS's products are plain loops.
//
// Built once per library by build-fake-cuda.sh: -DE4J_CUDART (libcudart.so.13), -DE4J_DRIVER
// (libcuda.so.1), -DE4J_CUBLAS (libcublas.so.13), -DE4J_NVRTC (libnvrtc.so.13, which returns a
// placeholder image: the fake driver runs the kernels compiled here instead).
// Environment: E4J_FAKE_FREE_MIB (free memory reported, default 4096).
#define KMAX 1024
#define THREADS 32
#define E4J_FIBERS
#include "cuda_emulation.h"
#include "../../main/resources/io/github/embeddings4j/gpu/select.cu"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

extern "C" {

#ifdef E4J_CUDART
static long long fake_free() {
  const char* mib = std::getenv("E4J_FAKE_FREE_MIB");
  return (mib ? std::atoll(mib) : 4096LL) << 20;
}
int cudaGetDeviceCount(int* n) { *n = 1; return 0; }
const char* cudaGetErrorString(int rc) { return rc == 0 ? "no error" : "fake CUDA error"; }
int cudaRuntimeGetVersion(int* v) { *v = 13000; return 0; }
int cudaDriverGetVersion(int* v) { *v = 13000; return 0; }
int cudaSetDevice(int d) { return d == 0 ? 0 : 101; }
int cudaFree(void* p) { std::free(p); return 0; }
int cudaMemGetInfo(size_t* free, size_t* total) {
  *free = (size_t) fake_free();
  *total = (size_t) fake_free() * 2;
  return 0;
}
int cudaDeviceGetAttribute(int* value, int attribute, int device) {
  // cudaDevAttrMultiProcessorCount 16, ComputeCapabilityMajor 75, Minor 76.
  *value = attribute == 16 ? 4 : attribute == 75 ? 9 : attribute == 76 ? 0 : 0;
  return device == 0 ? 0 : 101;
}
int cudaStreamCreateWithFlags(void** s, unsigned) { *s = std::malloc(8); return 0; }
int cudaStreamSynchronize(void*) { return 0; }
int cudaStreamDestroy(void* s) { std::free(s); return 0; }
int cudaEventCreateWithFlags(void** e, unsigned) { *e = std::malloc(8); return 0; }
int cudaEventRecord(void*, void*) { return 0; }
int cudaEventSynchronize(void*) { return 0; }
int cudaEventDestroy(void* e) { std::free(e); return 0; }
int cudaMalloc(void** p, size_t bytes) {
  *p = std::malloc(bytes);
  // Poison: nothing may read what it did not write.
  if (*p) std::memset(*p, 0xff, bytes);
  return *p ? 0 : 2;
}
int cudaMallocHost(void** p, size_t bytes) { return cudaMalloc(p, bytes); }
int cudaFreeHost(void* p) { std::free(p); return 0; }
int cudaMemcpyAsync(void* dst, const void* src, size_t bytes, int, void*) {
  std::memcpy(dst, src, bytes);
  return 0;
}
int cudaMemcpy(void* dst, const void* src, size_t bytes, int) {
  std::memcpy(dst, src, bytes);
  return 0;
}
int cudaGetLastError() { return 0; }
#endif

#ifdef E4J_DRIVER
struct fake_function { std::string name; };
int cuInit(unsigned) { return 0; }
int cuGetErrorString(int rc, const char** s) { *s = rc == 0 ? "no error" : "fake driver error"; return 0; }
int cuDeviceGet(int* d, int ordinal) { *d = ordinal; return ordinal == 0 ? 0 : 101; }
int cuDeviceGetName(char* name, int len, int) {
  std::snprintf(name, len, "Fake CUDA (CPU emulation)");
  return 0;
}
int cuModuleLoadData(void** module, const void* image) { *module = (void*) image ? std::malloc(8) : nullptr; return 0; }
int cuModuleUnload(void* module) { std::free(module); return 0; }
int cuModuleGetFunction(void** f, void*, const char* name) {
  std::string n(name);
  if (n != "select_nearest" && n != "to_float16" && n != "to_bfloat16") return 500;
  *f = new fake_function{n};
  return 0;
}
int cuLaunchKernel(void* f, unsigned gx, unsigned gy, unsigned, unsigned, unsigned, unsigned,
                   unsigned, void*, void** p, void**) {
  const std::string& n = static_cast<fake_function*>(f)->name;
  e4j_dim3 grid{gx, gy, 1};
  if (n == "select_nearest") {
    // The kernel's loops stride by THREADS (32 here): the block size the Java side asked for
    // does not change what it computes.
    e4j_launch(select_nearest, grid, THREADS, *(const float**) p[0], *(long long*) p[1],
               *(int*) p[2], *(const float**) p[3], *(const float**) p[4], *(int*) p[5],
               *(int*) p[6], *(int*) p[7], *(int*) p[8], *(int*) p[9], *(float**) p[10],
               *(int**) p[11], *(int*) p[12]);
  } else {
    auto kernel = n == "to_float16" ? to_float16 : to_bfloat16;
    e4j_launch(kernel, e4j_dim3{1, 1, 1}, 32, *(const float**) p[0],
               *(unsigned short**) p[1], *(long long*) p[2]);
  }
  return 0;
}
#endif

#ifdef E4J_NVRTC
static const int image_size = 4096;
int nvrtcVersion(int* major, int* minor) { *major = 13; *minor = 0; return 0; }
const char* nvrtcGetErrorString(int rc) { return rc == 0 ? "NVRTC_SUCCESS" : "fake NVRTC error"; }
int nvrtcCreateProgram(void** p, const char*, const char*, int, const char* const*, const char* const*) {
  *p = std::malloc(8);
  return 0;
}
int nvrtcDestroyProgram(void** p) { std::free(*p); *p = nullptr; return 0; }
int nvrtcCompileProgram(void*, int, const char* const*) { return 0; }
int nvrtcGetCUBINSize(void*, size_t* n) { *n = image_size; return 0; }
int nvrtcGetCUBIN(void*, char* out) {
  std::memset(out, 0, image_size);
  std::memcpy(out, "\x7f" "ELF", 4);
  return 0;
}
int nvrtcGetPTXSize(void*, size_t* n) { *n = 8; return 0; }
int nvrtcGetPTX(void*, char* out) { std::memcpy(out, "// fake", 8); return 0; }
int nvrtcGetProgramLogSize(void*, size_t* n) { *n = 1; return 0; }
int nvrtcGetProgramLog(void*, char* out) { out[0] = 0; return 0; }
// CUDA 13.0's list.
static const int archs[] = {75, 80, 86, 87, 88, 89, 90, 100, 103, 110, 120, 121};
int nvrtcGetNumSupportedArchs(int* n) { *n = sizeof(archs) / sizeof(archs[0]); return 0; }
int nvrtcGetSupportedArchs(int* out) { std::memcpy(out, archs, sizeof(archs)); return 0; }
#endif

#ifdef E4J_CUBLAS
static float load(const void* base, int type, long long i) {
  switch (type) {
    case 2: return e4j_half_to_float(((const unsigned short*) base)[i]);                // 16F
    case 14: return __int_as_float((int) ((unsigned) ((const unsigned short*) base)[i] << 16));  // 16BF
    default: return ((const float*) base)[i];                                           // 32F
  }
}
// C (m x n) = alpha op(A) op(B) + beta C, column-major; op 0 = N, 1 = T.
static void gemm(int ta, int tb, int m, int n, int k, float alpha, const void* A, int typeA,
                 int lda, const void* B, int typeB, int ldb, float beta, float* C, int ldc) {
  for (int j = 0; j < n; j++) {
    for (int i = 0; i < m; i++) {
      float sum = 0;
      for (int l = 0; l < k; l++) {
        float a = load(A, typeA, ta ? (long long) i * lda + l : (long long) l * lda + i);
        float b = load(B, typeB, tb ? (long long) l * ldb + j : (long long) j * ldb + l);
        sum += a * b;
      }
      float* c = C + (long long) j * ldc + i;
      *c = alpha * sum + (beta == 0 ? 0 : beta * *c);
    }
  }
}
int cublasCreate_v2(void** h) { *h = std::malloc(8); return 0; }
int cublasDestroy_v2(void* h) { std::free(h); return 0; }
int cublasSetStream_v2(void*, void*) { return 0; }
int cublasSetMathMode(void*, int) { return 0; }
const char* cublasGetStatusString(int) { return "fake cuBLAS status"; }
int cublasSgemm_v2(void*, int ta, int tb, int m, int n, int k, const float* alpha,
                   const float* A, int lda, const float* B, int ldb, const float* beta, float* C,
                   int ldc) {
  gemm(ta, tb, m, n, k, *alpha, A, 0, lda, B, 0, ldb, *beta, C, ldc);
  return 0;
}
int cublasGemmEx(void*, int ta, int tb, int m, int n, int k, const void* alpha, const void* A,
                 int typeA, int lda, const void* B, int typeB, int ldb, const void* beta,
                 void* C, int typeC, int ldc, int, int) {
  if (typeC != 0) return 15;
  gemm(ta, tb, m, n, k, *(const float*) alpha, A, typeA, lda, B, typeB, ldb,
       *(const float*) beta, (float*) C, ldc);
  return 0;
}
#endif
}
