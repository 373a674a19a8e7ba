package io.github.embeddings4j.core.zoo.dnnl;

import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.memory;
import org.bytedeco.javacpp.FloatPointer;

/** oneDNN's CPU engine, made once per JVM, and the float memories every part here makes. */
final class Dnnl {

  private static volatile engine cpu;

  private Dnnl() {}

  static engine engine() {
    engine e = cpu;
    if (e == null) {
      synchronized (Dnnl.class) {
        e = cpu;
        if (e == null) {
          e = new engine(engine.kind.cpu, 0);
          cpu = e;
        }
      }
    }
    return e;
  }

  /** A float memory descriptor. */
  static memory.desc desc(long[] dims, memory.format_tag tag) {
    return new memory.desc(dims, memory.data_type.f32, tag);
  }

  /** A oneDNN-allocated memory holding {@code values}. */
  static memory filled(float[] values, engine e, long[] dims, memory.format_tag tag) {
    memory m = new memory(desc(dims, tag), e);
    new FloatPointer(m.get_data_handle()).capacity(values.length).put(values);
    return m;
  }
}
