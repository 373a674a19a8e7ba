package io.github.embeddings4j.core.eval;

import java.util.SplittableRandom;

/**
 * A linear probe: multinomial logistic (softmax) regression trained on frozen embeddings, the
 * standard measure of how linearly separable the classes are in an embedding space. Features
 * are standardised (mean 0, variance 1 per dimension, from the training vectors) and the
 * weights fitted with mini-batch Adam (rate 0.01, decayed to 0 along a cosine over the epochs)
 * and an L2 penalty, in plain Java. Seeded: the same data
 * and seed give the same probe. Immutable.
 *
 * <pre>{@code
 * LinearProbe probe = LinearProbe.fit(trainVectors, trainLabels, 42);
 * double acc = probe.accuracy(testVectors, testLabels);
 * }</pre>
 */
public final class LinearProbe {

  /** Passes over the training vectors by default. */
  public static final int DEFAULT_EPOCHS = 30;

  private static final int BATCH = 128;
  private static final double RATE = 0.01;
  private static final double L2 = 1e-4;

  private final int dim;
  private final int classes;
  private final double[] mean;
  private final double[] invStd;
  /** {@code [classes][dim + 1]}: weights, then the bias. */
  private final double[][] w;

  private LinearProbe(int dim, int classes, double[] mean, double[] invStd, double[][] w) {
    this.dim = dim;
    this.classes = classes;
    this.mean = mean;
    this.invStd = invStd;
    this.w = w;
  }

  /**
   * Fits a probe for {@value #DEFAULT_EPOCHS} epochs.
   *
   * @param x the training vectors, all of one length
   * @param y their classes, at least 0
   * @param seed the seed of the mini-batch order
   * @return the fitted probe
   * @throws IllegalArgumentException if the data are empty, lengths differ, or a label is
   *     negative
   */
  public static LinearProbe fit(float[][] x, int[] y, long seed) {
    return fit(x, y, DEFAULT_EPOCHS, seed);
  }

  /**
   * Fits a probe.
   *
   * @param x the training vectors, all of one length
   * @param y their classes, at least 0
   * @param epochs passes over the data, at least 1
   * @param seed the seed of the mini-batch order
   * @return the fitted probe
   * @throws IllegalArgumentException if the data are empty, lengths differ, a label is
   *     negative or {@code epochs < 1}
   */
  public static LinearProbe fit(float[][] x, int[] y, int epochs, long seed) {
    Checks.sameLength("vectors", x.length, "labels", y.length);
    if (x.length == 0) {
      throw new IllegalArgumentException("cannot fit a linear probe on no vectors");
    }
    if (epochs < 1) {
      throw new IllegalArgumentException("epochs must be >= 1: " + epochs);
    }
    int dim = x[0].length;
    for (float[] v : x) {
      if (v.length != dim) {
        throw new IllegalArgumentException("vector dimensions differ: " + v.length + " != "
            + dim);
      }
    }
    int classes = Math.max(2, Checks.classCount(y));
    double[] mean = new double[dim];
    double[] var = new double[dim];
    for (float[] v : x) {
      for (int j = 0; j < dim; j++) {
        mean[j] += v[j];
      }
    }
    for (int j = 0; j < dim; j++) {
      mean[j] /= x.length;
    }
    for (float[] v : x) {
      for (int j = 0; j < dim; j++) {
        double d = v[j] - mean[j];
        var[j] += d * d;
      }
    }
    double[] invStd = new double[dim];
    for (int j = 0; j < dim; j++) {
      double sd = Math.sqrt(var[j] / x.length);
      // A constant dimension carries nothing; scale it to 0 rather than divide by 0.
      invStd[j] = sd > 1e-12 ? 1 / sd : 0;
    }
    LinearProbe probe = new LinearProbe(dim, classes, mean, invStd, new double[classes][dim + 1]);
    probe.train(x, y, epochs, seed);
    return probe;
  }

  private void train(float[][] x, int[] y, int epochs, long seed) {
    int p = dim + 1;
    double[][] m = new double[classes][p];
    double[][] v = new double[classes][p];
    double[][] g = new double[classes][p];
    double[] z = new double[p];
    double[] prob = new double[classes];
    int[] order = new int[x.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    SplittableRandom random = new SplittableRandom(seed);
    double beta1 = 0.9;
    double beta2 = 0.999;
    int step = 0;
    for (int epoch = 0; epoch < epochs; epoch++) {
      // Cosine decay of the rate over the epochs: Adam at a constant rate keeps hopping around
      // the optimum of this convex problem; decaying it lets the last epochs settle.
      double rate = RATE * 0.5 * (1 + Math.cos(Math.PI * epoch / epochs));
      for (int i = order.length - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      for (int from = 0; from < order.length; from += BATCH) {
        int to = Math.min(order.length, from + BATCH);
        for (double[] row : g) {
          java.util.Arrays.fill(row, 0);
        }
        for (int b = from; b < to; b++) {
          int i = order[b];
          standardize(x[i], z);
          probabilities(z, prob);
          prob[y[i]] -= 1; // gradient of the cross-entropy with respect to the logits
          for (int c = 0; c < classes; c++) {
            double e = prob[c];
            if (e != 0) {
              double[] gc = g[c];
              for (int j = 0; j < p; j++) {
                gc[j] += e * z[j];
              }
            }
          }
        }
        step++;
        double scale = 1.0 / (to - from);
        double c1 = 1 - Math.pow(beta1, step);
        double c2 = 1 - Math.pow(beta2, step);
        for (int c = 0; c < classes; c++) {
          for (int j = 0; j < p; j++) {
            double grad = g[c][j] * scale + (j < dim ? L2 * w[c][j] : 0);
            m[c][j] = beta1 * m[c][j] + (1 - beta1) * grad;
            v[c][j] = beta2 * v[c][j] + (1 - beta2) * grad * grad;
            w[c][j] -= rate * (m[c][j] / c1) / (Math.sqrt(v[c][j] / c2) + 1e-8);
          }
        }
      }
    }
  }

  /** The standardised vector followed by a 1 for the bias. */
  private void standardize(float[] v, double[] z) {
    for (int j = 0; j < dim; j++) {
      z[j] = (v[j] - mean[j]) * invStd[j];
    }
    z[dim] = 1;
  }

  private void probabilities(double[] z, double[] out) {
    double max = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < classes; c++) {
      double s = 0;
      double[] wc = w[c];
      for (int j = 0; j <= dim; j++) {
        s += wc[j] * z[j];
      }
      out[c] = s;
      max = Math.max(max, s);
    }
    double sum = 0;
    for (int c = 0; c < classes; c++) {
      out[c] = Math.exp(out[c] - max);
      sum += out[c];
    }
    for (int c = 0; c < classes; c++) {
      out[c] /= sum;
    }
  }

  /**
   * The most probable class of a vector.
   *
   * @param v a vector of the training dimension
   * @return its class
   * @throws IllegalArgumentException if the dimension differs
   */
  public int predict(float[] v) {
    if (v.length != dim) {
      throw new IllegalArgumentException("vector dimensions differ: " + v.length + " != " + dim);
    }
    double[] z = new double[dim + 1];
    double[] prob = new double[classes];
    standardize(v, z);
    probabilities(z, prob);
    int best = 0;
    for (int c = 1; c < classes; c++) {
      if (prob[c] > prob[best]) {
        best = c;
      }
    }
    return best;
  }

  /**
   * The class of each vector.
   *
   * @param x vectors of the training dimension
   * @return one class per vector
   */
  public int[] predict(float[][] x) {
    int[] out = new int[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = predict(x[i]);
    }
    return out;
  }

  /**
   * The share of vectors classified as their label.
   *
   * @param x vectors
   * @param y their classes
   * @return the accuracy in {@code [0, 1]}
   */
  public double accuracy(float[][] x, int[] y) {
    return KnnAccuracy.accuracy(predict(x), y);
  }

  /**
   * The number of classes the probe tells apart.
   *
   * @return the class count
   */
  public int classCount() {
    return classes;
  }
}
