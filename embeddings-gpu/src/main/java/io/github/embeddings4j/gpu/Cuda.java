package io.github.embeddings4j.gpu;

import static org.bytedeco.cuda.global.cudart.cudaGetDeviceCount;
import static org.bytedeco.cuda.global.cudart.cudaGetErrorString;

import org.bytedeco.cuda.global.cublas;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.cuda.global.nvrtc;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;

/**
 * Loading JavaCPP's CUDA bindings and checking the status codes of CUDA, cuBLAS and NVRTC
 * calls. Loading is tried once per JVM; its outcome, a working library set or the reason there
 * is none, is kept.
 */
final class Cuda {

  private Cuda() {}

  /** Null when the libraries loaded, else why not (a sentence naming what to install). */
  private static volatile String loadFailure;
  private static volatile boolean tried;

  /**
   * Loads cudart, cuBLAS and NVRTC's bindings.
   *
   * @return null when they loaded, else the reason they did not
   */
  static synchronized String load() {
    if (!tried) {
      tried = true;
      try {
        Loader.load(cudart.class);
      } catch (Throwable e) {
        loadFailure = "the CUDA runtime did not load (" + rootMessage(e) + "): an NVIDIA driver"
            + " (libcuda.so.1) and CUDA 13's libcudart.so.13 must be installed";
        return loadFailure;
      }
      try {
        Loader.load(cublas.class);
      } catch (Throwable e) {
        loadFailure = "cuBLAS did not load (" + rootMessage(e) + "): install CUDA 13's cuBLAS"
            + " (libcublas.so.13, libcublasLt.so.13)";
        return loadFailure;
      }
      try {
        Loader.load(nvrtc.class);
      } catch (Throwable e) {
        loadFailure = "NVRTC did not load (" + rootMessage(e) + "): install CUDA 13's NVRTC"
            + " (libnvrtc.so.13)";
        return loadFailure;
      }
    }
    return loadFailure;
  }

  /**
   * The number of CUDA devices, or an exception saying why none can be used.
   *
   * @return at least 1
   * @throws GpuUnavailableException if the libraries do not load or there is no usable device
   */
  static int deviceCount() {
    String failure = load();
    if (failure != null) {
      throw new GpuUnavailableException("no GPU: " + failure, null);
    }
    int[] count = {0};
    int rc = cudaGetDeviceCount(count);
    if (rc != 0) {
      throw new GpuUnavailableException("no GPU: cudaGetDeviceCount failed with "
          + errorName(rc) + (rc == cudart.cudaErrorInsufficientDriver
              ? "; CUDA 13 needs an NVIDIA driver of version 580 or newer" : ""), null);
    }
    if (count[0] == 0) {
      throw new GpuUnavailableException("no GPU: the CUDA driver reports no device", null);
    }
    return count[0];
  }

  /** A CUDA runtime status code in words: "out of memory (CUDA error 2)". */
  static String errorName(int rc) {
    BytePointer s = cudaGetErrorString(rc);
    return (s == null ? "unknown error" : s.getString()) + " (CUDA error " + rc + ")";
  }

  /** Throws a {@link GpuException} naming the call unless {@code rc} is success. */
  static void check(int rc, String call) {
    if (rc != 0) {
      throw new GpuException(call + " failed: " + errorName(rc));
    }
  }

  /** Throws a {@link GpuException} naming the cuBLAS call unless {@code rc} is success. */
  static void checkBlas(int rc, String call) {
    if (rc != 0) {
      BytePointer s = cublas.cublasGetStatusString(rc);
      throw new GpuException(call + " failed: " + (s == null ? "status " + rc : s.getString())
          + " (cuBLAS status " + rc + ")");
    }
  }

  /** A pointer at a raw device address, for kernel arguments and library calls. */
  static Pointer at(long deviceAddress) {
    return new DevicePointer(deviceAddress);
  }

  /** A Pointer whose address is set from a number; JavaCPP keeps the field protected. */
  private static final class DevicePointer extends Pointer {
    DevicePointer(long deviceAddress) {
      this.address = deviceAddress;
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getClass().getSimpleName() + ": " + t.getMessage();
  }
}
