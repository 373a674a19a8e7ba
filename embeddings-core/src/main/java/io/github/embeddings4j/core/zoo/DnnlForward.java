package io.github.embeddings4j.core.zoo;

import io.github.embeddings4j.core.zoo.dnnl.DnnlGraph;
import io.github.embeddings4j.core.embed.Activations;
import io.github.embeddings4j.core.embed.ForwardPass;

/**
 * The oneDNN graph executor ({@link DnnlGraph}): copies are runners that share the compiled
 * graph's packed weights and have activation buffers of their own. The weights go when the last
 * copy closes.
 */
final class DnnlForward implements ForwardPass {

  private final DnnlGraph graph;
  private final DnnlGraph.Runner runner;
  private final int[] item;
  private final java.util.concurrent.atomic.AtomicInteger users;

  DnnlForward(DnnlGraph.Runner runner) {
    this(runner, new java.util.concurrent.atomic.AtomicInteger(1));
  }

  private DnnlForward(DnnlGraph.Runner runner, java.util.concurrent.atomic.AtomicInteger users) {
    this.graph = runner.graph();
    this.runner = runner;
    long[] out = graph.outputShape();
    this.item = new int[] {(int) out[0], (int) out[1], (int) out[2]};
    this.users = users;
  }

  @Override
  public Activations forward(float[] input, int n) {
    return new Activations(runner.forward(input, n), n, item, false);
  }

  @Override
  public ForwardPass copy() {
    users.incrementAndGet();
    return new DnnlForward(graph.runner(), users);
  }

  @Override
  public String engine() {
    return "oneDNN graph executor (" + graph.operations() + " operations, "
        + graph.fusedAdditions() + " residual additions fused)";
  }

  @Override
  public void close() {
    runner.close();
    if (users.decrementAndGet() == 0) {
      graph.close();
    }
  }
}
