package io.github.embeddings4j.cli;

import io.github.embeddings4j.api.spi.VectorKernels;
import io.github.embeddings4j.core.backend.NativeFlavour;
import io.github.embeddings4j.core.backend.OneDnn;
import java.io.PrintWriter;
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
    description = {
        "Report what the numbers run on: the ND4J backend (CPU or CUDA) and its native build",
        "flavour (plain, -avx2, -avx512, -onednn-avx2), whether oneDNN layer helpers are on, the",
        "BLAS threads, the vector kernels of the metrics, and the Java runtime."},
    footer = {"", "Example:", "  embeddings4j backend",
        "  JAVA_OPTS=-Dembeddings4j.nativeFlavour=none embeddings4j backend   # force the plain build"})
final class BackendCommand implements Callable<Integer> {

  @Spec CommandSpec spec;
  @Mixin CommonOptions common;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    String flavour = NativeFlavour.select();
    Properties env = Nd4j.getExecutioner().getEnvironmentInformation();
    out.println("ND4J backend:     " + Nd4j.getBackend().getClass().getSimpleName()
        + " (" + env.get("backend") + ")");
    out.println("native flavour:   " + (flavour.isEmpty() ? "plain" : flavour));
    out.println("oneDNN helpers:   " + (OneDnn.enabled() ? "on" : "off"));
    out.println("BLAS:             " + env.get("blas.vendor") + ", " + env.get("blas.threads")
        + " threads; OpenMP threads: " + env.get("omp.threads"));
    out.println("vector kernels:   " + VectorKernels.provider().name());
    out.println("Java:             " + Runtime.version() + " (" + System.getProperty("java.vm.name")
        + "), " + Runtime.getRuntime().availableProcessors() + " cores");
    return Main.EXIT_OK;
  }
}
