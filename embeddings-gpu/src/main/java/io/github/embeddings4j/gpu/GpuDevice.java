package io.github.embeddings4j.gpu;

import static org.bytedeco.cuda.global.cudart.cuDeviceGet;
import static org.bytedeco.cuda.global.cudart.cuDeviceGetName;
import static org.bytedeco.cuda.global.cudart.cudaDevAttrComputeCapabilityMajor;
import static org.bytedeco.cuda.global.cudart.cudaDevAttrComputeCapabilityMinor;
import static org.bytedeco.cuda.global.cudart.cudaDeviceGetAttribute;
import static org.bytedeco.cuda.global.cudart.cudaDriverGetVersion;
import static org.bytedeco.cuda.global.cudart.cudaMemGetInfo;
import static org.bytedeco.cuda.global.cudart.cudaRuntimeGetVersion;
import static org.bytedeco.cuda.global.cudart.cudaSetDevice;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bytedeco.cuda.global.cudnn;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.SizeTPointer;

/**
 * One CUDA GPU as the driver reports it, with the versions of the CUDA libraries in use.
 *
 * <pre>{@code
 * for (GpuDevice gpu : GpuDevice.list()) {
 *   System.out.println(gpu);   // GPU 0: NVIDIA H200, compute capability 9.0, 139.8 GiB ...
 * }
 * }</pre>
 *
 * @param index the CUDA device number
 * @param name the GPU's name, e.g. {@code "NVIDIA H200"}
 * @param computeCapability e.g. {@code "9.0"}
 * @param totalMemoryBytes the GPU's memory
 * @param freeMemoryBytes the memory free when it was listed
 * @param runtimeVersion the CUDA runtime's version, e.g. {@code "13.0"}
 * @param driverVersion the newest CUDA version the driver supports, e.g. {@code "13.0"}
 * @param cudnnVersion cuDNN's version, e.g. {@code "9.14.0"}, or a sentence saying why it is
 *     not known (the GPU index does not use cuDNN)
 */
public record GpuDevice(int index, String name, String computeCapability, long totalMemoryBytes,
    long freeMemoryBytes, String runtimeVersion, String driverVersion, String cudnnVersion) {

  /**
   * Every CUDA GPU of this machine.
   *
   * @return the GPUs, device 0 first
   * @throws GpuUnavailableException if the CUDA libraries do not load or there is no GPU, with
   *     the reason
   */
  public static List<GpuDevice> list() {
    int count = Cuda.deviceCount();
    int[] runtime = {0};
    int[] driver = {0};
    Cuda.check(cudaRuntimeGetVersion(runtime), "cudaRuntimeGetVersion");
    Cuda.check(cudaDriverGetVersion(driver), "cudaDriverGetVersion");
    String cudnnVersion = loadCudnnVersion();
    List<GpuDevice> gpus = new ArrayList<>(count);
    for (int d = 0; d < count; d++) {
      try (SizeTPointer free = new SizeTPointer(1);
           SizeTPointer total = new SizeTPointer(1)) {
        Cuda.check(cudaSetDevice(d), "cudaSetDevice(" + d + ")");
        Cuda.check(cudaMemGetInfo(free, total), "cudaMemGetInfo on GPU " + d);
        gpus.add(new GpuDevice(d, name(d), attribute(cudaDevAttrComputeCapabilityMajor, d) + "."
            + attribute(cudaDevAttrComputeCapabilityMinor, d), total.get(), free.get(),
            version(runtime[0]), version(driver[0]), cudnnVersion));
      }
    }
    return List.copyOf(gpus);
  }

  /**
   * One GPU.
   *
   * @param index the CUDA device number
   * @return the GPU
   * @throws GpuUnavailableException if there is no such GPU, naming the ones there are
   */
  public static GpuDevice get(int index) {
    List<GpuDevice> gpus = list();
    if (index < 0 || index >= gpus.size()) {
      throw new GpuUnavailableException("no GPU " + index + ": this machine has " + gpus.size()
          + " (" + gpus.stream().map(g -> g.index() + " " + g.name()).toList() + ")", null);
    }
    return gpus.get(index);
  }

  /**
   * Whether a GPU can be used, without throwing.
   *
   * @return null if {@link #list()} finds one, else the reason it does not
   */
  public static String unavailableReason() {
    try {
      list();
      return null;
    } catch (GpuUnavailableException | GpuException e) {
      return e.getMessage();
    }
  }

  /** A device attribute (cudaDeviceGetAttribute), e.g. its number of multiprocessors. */
  static int attribute(int attribute, int device) {
    int[] value = {0};
    Cuda.check(cudaDeviceGetAttribute(value, attribute, device),
        "cudaDeviceGetAttribute(" + attribute + ", " + device + ")");
    return value[0];
  }

  /** The GPU's name from the driver (cuDeviceGetName), without the trailing NULs. */
  private static String name(int device) {
    byte[] name = new byte[256];
    int[] handle = {0};
    Kernels.checkDriver(cuDeviceGet(handle, device), "cuDeviceGet(" + device + ")");
    Kernels.checkDriver(cuDeviceGetName(name, name.length, handle[0]), "cuDeviceGetName");
    int end = 0;
    while (end < name.length && name[end] != 0) {
      end++;
    }
    return new String(name, 0, end, java.nio.charset.StandardCharsets.UTF_8).trim();
  }

  /** The compute capability as one number: 9.0 is 90, 8.6 is 86. */
  int smVersion() {
    String[] parts = computeCapability.split("\\.");
    return Integer.parseInt(parts[0]) * 10 + Integer.parseInt(parts[1]);
  }

  /**
   * One line: index, name, compute capability, memory and versions.
   *
   * @return the description
   */
  @Override
  public String toString() {
    return String.format(Locale.ROOT, "GPU %d: %s, compute capability %s, %.1f GiB (%.1f GiB"
        + " free), CUDA runtime %s, driver supports CUDA %s, cuDNN %s", index, name,
        computeCapability, totalMemoryBytes / 1073741824.0, freeMemoryBytes / 1073741824.0,
        runtimeVersion, driverVersion, cudnnVersion);
  }

  /** 13000 is "13.0", 12040 "12.4". */
  static String version(int encoded) {
    return (encoded / 1000) + "." + (encoded % 1000) / 10;
  }

  private static String loadCudnnVersion() {
    try {
      Loader.load(cudnn.class);
      long v = cudnn.cudnnGetVersion();
      // cuDNN 9 encodes major * 10000 + minor * 100 + patch (8.x used major * 1000).
      return v >= 90000 ? (v / 10000) + "." + (v % 10000) / 100 + "." + v % 100
          : (v / 1000) + "." + (v % 1000) / 100 + "." + v % 100;
    } catch (Throwable e) {
      return "not found (libcudnn.so.9 did not load)";
    }
  }
}
