package io.github.embeddings4j.api;

import java.util.Arrays;
import java.util.Objects;

/**
 * What became of one image in a batch: its vector, or the reason it has none. A batch never
 * fails as a whole because one item did; each item gets its own result, in input order.
 *
 * <pre>{@code
 * for (EmbeddingResult r : embedder.embedBatch(sources)) {
 *   switch (r) {
 *     case EmbeddingResult.Success s -> index.add(s.name(), s.vector());
 *     case EmbeddingResult.Failure f -> log.warn("skipped {}", f.name(), f.error());
 *   }
 * }
 * }</pre>
 * (The pattern {@code switch} needs Java 21; on 17 use {@code instanceof}.)
 */
public sealed interface EmbeddingResult permits EmbeddingResult.Success, EmbeddingResult.Failure {

  /**
   * The name of the input this result is about.
   *
   * @return the {@link ImageSource#name()} of the input
   */
  String name();

  /**
   * Whether the image was embedded.
   *
   * @return {@code true} for a {@link Success}
   */
  boolean isSuccess();

  /**
   * The vector, or the failure thrown.
   *
   * @return a copy of the embedding vector
   * @throws EmbeddingException the item's failure, for a {@link Failure}
   */
  float[] vectorOrThrow() throws EmbeddingException;

  /**
   * An image that was embedded.
   *
   * @param name the input's name
   * @param vector the embedding (copied in, and copied out by the accessor)
   */
  record Success(String name, float[] vector) implements EmbeddingResult {
    /**
     * Checks the arguments and copies the vector.
     *
     * @param name the input's name, not null
     * @param vector the embedding, not null
     */
    public Success {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(vector, "vector");
      vector = vector.clone();
    }

    /**
     * The embedding.
     *
     * @return a copy of the vector
     */
    @Override
    public float[] vector() {
      return vector.clone();
    }

    @Override
    public boolean isSuccess() {
      return true;
    }

    @Override
    public float[] vectorOrThrow() {
      return vector.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Success other
          && name.equals(other.name)
          && Arrays.equals(vector, other.vector);
    }

    @Override
    public int hashCode() {
      return 31 * name.hashCode() + Arrays.hashCode(vector);
    }

    @Override
    public String toString() {
      return "Success[name=" + name + ", dimension=" + vector.length + "]";
    }
  }

  /**
   * An image that could not be embedded.
   *
   * @param name the input's name
   * @param error why; its message names the input
   */
  record Failure(String name, EmbeddingException error) implements EmbeddingResult {
    /**
     * Checks the arguments.
     *
     * @param name the input's name, not null
     * @param error the failure, not null
     */
    public Failure {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(error, "error");
    }

    @Override
    public boolean isSuccess() {
      return false;
    }

    @Override
    public float[] vectorOrThrow() throws EmbeddingException {
      throw error;
    }
  }
}
