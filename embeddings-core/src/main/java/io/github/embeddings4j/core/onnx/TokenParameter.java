package io.github.embeddings4j.core.onnx;

import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * A vision transformer's learned tokens, on a sequence held as the map {@code [N, size, 1, T]}
 * ({@link SelfAttention}): a {@link Kind#CLASS_TOKEN} put in front of the sequence, one token of
 * {@code size} values learned (ViT's {@code class_token}, CLIP's {@code class_embedding}); or a
 * {@link Kind#POSITIONS} embedding added to it, one learned value per channel and token ({@code
 * pos_embedding}). Both train (as biases: weight decay leaves them alone, as PyTorch's recipes
 * do). A position embedding is made for a number of tokens ({@link OnnxImport} resamples the
 * file's for another image size). Saved and read by DL4J's JSON as any layer.
 */
public class TokenParameter extends TokenLayer {

  private static final long serialVersionUID = 1L;

  /** The parameter's name. */
  static final String PARAM = "P";

  /** What the parameter does. */
  public enum Kind {
    /** One token before the sequence: {@code [N, size, 1, T]} becomes {@code T + 1} long. */
    CLASS_TOKEN,
    /** A value per channel and token added to the sequence. */
    POSITIONS
  }

  private Kind kind;
  private int size;
  private int tokens;

  /** For DL4J's JSON. */
  protected TokenParameter() {
  }

  /**
   * A learned token or position embedding.
   *
   * @param kind what it does
   * @param size the channels of a token
   * @param tokens the number of tokens of the sequence it reads
   */
  public TokenParameter(@JsonProperty("kind") Kind kind, @JsonProperty("size") int size,
      @JsonProperty("tokens") int tokens) {
    if (kind == null || size < 1 || tokens < 1) {
      throw new IllegalArgumentException("a " + kind + " for " + tokens + " tokens of " + size
          + " channels");
    }
    this.kind = kind;
    this.size = size;
    this.tokens = tokens;
  }

  /** What the parameter does. */
  public Kind getKind() {
    return kind;
  }

  /** The channels of a token. */
  public int getSize() {
    return size;
  }

  /** The number of tokens read. */
  public int getTokens() {
    return tokens;
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType in) {
    if (!(in instanceof InputType.InputTypeConvolutional c) || c.getChannels() != size
        || c.getHeight() != 1 || c.getWidth() != tokens) {
      throw new IllegalArgumentException("a " + (kind == Kind.CLASS_TOKEN ? "class token"
          : "position embedding") + " for " + tokens + " tokens of " + size + " channels (a map ["
          + size + ", 1, " + tokens + "]) gets " + in + (kind == Kind.POSITIONS ? "; the position"
          + " embedding fixes the number of tokens: use the image size the model was exported"
          + " at" : ""));
    }
    return kind == Kind.CLASS_TOKEN ? InputType.convolutional(1, tokens + 1, size) : in;
  }

  @Override
  Map<String, long[]> shapes() {
    Map<String, long[]> out = new LinkedHashMap<>();
    out.put(PARAM, kind == Kind.CLASS_TOKEN ? new long[] {1, size} : new long[] {size, tokens});
    return out;
  }

  @Override
  boolean isBias(String name) {
    return true;
  }

  @Override
  void initialise(Map<String, INDArray> params) {
    params.get(PARAM).assign(0);
  }

  @Override
  INDArray forward(Map<String, INDArray> p, INDArray x) {
    INDArray v = p.get(PARAM);
    long n = x.size(0);
    if (kind == Kind.POSITIONS) {
      INDArray out = Nd4j.createUninitialized(x.dataType(), x.shape(), 'c');
      Nd4j.getExecutioner().exec(new BroadcastAddOp(x, v.reshape(size, 1, tokens), out, 1, 2,
          3));
      return out;
    }
    INDArray out = Nd4j.createUninitialized(x.dataType(), new long[] {n, size, 1, tokens + 1},
        'c');
    out.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(),
        NDArrayIndex.interval(1, tokens + 1)).assign(x);
    INDArray first = out.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(0),
        NDArrayIndex.point(0));
    first.assign(0).addiRowVector(v);
    return out;
  }

  @Override
  INDArray backward(Map<String, INDArray> p, INDArray x, INDArray epsilon,
      Map<String, INDArray> grads) {
    if (kind == Kind.POSITIONS) {
      grads.get(PARAM).assign(epsilon.sum(0, 2).reshape(size, tokens));
      return epsilon;
    }
    grads.get(PARAM).assign(epsilon.get(NDArrayIndex.all(), NDArrayIndex.all(),
        NDArrayIndex.point(0), NDArrayIndex.point(0)).sum(0).reshape(1, size));
    return epsilon.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(),
        NDArrayIndex.interval(1, tokens + 1));
  }

  @Override
  public TokenParameter clone() {
    return (TokenParameter) super.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TokenParameter t && t.kind == kind && t.size == size
        && t.tokens == tokens && super.equals(o);
  }

  @Override
  public int hashCode() {
    return (kind.hashCode() * 31 + size) * 31 + tokens;
  }
}
