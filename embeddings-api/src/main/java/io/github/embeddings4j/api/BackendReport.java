package io.github.embeddings4j.api;

import java.util.List;
import java.util.Objects;

/**
 * What the numbers run on: the compute backend an implementation loaded, the device behind it,
 * and why that one was chosen. Implementations fill it in from their native library; a field
 * that does not apply or is unknown is empty (strings) or {@code -1} (numbers).
 *
 * @param backend the backend in use, {@code "CPU"} or {@code "CUDA"}
 * @param build the native build in use, e.g. {@code "linux-x86_64-onednn-avx2"} or {@code
 *     "cuda-11.6"}
 * @param device the device's name: the CPU model, or the GPU's name
 * @param computeCapability a GPU's compute capability, e.g. {@code "8.6"}; empty for a CPU
 * @param memoryBytes the device's memory: a GPU's total memory, or the maximum this JVM may use
 *     off the heap for a CPU; {@code -1} when unknown
 * @param cudaVersion the CUDA runtime version of a GPU backend, e.g. {@code "11.6"}; empty for a
 *     CPU
 * @param cudnnVersion the cuDNN version when cuDNN is in use; empty otherwise
 * @param threads the native library's compute threads (OpenMP/BLAS), {@code -1} when unknown
 * @param reason one sentence on why this backend was chosen (a forced choice, no GPU, an
 *     unsupported GPU, ...)
 * @param gpus every NVIDIA GPU found on the machine, in the words of {@code reason}'s checks,
 *     whether in use or not; empty when none was found
 */
public record BackendReport(String backend, String build, String device,
    String computeCapability, long memoryBytes, String cudaVersion, String cudnnVersion,
    int threads, String reason, List<String> gpus) {

  /**
   * Checks the fields and copies the list.
   *
   * @param backend the backend in use
   * @param build the native build in use
   * @param device the device's name
   * @param computeCapability a GPU's compute capability, empty for a CPU
   * @param memoryBytes the device's memory, {@code -1} when unknown
   * @param cudaVersion the CUDA runtime version, empty for a CPU
   * @param cudnnVersion the cuDNN version, empty when not in use
   * @param threads the native library's compute threads, {@code -1} when unknown
   * @param reason why this backend was chosen
   * @param gpus every NVIDIA GPU found
   * @throws NullPointerException if a field is null
   */
  public BackendReport {
    Objects.requireNonNull(backend, "backend");
    Objects.requireNonNull(build, "build");
    Objects.requireNonNull(device, "device");
    Objects.requireNonNull(computeCapability, "computeCapability");
    Objects.requireNonNull(cudaVersion, "cudaVersion");
    Objects.requireNonNull(cudnnVersion, "cudnnVersion");
    Objects.requireNonNull(reason, "reason");
    gpus = List.copyOf(gpus);
  }

  /**
   * Whether the work runs on a GPU.
   *
   * @return {@code true} for the CUDA backend
   */
  public boolean onGpu() {
    return "CUDA".equals(backend);
  }
}
