package io.github.embeddings4j.cli;

import io.github.embeddings4j.api.BackendReport;
import io.github.embeddings4j.api.spi.VectorKernels;
import io.github.embeddings4j.core.backend.Backends;
import io.github.embeddings4j.core.backend.OneDnn;
import io.github.embeddings4j.core.zoo.ZooEmbedder;
import io.github.embeddings4j.gpu.GpuDevice;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Reports the active ND4J backend, its native flavour and the vector kernels. */
@Command(
    name = "backend",
    mixinStandardHelpOptions = true,
    header = "What the numbers run on: backend, native build, device, threads.",
    description =
        "Report what the numbers run on: the ND4J backend (CPU or CUDA) and why it was "
        + "chosen, its native build (plain, -avx2, -avx512, -onednn-avx2, cuda-11.6), the "
        + "device (CPU model or GPU name, compute capability, memory, CUDA and cuDNN "
        + "versions), every NVIDIA GPU found, whether oneDNN layer helpers are on, the "
        + "threads, the vector kernels of the metrics, and the Java runtime.",
    footer = {
        "",
        "Example:",
        "  embeddings4j backend",
        "  # the plain CPU build",
        "  JAVA_OPTS=-Dembeddings4j.nativeFlavour=plain embeddings4j backend",
        "  # CPU even where a GPU is usable",
        "  JAVA_OPTS=-Dembeddings4j.backend=cpu embeddings4j backend",
        "  # a GPU, or a clear refusal",
        "  JAVA_OPTS=-Dembeddings4j.backend=gpu embeddings4j backend"})
final class BackendCommand implements Callable<Integer> {

  @Spec CommandSpec spec;
  @Mixin CommonOptions common;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    BackendReport r = Backends.report();
    Properties env = Nd4j.getExecutioner().getEnvironmentInformation();
    out.println("ND4J backend:     " + r.backend() + " (" + Nd4j.getBackend().getClass()
        .getSimpleName() + "), native build " + r.build());
    out.println("why:              " + r.reason());
    out.println("device:           " + r.device() + (r.onGpu() ? ", compute capability "
        + r.computeCapability() : ""));
    if (r.memoryBytes() >= 0) {
      out.println((r.onGpu() ? "GPU memory:       " : "off-heap limit:   ")
          + String.format(Locale.ROOT, "%.1f GiB", r.memoryBytes() / (double) (1L << 30)));
    }
    if (r.onGpu()) {
      out.println("CUDA / cuDNN:     " + r.cudaVersion() + " / "
          + (r.cudnnVersion().isEmpty() ? "not loaded" : r.cudnnVersion()));
    } else {
      out.println("oneDNN graph:     " + ZooEmbedder.oneDnnGraphStatus());
      out.println("ONNX Runtime:     " + io.github.embeddings4j.core.onnx.OrtForward.status());
      out.println("oneDNN helpers:   " + (OneDnn.enabled() ? "on" : "off")
          + " (for networks DL4J runs)");
    }
    for (String gpu : r.gpus()) {
      out.println("GPU found:        " + gpu);
    }
    // The GPU index (embeddings-gpu, CUDA 13), independent of ND4J's backend above.
    String noGpu = GpuDevice.unavailableReason();
    if (noGpu != null) {
      out.println("GPU search:       unavailable: " + noGpu);
    } else {
      for (GpuDevice gpu : GpuDevice.list()) {
        out.println("GPU search:       " + gpu);
      }
    }
    out.println("BLAS:             " + env.get("blas.vendor") + ", " + env.get("blas.threads")
        + " threads; OpenMP threads: " + r.threads());
    out.println("vector kernels:   " + VectorKernels.provider().name());
    out.println("Java:             " + Runtime.version() + " (" + System.getProperty("java.vm.name")
        + "), " + Runtime.getRuntime().availableProcessors() + " cores");
    return Main.EXIT_OK;
  }
}
