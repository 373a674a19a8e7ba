package io.github.embeddings4j.core.reduce;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Turns float vectors into binary codes for Hamming search, packed 64 bits to a {@code long}:
 * bit {@code i} of a code is bit {@code i % 64} of word {@code i / 64}, the convention of
 * {@link io.github.embeddings4j.api.DistanceMetric#distance(long[], long[])}. Bits past {@link
 * #bits()} in the last word are zero. Implementations are immutable and safe to share between
 * threads.
 *
 * <pre>{@code
 * BinaryEncoder codes = SimHash.create(512, 256, 42);
 * long[] code = codes.encode(embedding);
 * double d = StandardMetric.HAMMING.distance(code, codes.encode(other));
 * }</pre>
 */
public interface BinaryEncoder {

  /**
   * The length of the vectors this encoder accepts.
   *
   * @return the input dimension
   */
  int inputDimension();

  /**
   * The number of bits in each code.
   *
   * @return the code length in bits
   */
  int bits();

  /**
   * The number of {@code long} words in each code.
   *
   * @return {@code ceil(bits() / 64)}
   */
  default int words() {
    return (bits() + 63) >>> 6;
  }

  /**
   * Encodes one vector.
   *
   * @param vector a vector of length {@link #inputDimension()}
   * @return a new code of {@link #words()} words
   * @throws IllegalArgumentException if the vector's length is wrong, with both lengths
   */
  long[] encode(float[] vector);

  /**
   * Encodes a contiguous row-major batch; implementations use a matrix product where that pays.
   *
   * @param data {@code n * inputDimension()} values; not modified
   * @param n the number of rows
   * @return {@code n * words()} words, the code of row {@code i} at {@code [i * words(), (i + 1)
   *     * words())}
   * @throws IllegalArgumentException if the array does not hold {@code n} rows
   */
  long[] encodeAll(float[] data, int n);

  /**
   * Encodes a batch of vectors.
   *
   * @param vectors rows of length {@link #inputDimension()}
   * @return one code per row, in order
   * @throws IllegalArgumentException if a row's length is wrong; the message gives its index
   */
  default long[][] encodeAll(float[][] vectors) {
    int d = inputDimension();
    float[] data = new float[Math.multiplyExact(vectors.length, d)];
    for (int i = 0; i < vectors.length; i++) {
      if (vectors[i].length != d) {
        throw new IllegalArgumentException(
            "row " + i + ": vector dimensions differ: " + vectors[i].length + " != " + d);
      }
      System.arraycopy(vectors[i], 0, data, i * d, d);
    }
    long[] flat = encodeAll(data, vectors.length);
    int w = words();
    long[][] out = new long[vectors.length][];
    for (int i = 0; i < out.length; i++) {
      out[i] = java.util.Arrays.copyOfRange(flat, i * w, (i + 1) * w);
    }
    return out;
  }

  /**
   * Saves this encoder in an {@link io.github.embeddings4j.core.io.SdkFile} container,
   * atomically; the class's own {@code load} reads it back.
   *
   * @param file the target; replaced only when the new file is complete
   * @throws IOException if writing fails
   */
  void save(Path file) throws IOException;
}
