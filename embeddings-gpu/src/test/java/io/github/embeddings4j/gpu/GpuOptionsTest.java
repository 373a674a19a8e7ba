package io.github.embeddings4j.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GpuOptionsTest {

  @Test
  void defaultsAndRerankPerStorage() {
    GpuOptions o = GpuOptions.defaults();
    assertEquals(Storage.FLOAT32, o.storage());
    assertEquals(2, o.effectiveRerank());
    assertEquals(4, o.storage(Storage.FLOAT16).effectiveRerank());
    assertEquals(8, o.storage(Storage.BFLOAT16).effectiveRerank());
    assertEquals(3, o.storage(Storage.BFLOAT16).rerank(3).effectiveRerank());
    GpuOptions changed = o.residency(Residency.STREAMED).device(1).memoryLimitBytes(1 << 20)
        .queryBatch(64).fallbackToCpu(true);
    assertEquals(new GpuOptions(Storage.FLOAT32, 0, Residency.STREAMED, 1, 1 << 20, 64, true),
        changed);
  }

  @Test
  void outOfRangeSettingsNameTheSetting() {
    GpuOptions o = GpuOptions.defaults();
    assertTrue(assertThrows(IllegalArgumentException.class, () -> o.rerank(65)).getMessage()
        .startsWith("rerank must be"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> o.device(-1)).getMessage()
        .startsWith("device must be"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> o.memoryLimitBytes(-5))
        .getMessage().startsWith("memoryLimitBytes must be"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> o.queryBatch(0)).getMessage()
        .startsWith("queryBatch must be"));
  }
}
