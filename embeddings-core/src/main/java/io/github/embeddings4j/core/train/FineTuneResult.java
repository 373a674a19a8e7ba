package io.github.embeddings4j.core.train;

import io.github.embeddings4j.core.zoo.FineTunedModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

/**
 * The outcome of {@link ZooFineTuner#fit}: the network restored to its best epoch, the record
 * that makes its file self-describing, the history, and the images that were skipped.
 *
 * @param network the fine-tuned DL4J graph (live, not a copy), classifier included
 * @param model what the saved file records: zoo model, input size, embedding layer, classes
 * @param history one record per epoch run (a resumed run includes the epochs before the resume)
 * @param bestEpoch the epoch kept (from 1)
 * @param bestValidationAccuracy its validation accuracy, the balanced accuracy with {@link
 *     ClassWeights#BALANCED} ({@code NaN} without validation)
 * @param stoppedEarly whether training stopped before its epoch limit for lack of progress
 * @param skipped the images that could not be decoded, and why
 * @param hyperparameters the settings
 * @param seconds the wall time of this call
 */
public record FineTuneResult(ComputationGraph network, FineTunedModel model,
    List<EpochRecord> history, int bestEpoch, double bestValidationAccuracy,
    boolean stoppedEarly, Map<Path, String> skipped, Hyperparameters hyperparameters,
    double seconds) {

  /**
   * Copies the collections.
   *
   * @param network the graph
   * @param model its record
   * @param history the epochs
   * @param bestEpoch the epoch kept
   * @param bestValidationAccuracy its accuracy
   * @param stoppedEarly whether it stopped early
   * @param skipped skipped images
   * @param hyperparameters the settings
   * @param seconds the wall time
   */
  public FineTuneResult {
    history = List.copyOf(history);
    skipped = Map.copyOf(skipped);
  }

  /**
   * Saves the network (without updater state) with its {@link FineTunedModel} record,
   * atomically. {@code ZooEmbedder.fineTuned(file)}, DL4J's {@code ModelSerializer} and every
   * command's {@code --model FILE.zip} read it.
   *
   * @param file the target, e.g. {@code tuned.zip}
   * @throws IOException if writing fails; an earlier file there is left intact
   */
  public void save(Path file) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ModelSerializer.writeModel(network, bytes, false);
    Checkpoint.writeZip(file, bytes.toByteArray(), List.of(new Checkpoint.Extra(
        FineTunedModel.ENTRY, model.toText().getBytes(StandardCharsets.UTF_8))));
  }

  /**
   * The share of images the fine-tuned classifier labels right, images streamed from disk at the
   * network's input (no augmentation); images that cannot be decoded are left out.
   *
   * @param images labelled images with the same class names as the training images
   * @return the accuracy in {@code [0, 1]}, {@code NaN} when no image could be decoded
   * @throws IllegalArgumentException if the class names differ
   */
  public double accuracy(io.github.embeddings4j.core.data.ImageFolder images) {
    int[][] counts = rightPerClass(images);
    return ClassWeights.NONE.score(counts[0], counts[1]);
  }

  /**
   * The balanced accuracy on labelled images, the mean of the classes' recalls (the score by
   * which a run with {@link ClassWeights#BALANCED} chose its epoch): on a test folder with far
   * more images of some classes than of others, a classifier that ignores a rare class loses
   * that class's share here, not a share proportional to its few images.
   *
   * @param images labelled images with the same class names as the training images
   * @return the mean recall over the classes that have decodable images, {@code NaN} when no
   *     image could be decoded
   * @throws IllegalArgumentException if the class names differ
   */
  public double balancedAccuracy(io.github.embeddings4j.core.data.ImageFolder images) {
    int[][] counts = rightPerClass(images);
    return ClassWeights.BALANCED.score(counts[0], counts[1]);
  }

  private int[][] rightPerClass(io.github.embeddings4j.core.data.ImageFolder images) {
    if (!images.classNames().equals(model.classes())) {
      throw new IllegalArgumentException("classes " + images.classNames() + " differ from the"
          + " network's " + model.classes());
    }
    return FolderBatches.rightPerClass(network, images.entries(), model.classes().size(),
        model.inputFormat(), io.github.embeddings4j.core.image.ImageDecoder.defaults(), 64,
        new java.util.concurrent.ConcurrentHashMap<>(), (f, why) -> { }, true);
  }

  /**
   * The history as a Markdown table.
   *
   * @return one row per epoch, the kept one marked
   */
  public String historyTable() {
    StringBuilder sb = new StringBuilder(
        "| epoch | train loss | " + hyperparameters.classWeights().scoreName()
            + " | learning rate | seconds |\n"
            + "|---:|---:|---:|---:|---:|\n");
    for (EpochRecord r : history) {
      sb.append(String.format(Locale.ROOT, "| %d%s | %.4f | %.4f | %.2g | %.1f |%n", r.epoch(),
          r.epoch() == bestEpoch ? " (kept)" : "", r.trainLoss(), r.validationAccuracy(),
          r.learningRate(), r.seconds()));
    }
    return sb.toString();
  }
}
