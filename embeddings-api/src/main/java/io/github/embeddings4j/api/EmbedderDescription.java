package io.github.embeddings4j.api;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * How an {@link Embedder} makes its vectors: everything that must be the same for two vectors
 * to be comparable. Embeddings files record it, and a query embedder's description is checked
 * against the file's before a search, so that vectors of another model, other weights, another
 * layer or other preprocessing are refused instead of giving meaningless distances.
 *
 * <pre>{@code
 * EmbedderDescription d = EmbedderDescription.builder("resnet50", 2048)
 *     .weights("random seed=7").layer("flatten_1").pooling("avg").normalized(true)
 *     .input("224x224x3", "BGR", "IMAGENET_MEAN")
 *     .extra("engine", "onnxruntime").build();
 * List<String> why = d.differences(fileDescription);   // empty when the vectors are comparable
 * }</pre>
 *
 * <p>The fixed fields cover the zoo's CNNs; other embedders add theirs to {@link #extra()} (for
 * an ONNX file, e.g., {@code model_sha256}, {@code input_name}, {@code output_name},
 * {@code preset}). Extra keys that start with {@value #INFO_PREFIX} are information only (a
 * file's path, say) and are not compared; neither is {@link #sdkVersion()}.
 *
 * @param model the model: a zoo name such as {@code resnet50}, or a kind of network with the
 *     checksum of its file
 * @param weights where the weights came from, e.g. {@code imagenet}, {@code random seed=7},
 *     {@code file sha256=...}
 * @param layer the layer whose output is the embedding
 * @param pooling how spatial activations are pooled ({@code avg}, {@code max}, {@code none})
 * @param normalized whether every vector is scaled to unit L2 norm
 * @param inputSize the network input as {@code HEIGHTxWIDTHxCHANNELS}
 * @param colorOrder the channel order the network is fed ({@code RGB}, {@code BGR},
 *     {@code GRAY})
 * @param scaling how pixel values are scaled (e.g. {@code UNIT}, {@code IMAGENET_MEAN})
 * @param dimension the vector length, at least 1
 * @param sdkVersion the embeddings4j version that made it (not compared)
 * @param extra further fields of embedders that need them, in sorted key order; unmodifiable
 */
public record EmbedderDescription(String model, String weights, String layer, String pooling,
    boolean normalized, String inputSize, String colorOrder, String scaling, int dimension,
    String sdkVersion, Map<String, String> extra) {

  /** Extra keys with this prefix are information only and are not compared. */
  public static final String INFO_PREFIX = "info.";

  /** The extra field that lists the reductions applied to the vectors ({@link #reducedTo}). */
  public static final String REDUCTION = "reduction";

  /** The value of a field nobody recorded. */
  public static final String UNKNOWN = "unknown";

  /**
   * Checks the values and copies {@code extra}.
   *
   * @param model the model
   * @param weights where the weights came from
   * @param layer the embedding layer
   * @param pooling the pooling
   * @param normalized whether vectors have unit L2 norm
   * @param inputSize {@code HEIGHTxWIDTHxCHANNELS}
   * @param colorOrder the channel order
   * @param scaling the pixel scaling
   * @param dimension the vector length, at least 1
   * @param sdkVersion the SDK version
   * @param extra further fields
   * @throws NullPointerException if a text field or {@code extra} is null
   * @throws IllegalArgumentException if {@code dimension < 1}
   */
  public EmbedderDescription {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(weights, "weights");
    Objects.requireNonNull(layer, "layer");
    Objects.requireNonNull(pooling, "pooling");
    Objects.requireNonNull(inputSize, "inputSize");
    Objects.requireNonNull(colorOrder, "colorOrder");
    Objects.requireNonNull(scaling, "scaling");
    Objects.requireNonNull(sdkVersion, "sdkVersion");
    if (dimension < 1) {
      throw new IllegalArgumentException("dimension must be at least 1: " + dimension);
    }
    extra = Collections.unmodifiableMap(new TreeMap<>(Objects.requireNonNull(extra, "extra")));
  }

  /**
   * Starts a description with the two fields every embedder knows; the others are
   * {@value #UNKNOWN} until set.
   *
   * @param model the model's name
   * @param dimension the vector length
   * @return a builder
   */
  public static Builder builder(String model, int dimension) {
    return new Builder(model, dimension);
  }

  /**
   * The version of this SDK, from the jar's manifest ({@code development} when run from
   * classes).
   *
   * @return the version
   */
  public static String currentSdkVersion() {
    String v = EmbedderDescription.class.getPackage().getImplementationVersion();
    return v == null ? "development" : v;
  }

  /**
   * The fields in which another description differs from this one, one line each such as
   * {@code weights: random seed=7 != random seed=8}; empty when vectors of the two are
   * comparable. {@link #sdkVersion()} and extra keys starting with {@value #INFO_PREFIX} are not
   * compared.
   *
   * @param other the other description
   * @return the differences, this description's value first
   */
  public List<String> differences(EmbedderDescription other) {
    Map<String, String> a = comparable(toMap());
    Map<String, String> b = comparable(other.toMap());
    List<String> out = new ArrayList<>();
    for (String k : orderedKeys(a, b)) {
      String x = a.get(k);
      String y = b.get(k);
      if (!Objects.equals(x, y)) {
        out.add(k + ": " + (x == null ? "(none)" : x) + " != " + (y == null ? "(none)" : y));
      }
    }
    return out;
  }

  /**
   * Whether vectors of the two embedders are comparable: {@link #differences} is empty.
   *
   * @param other the other description
   * @return {@code true} when nothing compared differs
   */
  public boolean matches(EmbedderDescription other) {
    return differences(other).isEmpty();
  }

  /**
   * Every field as text under a fixed key ({@code model}, {@code weights}, {@code layer},
   * {@code pooling}, {@code normalized}, {@code input_size}, {@code color_order},
   * {@code scaling}, {@code dimension}, {@code sdk_version}), then the extra fields as
   * {@code extra.KEY}: the form files store, read back by {@link #fromMap}.
   *
   * @return an ordered, unmodifiable map
   */
  public Map<String, String> toMap() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("model", model);
    m.put("weights", weights);
    m.put("layer", layer);
    m.put("pooling", pooling);
    m.put("normalized", Boolean.toString(normalized));
    m.put("input_size", inputSize);
    m.put("color_order", colorOrder);
    m.put("scaling", scaling);
    m.put("dimension", Integer.toString(dimension));
    m.put("sdk_version", sdkVersion);
    extra.forEach((k, v) -> m.put("extra." + k, v));
    return Collections.unmodifiableMap(m);
  }

  /**
   * Reads the form {@link #toMap()} writes; missing fields become {@value #UNKNOWN}.
   *
   * @param map the fields
   * @return the description
   * @throws IllegalArgumentException if {@code dimension} is missing or not a positive number,
   *     or {@code normalized} is not {@code true} or {@code false}
   */
  public static EmbedderDescription fromMap(Map<String, String> map) {
    String dim = map.get("dimension");
    int dimension;
    try {
      dimension = Integer.parseInt(Objects.requireNonNull(dim));
    } catch (NumberFormatException | NullPointerException e) {
      throw new IllegalArgumentException("description has no valid dimension: '" + dim + "'");
    }
    String norm = map.getOrDefault("normalized", "false");
    if (!norm.equals("true") && !norm.equals("false")) {
      throw new IllegalArgumentException("description's normalized must be true or false: '"
          + norm + "'");
    }
    Map<String, String> extra = new TreeMap<>();
    map.forEach((k, v) -> {
      if (k.startsWith("extra.")) {
        extra.put(k.substring("extra.".length()), v);
      }
    });
    return new EmbedderDescription(map.getOrDefault("model", UNKNOWN),
        map.getOrDefault("weights", UNKNOWN), map.getOrDefault("layer", UNKNOWN),
        map.getOrDefault("pooling", UNKNOWN), Boolean.parseBoolean(norm),
        map.getOrDefault("input_size", UNKNOWN), map.getOrDefault("color_order", UNKNOWN),
        map.getOrDefault("scaling", UNKNOWN), dimension, map.getOrDefault("sdk_version", UNKNOWN),
        extra);
  }

  /**
   * The description of vectors made from these by a reduction (a PCA, a projection): the same
   * embedder, the reduced dimension, and the step appended to the extra field {@value
   * #REDUCTION} (steps in order, separated by {@code "; "}). Reduced vectors are then told apart
   * from the originals and from other reductions of them, as every comparison of descriptions
   * needs.
   *
   * @param dimension the dimension of the reduced vectors
   * @param step what was done, e.g. {@code pca 512 to 64, model sha256=...}
   * @return the new description
   * @throws IllegalArgumentException if {@code dimension} is not positive or {@code step} is
   *     blank
   */
  public EmbedderDescription reducedTo(int dimension, String step) {
    if (dimension <= 0) {
      throw new IllegalArgumentException("reduced dimension must be positive: " + dimension);
    }
    if (Objects.requireNonNull(step, "step").isBlank()) {
      throw new IllegalArgumentException("reduction step must be named, not blank");
    }
    Map<String, String> e = new TreeMap<>(extra);
    e.merge(REDUCTION, step, (before, now) -> before + "; " + now);
    return new EmbedderDescription(model, weights, layer, pooling, normalized, inputSize,
        colorOrder, scaling, dimension, sdkVersion, e);
  }

  /**
   * A copy with one more extra field (or a replaced one).
   *
   * @param key the key
   * @param value the value
   * @return the new description
   */
  public EmbedderDescription withExtra(String key, String value) {
    Map<String, String> e = new TreeMap<>(extra);
    e.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
    return new EmbedderDescription(model, weights, layer, pooling, normalized, inputSize,
        colorOrder, scaling, dimension, sdkVersion, e);
  }

  /**
   * One line for messages, e.g. {@code resnet50, random seed=7, layer flatten_1, avg pooling,
   * normalized, input 224x224x3 BGR IMAGENET_MEAN, dimension 2048}, then the compared extras.
   *
   * @return the summary
   */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(model).append(", ").append(weights)
        .append(", layer ").append(layer).append(", ").append(pooling).append(" pooling, ")
        .append(normalized ? "normalized" : "not normalized").append(", input ").append(inputSize)
        .append(' ').append(colorOrder).append(' ').append(scaling).append(", dimension ")
        .append(dimension);
    extra.forEach((k, v) -> {
      if (!k.startsWith(INFO_PREFIX)) {
        sb.append(", ").append(k).append('=').append(v);
      }
    });
    return sb.toString();
  }

  private static Map<String, String> comparable(Map<String, String> m) {
    Map<String, String> out = new LinkedHashMap<>(m);
    out.remove("sdk_version");
    out.keySet().removeIf(k -> k.startsWith("extra." + INFO_PREFIX));
    return out;
  }

  private static List<String> orderedKeys(Map<String, String> a, Map<String, String> b) {
    List<String> keys = new ArrayList<>(a.keySet());
    for (String k : b.keySet()) {
      if (!a.containsKey(k)) {
        keys.add(k);
      }
    }
    return keys;
  }

  /** Collects the fields of a description; not thread-safe. */
  public static final class Builder {
    private final String model;
    private final int dimension;
    private String weights = UNKNOWN;
    private String layer = UNKNOWN;
    private String pooling = UNKNOWN;
    private boolean normalized;
    private String inputSize = UNKNOWN;
    private String colorOrder = UNKNOWN;
    private String scaling = UNKNOWN;
    private String sdkVersion = currentSdkVersion();
    private final Map<String, String> extra = new TreeMap<>();

    private Builder(String model, int dimension) {
      this.model = Objects.requireNonNull(model, "model");
      this.dimension = dimension;
    }

    /**
     * Sets where the weights came from.
     *
     * @param weights e.g. {@code imagenet}, {@code random seed=7}, {@code file sha256=...}
     * @return this builder
     */
    public Builder weights(String weights) {
      this.weights = Objects.requireNonNull(weights, "weights");
      return this;
    }

    /**
     * Sets the embedding layer.
     *
     * @param layer the layer's name
     * @return this builder
     */
    public Builder layer(String layer) {
      this.layer = Objects.requireNonNull(layer, "layer");
      return this;
    }

    /**
     * Sets the pooling.
     *
     * @param pooling {@code avg}, {@code max} or {@code none}
     * @return this builder
     */
    public Builder pooling(String pooling) {
      this.pooling = Objects.requireNonNull(pooling, "pooling");
      return this;
    }

    /**
     * Sets whether vectors are L2-normalised.
     *
     * @param normalized {@code true} if they are
     * @return this builder
     */
    public Builder normalized(boolean normalized) {
      this.normalized = normalized;
      return this;
    }

    /**
     * Sets the preprocessing.
     *
     * @param size {@code HEIGHTxWIDTHxCHANNELS}
     * @param colorOrder {@code RGB}, {@code BGR} or {@code GRAY}
     * @param scaling the pixel scaling's name
     * @return this builder
     */
    public Builder input(String size, String colorOrder, String scaling) {
      this.inputSize = Objects.requireNonNull(size, "size");
      this.colorOrder = Objects.requireNonNull(colorOrder, "colorOrder");
      this.scaling = Objects.requireNonNull(scaling, "scaling");
      return this;
    }

    /**
     * Overrides the SDK version (for descriptions read from elsewhere).
     *
     * @param version the version
     * @return this builder
     */
    public Builder sdkVersion(String version) {
      this.sdkVersion = Objects.requireNonNull(version, "version");
      return this;
    }

    /**
     * Adds a field of the embedder's own; keys starting with {@value #INFO_PREFIX} are not
     * compared.
     *
     * @param key the key
     * @param value the value
     * @return this builder
     */
    public Builder extra(String key, String value) {
      extra.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /**
     * Builds the description.
     *
     * @return the immutable description
     * @throws IllegalArgumentException if the dimension is below 1
     */
    public EmbedderDescription build() {
      return new EmbedderDescription(model, weights, layer, pooling, normalized, inputSize,
          colorOrder, scaling, dimension, sdkVersion, extra);
    }
  }
}
