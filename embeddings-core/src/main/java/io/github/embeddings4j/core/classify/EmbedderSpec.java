package io.github.embeddings4j.core.classify;

import io.github.embeddings4j.api.Embedder;
import io.github.embeddings4j.api.EmbeddingException;
import io.github.embeddings4j.core.embed.Pooling;
import io.github.embeddings4j.core.image.Preprocessing;
import io.github.embeddings4j.core.io.Checksums;
import io.github.embeddings4j.core.io.IoErrors;
import io.github.embeddings4j.core.onnx.OnnxEmbedder;
import io.github.embeddings4j.core.train.TrainedEmbedder;
import io.github.embeddings4j.core.zoo.Engine;
import io.github.embeddings4j.core.zoo.Weights;
import io.github.embeddings4j.core.zoo.ZooEmbedder;
import io.github.embeddings4j.core.zoo.ZooModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * How to build an embedder again: a zoo model with its weights, layer, pooling and engine; an
 * ONNX file with its preprocessing, output and pooling; or a network saved by {@code
 * TrainedEmbedder}. Every file it names is recorded with its SHA-256, and {@link #open()}
 * refuses a file whose bytes changed since, so that a classifier head is never applied to
 * vectors of another network. Immutable.
 *
 * <pre>{@code
 * EmbedderSpec spec = EmbedderSpec.onnx(Path.of("model.onnx"), "imagenet", null, null, true);
 * try (Embedder e = spec.open()) { ... }
 * }</pre>
 *
 * @param kind what is built
 * @param settings the settings as text, by key (see the factories); sorted, unmodifiable
 */
public record EmbedderSpec(Kind kind, Map<String, String> settings) {

  /** What a spec builds. */
  public enum Kind {
    /** A model of the DL4J zoo ({@link ZooEmbedder}). */
    ZOO,
    /** An ONNX file ({@link OnnxEmbedder}). */
    ONNX,
    /** A network saved by {@link TrainedEmbedder#save}. */
    TRAINED
  }

  /**
   * Checks and copies.
   *
   * @param kind what is built
   * @param settings the settings
   */
  public EmbedderSpec {
    Objects.requireNonNull(kind, "kind");
    settings = Collections.unmodifiableMap(new TreeMap<>(settings));
  }

  /**
   * A zoo model.
   *
   * @param model the model's zoo name, e.g. {@code resnet50}
   * @param weights {@code random}, a pretrained set ({@code imagenet}, ...) or a weights file
   * @param seed the seed of random weights
   * @param layer the embedding layer, or null for the model's own
   * @param pooling {@code avg} or {@code max}, or null for avg
   * @param normalize whether vectors are L2-normalised
   * @param engine the engine's name, or null for the default
   * @return the spec
   * @throws IOException if a weights file cannot be read (for its checksum)
   * @throws IllegalArgumentException if the model, weights, pooling or engine is unknown
   */
  public static EmbedderSpec zoo(String model, String weights, long seed, String layer,
      String pooling, boolean normalize, String engine) throws IOException {
    Map<String, String> s = new TreeMap<>();
    s.put("model", ZooModel.parse(model).zooName());
    Weights w = Weights.parse(weights, seed);
    if (w instanceof Weights.File f) {
      Path file = f.path().toAbsolutePath().normalize();
      s.put("weights", "file");
      s.put("file", file.toString());
      s.put("sha256", Checksums.sha256(file));
    } else {
      s.put("weights", weights.trim().toLowerCase(java.util.Locale.ROOT));
    }
    s.put("seed", Long.toString(seed));
    put(s, "layer", layer);
    put(s, "pooling", pooling == null ? null : Pooling.parse(pooling).name()
        .toLowerCase(java.util.Locale.ROOT));
    s.put("normalize", Boolean.toString(normalize));
    if (engine != null) {
      Engine.parse(engine);
    }
    put(s, "engine", engine);
    return new EmbedderSpec(Kind.ZOO, s);
  }

  /**
   * An ONNX model file.
   *
   * @param file the model
   * @param preprocess a preprocessing preset ({@code imagenet}, {@code clip}, {@code
   *     inception}, {@code none}), or null for the embedder's default
   * @param output the output or tensor to embed, or null for the first output
   * @param pooling {@code avg}, {@code max} or {@code cls}, or null for the default
   * @param normalize whether vectors are L2-normalised
   * @return the spec
   * @throws IOException if the file cannot be read (for its checksum)
   * @throws IllegalArgumentException if the preset or pooling is unknown
   */
  public static EmbedderSpec onnx(Path file, String preprocess, String output, String pooling,
      boolean normalize) throws IOException {
    Map<String, String> s = new TreeMap<>();
    Path abs = file.toAbsolutePath().normalize();
    s.put("file", abs.toString());
    // With external data files, the digest covers them too (OnnxEmbedder.sha256(Path)).
    s.put("sha256", OnnxEmbedder.sha256(abs));
    if (preprocess != null) {
      Preprocessing.preset(preprocess);
    }
    put(s, "preprocess", preprocess);
    put(s, "output", output);
    put(s, "pooling", pooling == null ? null : Pooling.parse(pooling).name()
        .toLowerCase(java.util.Locale.ROOT));
    s.put("normalize", Boolean.toString(normalize));
    return new EmbedderSpec(Kind.ONNX, s);
  }

  /**
   * A network saved by {@link TrainedEmbedder#save}, by {@code embeddings4j train} or
   * {@code finetune}.
   *
   * @param file the saved model
   * @return the spec
   * @throws IOException if the file cannot be read (for its checksum)
   */
  public static EmbedderSpec trained(Path file) throws IOException {
    Map<String, String> s = new TreeMap<>();
    Path abs = file.toAbsolutePath().normalize();
    s.put("file", abs.toString());
    s.put("sha256", Checksums.sha256(abs));
    return new EmbedderSpec(Kind.TRAINED, s);
  }

  private static void put(Map<String, String> s, String key, String value) {
    if (value != null) {
      s.put(key, value);
    }
  }

  /**
   * The model file the spec names (an ONNX file, a saved network or a weights file), or null
   * for a zoo model with named weights.
   *
   * @return the file
   */
  public Path file() {
    String f = settings.get("file");
    return f == null ? null : Path.of(f);
  }

  /**
   * The same spec with its model file found at another path (the head and the model copied to
   * another machine, say). The recorded SHA-256 stays: {@link #open()} still refuses a file
   * with other bytes.
   *
   * @param moved where the file is now
   * @return the new spec
   * @throws IllegalArgumentException if the spec names no file (a zoo model with named
   *     weights)
   */
  public EmbedderSpec withFile(Path moved) {
    if (file() == null) {
      throw new IllegalArgumentException("the embedder (" + this + ") has no model file to"
          + " move");
    }
    Map<String, String> s = new TreeMap<>(settings);
    s.put("file", moved.toAbsolutePath().normalize().toString());
    return new EmbedderSpec(kind, s);
  }

  /**
   * Checks that the named file, if any, still has the recorded SHA-256.
   *
   * @throws EmbeddingException if the file is missing, unreadable or changed; the message
   *     names it and both checksums
   */
  public void verify() throws EmbeddingException {
    Path file = file();
    if (file == null) {
      return;
    }
    String recorded = settings.get("sha256");
    String actual;
    try {
      actual = kind == Kind.ONNX ? OnnxEmbedder.sha256(file) : Checksums.sha256(file);
    } catch (IOException e) {
      throw new EmbeddingException(file + ": the embedder's model file cannot be read ("
          + IoErrors.reason(e) + "); put it back at that path", e);
    }
    if (!actual.equals(recorded)) {
      throw new EmbeddingException(file + ": the embedder's model file changed since the head"
          + " was trained (sha256 was " + recorded + ", is now " + actual + "); restore that"
          + " file, or train the head again on the new one");
    }
  }

  /**
   * Builds the embedder, after {@link #verify()}.
   *
   * @return a new embedder; the caller closes it
   * @throws EmbeddingException if a file changed or is missing, or the embedder cannot be built
   */
  public Embedder open() throws EmbeddingException {
    return open(io.github.embeddings4j.core.image.ImageDecoder.defaults());
  }

  /**
   * As {@link #open()}, with images decoded by {@code decoder}: {@link
   * ImageClassifier#openEmbedder()} passes the one whose orientation setting the head's
   * embedder was described with.
   *
   * @param decoder the decoder
   * @return the embedder; the caller closes it
   * @throws EmbeddingException as {@link #open()}
   */
  public Embedder open(io.github.embeddings4j.core.image.ImageDecoder decoder)
      throws EmbeddingException {
    java.util.Objects.requireNonNull(decoder, "decoder");
    verify();
    try {
      return switch (kind) {
        case ZOO -> openZoo(decoder);
        case ONNX -> openOnnx(decoder);
        case TRAINED -> TrainedEmbedder.load(file()).decoder(decoder);
      };
    } catch (IOException e) {
      throw new EmbeddingException(IoErrors.describe(e), e);
    } catch (IllegalArgumentException e) {
      throw new EmbeddingException("cannot rebuild the embedder " + this + ": "
          + e.getMessage(), e);
    }
  }

  private Embedder openZoo(io.github.embeddings4j.core.image.ImageDecoder decoder)
      throws EmbeddingException {
    long seed = Long.parseLong(settings.getOrDefault("seed", "42"));
    String w = settings.get("weights");
    Weights weights = "file".equals(w) ? Weights.parse(settings.get("file"), seed)
        : Weights.parse(w, seed);
    ZooEmbedder.Builder b = ZooEmbedder.builder(ZooModel.parse(settings.get("model")))
        .weights(weights).normalize(Boolean.parseBoolean(settings.get("normalize")))
        .pooling(Pooling.parse(settings.getOrDefault("pooling", "avg"))).decoder(decoder);
    if (settings.containsKey("layer")) {
      b.layer(settings.get("layer"));
    }
    if (settings.containsKey("engine")) {
      b.engine(Engine.parse(settings.get("engine")));
    }
    return b.build();
  }

  private Embedder openOnnx(io.github.embeddings4j.core.image.ImageDecoder decoder)
      throws EmbeddingException {
    OnnxEmbedder.Builder b = OnnxEmbedder.builder(file())
        .normalize(Boolean.parseBoolean(settings.get("normalize"))).decoder(decoder);
    if (settings.containsKey("preprocess")) {
      b.preprocessing(Preprocessing.preset(settings.get("preprocess")));
    }
    if (settings.containsKey("output")) {
      b.output(settings.get("output"));
    }
    if (settings.containsKey("pooling")) {
      b.pooling(Pooling.parse(settings.get("pooling")));
    }
    return b.build();
  }

  /**
   * One line for messages, e.g. {@code onnx file=/m/a.onnx preprocess=imagenet}.
   *
   * @return the summary
   */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(kind.name().toLowerCase(java.util.Locale.ROOT));
    settings.forEach((k, v) -> {
      if (!k.equals("sha256")) {
        sb.append(' ').append(k).append('=').append(v);
      }
    });
    return sb.toString();
  }
}
