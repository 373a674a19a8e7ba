package io.github.embeddings4j.core.backend;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CudaSupportTest {

  @Test
  void ampereAndOlderRunHopperDoesNot() {
    assertTrue(CudaSupport.canRun(7, 5)); // T4
    assertTrue(CudaSupport.canRun(8, 0)); // A100
    assertTrue(CudaSupport.canRun(8, 6)); // RTX 30xx
    assertFalse(CudaSupport.canRun(8, 9)); // L4, Ada: no SASS and no PTX to JIT from
    assertFalse(CudaSupport.canRun(9, 0)); // H100, H200
    assertFalse(CudaSupport.canRun(3, 0)); // Kepler GK104, below CUDA 11's floor
    assertTrue(CudaSupport.canRun(3, 5));
  }

  @Test
  void verdictGivesTheReason() {
    String h200 = CudaSupport.verdict("NVIDIA H200", 9, 0);
    assertTrue(h200.contains("newer") && h200.contains("8.6") && h200.contains("CPU"), h200);
    assertTrue(CudaSupport.verdict("A100", 8, 0).contains("supported"));
    assertTrue(CudaSupport.verdict("GTX 680", 3, 0).contains("older"));
  }

  @Test
  void negativeVersionsAreRefused() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> CudaSupport.canRun(-1, 0));
    assertTrue(e.getMessage().contains("-1.0"), e.getMessage());
  }
}
