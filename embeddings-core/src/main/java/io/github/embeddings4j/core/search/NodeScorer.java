package io.github.embeddings4j.core.search;

import io.github.embeddings4j.core.vector.VectorMath;

/**
 * The ranking distance (lower is closer) from one prepared query to any node of a {@link
 * GraphStore}: squared Euclidean or minus the inner product, on the float rows or on the int8
 * codes (the query stays in float). One object per query, made by {@link GraphIndex}; the hot
 * loop of a graph search calls {@link #distance(int)} on one implementation, which the JIT
 * inlines.
 */
abstract class NodeScorer {

  abstract float distance(int node);

  /**
   * Reads the first and the last component of each node's row and returns their sum: loads
   * that do not depend on each other, so the processor resolves the rows' pages and fetches
   * their first and last cache lines all at once, before {@link #distance} walks each row in
   * turn. The caller stores the sum, so the reads cannot be dropped.
   *
   * @param nodes the nodes about to be scored
   * @param count how many of {@code nodes}
   * @return a value of no meaning
   */
  abstract float touch(int[] nodes, int count);

  static float touchFloats(float[][] segs, int shift, int mask, int dim, int[] nodes,
      int count) {
    float sum = 0;
    for (int i = 0; i < count; i++) {
      int n = nodes[i];
      float[] seg = segs[n >>> shift];
      int at = (n & mask) * dim;
      sum += seg[at] + seg[at + dim - 1];
    }
    return sum;
  }

  static float touchBytes(byte[][] segs, int shift, int mask, int dim, int[] nodes,
      int count) {
    int sum = 0;
    for (int i = 0; i < count; i++) {
      int n = nodes[i];
      byte[] seg = segs[n >>> shift];
      int at = (n & mask) * dim;
      sum += seg[at] + seg[at + dim - 1];
    }
    return sum;
  }

  static final class FloatSquare extends NodeScorer {
    private final float[][] segs;
    private final int shift;
    private final int mask;
    private final int dim;
    private final float[] q;
    private final int qo;

    FloatSquare(GraphStore st, float[] q, int qo) {
      this.segs = st.vectors;
      this.shift = st.shift;
      this.mask = st.mask;
      this.dim = st.dim;
      this.q = q;
      this.qo = qo;
    }

    @Override
    float distance(int node) {
      return VectorMath.squareDistance(q, qo, segs[node >>> shift], (node & mask) * dim, dim);
    }

    @Override
    float touch(int[] nodes, int count) {
      return touchFloats(segs, shift, mask, dim, nodes, count);
    }
  }

  static final class FloatDot extends NodeScorer {
    private final float[][] segs;
    private final int shift;
    private final int mask;
    private final int dim;
    private final float[] q;
    private final int qo;

    FloatDot(GraphStore st, float[] q, int qo) {
      this.segs = st.vectors;
      this.shift = st.shift;
      this.mask = st.mask;
      this.dim = st.dim;
      this.q = q;
      this.qo = qo;
    }

    @Override
    float distance(int node) {
      return -VectorMath.dotProduct(q, qo, segs[node >>> shift], (node & mask) * dim, dim);
    }

    @Override
    float touch(int[] nodes, int count) {
      return touchFloats(segs, shift, mask, dim, nodes, count);
    }
  }

  static final class CodeSquare extends NodeScorer {
    private final byte[][] segs;
    private final int shift;
    private final int mask;
    private final int dim;
    private final float[] shifted;
    private final float[] steps;

    CodeSquare(GraphStore st, float[] q, float[] buffer) {
      this.segs = st.codes;
      this.shift = st.shift;
      this.mask = st.mask;
      this.dim = st.dim;
      st.quantizer.shift(q, buffer);
      this.shifted = buffer;
      this.steps = st.quantizer.step;
    }

    @Override
    float distance(int node) {
      return VectorMath.squareDistanceToCodes(shifted, steps, segs[node >>> shift],
          (node & mask) * dim, dim);
    }

    @Override
    float touch(int[] nodes, int count) {
      return touchBytes(segs, shift, mask, dim, nodes, count);
    }
  }

  static final class CodeDot extends NodeScorer {
    private final byte[][] segs;
    private final int shift;
    private final int mask;
    private final int dim;
    private final float[] weights;
    private final float constant;

    CodeDot(GraphStore st, float[] q, float[] buffer) {
      this.segs = st.codes;
      this.shift = st.shift;
      this.mask = st.mask;
      this.dim = st.dim;
      this.constant = st.quantizer.weights(q, buffer);
      this.weights = buffer;
    }

    @Override
    float distance(int node) {
      return -(constant + VectorMath.dotProductWithCodes(weights, segs[node >>> shift],
          (node & mask) * dim, dim));
    }

    @Override
    float touch(int[] nodes, int count) {
      return touchBytes(segs, shift, mask, dim, nodes, count);
    }
  }
}
