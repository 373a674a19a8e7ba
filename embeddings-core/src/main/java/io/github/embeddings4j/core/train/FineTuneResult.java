package io.github.embeddings4j.core.train;

import io.github.embeddings4j.core.onnx.FineTunedOnnx;
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
 * @param model for a zoo model, what the saved zip records: zoo model, input size, embedding
 *     layer, classes; {@code null} for an ONNX model
 * @param onnx for an ONNX model, what the saved ONNX file records: base model, preprocessing,
 *     classes; {@code null} for a zoo model
 * @param embeddingLayer the vertex whose output is the embedding (the pooling after the feature
 *     layer)
 * @param history one record per epoch run (a resumed run includes the epochs before the resume)
 * @param bestEpoch the epoch kept (from 1)
 * @param bestValidationAccuracy its validation accuracy, the balanced accuracy with {@link
 *     ClassWeights#BALANCED} ({@code NaN} without validation)
 * @param stoppedEarly whether training stopped before its epoch limit for lack of progress
 * @param skipped the images that could not be decoded, and why
 * @param hyperparameters the settings
 * @param seconds the wall time of this call
 */
public record FineTuneResult(ComputationGraph network, FineTunedModel model, FineTunedOnnx onnx,
    String embeddingLayer, List<EpochRecord> history, int bestEpoch, double bestValidationAccuracy,
    boolean stoppedEarly, Map<Path, String> skipped, Hyperparameters hyperparameters,
    double seconds) {

  /**
   * Copies the collections.
   *
   * @param network the graph
   * @param model its record (zoo models)
   * @param onnx its record (ONNX models)
   * @param embeddingLayer the embedding's vertex
   * @param history the epochs
   * @param bestEpoch the epoch kept
   * @param bestValidationAccuracy its accuracy
   * @param stoppedEarly whether it stopped early
   * @param skipped skipped images
   * @param hyperparameters the settings
   * @param seconds the wall time
   */
  public FineTuneResult {
    if ((model == null) == (onnx == null)) {
      throw new IllegalArgumentException("exactly one of the zoo and ONNX records is set");
    }
    history = List.copyOf(history);
    skipped = Map.copyOf(skipped);
  }

  /**
   * Saves the network atomically. A zoo model: a DL4J zip (without updater state) with its
   * {@link FineTunedModel} record, which {@code ZooEmbedder.fineTuned(file)}, DL4J's {@code
   * ModelSerializer} and every command's {@code --model FILE.zip} read. An ONNX model: an ONNX
   * file with outputs {@code embedding} and {@code probabilities} and its {@link FineTunedOnnx}
   * record in the metadata, which {@code OnnxEmbedder}, ONNX Runtime and every command's {@code
   * --model FILE.onnx} read.
   *
   * @param file the target, e.g. {@code tuned.zip} or {@code tuned.onnx}
   * @throws IOException if writing fails; an earlier file there is left intact
   */
  public void save(Path file) throws IOException {
    if (onnx != null) {
      onnx.write(file, network, embeddingLayer, ZooFineTuner.HEAD_LAYER);
      return;
    }
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
    List<String> classes = classes();
    if (!images.classNames().equals(classes)) {
      throw new IllegalArgumentException("classes " + images.classNames() + " differ from the"
          + " network's " + classes);
    }
    return FolderBatches.rightPerClass(network, images.entries(), classes.size(),
        onnx != null ? onnx.preprocessing() : model.inputFormat(),
        io.github.embeddings4j.core.image.ImageDecoder.defaults(), 64,
        new java.util.concurrent.ConcurrentHashMap<>(), (f, why) -> { }, true);
  }

  /**
   * The class names of the classifier, label order.
   *
   * @return the names
   */
  public List<String> classes() {
    return onnx != null ? onnx.classes() : model.classes();
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
