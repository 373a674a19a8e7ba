package io.github.embeddings4j.api;

/**
 * A fitted projection from {@link #inputDimension()} to {@link #outputDimension()} dimensions,
 * such as PCA: it removes noise and redundancy and makes vectors cheaper to store and compare.
 *
 * <p>A reducer is learnt from data by a separate step (in {@code embeddings-core}, for example
 * {@code Pca.fit(...)}) that returns a new, immutable reducer; it is safe to share between
 * threads.
 *
 * <pre>{@code
 * Reducer pca = Pca.fit(trainingVectors, Pca.keep(64));
 * float[] small = pca.reduce(embedding);
 * }</pre>
 */
public interface Reducer {

  /**
   * The length of the vectors this reducer accepts.
   *
   * @return the input dimension
   */
  int inputDimension();

  /**
   * The length of the vectors it returns.
   *
   * @return the output dimension, at most {@link #inputDimension()} for a projection
   */
  int outputDimension();

  /**
   * Projects one vector.
   *
   * @param vector a vector of length {@link #inputDimension()}
   * @return a new vector of length {@link #outputDimension()}
   * @throws IllegalArgumentException if the vector's length is wrong, with both lengths in the
   *     message
   */
  float[] reduce(float[] vector);

  /**
   * Projects a batch of vectors. The default calls {@link #reduce(float[])} for each row;
   * implementations override it with a matrix product.
   *
   * @param vectors the rows, each of length {@link #inputDimension()}
   * @return one projected row per input row, in order
   * @throws IllegalArgumentException if a row's length is wrong; the message gives its index
   */
  default float[][] reduceAll(float[][] vectors) {
    float[][] out = new float[vectors.length][];
    for (int i = 0; i < vectors.length; i++) {
      if (vectors[i].length != inputDimension()) {
        throw new IllegalArgumentException("row " + i + ": vector dimensions differ: "
            + vectors[i].length + " != " + inputDimension());
      }
      out[i] = reduce(vectors[i]);
    }
    return out;
  }

  /**
   * Checks a vector's length against {@link #inputDimension()}; for implementations.
   *
   * @param vector the vector to check
   * @throws IllegalArgumentException if the length is wrong, with both lengths in the message
   */
  default void requireInputDimension(float[] vector) {
    if (vector.length != inputDimension()) {
      throw new IllegalArgumentException(
          "vector dimensions differ: " + vector.length + " != " + inputDimension());
    }
  }
}
