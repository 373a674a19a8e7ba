package io.github.embeddings4j.core.onnx;

import io.github.embeddings4j.core.image.Preprocessing;
import io.github.embeddings4j.core.io.JsonText;
import io.github.embeddings4j.core.io.SdkFile;
import io.github.embeddings4j.core.zoo.OnnxExport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * What an ONNX network fine-tuned by this SDK records about itself. The result is written as an
 * ONNX file again, with two outputs, {@value #EMBEDDING} (the pooled features the new
 * classifier reads, the file's first output and so what {@link OnnxEmbedder} embeds) and
 * {@value #PROBABILITIES} (the classifier's softmax over {@link #classes()}), and this record in
 * the model's metadata under the key {@value #METADATA_KEY} (JSON: the preprocessing in the same
 * form as a {@code FILE.onnx.json} sidecar, the class names in label order, the base model and
 * its SHA-256, facts about the run). One file, replaced atomically: {@link OnnxEmbedder} takes
 * its preprocessing from the metadata, ONNX Runtime in any language runs it, and {@code
 * onnx.load(f).metadata_props} shows the record.
 *
 * @param baseModel the file name of the ONNX model fine-tuned
 * @param baseSha256 its SHA-256 (of the model and its external data files)
 * @param preprocessing how images become input (the base model's)
 * @param featureLayer the imported graph's vertex whose output was pooled into the embedding
 * @param classes the class names of the classifier, label order
 * @param training free-form facts about the run (hyperparameters, kept epoch, accuracy)
 */
public record FineTunedOnnx(String baseModel, String baseSha256, Preprocessing preprocessing,
    String featureLayer, List<String> classes, Map<String, String> training) {

  /** The metadata key of the record. */
  public static final String METADATA_KEY = "embeddings4j";
  /** The value of the record's {@code format} key. */
  public static final String FORMAT = "embeddings4j fine-tuned ONNX model 1";
  /** The output that gives the embedding. */
  public static final String EMBEDDING = "embedding";
  /** The output that gives the class probabilities. */
  public static final String PROBABILITIES = "probabilities";

  /**
   * Checks and copies the values.
   *
   * @param baseModel not null
   * @param baseSha256 not null
   * @param preprocessing not null, channels first
   * @param featureLayer not null
   * @param classes at least 2
   * @param training not null
   */
  public FineTunedOnnx {
    Objects.requireNonNull(baseModel, "baseModel");
    Objects.requireNonNull(baseSha256, "baseSha256");
    Objects.requireNonNull(preprocessing, "preprocessing");
    Objects.requireNonNull(featureLayer, "featureLayer");
    classes = List.copyOf(classes);
    if (classes.size() < 2) {
      throw new IllegalArgumentException("a classifier needs at least 2 classes: " + classes);
    }
    training = java.util.Collections.unmodifiableMap(new TreeMap<>(training));
  }

  /**
   * The record as JSON, the value of {@value #METADATA_KEY}.
   *
   * @return the JSON text
   */
  public String toJson() {
    Preprocessing p = preprocessing;
    StringBuilder sb = new StringBuilder("{\n");
    sb.append("  \"format\": ").append(JsonText.quote(FORMAT)).append(",\n");
    sb.append("  \"preprocessing\": {\"preset\": \"custom\", \"input_size\": [")
        .append(p.height()).append(", ").append(p.width()).append("], \"resize_size\": ")
        .append(p.resize()).append(", \"interpolation\": ")
        .append(JsonText.quote(p.interpolation().name().toLowerCase(Locale.ROOT)))
        .append(", \"mean\": ").append(numbers(p.mean())).append(", \"std\": ")
        .append(numbers(p.std())).append(", \"stretch\": ").append(p.stretch()).append("},\n");
    sb.append("  \"outputs\": {\"embedding\": ").append(JsonText.quote(EMBEDDING))
        .append(", \"probabilities\": ").append(JsonText.quote(PROBABILITIES)).append("},\n");
    sb.append("  \"classes\": [");
    for (int i = 0; i < classes.size(); i++) {
      sb.append(i == 0 ? "" : ", ").append(JsonText.quote(classes.get(i)));
    }
    sb.append("],\n");
    sb.append("  \"base_model\": ").append(JsonText.quote(baseModel)).append(",\n");
    sb.append("  \"base_sha256\": ").append(JsonText.quote(baseSha256)).append(",\n");
    sb.append("  \"feature_layer\": ").append(JsonText.quote(featureLayer)).append(",\n");
    sb.append("  \"training\": {");
    boolean first = true;
    for (Map.Entry<String, String> e : training.entrySet()) {
      sb.append(first ? "" : ", ").append(JsonText.quote(e.getKey())).append(": ")
          .append(JsonText.quote(e.getValue()));
      first = false;
    }
    return sb.append("}\n}\n").toString();
  }

  private static String numbers(float[] v) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < v.length; i++) {
      sb.append(i == 0 ? "" : ", ").append(v[i]);
    }
    return sb.append(']').toString();
  }

  /**
   * Writes the fine-tuned network as an ONNX file with this record, atomically (an earlier file
   * there stays intact until the new one is complete).
   *
   * @param file the target, e.g. {@code tuned.onnx}
   * @param network the fine-tuned graph
   * @param embeddingVertex the vertex whose output is the embedding
   * @param classifierVertex the softmax classifier's vertex
   * @throws IOException if writing fails
   * @throws IllegalStateException if a layer of the graph has no ONNX counterpart (not for
   *     graphs this SDK imported)
   */
  public void write(Path file, ComputationGraph network, String embeddingVertex,
      String classifierVertex) throws IOException {
    Map<String, String> outputs = new LinkedHashMap<>();
    outputs.put(embeddingVertex, EMBEDDING);
    outputs.put(classifierVertex, PROBABILITIES);
    byte[] bytes;
    try {
      bytes = OnnxExport.export(network, preprocessing.channels(), preprocessing.height(),
          preprocessing.width(), outputs, Map.of(METADATA_KEY, toJson()));
    } catch (OnnxExport.Unsupported e) {
      throw new IllegalStateException("the fine-tuned network cannot be written as ONNX: "
          + e.getMessage(), e);
    }
    SdkFile.writeAtomically(file, out -> out.write(bytes));
  }

  /**
   * Reads the record from a model file written by {@link #write}.
   *
   * @param file an {@code .onnx} file
   * @return the record's JSON text, or null when the file has none
   * @throws IOException if the file cannot be read
   */
  public static String readJson(Path file) throws IOException {
    return Sidecar.metadata(file, METADATA_KEY);
  }

  /**
   * Reads the record of a model file written by {@link #write}.
   *
   * @param file an {@code .onnx} file
   * @return the record, or null when the file has none (a model not fine-tuned here)
   * @throws IOException if the file cannot be read
   * @throws IllegalArgumentException if the record is damaged (the message says how)
   */
  public static FineTunedOnnx read(Path file) throws IOException {
    String json = readJson(file);
    if (json == null) {
      return null;
    }
    try {
      Map<String, Object> m = JsonText.parse(json);
      if (!FORMAT.equals(m.get("format"))) {
        throw new IllegalArgumentException("format " + m.get("format") + ", not " + FORMAT);
      }
      List<String> classes = new java.util.ArrayList<>();
      for (Object c : (List<?>) m.get("classes")) {
        classes.add((String) c);
      }
      Map<String, String> training = new LinkedHashMap<>();
      Object t = m.get("training");
      if (t instanceof Map<?, ?> tm) {
        tm.forEach((k, v) -> training.put(String.valueOf(k), String.valueOf(v)));
      }
      Preprocessing p = OnnxEmbedder.recordedPreprocessing(file).orElseThrow(
          () -> new IllegalArgumentException("no preprocessing"));
      return new FineTunedOnnx((String) m.get("base_model"), (String) m.get("base_sha256"), p,
          (String) m.get("feature_layer"), classes, training);
    } catch (ClassCastException | NullPointerException
        | io.github.embeddings4j.api.EmbeddingException e) {
      throw new IllegalArgumentException(file + ": the record " + METADATA_KEY + " in its"
          + " metadata is damaged (" + e + "); fine-tune the model again", e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": the record " + METADATA_KEY + " in its"
          + " metadata is damaged (" + e.getMessage() + "); fine-tune the model again", e);
    }
  }

  @Override
  public String toString() {
    return "FineTunedOnnx[" + baseModel + " sha256=" + baseSha256 + ", classes="
        + Arrays.toString(classes.toArray()) + "]";
  }
}
