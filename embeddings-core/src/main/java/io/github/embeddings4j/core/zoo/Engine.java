package io.github.embeddings4j.core.zoo;

import java.util.Locale;

/**
 * The inference engine that runs a zoo CNN ({@link ZooEmbedder.Builder#engine(Engine)}). Every
 * engine is checked against DL4J's forward pass on one image when the embedder is built; one that
 * cannot run the network, or computes something else, gives way to the next.
 */
public enum Engine {
  /**
   * The fastest engine measured for the model on CPUs (docs/models.md has the table): ONNX
   * Runtime for ResNet50, VGG16/19, SqueezeNet, LeNet and SimpleCNN; the oneDNN graph executor
   * for Darknet19, Xception and NASNet; DL4J's forward pass where neither runs the network, and
   * on ND4J's CUDA backend.
   */
  AUTO,
  /** ONNX Runtime (CPU) on the network exported to ONNX. */
  ONNX_RUNTIME,
  /** The SDK's oneDNN graph executor: oneDNN primitives in blocked layout, fused. */
  ONEDNN_GRAPH,
  /** Deeplearning4j's own forward pass. */
  DL4J;

  /** The system property that sets the default engine: {@code auto}, {@code onnxruntime}, ... */
  public static final String PROPERTY = "embeddings4j.engine";

  /**
   * Reads an engine's name as the command line and the system property write it: {@code auto},
   * {@code onnxruntime}, {@code onednn}, {@code dl4j} (case and {@code -}/{@code _} ignored).
   *
   * @param name the name
   * @return the engine
   * @throws IllegalArgumentException naming the valid names
   */
  public static Engine parse(String name) {
    String n = name.trim().toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
    return switch (n) {
      case "auto" -> AUTO;
      case "onnxruntime", "ort", "onnx" -> ONNX_RUNTIME;
      case "onednn", "onednngraph", "dnnl" -> ONEDNN_GRAPH;
      case "dl4j" -> DL4J;
      default -> throw new IllegalArgumentException("unknown engine '" + name
          + "'; valid: auto, onnxruntime, onednn, dl4j");
    };
  }

  /**
   * The default: {@link #PROPERTY} if set, else {@link #DL4J} when the older property {@code
   * embeddings4j.oneDnnGraph} is {@code false}, else {@link #AUTO}.
   *
   * @return the default engine
   */
  static Engine byDefault() {
    String p = System.getProperty(PROPERTY);
    if (p != null && !p.isBlank()) {
      return parse(p);
    }
    return "false".equalsIgnoreCase(System.getProperty("embeddings4j.oneDnnGraph")) ? DL4J : AUTO;
  }
}
