package io.github.embeddings4j.core.classify;

import io.github.embeddings4j.api.Progress;
import io.github.embeddings4j.api.ProgressListener;
import io.github.embeddings4j.core.data.StratifiedSplit;
import io.github.embeddings4j.core.train.ClassWeights;
import io.github.embeddings4j.core.train.EarlyStopping;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Random;
import java.util.SplittableRandom;

/**
 * Trains a classifier {@link Head} on frozen embeddings (transfer learning by feature
 * extraction): a seeded, stratified part of the vectors is held out for validation, the head is
 * trained on the rest by mini-batch gradient descent on the cross-entropy, and training stops
 * when the validation score has not improved for {@code patience} epochs (a higher accuracy,
 * or the same accuracy at a validation loss lower by at least 0.001); the best epoch's head is
 * kept. Immutable and safe to share; every {@link #fit} is independent and, for the
 * same vectors, labels and settings, gives the same head bit for bit.
 *
 * <pre>{@code
 * HeadTrainer trainer = HeadTrainer.builder()
 *     .head(Head.Kind.MLP).hiddenSize(256)
 *     .optimizer(HeadTrainer.Optimizer.ADAMW).learningRate(1e-3).weightDecay(1e-4)
 *     .batchSize(64).maxEpochs(200).patience(10).validation(0.2).seed(42).build();
 * HeadTrainer.Result r = trainer.fit(vectors, labels);
 * System.out.printf("validation accuracy %.3f after %d epochs%n",
 *     r.validationAccuracy(), r.epochsRun());
 * int label = r.head().predict(queryVector);
 * }</pre>
 *
 * <p>Vectors are standardised per dimension with the training part's mean and standard
 * deviation (kept in the head), so the learning rate works alike for embeddings of any scale.
 * Weights of an MLP's hidden layer start from a seeded He initialisation; a linear head starts
 * at zero (its problem is convex). Weight decay applies to weights, not to biases: added to the
 * gradient (L2) for {@link Optimizer#SGD} and {@link Optimizer#ADAM}, decoupled from it for
 * {@link Optimizer#ADAMW}.
 *
 * <p>A class with too few vectors to put one in the validation part (one vector, say, at a
 * share of 0.2) is trained on and listed in {@link Result#unvalidatedClasses()}. With {@code
 * validation(0)} every vector is trained on for {@code maxEpochs} and there is no early stop.
 */
public final class HeadTrainer {

  /** The optimisers a head can be trained with. */
  public enum Optimizer {
    /** Stochastic gradient descent with momentum 0.9 (L2 weight decay). */
    SGD,
    /** Adam (beta1 0.9, beta2 0.999, epsilon 1e-8) with L2 weight decay. */
    ADAM,
    /** Adam with decoupled weight decay (Loshchilov and Hutter). */
    ADAMW;

    /**
     * Reads an optimiser by name: {@code sgd}, {@code adam}, {@code adamw} (any case).
     *
     * @param name the name
     * @return the optimiser
     * @throws IllegalArgumentException naming the valid names
     */
    public static Optimizer parse(String name) {
      String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
      return switch (n) {
        case "sgd", "momentum" -> SGD;
        case "adam" -> ADAM;
        case "adamw" -> ADAMW;
        default -> throw new IllegalArgumentException("unknown optimizer '" + name
            + "'; valid: sgd, adam, adamw");
      };
    }

    /**
     * The name {@link #parse} reads.
     *
     * @return the lower-case name
     */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * Below this many multiply-adds per batch the gradient's slices run on the calling thread;
   * tests set it to force one path or the other (the results are the same).
   */
  static volatile long parallelWork = 1L << 21;

  /** The least fall of the validation loss that counts as progress at equal accuracy. */
  static final double MIN_LOSS_GAIN = 1e-3;

  private final Head.Kind kind;
  private final int hiddenSize;
  private final Optimizer optimizer;
  private final double learningRate;
  private final int batchSize;
  private final double weightDecay;
  private final int maxEpochs;
  private final int patience;
  private final double validation;
  private final long seed;
  private final ClassWeights classWeights;
  private final ProgressListener listener;

  private HeadTrainer(Builder b) {
    this.kind = b.kind;
    this.hiddenSize = b.hiddenSize;
    this.optimizer = b.optimizer;
    this.learningRate = b.learningRate;
    this.batchSize = b.batchSize;
    this.weightDecay = b.weightDecay;
    this.maxEpochs = b.maxEpochs;
    this.patience = b.patience;
    this.validation = b.validation;
    this.seed = b.seed;
    this.classWeights = b.classWeights;
    this.listener = b.listener;
  }

  /**
   * A builder with the defaults: linear head (hidden size 256 when switched to an MLP), Adam,
   * learning rate 0.001, batch 64, weight decay 0.0001, at most 200 epochs, patience 10,
   * validation share 0.2, seed 42.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A builder holding this trainer's settings.
   *
   * @return a new builder
   */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.kind = kind;
    b.hiddenSize = hiddenSize;
    b.optimizer = optimizer;
    b.learningRate = learningRate;
    b.batchSize = batchSize;
    b.weightDecay = weightDecay;
    b.maxEpochs = maxEpochs;
    b.patience = patience;
    b.validation = validation;
    b.seed = seed;
    b.classWeights = classWeights;
    b.listener = listener;
    return b;
  }

  /**
   * The head's shape.
   *
   * @return linear or MLP
   */
  public Head.Kind kind() {
    return kind;
  }

  /**
   * The hidden layer's width for an MLP head.
   *
   * @return the hidden units
   */
  public int hiddenSize() {
    return hiddenSize;
  }

  /**
   * The optimiser.
   *
   * @return the optimiser
   */
  public Optimizer optimizer() {
    return optimizer;
  }

  /**
   * The learning rate.
   *
   * @return the rate, positive
   */
  public double learningRate() {
    return learningRate;
  }

  /**
   * Vectors per step.
   *
   * @return the batch size
   */
  public int batchSize() {
    return batchSize;
  }

  /**
   * The weight decay.
   *
   * @return the decay, at least 0
   */
  public double weightDecay() {
    return weightDecay;
  }

  /**
   * The most passes over the training part.
   *
   * @return the epochs
   */
  public int maxEpochs() {
    return maxEpochs;
  }

  /**
   * Epochs without a better validation score before training stops.
   *
   * @return the patience
   */
  public int patience() {
    return patience;
  }

  /**
   * The share of each class held out for validation.
   *
   * @return the share in {@code [0, 1)}
   */
  public double validation() {
    return validation;
  }

  /**
   * The seed of the split, the initialisation and the batch order.
   *
   * @return the seed
   */
  public long seed() {
    return seed;
  }

  /**
   * How much each class's vectors count.
   *
   * @return the class weights
   */
  public ClassWeights classWeights() {
    return classWeights;
  }

  /**
   * The settings in one line, e.g. {@code mlp(256) adamw lr=0.001 batch=64 wd=1.0E-4} (then
   * {@code balanced} with balanced class weights).
   *
   * @return the summary
   */
  public String settings() {
    return (kind == Head.Kind.MLP ? "mlp(" + hiddenSize + ")" : "linear") + " "
        + optimizer.label() + " lr=" + learningRate + " batch=" + batchSize + " wd="
        + weightDecay + (classWeights == ClassWeights.BALANCED ? " balanced" : "");
  }

  @Override
  public String toString() {
    return "HeadTrainer[" + settings() + ", epochs<=" + maxEpochs + ", patience=" + patience
        + ", validation=" + validation + ", seed=" + seed + "]";
  }

  /**
   * One epoch of training.
   *
   * @param epoch the epoch, from 1
   * @param trainLoss the mean cross-entropy over the training part during the epoch
   * @param validationLoss the mean cross-entropy on the validation part after it ({@code NaN}
   *     without one)
   * @param validationAccuracy the accuracy on the validation part after it, or with {@link
   *     ClassWeights#BALANCED} the balanced accuracy ({@code NaN} without a validation part)
   */
  public record Epoch(int epoch, double trainLoss, double validationLoss,
      double validationAccuracy) {}

  /**
   * A trained head and how it was trained.
   *
   * @param head the head of the best epoch
   * @param trainer the trainer (its settings)
   * @param validationAccuracy the best epoch's validation accuracy (balanced accuracy with
   *     {@link ClassWeights#BALANCED}), {@code NaN} without a validation part
   * @param bestEpoch the epoch kept, from 1
   * @param epochsRun the epochs run before stopping
   * @param trainCount the vectors trained on
   * @param validationCount the vectors held out
   * @param unvalidatedClasses the labels of classes with no vector in the validation part
   * @param history every epoch, in order
   * @param seconds the wall time of the fit
   */
  public record Result(Head head, HeadTrainer trainer, double validationAccuracy, int bestEpoch,
      int epochsRun, int trainCount, int validationCount, List<Integer> unvalidatedClasses,
      List<Epoch> history, double seconds) {

    /**
     * Copies the lists.
     *
     * @param head the head
     * @param trainer the trainer
     * @param validationAccuracy the best validation accuracy
     * @param bestEpoch the epoch kept
     * @param epochsRun the epochs run
     * @param trainCount the vectors trained on
     * @param validationCount the vectors held out
     * @param unvalidatedClasses classes without validation vectors
     * @param history every epoch
     * @param seconds the wall time
     */
    public Result {
      Objects.requireNonNull(head, "head");
      Objects.requireNonNull(trainer, "trainer");
      unvalidatedClasses = List.copyOf(unvalidatedClasses);
      history = List.copyOf(history);
    }
  }

  /**
   * Trains a head.
   *
   * @param vectors the embeddings, all of one length; not modified
   * @param labels their classes {@code 0..C-1}, at least two distinct classes in all
   * @return the best epoch's head and the history
   * @throws IllegalArgumentException if the counts or lengths differ, a label is negative, a
   *     value is not finite, or there are fewer than two classes; the message gives the values
   */
  public Result fit(float[][] vectors, int[] labels) {
    return fit(vectors, labels, 0);
  }

  /**
   * Trains a head for a given number of classes, some of which may have no vectors (a class
   * whose images all failed to embed, say): such a class is never predicted.
   *
   * @param vectors the embeddings, all of one length; not modified
   * @param labels their classes {@code 0..classCount-1}, at least two distinct classes in all
   * @param classCount the number of classes, or 0 for the largest label plus one
   * @return the best epoch's head and the history
   * @throws IllegalArgumentException as {@link #fit(float[][], int[])}, or if a label is not
   *     below {@code classCount}
   */
  public Result fit(float[][] vectors, int[] labels, int classCount) {
    long start = System.nanoTime();
    Objects.requireNonNull(vectors, "vectors");
    Objects.requireNonNull(labels, "labels");
    if (vectors.length != labels.length) {
      throw new IllegalArgumentException("vectors and labels differ in count: " + vectors.length
          + " != " + labels.length);
    }
    if (vectors.length == 0) {
      throw new IllegalArgumentException("cannot train a head on no vectors");
    }
    int dim = vectors[0].length;
    if (dim == 0) {
      throw new IllegalArgumentException("vectors have no values");
    }
    int classes = 0;
    for (int i = 0; i < vectors.length; i++) {
      if (vectors[i].length != dim) {
        throw new IllegalArgumentException("vector dimensions differ: vector " + i + " has "
            + vectors[i].length + ", vector 0 has " + dim);
      }
      for (float f : vectors[i]) {
        if (!Float.isFinite(f)) {
          throw new IllegalArgumentException("vector " + i + " holds a value that is not"
              + " finite: " + f);
        }
      }
      if (labels[i] < 0) {
        throw new IllegalArgumentException("label at " + i + " is negative: " + labels[i]);
      }
      classes = Math.max(classes, labels[i] + 1);
    }
    if (classCount > 0 && classes > classCount) {
      throw new IllegalArgumentException("label " + (classes - 1) + " is not below the class"
          + " count " + classCount);
    }
    int distinct = (int) java.util.Arrays.stream(labels).distinct().count();
    if (distinct < 2) {
      throw new IllegalArgumentException("a classifier needs at least 2 classes; all "
          + vectors.length + " vectors have label " + labels[0]);
    }
    classes = Math.max(classes, classCount);
    int[] train;
    int[] held;
    if (validation > 0) {
      int[][] parts = StratifiedSplit.split(labels, seed, 1 - validation, validation);
      train = parts[0];
      held = parts[1];
    } else {
      train = new int[vectors.length];
      for (int i = 0; i < train.length; i++) {
        train[i] = i;
      }
      held = new int[0];
    }
    boolean[] validated = new boolean[classes];
    for (int i : held) {
      validated[labels[i]] = true;
    }
    boolean[] present = new boolean[classes];
    for (int label : labels) {
      present[label] = true;
    }
    List<Integer> unvalidated = new ArrayList<>();
    for (int c = 0; c < classes; c++) {
      if (present[c] && !validated[c] && validation > 0) {
        unvalidated.add(c);
      }
    }
    double[] weight = classWeights == ClassWeights.BALANCED
        ? classWeights.weights(counts(labels, train, classes)) : null;
    float[] mean = new float[dim];
    float[] invStd = new float[dim];
    moments(vectors, train, mean, invStd);
    int hidden = kind == Head.Kind.MLP ? hiddenSize : 0;
    Head.Layout layout = new Head.Layout(dim, hidden, classes);
    float[] w = new float[layout.size()];
    Random init = new Random(seed);
    if (hidden > 0) {
      double he = Math.sqrt(2.0 / dim);
      for (int i = layout.w1(); i < layout.b1(); i++) {
        w[i] = (float) (init.nextGaussian() * he);
      }
      double xavier = Math.sqrt(1.0 / hidden);
      for (int i = layout.w2(); i < layout.b2(); i++) {
        w[i] = (float) (init.nextGaussian() * xavier);
      }
    }
    Steps steps = new Steps(layout, optimizer, learningRate, weightDecay);
    float[] best = w.clone();
    EarlyStopping stopping = EarlyStopping.onAccuracyThenLoss(patience, MIN_LOSS_GAIN);
    List<Epoch> history = new ArrayList<>();
    int[] order = train.clone();
    SplittableRandom shuffle = new SplittableRandom(seed ^ 0x5DEECE66DL);
    Gradients gradients = new Gradients(layout, batchSize, mean, invStd, weight);
    int epoch = 0;
    while (epoch < maxEpochs) {
      epoch++;
      for (int i = order.length - 1; i > 0; i--) {
        int j = shuffle.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      double lossSum = 0;
      for (int from = 0; from < order.length; from += batchSize) {
        int to = Math.min(order.length, from + batchSize);
        lossSum += gradients.compute(w, vectors, labels, order, from, to);
        steps.apply(w, gradients.sum, 1.0 / (to - from));
      }
      double trainLoss = lossSum / order.length;
      if (!Double.isFinite(trainLoss)) {
        throw new IllegalArgumentException("training diverged at epoch " + epoch + " (loss "
            + trainLoss + "): lower the learning rate (now " + learningRate + ")");
      }
      double valLoss = Double.NaN;
      double valAccuracy = Double.NaN;
      if (held.length > 0) {
        double[] score = gradients.score(w, vectors, labels, held);
        valLoss = score[0];
        valAccuracy = score[1];
      }
      history.add(new Epoch(epoch, trainLoss, valLoss, valAccuracy));
      try {
        listener.onProgress(new Progress("train head", epoch, maxEpochs, 0));
      } catch (RuntimeException e) {
        // A listener never stops the work.
      }
      if (stopping.offer(epoch, valAccuracy, valLoss)) {
        // Without validation every epoch is the best: the last one's weights, copied once.
        best = held.length == 0 ? w : w.clone();
      } else if (stopping.exhausted()) {
        break;
      }
    }
    Head head = new Head(dim, hidden, classes, mean, invStd, best == w ? w.clone() : best);
    return new Result(head, this, stopping.bestAccuracy(), stopping.bestEpoch(), epoch,
        train.length, held.length, unvalidated, history, (System.nanoTime() - start) / 1e9);
  }

  /** The training rows of each class. */
  private static int[] counts(int[] labels, int[] rows, int classes) {
    int[] count = new int[classes];
    for (int i : rows) {
      count[labels[i]]++;
    }
    return count;
  }

  /** Mean and 1/standard deviation per dimension over the training rows. */
  private static void moments(float[][] x, int[] rows, float[] mean, float[] invStd) {
    int dim = mean.length;
    double[] m = new double[dim];
    for (int i : rows) {
      for (int j = 0; j < dim; j++) {
        m[j] += x[i][j];
      }
    }
    for (int j = 0; j < dim; j++) {
      m[j] /= rows.length;
    }
    double[] var = new double[dim];
    for (int i : rows) {
      for (int j = 0; j < dim; j++) {
        double d = x[i][j] - m[j];
        var[j] += d * d;
      }
    }
    for (int j = 0; j < dim; j++) {
      mean[j] = (float) m[j];
      double sd = Math.sqrt(var[j] / rows.length);
      // A constant dimension carries nothing: scaled to 0 rather than divided by 0.
      invStd[j] = sd > 1e-12 ? (float) (1 / sd) : 0f;
    }
  }

  /** Work arrays of one forward and backward pass. */
  private static final class Scratch {
    final double[] z;
    final double[] h;
    final double[] p;
    final double[] dh;

    Scratch(Head.Layout l) {
      z = new double[l.dimension()];
      h = new double[Math.max(1, l.hidden())];
      p = new double[l.classes()];
      dh = new double[Math.max(1, l.hidden())];
    }
  }

  /**
   * The gradient of a batch, computed in slices of a size fixed by the batch size alone: each
   * slice into its own buffer, on as many threads as are free, then the slices added in order.
   * So the sum, and the head, are the same bit for bit on any machine and any number of cores.
   */
  private static final class Gradients {

    final Head.Layout layout;
    final float[] mean;
    final float[] invStd;
    final int slice;
    final double[][] parts;
    final double[] losses;
    final Scratch[] scratch;
    final double[] sum;
    /** Per class, the weight of its vectors; null when every vector weighs 1. */
    final double[] weight;

    Gradients(Head.Layout layout, int batchSize, float[] mean, float[] invStd,
        double[] weight) {
      this.layout = layout;
      this.mean = mean;
      this.invStd = invStd;
      this.weight = weight;
      // At most 8 slices of at least 16 vectors: bounded memory, enough work per thread.
      this.slice = Math.max(16, (batchSize + 7) / 8);
      int slices = (batchSize + slice - 1) / slice;
      this.parts = new double[slices][layout.size()];
      this.losses = new double[slices];
      this.scratch = new Scratch[slices];
      for (int i = 0; i < slices; i++) {
        scratch[i] = new Scratch(layout);
      }
      this.sum = new double[layout.size()];
    }

    /** Fills {@link #sum} with the gradient of rows {@code order[from..to)}; the loss sum. */
    double compute(float[] w, float[][] x, int[] y, int[] order, int from, int to) {
      int slices = (to - from + slice - 1) / slice;
      java.util.function.IntConsumer one = s -> {
        double[] g = parts[s];
        java.util.Arrays.fill(g, 0);
        double loss = 0;
        int end = Math.min(to, from + (s + 1) * slice);
        for (int b = from + s * slice; b < end; b++) {
          int i = order[b];
          loss += backward(layout, w, x[i], mean, invStd, y[i], weight == null ? 1.0
              : weight[y[i]], g, scratch[s]);
        }
        losses[s] = loss;
      };
      run(slices, (long) (to - from) * layout.size(), one);
      double loss = 0;
      System.arraycopy(parts[0], 0, sum, 0, sum.length);
      loss += losses[0];
      for (int s = 1; s < slices; s++) {
        double[] g = parts[s];
        for (int i = 0; i < sum.length; i++) {
          sum[i] += g[i];
        }
        loss += losses[s];
      }
      return loss;
    }

    /**
     * Mean cross-entropy and accuracy on some rows; with class weights, the weighted mean
     * cross-entropy and the balanced accuracy (the mean of the classes' recalls). One forward
     * pass per row, in slices whose sums are added in order.
     */
    double[] score(float[] w, float[][] x, int[] y, int[] rows) {
      int per = Math.max(1, (rows.length + parts.length - 1) / parts.length);
      int slices = (rows.length + per - 1) / per;
      int classes = layout.classes();
      int[] right = new int[slices];
      double[] weighted = new double[slices];
      double[] weights = new double[slices];
      int[][] seen = weight == null ? null : new int[slices][classes];
      int[][] found = weight == null ? null : new int[slices][classes];
      run(slices, (long) rows.length * layout.size(), s -> {
        Scratch sc = scratch[s];
        double loss = 0;
        int end = Math.min(rows.length, (s + 1) * per);
        for (int r = s * per; r < end; r++) {
          int i = rows[r];
          Head.standardize(x[i], mean, invStd, sc.z);
          Head.forward(layout, w, sc.z, sc.h, sc.p);
          double l = -Math.log(Math.max(sc.p[y[i]], 1e-300));
          loss += l;
          int best = 0;
          for (int c = 1; c < sc.p.length; c++) {
            if (sc.p[c] > sc.p[best]) {
              best = c;
            }
          }
          if (best == y[i]) {
            right[s]++;
          }
          if (weight != null) {
            weighted[s] += weight[y[i]] * l;
            weights[s] += weight[y[i]];
            seen[s][y[i]]++;
            found[s][y[i]] += best == y[i] ? 1 : 0;
          }
        }
        losses[s] = loss;
      });
      double loss = 0;
      int correct = 0;
      for (int s = 0; s < slices; s++) {
        loss += losses[s];
        correct += right[s];
      }
      if (weight == null) {
        return new double[] {loss / rows.length, (double) correct / rows.length};
      }
      double weightedLoss = 0;
      double weightSum = 0;
      int[] seenAll = new int[classes];
      int[] foundAll = new int[classes];
      for (int s = 0; s < slices; s++) {
        weightedLoss += weighted[s];
        weightSum += weights[s];
        for (int c = 0; c < classes; c++) {
          seenAll[c] += seen[s][c];
          foundAll[c] += found[s][c];
        }
      }
      return new double[] {weightSum > 0 ? weightedLoss / weightSum : loss / rows.length,
          ClassWeights.BALANCED.score(foundAll, seenAll)};
    }

    private static void run(int slices, long work, java.util.function.IntConsumer body) {
      if (slices == 1 || work < parallelWork) {
        for (int s = 0; s < slices; s++) {
          body.accept(s);
        }
      } else {
        java.util.stream.IntStream.range(0, slices).parallel().forEach(body);
      }
    }
  }

  /**
   * Adds the gradient of one vector's cross-entropy to {@code grad} and returns the loss.
   */
  private static double backward(Head.Layout l, float[] w, float[] v, float[] mean,
      float[] invStd, int label, double weight, double[] grad, Scratch s) {
    double[] z = s.z;
    Head.standardize(v, mean, invStd, z);
    Head.forward(l, w, z, s.h, s.p);
    double loss = -Math.log(Math.max(s.p[label], 1e-300)) * weight;
    s.p[label] -= 1; // the gradient of the cross-entropy with respect to the logits
    if (weight != 1.0) {
      for (int c = 0; c < l.classes(); c++) {
        s.p[c] *= weight;
      }
    }
    int in = l.inputToTop();
    double[] top = l.hidden() > 0 ? s.h : z;
    if (l.hidden() > 0) {
      java.util.Arrays.fill(s.dh, 0);
    }
    for (int c = 0; c < l.classes(); c++) {
      double e = s.p[c];
      grad[l.b2() + c] += e;
      int row = l.w2() + c * in;
      for (int j = 0; j < in; j++) {
        grad[row + j] += e * top[j];
      }
      if (l.hidden() > 0) {
        for (int j = 0; j < in; j++) {
          s.dh[j] += e * w[row + j];
        }
      }
    }
    if (l.hidden() > 0) {
      int d = l.dimension();
      for (int u = 0; u < l.hidden(); u++) {
        if (s.h[u] <= 0) {
          continue; // ReLU: no gradient through an inactive unit
        }
        double e = s.dh[u];
        grad[l.b1() + u] += e;
        int row = l.w1() + u * d;
        for (int j = 0; j < d; j++) {
          grad[row + j] += e * z[j];
        }
      }
    }
    return loss;
  }

  /** The optimiser's state and update rule. */
  private static final class Steps {
    private static final double MOMENTUM = 0.9;
    private static final double BETA1 = 0.9;
    private static final double BETA2 = 0.999;
    private static final double EPSILON = 1e-8;

    private final Head.Layout layout;
    private final Optimizer optimizer;
    private final double rate;
    private final double decay;
    private final double[] m;
    private final double[] v;
    private int t;

    Steps(Head.Layout layout, Optimizer optimizer, double rate, double decay) {
      this.layout = layout;
      this.optimizer = optimizer;
      this.rate = rate;
      this.decay = decay;
      this.m = new double[layout.size()];
      this.v = optimizer == Optimizer.SGD ? null : new double[layout.size()];
    }

    void apply(float[] w, double[] grad, double scale) {
      t++;
      double c1 = 1 - Math.pow(BETA1, t);
      double c2 = 1 - Math.pow(BETA2, t);
      for (int i = 0; i < w.length; i++) {
        boolean weight = layout.isWeight(i);
        double g = grad[i] * scale;
        if (optimizer != Optimizer.ADAMW && weight) {
          g += decay * w[i];
        }
        double step;
        switch (optimizer) {
          case SGD -> {
            m[i] = MOMENTUM * m[i] + g;
            step = rate * m[i];
          }
          case ADAM, ADAMW -> {
            m[i] = BETA1 * m[i] + (1 - BETA1) * g;
            v[i] = BETA2 * v[i] + (1 - BETA2) * g * g;
            step = rate * (m[i] / c1) / (Math.sqrt(v[i] / c2) + EPSILON);
            if (optimizer == Optimizer.ADAMW && weight) {
              step += rate * decay * w[i];
            }
          }
          default -> throw new AssertionError(optimizer);
        }
        w[i] = (float) (w[i] - step);
      }
    }
  }

  /** Collects the settings of a {@link HeadTrainer}; not thread-safe. */
  public static final class Builder {
    private Head.Kind kind = Head.Kind.LINEAR;
    private int hiddenSize = 256;
    private Optimizer optimizer = Optimizer.ADAM;
    private double learningRate = 1e-3;
    private int batchSize = 64;
    private double weightDecay = 1e-4;
    private int maxEpochs = 200;
    private int patience = 10;
    private double validation = 0.2;
    private long seed = 42;
    private ClassWeights classWeights = ClassWeights.NONE;
    private ProgressListener listener = ProgressListener.none();

    private Builder() {}

    /**
     * Sets the head's shape.
     *
     * @param v linear or MLP
     * @return this builder
     */
    public Builder head(Head.Kind v) {
      kind = Objects.requireNonNull(v, "head");
      return this;
    }

    /**
     * Sets the hidden layer's width (used by {@link Head.Kind#MLP} heads).
     *
     * @param v the hidden units, at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code v < 1}
     */
    public Builder hiddenSize(int v) {
      if (v < 1) {
        throw new IllegalArgumentException("hidden size must be >= 1: " + v);
      }
      hiddenSize = v;
      return this;
    }

    /**
     * Sets the optimiser.
     *
     * @param v the optimiser
     * @return this builder
     */
    public Builder optimizer(Optimizer v) {
      optimizer = Objects.requireNonNull(v, "optimizer");
      return this;
    }

    /**
     * Sets the learning rate.
     *
     * @param v a positive, finite rate
     * @return this builder
     * @throws IllegalArgumentException if it is not
     */
    public Builder learningRate(double v) {
      if (!(v > 0) || Double.isInfinite(v)) {
        throw new IllegalArgumentException("learning rate must be positive: " + v);
      }
      learningRate = v;
      return this;
    }

    /**
     * Sets the vectors per step.
     *
     * @param v at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code v < 1}
     */
    public Builder batchSize(int v) {
      if (v < 1) {
        throw new IllegalArgumentException("batch size must be >= 1: " + v);
      }
      batchSize = v;
      return this;
    }

    /**
     * Sets the weight decay (L2 for SGD and Adam, decoupled for AdamW).
     *
     * @param v at least 0
     * @return this builder
     * @throws IllegalArgumentException if it is negative or not finite
     */
    public Builder weightDecay(double v) {
      if (!(v >= 0) || Double.isInfinite(v)) {
        throw new IllegalArgumentException("weight decay must be >= 0: " + v);
      }
      weightDecay = v;
      return this;
    }

    /**
     * Sets the most passes over the training part.
     *
     * @param v at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code v < 1}
     */
    public Builder maxEpochs(int v) {
      if (v < 1) {
        throw new IllegalArgumentException("epochs must be >= 1: " + v);
      }
      maxEpochs = v;
      return this;
    }

    /**
     * Sets how many epochs without a better validation score end training.
     *
     * @param v at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code v < 1}
     */
    public Builder patience(int v) {
      if (v < 1) {
        throw new IllegalArgumentException("patience must be >= 1 epoch: " + v);
      }
      patience = v;
      return this;
    }

    /**
     * Sets the share of each class held out (stratified) for early stopping; 0 trains on
     * everything for the full epochs.
     *
     * @param v in {@code [0, 1)}
     * @return this builder
     * @throws IllegalArgumentException if it is outside
     */
    public Builder validation(double v) {
      if (!(v >= 0 && v < 1)) {
        throw new IllegalArgumentException("validation share must be in [0, 1): " + v);
      }
      validation = v;
      return this;
    }

    /**
     * Sets how much each class's vectors count: {@link ClassWeights#BALANCED} for folders with
     * far more images of some classes than of others (default {@link ClassWeights#NONE}).
     *
     * @param v the class weights
     * @return this builder
     */
    public Builder classWeights(ClassWeights v) {
      classWeights = Objects.requireNonNull(v, "classWeights");
      return this;
    }

    /**
     * Sets the seed of the split, the initialisation and the batch order.
     *
     * @param v the seed
     * @return this builder
     */
    public Builder seed(long v) {
      seed = v;
      return this;
    }

    /**
     * Sets who hears about progress: one report per epoch, task {@code "train head"}.
     *
     * @param v the listener
     * @return this builder
     */
    public Builder listener(ProgressListener v) {
      listener = Objects.requireNonNull(v, "listener");
      return this;
    }

    /**
     * Makes the trainer.
     *
     * @return the trainer
     */
    public HeadTrainer build() {
      return new HeadTrainer(this);
    }
  }
}
