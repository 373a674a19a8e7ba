package io.github.embeddings4j.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.bytedeco.cuda.global.nvrtc;
import org.bytedeco.javacpp.Loader;
import org.junit.jupiter.api.Test;

/**
 * NVRTC compiles the kernels for every list size and for Turing and Hopper. NVRTC itself needs
 * no GPU, but JavaCPP's NVRTC bindings load the CUDA runtime's, which need the driver's
 * libcuda.so.1: skipped where that is missing, with the reason.
 */
class KernelCompileTest {

  @Test
  void listSizesArePowersOfTwoFrom32() {
    assertEquals(32, Kernels.listSize(1));
    assertEquals(32, Kernels.listSize(32));
    assertEquals(64, Kernels.listSize(33));
    assertEquals(1024, Kernels.listSize(1024));
    assertThrows(IllegalArgumentException.class, () -> Kernels.listSize(1025));
  }

  @Test
  void gpusNewerThanNvrtcGetPtxForTheNewestArchitectureBelowThem() {
    int[] cuda13 = {120, 75, 80, 86, 87, 89, 90, 100, 103, 110, 121};
    assertEquals("sm_90", Kernels.target(90, cuda13));
    assertEquals("sm_75", Kernels.target(75, cuda13));
    assertEquals("compute_121", Kernels.target(130, cuda13), "a GPU newer than NVRTC");
    assertEquals("compute_90", Kernels.target(95, cuda13), "an architecture it skips");
    GpuException e = assertThrows(GpuException.class, () -> Kernels.target(70, cuda13));
    assertEquals("this NVRTC compiles for compute capability 7.5 and newer; the GPU's is 7.0:"
        + " use an older CUDA, or the CPU", e.getMessage());
    assertEquals("NVRTC lists no architecture it compiles for",
        assertThrows(GpuException.class, () -> Kernels.target(90, new int[0])).getMessage());
  }

  @Test
  void theSourceCompilesForTuringAndHopperAtEverySize() {
    String failure = null;
    try {
      Loader.load(nvrtc.class);
    } catch (Throwable e) {
      failure = e.toString();
    }
    String reason = failure;
    assumeTrue(reason == null, () -> "NVRTC not available: " + reason);
    for (int sm : new int[] {75, 90}) {
      for (int size = 32; size <= Kernels.MAX_CANDIDATES; size <<= 1) {
        byte[] image = Kernels.image(sm, size);
        // An ELF CUBIN: 0x7f 'E' 'L' 'F'.
        assertTrue(image.length > 1000 && image[0] == 0x7f && image[1] == 'E', "sm_" + sm
            + " size " + size + ": " + image.length + " bytes");
      }
    }
  }
}
