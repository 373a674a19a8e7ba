package io.github.embeddings4j.core.onnx;

import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.weights.WeightInitUtil;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastSubOp;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Multi-head self-attention over a sequence of tokens, as a vision transformer's encoder block
 * holds it ({@code nn.MultiheadAttention}, timm's and CLIP's attention): {@code q = x Wq + bq},
 * {@code k}, {@code v} likewise, split into {@code heads} heads of {@code size / heads}
 * channels, {@code softmax(q k^T * scale) v} per head, the heads joined and projected by {@code
 * Wo + bo}. A sequence of {@code T} tokens of {@code size} channels is held as the map {@code
 * [N, size, 1, T]}, the layout {@link OnnxImport} gives a transformer's tokens, so that layer
 * norms, MLPs and residual connections are the layers a CNN uses. The weights are {@code x W}
 * matrices ({@code [size, size]}, PyTorch's {@code Linear} weight transposed); their gradients
 * are worked out here. Saved and read by DL4J's JSON as any layer.
 */
public class SelfAttention extends TokenLayer {

  private static final long serialVersionUID = 1L;

  /** The parameter names: the three input projections and the output projection. */
  static final String[] WEIGHTS = {"Wq", "Wk", "Wv", "Wo"};
  /** Their biases, in the same order. */
  static final String[] BIASES = {"bq", "bk", "bv", "bo"};

  private int size;
  private int heads;
  private int tokens;
  private double scale;

  /** For DL4J's JSON. */
  protected SelfAttention() {
  }

  /**
   * An attention layer.
   *
   * @param size the channels of a token; a multiple of {@code heads}
   * @param heads the number of heads
   * @param tokens the number of tokens (the width of the map it reads)
   * @param scale what the scores {@code q k^T} are multiplied by before the softmax; {@code 1 /
   *     sqrt(size / heads)} in the usual attention
   */
  public SelfAttention(@JsonProperty("size") int size, @JsonProperty("heads") int heads,
      @JsonProperty("tokens") int tokens, @JsonProperty("scale") double scale) {
    if (size < 1 || heads < 1 || size % heads != 0 || tokens < 1) {
      throw new IllegalArgumentException("attention over " + tokens + " tokens of " + size
          + " channels in " + heads + " heads: the channels must be a positive multiple of the"
          + " heads");
    }
    this.size = size;
    this.heads = heads;
    this.tokens = tokens;
    this.scale = scale;
  }

  /** The channels of a token. */
  public int getSize() {
    return size;
  }

  /** The number of heads. */
  public int getHeads() {
    return heads;
  }

  /** The number of tokens. */
  public int getTokens() {
    return tokens;
  }

  /** The factor of the scores before the softmax. */
  public double getScale() {
    return scale;
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType in) {
    if (!(in instanceof InputType.InputTypeConvolutional c) || c.getChannels() != size
        || c.getHeight() != 1 || c.getWidth() != tokens) {
      throw new IllegalArgumentException("attention over " + tokens + " tokens of " + size
          + " channels (a map [" + size + ", 1, " + tokens + "]) gets " + in);
    }
    return in;
  }

  @Override
  Map<String, long[]> shapes() {
    Map<String, long[]> out = new LinkedHashMap<>();
    for (String w : WEIGHTS) {
      out.put(w, new long[] {size, size});
    }
    for (String b : BIASES) {
      out.put(b, new long[] {1, size});
    }
    return out;
  }

  @Override
  boolean isBias(String name) {
    return name.startsWith("b");
  }

  @Override
  void initialise(Map<String, INDArray> params) {
    for (Map.Entry<String, INDArray> e : params.entrySet()) {
      if (isBias(e.getKey())) {
        e.getValue().assign(0);
      } else {
        WeightInitUtil.initWeights(size, size, e.getValue().shape(), WeightInit.XAVIER, null,
            'c', e.getValue());
      }
    }
  }

  /** {@code x} seen as {@code view}, its axes permuted, copied, and seen as {@code out}. */
  private static INDArray regroup(INDArray x, long[] view, int[] perm, long... out) {
    return x.reshape('c', view).permute(perm).dup('c').reshape('c', out);
  }

  /** Rows {@code [N * T, size]} as {@code [N * heads, T, d]}: a sequence per image and head. */
  private INDArray split(INDArray rows, long n) {
    long d = size / heads;
    return regroup(rows, new long[] {n, tokens, heads, d}, new int[] {0, 2, 1, 3}, n * heads,
        tokens, d);
  }

  /** The inverse of {@link #split}. */
  private INDArray join(INDArray perHead, long n) {
    return regroup(perHead, new long[] {n, heads, tokens, size / heads},
        new int[] {0, 2, 1, 3}, n * tokens, size);
  }

  /** A map {@code [N, size, 1, T]} as rows {@code [N * T, size]}, one per token. */
  private INDArray rows(INDArray x) {
    long n = x.size(0);
    return regroup(x, new long[] {n, size, tokens}, new int[] {0, 2, 1}, n * tokens, size);
  }

  /** The inverse of {@link #rows}. */
  private INDArray map(INDArray rows, long n) {
    return regroup(rows, new long[] {n, tokens, size}, new int[] {0, 2, 1}, n, size, 1, tokens);
  }

  /** The forward pass's values: rows, q, k, v, the attention weights, the joined heads. */
  private INDArray[] pass(Map<String, INDArray> p, INDArray x) {
    long n = x.size(0);
    INDArray rows = rows(x);
    INDArray q = split(rows.mmul(p.get("Wq")).addiRowVector(p.get("bq")), n);
    INDArray k = split(rows.mmul(p.get("Wk")).addiRowVector(p.get("bk")), n);
    INDArray v = split(rows.mmul(p.get("Wv")).addiRowVector(p.get("bv")), n);
    INDArray scores = Nd4j.matmul(q, k, false, true, false).muli(scale);
    INDArray weights = Nd4j.exec(new SoftMax(scores, scores, 2))[0];
    INDArray joined = join(Nd4j.matmul(weights, v), n);
    return new INDArray[] {rows, q, k, v, weights, joined};
  }

  @Override
  INDArray forward(Map<String, INDArray> p, INDArray x) {
    INDArray joined = pass(p, x)[5];
    return map(joined.mmul(p.get("Wo")).addiRowVector(p.get("bo")), x.size(0));
  }

  @Override
  INDArray backward(Map<String, INDArray> p, INDArray x, INDArray epsilon,
      Map<String, INDArray> grads) {
    long n = x.size(0);
    INDArray[] f = pass(p, x);
    INDArray rows = f[0];
    INDArray q = f[1];
    INDArray k = f[2];
    INDArray v = f[3];
    INDArray weights = f[4];
    INDArray dOut = rows(epsilon);
    grads.get("Wo").assign(f[5].transpose().mmul(dOut));
    grads.get("bo").assign(dOut.sum(0).reshape(1, size));
    INDArray dMixed = split(dOut.mmul(p.get("Wo").transpose()), n);
    INDArray dWeights = Nd4j.matmul(dMixed, v, false, true, false);         // [NH, T, T]
    INDArray dv = Nd4j.matmul(weights, dMixed, true, false, false);         // [NH, T, d]
    // softmax: dS = W * (dW - sum(dW * W) over the keys), times the scale
    INDArray dot = dWeights.mul(weights).sum(2);
    Nd4j.getExecutioner().exec(new BroadcastSubOp(dWeights, dot, dWeights, 0, 1));
    INDArray dScores = dWeights.muli(weights).muli(scale);
    INDArray dq = Nd4j.matmul(dScores, k);                                  // [NH, T, d]
    INDArray dk = Nd4j.matmul(dScores, q, true, false, false);             // [NH, T, d]
    INDArray dRows = null;
    INDArray[] parts = {dq, dk, dv};
    for (int i = 0; i < 3; i++) {
      INDArray d = join(parts[i], n);
      grads.get(WEIGHTS[i]).assign(rows.transpose().mmul(d));
      grads.get(BIASES[i]).assign(d.sum(0).reshape(1, size));
      INDArray back = d.mmul(p.get(WEIGHTS[i]).transpose());
      dRows = dRows == null ? back : dRows.addi(back);
    }
    return map(dRows, n);
  }

  @Override
  public SelfAttention clone() {
    return (SelfAttention) super.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SelfAttention a && a.size == size && a.heads == heads
        && a.tokens == tokens && a.scale == scale && super.equals(o);
  }

  @Override
  public int hashCode() {
    return ((31 * size + heads) * 31 + tokens) * 31 + Double.hashCode(scale);
  }
}
