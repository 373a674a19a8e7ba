package io.github.embeddings4j.core.embed;

/**
 * One inference engine's forward pass over a batch of prepared images: what a {@link
 * NetworkEmbedder} runs its network on. The embedder keeps batching, decoding, pooling and
 * results; an engine only turns {@code n} images into activations.
 *
 * <p>A pass is used by one thread at a time; {@link #copy()} gives another thread its own (an
 * engine whose state is safe to share returns a light view of the same network). Closing a pass
 * frees what it alone holds; shared weights go with the last pass that uses them.
 */
public interface ForwardPass extends AutoCloseable {

  /**
   * Runs {@code n} images through the network.
   *
   * @param input {@code n} images laid out as the network's input, one after the other
   * @param n the number of images in {@code input}
   * @return the activations of the embedding layer, {@code n} items
   */
  Activations forward(float[] input, int n);

  /**
   * Another pass over the same network, for another thread.
   *
   * @return a new pass; closing it does not close this one
   */
  ForwardPass copy();

  /**
   * Whether one call's images should be shared among several passes run at once: true where a
   * pass leaves cores idle that a second fills (engines that run a batch as a sequence of
   * operations with Java or waits between them); false for an engine that already spreads one
   * batch over every core.
   *
   * @return {@code true} by default
   */
  default boolean sideBySide() {
    return true;
  }

  /**
   * Whether an embedder that was given no fixed network batch size should measure one on its
   * first batches ({@code BatchTuner}): true where the rate is not monotonic in the batch size
   * (DL4J's engine, the oneDNN executor); false for an engine whose rate rises with the batch up
   * to the maximum, which is then used from the first batch.
   *
   * @return {@code true} by default
   */
  default boolean tunesBatchSize() {
    return true;
  }

  /**
   * The engine, for logs and reports, e.g. {@code "ONNX Runtime 1.26.0 (CPU)"}.
   *
   * @return a short name
   */
  String engine();

  @Override
  void close();
}
