package io.github.embeddings4j.api;

import java.util.Arrays;
import java.util.Objects;

/**
 * An embedding vector with the id of what it embeds.
 *
 * <p>The vector is copied when the record is made and each time it is read, so an {@code
 * Embedding} is truly immutable. Equality compares ids and vector contents.
 *
 * @param id what the vector embeds (a path, a key of the caller's)
 * @param vector the embedding
 */
public record Embedding(String id, float[] vector) {

  /**
   * Checks the arguments and copies the vector.
   *
   * @param id what the vector embeds, not null
   * @param vector the embedding, not null and not empty
   * @throws IllegalArgumentException if the vector is empty
   */
  public Embedding {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(vector, "vector");
    if (vector.length == 0) {
      throw new IllegalArgumentException("embedding '" + id + "' has an empty vector");
    }
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

  /**
   * The vector's length.
   *
   * @return the dimension
   */
  public int dimension() {
    return vector.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Embedding other && id.equals(other.id) && Arrays.equals(vector, other.vector);
  }

  @Override
  public int hashCode() {
    return 31 * id.hashCode() + Arrays.hashCode(vector);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("Embedding[id=").append(id).append(", dimension=")
        .append(vector.length).append(", vector=[");
    int shown = Math.min(4, vector.length);
    for (int i = 0; i < shown; i++) {
      sb.append(i == 0 ? "" : ", ").append(vector[i]);
    }
    return sb.append(vector.length > shown ? ", ...]]" : "]]").toString();
  }
}
