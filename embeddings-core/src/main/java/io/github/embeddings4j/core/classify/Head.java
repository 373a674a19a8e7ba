package io.github.embeddings4j.core.classify;

import java.util.Arrays;
import java.util.Objects;

/**
 * A trained classifier head on embedding vectors: the vectors are standardised (the training
 * vectors' mean and standard deviation per dimension), then either one linear layer or one
 * hidden layer with ReLU and a linear layer map them to one logit per class, and a softmax
 * turns the logits into probabilities. Made by {@link HeadTrainer}; plain Java float and double
 * arithmetic, so the same head and vector give the same probabilities on every machine and
 * thread. Immutable and safe to share between threads.
 *
 * <pre>{@code
 * Head head = HeadTrainer.builder().build().fit(vectors, labels).head();
 * float[] p = head.probabilities(vector);    // one per class, summing to 1
 * int label = head.predict(vector);
 * }</pre>
 */
public final class Head {

  /** The shape of a head. */
  public enum Kind {
    /** One linear layer: multinomial logistic regression on the standardised vectors. */
    LINEAR,
    /** A hidden layer with ReLU, then a linear layer: solves classes no hyperplane separates. */
    MLP
  }

  private final int dimension;
  private final int hidden;
  private final int classes;
  private final float[] mean;
  private final float[] invStd;
  /** Weights and biases of every layer, one flat array: see {@link Layout}. */
  private final float[] params;

  /**
   * Where each layer's weights and biases lie in the flat parameter array: for an MLP
   * {@code w1 [hidden][dim], b1 [hidden], w2 [classes][hidden], b2 [classes]}; for a linear
   * head only {@code w2 [classes][dim], b2 [classes]}.
   */
  record Layout(int dimension, int hidden, int classes) {
    int inputToTop() {
      return hidden > 0 ? hidden : dimension;
    }

    int w1() {
      return 0;
    }

    int b1() {
      return hidden * dimension;
    }

    int w2() {
      return hidden > 0 ? b1() + hidden : 0;
    }

    int b2() {
      return w2() + classes * inputToTop();
    }

    int size() {
      return b2() + classes;
    }

    /** Whether a parameter is a weight (decayed) rather than a bias (not decayed). */
    boolean isWeight(int i) {
      return hidden > 0 ? i < b1() || (i >= w2() && i < b2()) : i < b2();
    }
  }

  Head(int dimension, int hidden, int classes, float[] mean, float[] invStd, float[] params) {
    if (dimension < 1 || hidden < 0 || classes < 2) {
      throw new IllegalArgumentException("a head needs dimension >= 1, hidden >= 0 and at least"
          + " 2 classes: " + dimension + ", " + hidden + ", " + classes);
    }
    Layout l = new Layout(dimension, hidden, classes);
    if (mean.length != dimension || invStd.length != dimension || params.length != l.size()) {
      throw new IllegalArgumentException("head arrays do not fit dimension " + dimension
          + ", hidden " + hidden + ", classes " + classes + ": " + mean.length + ", "
          + invStd.length + ", " + params.length + " (expected " + l.size() + " parameters)");
    }
    this.dimension = dimension;
    this.hidden = hidden;
    this.classes = classes;
    this.mean = mean;
    this.invStd = invStd;
    this.params = params;
  }

  Layout layout() {
    return new Layout(dimension, hidden, classes);
  }

  float[] meanArray() {
    return mean;
  }

  float[] invStdArray() {
    return invStd;
  }

  float[] paramArray() {
    return params;
  }

  /**
   * The head's shape.
   *
   * @return {@link Kind#MLP} when it has a hidden layer
   */
  public Kind kind() {
    return hidden > 0 ? Kind.MLP : Kind.LINEAR;
  }

  /**
   * The length of the vectors the head takes.
   *
   * @return the embedding dimension
   */
  public int dimension() {
    return dimension;
  }

  /**
   * The width of the hidden layer.
   *
   * @return the hidden units, 0 for a linear head
   */
  public int hiddenSize() {
    return hidden;
  }

  /**
   * The number of classes.
   *
   * @return at least 2
   */
  public int classCount() {
    return classes;
  }

  /**
   * The probability of each class for one vector.
   *
   * @param vector an embedding of {@link #dimension()} values
   * @return one probability per class, by label, summing to 1
   * @throws IllegalArgumentException if the vector's length differs
   */
  public float[] probabilities(float[] vector) {
    Objects.requireNonNull(vector, "vector");
    if (vector.length != dimension) {
      throw new IllegalArgumentException("vector dimensions differ: " + vector.length + " != "
          + dimension + " (the head was trained on vectors of " + dimension + ")");
    }
    double[] z = new double[dimension];
    standardize(vector, mean, invStd, z);
    double[] h = hidden > 0 ? new double[hidden] : null;
    double[] p = new double[classes];
    forward(layout(), params, z, h, p);
    float[] out = new float[classes];
    for (int c = 0; c < classes; c++) {
      out[c] = (float) p[c];
    }
    return out;
  }

  /**
   * The most probable class of one vector (the smallest label among equals).
   *
   * @param vector an embedding of {@link #dimension()} values
   * @return its label
   * @throws IllegalArgumentException if the vector's length differs
   */
  public int predict(float[] vector) {
    float[] p = probabilities(vector);
    int best = 0;
    for (int c = 1; c < p.length; c++) {
      if (p[c] > p[best]) {
        best = c;
      }
    }
    return best;
  }

  /**
   * The label of each vector.
   *
   * @param vectors embeddings of {@link #dimension()} values
   * @return one label per vector
   */
  public int[] predictAll(float[][] vectors) {
    int[] out = new int[vectors.length];
    for (int i = 0; i < vectors.length; i++) {
      out[i] = predict(vectors[i]);
    }
    return out;
  }

  /**
   * The share of vectors whose predicted label is their label.
   *
   * @param vectors embeddings
   * @param labels their labels
   * @return the accuracy in {@code [0, 1]}, {@code NaN} for no vectors
   * @throws IllegalArgumentException if the counts differ
   */
  public double accuracy(float[][] vectors, int[] labels) {
    if (vectors.length != labels.length) {
      throw new IllegalArgumentException("vectors and labels differ in count: " + vectors.length
          + " != " + labels.length);
    }
    if (vectors.length == 0) {
      return Double.NaN;
    }
    int right = 0;
    for (int i = 0; i < vectors.length; i++) {
      if (predict(vectors[i]) == labels[i]) {
        right++;
      }
    }
    return (double) right / vectors.length;
  }

  /** {@code (v - mean) * invStd}, in double. */
  static void standardize(float[] v, float[] mean, float[] invStd, double[] z) {
    for (int j = 0; j < z.length; j++) {
      z[j] = ((double) v[j] - mean[j]) * invStd[j];
    }
  }

  /**
   * The forward pass: hidden activations (after ReLU) into {@code h} when there is a hidden
   * layer, class probabilities into {@code p}.
   */
  static void forward(Layout l, float[] w, double[] z, double[] h, double[] p) {
    double[] top = z;
    if (l.hidden() > 0) {
      int d = l.dimension();
      for (int u = 0; u < l.hidden(); u++) {
        double s = w[l.b1() + u];
        int row = l.w1() + u * d;
        for (int j = 0; j < d; j++) {
          s += w[row + j] * z[j];
        }
        h[u] = s > 0 ? s : 0;
      }
      top = h;
    }
    int in = l.inputToTop();
    double max = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < l.classes(); c++) {
      double s = w[l.b2() + c];
      int row = l.w2() + c * in;
      for (int j = 0; j < in; j++) {
        s += w[row + j] * top[j];
      }
      p[c] = s;
      max = Math.max(max, s);
    }
    softmax(p, max);
  }

  private static void softmax(double[] p, double max) {
    double sum = 0;
    for (int c = 0; c < p.length; c++) {
      p[c] = Math.exp(p[c] - max);
      sum += p[c];
    }
    for (int c = 0; c < p.length; c++) {
      p[c] /= sum;
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Head h && h.dimension == dimension && h.hidden == hidden
        && h.classes == classes && Arrays.equals(h.mean, mean) && Arrays.equals(h.invStd, invStd)
        && Arrays.equals(h.params, params);
  }

  @Override
  public int hashCode() {
    return Objects.hash(dimension, hidden, classes, Arrays.hashCode(params));
  }

  @Override
  public String toString() {
    return "Head[" + kind() + ", dimension " + dimension + (hidden > 0 ? ", hidden " + hidden
        : "") + ", " + classes + " classes]";
  }
}
