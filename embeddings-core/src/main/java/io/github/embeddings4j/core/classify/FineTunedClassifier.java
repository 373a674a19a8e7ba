package io.github.embeddings4j.core.classify;

import io.github.embeddings4j.api.EmbeddingException;
import io.github.embeddings4j.core.embed.NetworkEmbedder;
import io.github.embeddings4j.core.onnx.FineTunedOnnx;
import io.github.embeddings4j.core.onnx.OnnxEmbedder;
import io.github.embeddings4j.core.zoo.FineTunedModel;
import io.github.embeddings4j.core.zoo.ZooEmbedder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Labels images with the classifier a network was fine-tuned with ({@code
 * ZooFineTuner}/{@code finetune}): the file's own softmax layer gives the probabilities and its
 * record the class names. For an ONNX file ({@link FineTunedOnnx}) its {@code probabilities}
 * output runs on ONNX Runtime with the preprocessing in its metadata; for a zoo zip ({@link
 * FineTunedModel}) the network up to its classifier runs on the zoo model's engine.
 *
 * <pre>{@code
 * try (FineTunedClassifier c = FineTunedClassifier.open(Path.of("tuned.onnx"))) {
 *   List<ImageClassifier.Prediction> top = c.topK(c.embedder().embed(Path.of("a.jpg")), 3);
 * }
 * }</pre>
 *
 * <p>A head trained on frozen embeddings ({@code classify fit}) is an {@link ImageClassifier}
 * instead. Safe to share between threads as far as its embedder is.
 */
public final class FineTunedClassifier implements AutoCloseable {

  private final Path file;
  private final List<String> classNames;
  private final NetworkEmbedder embedder;

  private FineTunedClassifier(Path file, List<String> classNames, NetworkEmbedder embedder) {
    this.file = file;
    this.classNames = List.copyOf(classNames);
    this.embedder = embedder;
  }

  /**
   * Opens a fine-tuned model file.
   *
   * @param file {@code tuned.onnx} or {@code tuned.zip}, as {@code FineTuneResult.save} wrote it
   * @return the classifier; close it to free its engine
   * @throws IOException if the file cannot be read
   * @throws EmbeddingException if its network cannot be loaded
   * @throws IllegalArgumentException if the file was not fine-tuned here (it records no class
   *     names), naming the file and what to do instead
   */
  public static FineTunedClassifier open(Path file) throws IOException, EmbeddingException {
    Objects.requireNonNull(file, "file");
    if (!Files.isRegularFile(file)) {
      throw new java.nio.file.NoSuchFileException(file.toString());
    }
    if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx")) {
      FineTunedOnnx record = FineTunedOnnx.read(file);
      if (record == null) {
        throw notFineTuned(file);
      }
      OnnxEmbedder e = OnnxEmbedder.builder(file).output(FineTunedOnnx.PROBABILITIES)
          .normalize(false).build();
      return new FineTunedClassifier(file, record.classes(), e);
    }
    FineTunedModel record = FineTunedModel.read(file);
    if (record == null) {
      throw notFineTuned(file);
    }
    ZooEmbedder e = ZooEmbedder.fineTuned(file).layer(record.classifierLayer()).normalize(false)
        .build();
    return new FineTunedClassifier(file, record.classes(), e);
  }

  private static IllegalArgumentException notFineTuned(Path file) {
    return new IllegalArgumentException(file + ": not a model fine-tuned by embeddings4j (it"
        + " records no class names); fine-tune it (finetune / ZooFineTuner), or train a head on"
        + " its embeddings (classify fit / HeadTrainer)");
  }

  /**
   * The class names, label order.
   *
   * @return the names
   */
  public List<String> classNames() {
    return classNames;
  }

  /**
   * The embedder whose vectors are the class probabilities (not normalised; they sum to 1).
   *
   * @return the embedder, owned by this classifier
   */
  public NetworkEmbedder embedder() {
    return embedder;
  }

  /**
   * The {@code k} most probable classes of one probability vector, most probable first (ties:
   * the smaller label first).
   *
   * @param probabilities a vector of {@link #embedder()}
   * @param k how many, at least 1 (at most the class count is returned)
   * @return the predictions
   * @throws IllegalArgumentException if the vector has another length than the class count
   */
  public List<ImageClassifier.Prediction> topK(float[] probabilities, int k) {
    if (probabilities.length != classNames.size()) {
      throw new IllegalArgumentException(file + ": " + probabilities.length + " probabilities"
          + " for " + classNames.size() + " classes");
    }
    if (k < 1) {
      throw new IllegalArgumentException("k must be at least 1: " + k);
    }
    List<ImageClassifier.Prediction> all = new ArrayList<>();
    for (int c = 0; c < probabilities.length; c++) {
      all.add(new ImageClassifier.Prediction(c, classNames.get(c), probabilities[c]));
    }
    all.sort((a, b) -> a.probability() != b.probability()
        ? Float.compare(b.probability(), a.probability()) : Integer.compare(a.label(), b.label()));
    return List.copyOf(all.subList(0, Math.min(k, all.size())));
  }

  @Override
  public void close() {
    embedder.close();
  }

  @Override
  public String toString() {
    return "FineTunedClassifier[" + file + ", " + classNames.size() + " classes]";
  }
}
