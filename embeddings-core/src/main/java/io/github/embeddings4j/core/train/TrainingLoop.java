package io.github.embeddings4j.core.train;

import io.github.embeddings4j.api.Progress;
import io.github.embeddings4j.api.ProgressListener;
import io.github.embeddings4j.core.data.LabeledImages;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The epoch loop shared by training from scratch and fine-tuning: seeded shuffling, mini-batch
 * steps, validation after every epoch, early stopping with patience, and the best epoch's
 * weights restored at the end.
 */
final class TrainingLoop {

  private static final Logger LOG = LoggerFactory.getLogger(TrainingLoop.class);
  private static final int REPORTS_PER_EPOCH = 20;
  private static final int GC_EVERY_STEPS = 32;

  private TrainingLoop() {}

  static TrainingResult run(TrainedEmbedder model, int classes, LabeledImages train,
      LabeledImages validation, Hyperparameters h, ProgressListener listener) {
    if (train.size() == 0) {
      throw new IllegalArgumentException("training set is empty");
    }
    if (train.height() != model.height() || train.width() != model.width()) {
      throw new IllegalArgumentException("training image size " + train.height() + "x"
          + train.width() + " differs from the network's input " + model.height() + "x"
          + model.width());
    }
    Network net = model.net();
    int steps = 0;
    long start = System.nanoTime();
    // Dropout draws from ND4J's global generator: seed it so that a run repeats.
    Nd4j.getRandom().setSeed(h.seed());
    SplittableRandom shuffle = new SplittableRandom(h.seed());
    int[] order = new int[train.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    List<EpochRecord> history = new ArrayList<>();
    EarlyStopping stopping = EarlyStopping.onAccuracy(h.patience());
    INDArray bestParams = null;
    boolean stoppedEarly = false;
    for (int epoch = 1; epoch <= h.epochs(); epoch++) {
      long epochStart = System.nanoTime();
      String task = "epoch " + epoch + "/" + h.epochs();
      for (int i = order.length - 1; i > 0; i--) {
        int j = shuffle.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      double lossSum = 0;
      int reportEvery = Math.max(1, order.length / REPORTS_PER_EPOCH);
      int nextReport = reportEvery;
      for (int from = 0; from < order.length; from += h.batchSize()) {
        int to = Math.min(order.length, from + h.batchSize());
        INDArray features = Batches.features(train, order, from, to, model.channels());
        INDArray labels = Batches.labels(train, order, from, to, classes);
        net.fit(features, labels);
        lossSum += net.score() * (to - from);
        // A fit leaves native buffers to the Java garbage collector, which a quiet heap rarely
        // runs; without these, native memory grew by gigabytes per epoch (more with the oneDNN
        // helpers).
        features.close();
        labels.close();
        if (++steps % GC_EVERY_STEPS == 0) {
          Nd4j.getMemoryManager().invokeGc();
        }
        if (to >= nextReport && to < order.length) {
          report(listener, new Progress(task, to, order.length, 0));
          nextReport = to + reportEvery;
        }
      }
      net.incrementEpoch();
      double accuracy = validation == null ? Double.NaN
          : model.score(validation, h.classWeights());
      double rate = h.learningRate() * h.schedule().multiplier(epoch - 1, h.epochs());
      history.add(new EpochRecord(epoch, lossSum / order.length, accuracy, rate,
          (System.nanoTime() - epochStart) / 1e9));
      LOG.debug("{}: loss {} validation accuracy {}", task, lossSum / order.length, accuracy);
      report(listener, new Progress(task, order.length, order.length, 0));
      if (stopping.offer(epoch, accuracy, Double.NaN)) {
        if (validation != null) {
          bestParams = net.params().dup();
        }
      } else if (stopping.exhausted()) {
        stoppedEarly = epoch < h.epochs();
        break;
      }
    }
    if (bestParams != null && stopping.bestEpoch() != history.size()) {
      net.setParams(bestParams);
    }
    return new TrainingResult(model, history, stopping.bestEpoch(), stopping.bestAccuracy(),
        stoppedEarly, h,
        (System.nanoTime() - start) / 1e9);
  }

  private static void report(ProgressListener listener, Progress p) {
    try {
      listener.onProgress(p);
    } catch (RuntimeException e) {
      LOG.warn("progress listener failed on {}; training goes on", p, e);
    }
  }
}
