package io.github.embeddings4j.core.zoo;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * What a zoo CNN fine-tuned by this SDK records about itself, in one more entry ({@value
 * #ENTRY}) of its DL4J {@code ModelSerializer} zip: the zoo model it started from, the input size
 * it was trained at (colour order and scaling are the zoo model's own), the layer whose globally
 * average-pooled activations are the embedding (the features the new classifier reads), the
 * class names of the new classifier in label order, and where the starting weights came from.
 * The rest of the zip is a plain DL4J graph, so DL4J reads the file as it is.
 *
 * <p>{@link ZooEmbedder#fineTuned(Path)} reads it and embeds with the engine chosen for the
 * zoo model, exactly as for the model's own weights.
 *
 * @param model the zoo model the network was built from
 * @param height the input height it was trained at
 * @param width the input width it was trained at
 * @param embeddingLayer the layer whose pooled activations are the embedding
 * @param classes the class names of its classifier, label order
 * @param classifierLayer the classifier's layer name (the network's output)
 * @param baseWeights where the starting weights came from ({@code imagenet}, {@code random
 *     seed=42}, {@code file sha256=...})
 * @param training free-form facts about the run (hyperparameters, kept epoch, validation
 *     accuracy), written as {@code training.<key>}
 */
public record FineTunedModel(ZooModel model, int height, int width, String embeddingLayer,
    List<String> classes, String classifierLayer, String baseWeights,
    Map<String, String> training) {

  /** The zip entry holding the record. */
  public static final String ENTRY = "embeddings4j-finetuned.properties";

  /** The value of the entry's {@code format} key. */
  public static final String FORMAT = "embeddings4j fine-tuned zoo model 1";

  /**
   * Checks and copies the values.
   *
   * @param model not null
   * @param height positive
   * @param width positive
   * @param embeddingLayer not null
   * @param classes at least 2 names
   * @param classifierLayer not null
   * @param baseWeights not null
   * @param training not null
   */
  public FineTunedModel {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(embeddingLayer, "embeddingLayer");
    Objects.requireNonNull(classifierLayer, "classifierLayer");
    Objects.requireNonNull(baseWeights, "baseWeights");
    if (height < 1 || width < 1) {
      throw new IllegalArgumentException("input size must be positive: " + height + "x" + width);
    }
    classes = List.copyOf(classes);
    training = java.util.Collections.unmodifiableMap(new TreeMap<>(training));
  }

  /**
   * The input the network was trained on: the zoo model's colour order and scaling at {@link
   * #height()} x {@link #width()}.
   *
   * @return the input format
   */
  public io.github.embeddings4j.core.image.InputFormat inputFormat() {
    return model.inputFormat().withSize(height, width);
  }

  /**
   * The record as the text of {@link #ENTRY}.
   *
   * @return properties text
   */
  public String toText() {
    Properties p = new Properties();
    p.setProperty("format", FORMAT);
    p.setProperty("zoo.model", model.zooName());
    p.setProperty("input.height", String.valueOf(height));
    p.setProperty("input.width", String.valueOf(width));
    p.setProperty("input.colorOrder", model.inputFormat().colorOrder().name());
    p.setProperty("input.scaling", model.inputFormat().scaling().name());
    p.setProperty("embedding.layer", embeddingLayer);
    p.setProperty("embedding.pooling", "avg");
    p.setProperty("classifier.layer", classifierLayer);
    p.setProperty("classes.count", String.valueOf(classes.size()));
    for (int i = 0; i < classes.size(); i++) {
      p.setProperty("classes." + i, classes.get(i));
    }
    p.setProperty("weights.base", baseWeights);
    training.forEach((k, v) -> p.setProperty("training." + k, v));
    StringWriter w = new StringWriter();
    try {
      p.store(w, "embeddings4j fine-tuned zoo model");
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return w.toString();
  }

  /**
   * Reads the record of a fine-tuned model file.
   *
   * @param file a model zip
   * @return the record, or {@code null} when the file is a zip without one (another DL4J model)
   * @throws NoSuchFileException if the file does not exist
   * @throws IOException if it is not a zip, or its record is damaged (the message names the file
   *     and the key)
   */
  public static FineTunedModel read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file.toString(), null, "model file not found");
    }
    Properties p = new Properties();
    try (ZipFile zip = new ZipFile(file.toFile())) {
      ZipEntry entry = zip.getEntry(ENTRY);
      if (entry == null) {
        return null;
      }
      p.load(new StringReader(new String(zip.getInputStream(entry).readAllBytes(),
          StandardCharsets.UTF_8)));
    } catch (java.util.zip.ZipException e) {
      throw new IOException(file + ": not a model zip: " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": damaged " + ENTRY + ": " + e.getMessage(), e);
    }
    if (!FORMAT.equals(p.getProperty("format"))) {
      throw new IOException(file + ": " + ENTRY + " has format '" + p.getProperty("format")
          + "', expected '" + FORMAT + "' (written by a newer embeddings4j?)");
    }
    try {
      int n = Integer.parseInt(required(p, "classes.count", file));
      List<String> classes = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        classes.add(required(p, "classes." + i, file));
      }
      Map<String, String> training = new TreeMap<>();
      for (String k : p.stringPropertyNames()) {
        if (k.startsWith("training.")) {
          training.put(k.substring("training.".length()), p.getProperty(k));
        }
      }
      return new FineTunedModel(ZooModel.parse(required(p, "zoo.model", file)),
          Integer.parseInt(required(p, "input.height", file)),
          Integer.parseInt(required(p, "input.width", file)),
          required(p, "embedding.layer", file), classes, required(p, "classifier.layer", file),
          required(p, "weights.base", file), training);
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": damaged " + ENTRY + ": " + e.getMessage(), e);
    }
  }

  private static String required(Properties p, String key, Path file) throws IOException {
    String v = p.getProperty(key);
    if (v == null) {
      throw new IOException(file + ": damaged " + ENTRY + ": no '" + key + "'");
    }
    return v;
  }

  @Override
  public String toString() {
    return "FineTunedModel[" + model.zooName() + " " + height + "x" + width + ", embedding "
        + embeddingLayer + ", " + classes.size() + " classes, from "
        + baseWeights.toLowerCase(Locale.ROOT) + "]";
  }
}
