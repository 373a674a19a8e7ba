package io.github.embeddings4j.core.reduce;

import io.github.embeddings4j.core.io.SdkFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * One bit per dimension: 1 where the value lies above that dimension's threshold, learnt from
 * data as the mean or the median (the median makes every bit 1 on half of the training data,
 * which spends the bits best). Optionally the vectors first go through a fitted {@link Pca}, so
 * that the bits follow decorrelated directions and the code is as short as the components kept.
 * Immutable.
 *
 * <pre>{@code
 * Pca pca = Pca.fit(train, PcaOptions.components(64));
 * ThresholdBinarizer bin = ThresholdBinarizer.fit(train, Threshold.MEDIAN, pca); // 64-bit codes
 * long[] code = bin.encode(vector);
 * }</pre>
 */
public final class ThresholdBinarizer implements BinaryEncoder {

  static final String KIND = "BTHR";
  static final int VERSION = 1;

  /** Which statistic of each dimension becomes its threshold. */
  public enum Threshold {
    /** The arithmetic mean: "sign after centring". */
    MEAN,
    /** The median (the mean of the two middle values for an even count): balanced bits. */
    MEDIAN
  }

  private final Threshold kind;
  private final Pca projection;
  private final float[] thresholds;
  private final int inputDimension;

  private ThresholdBinarizer(Threshold kind, Pca projection, float[] thresholds,
      int inputDimension) {
    this.kind = kind;
    this.projection = projection;
    this.thresholds = thresholds;
    this.inputDimension = inputDimension;
  }

  /**
   * Learns one threshold per dimension of the vectors.
   *
   * @param rows at least one vector; all of the same length; not modified
   * @param threshold mean or median
   * @return the binarizer, with as many bits as dimensions
   * @throws IllegalArgumentException if there are no rows, lengths differ or a value is not
   *     finite
   */
  public static ThresholdBinarizer fit(float[][] rows, Threshold threshold) {
    return fit(rows, threshold, null);
  }

  /**
   * Learns one threshold per component of the vectors projected by a fitted PCA; the PCA is kept
   * and applied by {@link #encode(float[])}.
   *
   * @param rows at least one vector of the PCA's input dimension; not modified
   * @param threshold mean or median
   * @param projection the PCA to apply first, or {@code null} for none
   * @return the binarizer, with as many bits as the PCA keeps components
   * @throws IllegalArgumentException if there are no rows, lengths differ or a value is not
   *     finite
   */
  public static ThresholdBinarizer fit(float[][] rows, Threshold threshold, Pca projection) {
    Objects.requireNonNull(rows, "rows");
    Objects.requireNonNull(threshold, "threshold");
    if (rows.length == 0) {
      throw new IllegalArgumentException("binarizer thresholds need at least 1 vector, got 0");
    }
    int inputDim = projection != null ? projection.inputDimension() : rows[0].length;
    for (int i = 0; i < rows.length; i++) {
      if (rows[i].length != inputDim) {
        throw new IllegalArgumentException(
            "row " + i + ": vector dimensions differ: " + rows[i].length + " != " + inputDim);
      }
    }
    float[][] values = projection != null ? projection.reduceAll(rows) : rows;
    int d = values[0].length;
    float[] thresholds = new float[d];
    float[] column = new float[values.length];
    for (int j = 0; j < d; j++) {
      double sum = 0;
      for (int i = 0; i < values.length; i++) {
        float v = values[i][j];
        if (!Float.isFinite(v)) {
          throw new IllegalArgumentException(
              "binarizer data has a non-finite value " + v + " at row " + i + ", column " + j);
        }
        column[i] = v;
        sum += v;
      }
      if (threshold == Threshold.MEAN) {
        thresholds[j] = (float) (sum / values.length);
      } else {
        Arrays.sort(column);
        int n = column.length;
        thresholds[j] = n % 2 == 1 ? column[n / 2]
            : (float) (((double) column[n / 2 - 1] + column[n / 2]) / 2);
      }
    }
    return new ThresholdBinarizer(threshold, projection, thresholds, inputDim);
  }

  @Override
  public int inputDimension() {
    return inputDimension;
  }

  @Override
  public int bits() {
    return thresholds.length;
  }

  /**
   * Which statistic the thresholds are.
   *
   * @return mean or median
   */
  public Threshold threshold() {
    return kind;
  }

  /**
   * The learnt thresholds, one per bit (in the PCA's output space when there is one).
   *
   * @return a copy
   */
  public float[] thresholds() {
    return thresholds.clone();
  }

  /**
   * The PCA applied before thresholding.
   *
   * @return the PCA, or {@code null} when the vectors are thresholded as they are
   */
  public Pca projection() {
    return projection;
  }

  /**
   * Encodes one vector: bit {@code i} is 1 when (projected) component {@code i} is greater than
   * its threshold ({@code NaN} gives 0).
   *
   * @param vector a vector of length {@link #inputDimension()}
   * @return its code
   */
  @Override
  public long[] encode(float[] vector) {
    Bits.requireDimension(vector, inputDimension);
    float[] values = projection != null ? projection.reduce(vector) : vector;
    long[] code = new long[words()];
    Bits.pack(values, 0, thresholds, code, 0);
    return code;
  }

  @Override
  public long[] encodeAll(float[] data, int n) {
    Bits.requireRows(data, n, inputDimension);
    float[] values = projection != null ? projection.reduceAll(data, n) : data;
    int bits = thresholds.length;
    int w = words();
    long[] out = new long[n * w];
    for (int i = 0; i < n; i++) {
      Bits.pack(values, i * bits, thresholds, out, i * w);
    }
    return out;
  }

  @Override
  public void save(Path file) throws IOException {
    SdkFile.write(file, KIND, VERSION, out -> {
      out.writeInt(kind.ordinal());
      out.writeInt(inputDimension);
      out.writeInt(thresholds.length);
      out.writeFloats(thresholds, 0, thresholds.length);
      out.writeInt(projection != null ? 1 : 0);
      if (projection != null) {
        projection.writePayload(out);
      }
    });
  }

  /**
   * Loads a binarizer written by {@link #save(Path)}, with its PCA if it has one.
   *
   * @param file the file
   * @return the binarizer
   * @throws io.github.embeddings4j.core.io.DamagedFileException if the file is truncated,
   *     altered, not a binarizer file or inconsistent; the message names the file
   * @throws IOException if the file cannot be read
   */
  public static ThresholdBinarizer load(Path file) throws IOException {
    return SdkFile.read(file, KIND, VERSION, (in, version) -> {
      int ordinal = in.readInt();
      int inputDim = in.readInt();
      int bits = in.readInt();
      if (ordinal < 0 || ordinal >= Threshold.values().length || inputDim < 1 || bits < 1) {
        throw in.damaged("bad binarizer header: threshold " + ordinal + ", dimension "
            + inputDim + ", bits " + bits);
      }
      in.require(bits, 4, "thresholds");
      float[] thresholds = new float[bits];
      in.readFloats(thresholds, 0, bits);
      int hasPca = in.readInt();
      Pca pca = null;
      if (hasPca == 1) {
        pca = Pca.readPayload(in);
        if (pca.inputDimension() != inputDim || pca.outputDimension() != bits) {
          throw in.damaged("binarizer of " + inputDim + " -> " + bits + " bits holds a PCA "
              + pca.inputDimension() + " -> " + pca.outputDimension());
        }
      } else if (hasPca != 0 || inputDim != bits) {
        throw in.damaged("bad binarizer projection flag " + hasPca + " for " + inputDim
            + " dimensions and " + bits + " bits");
      }
      return new ThresholdBinarizer(Threshold.values()[ordinal], pca, thresholds, inputDim);
    });
  }

  @Override
  public String toString() {
    return "ThresholdBinarizer[" + kind.name().toLowerCase(java.util.Locale.ROOT) + ", "
        + (projection != null ? projection + ", " : "") + inputDimension + " -> "
        + thresholds.length + " bits]";
  }
}
