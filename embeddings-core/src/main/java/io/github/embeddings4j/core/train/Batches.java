package io.github.embeddings4j.core.train;

import io.github.embeddings4j.core.data.LabeledImages;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Turns slices of {@link LabeledImages} into network inputs and one-hot targets. */
final class Batches {

  private Batches() {}

  /**
   * Features {@code [n, channels, height, width]}, pixels divided by 255, of positions {@code
   * order[from..to)} (or {@code from..to} when {@code order} is null).
   */
  static INDArray features(LabeledImages images, int[] order, int from, int to, int channels) {
    int n = images.pixelCount();
    int b = to - from;
    float[] data = new float[b * channels * n];
    for (int j = 0; j < b; j++) {
      float[] v = images.vector(order == null ? from + j : order[from + j]);
      for (int c = 0; c < channels; c++) {
        int off = (j * channels + c) * n;
        for (int k = 0; k < n; k++) {
          data[off + k] = v[k] / 255f;
        }
      }
    }
    return Nd4j.create(data, new long[] {b, channels, images.height(), images.width()}, 'c');
  }

  /** One-hot labels {@code [n, classes]}. */
  static INDArray labels(LabeledImages images, int[] order, int from, int to, int classes) {
    int b = to - from;
    float[] data = new float[b * classes];
    for (int j = 0; j < b; j++) {
      int label = images.label(order == null ? from + j : order[from + j]);
      if (label >= classes) {
        throw new IllegalArgumentException("label " + label + " of image "
            + (order == null ? from + j : order[from + j]) + " is outside the network's "
            + classes + " classes");
      }
      data[j * classes + label] = 1f;
    }
    return Nd4j.create(data, new long[] {b, classes}, 'c');
  }
}
