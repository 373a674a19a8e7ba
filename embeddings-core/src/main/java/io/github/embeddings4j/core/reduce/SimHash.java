package io.github.embeddings4j.core.reduce;

import io.github.embeddings4j.core.io.SdkFile;
import io.github.embeddings4j.core.vector.VectorMath;
import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Random-hyperplane hashing (SimHash, Charikar 2002): bit {@code i} of a code says on which side
 * of a random hyperplane through the origin the vector lies. Two vectors at angle {@code theta}
 * differ in each bit with probability {@code theta / pi}, so the normalised Hamming distance of
 * their codes estimates the angle, and more bits estimate it more tightly. Needs no training
 * data; centre the vectors first (for example with {@link Pca}) if they all share a large mean,
 * or every code will look alike.
 *
 * <p>The hyperplanes are standard Gaussian vectors drawn from a {@link SplittableRandom} with the
 * given seed (Box-Muller on its doubles, whose sequence the JDK specifies), so the same seed
 * gives the same codes on every JVM. Immutable.
 *
 * <pre>{@code
 * SimHash hash = SimHash.create(512, 256, 42);
 * long[][] codes = hash.encodeAll(embeddings);
 * }</pre>
 */
public final class SimHash implements BinaryEncoder {

  static final String KIND = "SIMH";
  static final int VERSION = 1;

  private final int dimension;
  private final long seed;
  /** {@code bits x dimension}, row-major: one hyperplane normal per row. */
  private final float[] planes;
  private final float[][] planeRows;
  private final float[] zeros;

  private SimHash(int dimension, long seed, float[] planes) {
    this.dimension = dimension;
    this.seed = seed;
    this.planes = planes;
    int bits = planes.length / dimension;
    this.planeRows = new float[bits][];
    for (int i = 0; i < bits; i++) {
      planeRows[i] = java.util.Arrays.copyOfRange(planes, i * dimension, (i + 1) * dimension);
    }
    this.zeros = new float[bits];
  }

  /**
   * Draws {@code bits} random hyperplanes in {@code dimension} dimensions.
   *
   * @param dimension the input dimension, at least 1
   * @param bits the code length, at least 1
   * @param seed the random seed; the same seed gives the same hyperplanes
   * @return the encoder
   * @throws IllegalArgumentException if a size is below 1 or too large for one array
   */
  public static SimHash create(int dimension, int bits, long seed) {
    if (dimension < 1 || bits < 1) {
      throw new IllegalArgumentException(
          "SimHash needs a dimension and a bit count of at least 1: " + dimension + ", " + bits);
    }
    if ((long) dimension * bits > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("SimHash of " + bits + " bits over " + dimension
          + " dimensions needs more than 2^31 hyperplane values");
    }
    SplittableRandom random = new SplittableRandom(seed);
    float[] planes = new float[dimension * bits];
    for (int i = 0; i < planes.length; i += 2) {
      // Box-Muller: two independent standard normals from two uniforms in (0, 1].
      double u1 = 1.0 - random.nextDouble();
      double u2 = random.nextDouble();
      double radius = Math.sqrt(-2.0 * Math.log(u1));
      planes[i] = (float) (radius * Math.cos(2 * Math.PI * u2));
      if (i + 1 < planes.length) {
        planes[i + 1] = (float) (radius * Math.sin(2 * Math.PI * u2));
      }
    }
    return new SimHash(dimension, seed, planes);
  }

  @Override
  public int inputDimension() {
    return dimension;
  }

  @Override
  public int bits() {
    return planeRows.length;
  }

  /**
   * The seed the hyperplanes were drawn with.
   *
   * @return the seed
   */
  public long seed() {
    return seed;
  }

  /**
   * The hyperplanes' normal vectors.
   *
   * @return a copy, {@link #bits()} rows of length {@link #inputDimension()}
   */
  public float[][] hyperplanes() {
    float[][] out = new float[planeRows.length][];
    for (int i = 0; i < out.length; i++) {
      out[i] = planeRows[i].clone();
    }
    return out;
  }

  /**
   * Encodes one vector: bit {@code i} is 1 when its dot product with hyperplane {@code i} is
   * positive (a zero vector, or one with a {@code NaN}, gets the all-zero code).
   *
   * @param vector a vector of length {@link #inputDimension()}
   * @return its code
   */
  @Override
  public long[] encode(float[] vector) {
    Bits.requireDimension(vector, dimension);
    float[] dots = new float[planeRows.length];
    for (int i = 0; i < dots.length; i++) {
      dots[i] = VectorMath.dotProduct(vector, planeRows[i]);
    }
    long[] code = new long[words()];
    Bits.pack(dots, 0, zeros, code, 0);
    return code;
  }

  @Override
  public long[] encodeAll(float[] data, int n) {
    Bits.requireRows(data, n, dimension);
    int bits = planeRows.length;
    float[] dots = Products.timesTransposed(data, n, dimension, planes, bits);
    int w = words();
    long[] out = new long[n * w];
    for (int i = 0; i < n; i++) {
      Bits.pack(dots, i * bits, zeros, out, i * w);
    }
    return out;
  }

  @Override
  public void save(Path file) throws IOException {
    SdkFile.write(file, KIND, VERSION, out -> {
      out.writeInt(dimension);
      out.writeInt(planeRows.length);
      out.writeLong(seed);
      out.writeFloats(planes, 0, planes.length);
    });
  }

  /**
   * Loads an encoder written by {@link #save(Path)}.
   *
   * @param file the file
   * @return the encoder, with the saved hyperplanes
   * @throws io.github.embeddings4j.core.io.DamagedFileException if the file is truncated,
   *     altered or not a SimHash file; the message names the file
   * @throws IOException if the file cannot be read
   */
  public static SimHash load(Path file) throws IOException {
    return SdkFile.read(file, KIND, VERSION, (in, version) -> {
      int d = in.readInt();
      int bits = in.readInt();
      long seed = in.readLong();
      if (d < 1 || bits < 1) {
        throw in.damaged("bad SimHash sizes: dimension " + d + ", bits " + bits);
      }
      in.require((long) d * bits, 4, "hyperplane values");
      float[] planes = new float[d * bits];
      in.readFloats(planes, 0, planes.length);
      return new SimHash(d, seed, planes);
    });
  }

  @Override
  public String toString() {
    return "SimHash[" + dimension + " -> " + planeRows.length + " bits, seed " + seed + "]";
  }
}
