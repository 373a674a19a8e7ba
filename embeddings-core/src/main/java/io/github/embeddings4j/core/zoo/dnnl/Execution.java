package io.github.embeddings4j.core.zoo.dnnl;

import java.util.HashMap;
import java.util.Map;
import org.bytedeco.dnnl.stream;

/**
 * What a {@link DnnlGraph.Runner} runs with: its own stream, one {@link Plan} per batch size
 * (made on first use), and the {@link Arena} of activation buffers its plans share.
 */
final class Execution implements AutoCloseable {

  private final Program program;
  private final stream stream;
  private final Map<Integer, Plan> plans = new HashMap<>();
  /** Buffers shared by all plans of this runner (one plan runs at a time). */
  private final Arena arena = new Arena();

  Execution(Program program) {
    this.program = program;
    this.stream = new stream(Dnnl.engine());
  }

  /** Runs a batch of {@code n}, planned the first time this size comes. */
  float[] forward(float[] input, int n) {
    Plan plan = plans.get(n);
    if (plan == null) {
      plan = new Plan(program, n, stream, arena);
      plans.put(n, plan);
    }
    return plan.run(input);
  }

  /** The bytes of activation buffers it holds (shared by its batch sizes). */
  long bufferBytes() {
    return arena.bytes();
  }

  @Override
  public void close() {
    for (Plan p : plans.values()) {
      p.close();
    }
    plans.clear();
    arena.close();
    stream.close();
  }
}
