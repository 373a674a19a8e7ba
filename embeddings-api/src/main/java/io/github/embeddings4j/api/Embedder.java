package io.github.embeddings4j.api;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns images into fixed-length {@code float[]} vectors (embeddings), so that images can be
 * compared, searched, clustered and classified with vector arithmetic.
 *
 * <pre>{@code
 * try (Embedder embedder = ZooEmbedder.builder(ZooModel.RESNET50).build()) {
 *   float[] a = embedder.embed(Path.of("cat.jpg"));
 *   float[] b = embedder.embed(Path.of("dog.jpg"));
 *   double d = StandardMetric.COSINE.distance(a, b);
 * }
 * }</pre>
 *
 * <p><b>One code path.</b> {@link #embedBatch(List)} is the only method implementations write;
 * the single-image methods call it with a list of one, so a single image and a batch give the
 * same vector for the same input.
 *
 * <p><b>Thread safety.</b> Implementations must be safe to share between threads: concurrent
 * calls give the same vectors as serial calls. An implementation that cannot offer this must
 * say so in its documentation and fail fast, with {@link IllegalStateException}, when it is
 * used from a second thread.
 *
 * <p><b>Resources.</b> An embedder may hold native (off-heap) memory: {@link #close()} it when
 * done. Calls after {@code close()} throw {@link IllegalStateException}.
 */
public interface Embedder extends AutoCloseable {

  /**
   * The length of every vector this embedder returns, known before the first image.
   *
   * @return the embedding dimension, at least 1
   */
  int dimension();

  /**
   * Embeds a batch of images. Each input gets its own result, in input order: an image that
   * cannot be read or decoded becomes a {@link EmbeddingResult.Failure} naming the input and the
   * reason, and the others are still embedded.
   *
   * @param images the images; may be empty
   * @return one result per image, in the same order
   * @throws NullPointerException if {@code images} or an element is null
   * @throws IllegalStateException if the embedder is closed
   */
  List<EmbeddingResult> embedBatch(List<? extends ImageSource> images);

  /**
   * Embeds one image.
   *
   * @param image the image
   * @return its embedding, of length {@link #dimension()}
   * @throws EmbeddingException if the image cannot be read or decoded; the message names it
   */
  default float[] embed(ImageSource image) throws EmbeddingException {
    return embedBatch(List.of(image)).get(0).vectorOrThrow();
  }

  /**
   * Embeds the image in a file.
   *
   * @param file the image file
   * @return its embedding, of length {@link #dimension()}
   * @throws EmbeddingException if the file cannot be read or decoded; the message names it
   */
  default float[] embed(Path file) throws EmbeddingException {
    return embed(ImageSource.of(file));
  }

  /**
   * Embeds every image, or none: the first failure (in input order) is thrown. Use {@link
   * #embedBatch(List)} to keep the images that succeed.
   *
   * @param images the images
   * @return their embeddings, in input order
   * @throws EmbeddingException the first item's failure, naming the input
   */
  default List<float[]> embedAll(List<? extends ImageSource> images) throws EmbeddingException {
    List<EmbeddingResult> results = embedBatch(images);
    List<float[]> vectors = new ArrayList<>(results.size());
    for (EmbeddingResult result : results) {
      vectors.add(result.vectorOrThrow());
    }
    return vectors;
  }

  /**
   * How this embedder makes its vectors, for files to record and for checks that a query's
   * vectors are comparable with stored ones ({@link EmbedderDescription#differences}).
   * Implementations should override it with every field they know; this default names only the
   * class and the dimension.
   *
   * @return the description
   */
  default EmbedderDescription describe() {
    return EmbedderDescription.builder(getClass().getName(), dimension()).build();
  }

  /**
   * Releases the memory this embedder holds. Idempotent.
   */
  @Override
  void close();
}
