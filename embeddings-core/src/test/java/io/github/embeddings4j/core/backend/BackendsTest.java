package io.github.embeddings4j.core.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.BackendReport;
import io.github.embeddings4j.core.backend.Backends.Decision;
import io.github.embeddings4j.core.backend.Backends.Preference;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackendsTest {

  private static final Gpu A100 = new Gpu(0, "NVIDIA A100", 8, 0, 40L << 30, "535.1");
  private static final Gpu H200 = new Gpu(1, "NVIDIA H200", 9, 0, 141L << 30, "550.2");
  private static final Gpu OLD_DRIVER = new Gpu(0, "Tesla T4", -1, -1, 15L << 30, "470.1");

  @Test
  void nvidiaSmiOutputIsParsedWithAndWithoutComputeCapability() {
    List<Gpu> gpus = Gpu.parse("0, NVIDIA H200, 9.0, 143771, 550.54.15\n"
        + "1, NVIDIA A10G, 8.6, 23028, 550.54.15\n\ngarbage line\n");
    assertEquals(2, gpus.size());
    assertEquals(new Gpu(0, "NVIDIA H200", 9, 0, 143771L << 20, "550.54.15"), gpus.get(0));
    assertFalse(gpus.get(0).supported());
    assertTrue(gpus.get(1).supported());
    List<Gpu> old = Gpu.parse("0, Tesla T4, 15109, 470.82.01\n");
    assertEquals(new Gpu(0, "Tesla T4", -1, -1, 15109L << 20, "470.82.01"), old.get(0));
    assertFalse(old.get(0).capabilityKnown());
    assertTrue(old.get(0).supported(), "unknown capability: ND4J is allowed to try");
    assertTrue(Gpu.parse("[N/A], x, y, z, w").isEmpty());
    assertTrue(H200.describe().contains("newer") && H200.describe().contains("141.0 GiB"),
        H200.describe());
  }

  @Test
  void withoutCudaClassesNothingIsHiddenAndGpuIsRefused() {
    Decision auto = Backends.decide(Preference.AUTO, false, List.of(A100));
    assertFalse(auto.hideCuda());
    assertNull(auto.refusal());
    Decision gpu = Backends.decide(Preference.GPU, false, List.of(A100));
    assertTrue(gpu.refusal().contains("embeddings-nd4j-cuda"), gpu.refusal());
  }

  @Test
  void autoUsesASupportedGpuAndOtherwiseStaysOnTheCpu() {
    assertFalse(Backends.decide(Preference.AUTO, true, List.of(H200, A100)).hideCuda());
    assertFalse(Backends.decide(Preference.AUTO, true, List.of(OLD_DRIVER)).hideCuda());
    Decision none = Backends.decide(Preference.AUTO, true, List.of());
    assertTrue(none.hideCuda());
    assertTrue(none.reason().contains("no NVIDIA GPU"), none.reason());
    Decision hopper = Backends.decide(Preference.AUTO, true, List.of(H200));
    assertTrue(hopper.hideCuda());
    assertNull(hopper.refusal());
    assertTrue(hopper.reason().contains("H200") && hopper.reason().contains("8.6"),
        hopper.reason());
  }

  @Test
  void cpuIsForcedAndGpuIsRequired() {
    Decision cpu = Backends.decide(Preference.CPU, true, List.of(A100));
    assertTrue(cpu.hideCuda());
    assertNull(cpu.refusal());
    assertFalse(Backends.decide(Preference.CPU, false, List.of()).hideCuda(),
        "nothing to hide without the CUDA classes");
    assertNull(Backends.decide(Preference.GPU, true, List.of(A100)).refusal());
    String refusal = Backends.decide(Preference.GPU, true, List.of(H200)).refusal();
    assertTrue(refusal.contains("gpu") && refusal.contains("H200"), refusal);
  }

  @Test
  void preferenceNamesAreCheckedWithTheValueInTheMessage() {
    assertEquals(Preference.AUTO, Preference.parse(null));
    assertEquals(Preference.CPU, Preference.parse(" CPU "));
    assertEquals(Preference.GPU, Preference.parse("cuda"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Preference.parse("tpu"));
    assertTrue(e.getMessage().contains("'tpu'") && e.getMessage().contains(Backends.PROPERTY));
  }

  @Test
  void theFilteringLoaderHidesOnlyTheCudaServiceEntry(@TempDir Path dir) throws IOException {
    Path cpu = dir.resolve("cpu");
    Path cuda = dir.resolve("cuda");
    for (Path p : List.of(cpu, cuda)) {
      Files.createDirectories(p.resolve("META-INF/services"));
    }
    Files.writeString(cpu.resolve(Backends.SERVICES), "org.nd4j.linalg.cpu.nativecpu.CpuBackend\n");
    Files.writeString(cuda.resolve(Backends.SERVICES), Backends.CUDA_BACKEND + "\n");
    Files.writeString(cuda.resolve("other.txt"), "kept");
    try (URLClassLoader both = new URLClassLoader(
        new URL[] {cpu.toUri().toURL(), cuda.toUri().toURL()}, null)) {
      assertEquals(2, Collections.list(both.getResources(Backends.SERVICES)).size());
      Backends.WithoutCuda filtered = new Backends.WithoutCuda(both);
      List<URL> seen = Collections.list(filtered.getResources(Backends.SERVICES));
      assertEquals(1, seen.size());
      assertTrue(seen.get(0).toString().contains("/cpu/"), seen.toString());
      assertEquals(1, Collections.list(filtered.getResources("other.txt")).size());
    }
  }

  @Test
  void reportNamesTheCpuBackendAndItsBuild() {
    BackendReport r = Backends.report();
    assertEquals("CPU", r.backend());
    assertFalse(r.onGpu());
    assertTrue(r.build().startsWith("linux-x86_64") || !r.build().isEmpty(), r.build());
    // The build named is the one JavaCPP loaded, and the OpenBLAS kernels follow it.
    assertTrue(r.build().contains(NativeFlavour.loadedFlavour()), r.build());
    assertTrue(r.build().contains("OpenBLAS "), r.build());
    assertTrue(r.build().contains(", OpenMP wait "), r.build());
    assertFalse(r.device().isBlank());
    assertEquals("", r.computeCapability());
    assertTrue(r.threads() >= 1, "threads " + r.threads());
  }
}
