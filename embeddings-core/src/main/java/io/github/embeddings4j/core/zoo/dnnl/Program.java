package io.github.embeddings4j.core.zoo.dnnl;

import java.util.Arrays;
import java.util.List;

/**
 * What the {@link Compiler} makes of a network: the tensors, the operations in the order they
 * run, and when each tensor is read for the last time (what lets a {@link BufferPlan} reuse its
 * buffer).
 */
final class Program {

  final List<Tensor> tensors;
  final List<Op> ops;
  final int input;
  final int output;
  /** Per tensor, the index of the last op that reads it ({@code ops.size()} for the output). */
  final int[] lastUse;

  Program(List<Tensor> tensors, List<Op> ops, int input, int output) {
    this.tensors = tensors;
    this.ops = ops;
    this.input = input;
    this.output = output;
    this.lastUse = new int[tensors.size()];
    Arrays.fill(lastUse, -1);
    for (int i = 0; i < ops.size(); i++) {
      for (int t : ops.get(i).inputs()) {
        lastUse[t] = i;
      }
    }
    lastUse[output] = ops.size();
  }

  /** The number of residual additions fused into a convolution. */
  int fusedAdditions() {
    int n = 0;
    for (Op op : ops) {
      if (op instanceof Op.Conv c && c.sum >= 0) {
        n++;
      }
    }
    return n;
  }

  /** The bytes every tensor of a batch of {@code n} would take if each had its own buffer. */
  long tensorBytes(int n) {
    long sum = 0;
    for (Tensor t : tensors) {
      sum += 4L * t.size(n);
    }
    return sum;
  }

  /** The output of one image: channels, height, width. */
  long[] outputShape() {
    Tensor t = tensors.get(output);
    return new long[] {t.c(), t.h(), t.w()};
  }
}
