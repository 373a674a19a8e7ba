package io.github.embeddings4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.embeddings4j.core.backend.Backends;
import io.github.embeddings4j.core.backend.Gpu;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The documented ways to choose the backend, each in a fresh JVM (ND4J picks its backend once
 * per JVM) with ND4J's CUDA backend classes on the class path.
 */
class BackendChoiceTest {

  private static boolean supportedGpu;

  @BeforeAll
  static void lookForGpus() {
    assertNotNull(BackendChoiceTest.class.getClassLoader()
        .getResource("org/nd4j/linalg/jcublas/JCublasBackend.class"),
        "this module's tests need ND4J's CUDA backend classes on the class path");
    List<Gpu> gpus = Gpu.probe();
    supportedGpu = gpus.stream().anyMatch(Gpu::supported);
    System.out.println("GPUs found by nvidia-smi: " + (gpus.isEmpty() ? "none"
        : gpus.stream().map(Gpu::describe).toList()));
  }

  @Test
  void cpuCanBeForcedWhateverTheMachineHas() throws Exception {
    Jvm r = Jvm.run(Map.of(), List.of("-D" + Backends.PROPERTY + "=cpu"), ReportProbe.class);
    assertEquals(0, r.code(), r.err());
    assertEquals("CPU", r.value("backend"));
    assertEquals("CpuBackend", r.value("nd4j"));
    assertEquals(Backends.PROPERTY + "=cpu", r.value("reason"));
    assertEquals("9.0", r.value("sum"));
  }

  @Test
  void autoStaysOnTheCpuWithoutASupportedGpu() throws Exception {
    assumeTrue(!supportedGpu, "a supported GPU is present: the GPU tests cover auto there");
    Jvm r = Jvm.run(Map.of(), List.of(), ReportProbe.class);
    assertEquals(0, r.code(), r.err());
    assertEquals("CpuBackend", r.value("nd4j"));
    assertTrue(r.value("reason").contains("staying on the CPU"), r.value("reason"));
    // ND4J never saw its CUDA backend: no failed attempt to load CUDA in the log.
    assertFalse(r.err().contains("JCublasBackend"), r.err());
  }

  @Test
  void gpuIsRefusedWithTheReasonWhenNoneCanBeUsed() throws Exception {
    assumeTrue(!supportedGpu, "a supported GPU is present: gpu is then granted");
    Jvm r = Jvm.run(Map.of(), List.of("-D" + Backends.PROPERTY + "=gpu"), ReportProbe.class);
    assertEquals(2, r.code(), r.out() + r.err());
    assertTrue(r.err().contains("refused: " + Backends.PROPERTY + "=gpu but"), r.err());
  }

  @Test
  void anUnknownPreferenceIsRefusedWithTheValue() throws Exception {
    Jvm r = Jvm.run(Map.of(), List.of("-D" + Backends.PROPERTY + "=tpu"), ReportProbe.class);
    assertEquals(2, r.code(), r.out() + r.err());
    assertTrue(r.err().contains("must be auto, cpu or gpu, not 'tpu'"), r.err());
  }

  @Test
  void nd4jsOwnPriorityVariablesStillOrderItsChoice() throws Exception {
    assumeTrue(!cudaNativesPresent(), "needs the CUDA classes without their native libraries");
    // ND4J alone tries its CUDA backend first, fails to load CUDA, prints the error and falls
    // back; with the CPU backend's priority above the GPU's (ND4J's documented knob) it never
    // tries CUDA at all.
    Jvm alone = Jvm.run(Map.of(), List.of(), Nd4jAloneProbe.class);
    assertEquals("CpuBackend", alone.value("nd4j"), alone.err());
    assertTrue(alone.err().contains("Skipped [JCublasBackend]"), alone.err());
    Jvm ordered = Jvm.run(Map.of("BACKEND_PRIORITY_CPU", "200", "BACKEND_PRIORITY_GPU", "100"),
        List.of(), Nd4jAloneProbe.class);
    assertEquals(0, ordered.code(), ordered.err());
    assertEquals("CpuBackend", ordered.value("nd4j"));
    assertFalse(ordered.err().contains("JCublasBackend"), ordered.err());
  }

  /** Whether JavaCPP can load the CUDA runtime's bindings (the -Pcuda build on a CUDA machine). */
  static boolean cudaNativesPresent() {
    try {
      Class.forName("org.bytedeco.cuda.global.cudart");
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }
}
