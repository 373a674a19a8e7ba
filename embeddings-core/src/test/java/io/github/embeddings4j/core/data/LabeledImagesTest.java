package io.github.embeddings4j.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class LabeledImagesTest {

  /** Six 1x2 images; image i has pixels (i, 10 + i) and label i % 3. */
  private static LabeledImages six() {
    byte[] p = new byte[12];
    byte[] l = new byte[6];
    for (int i = 0; i < 6; i++) {
      p[2 * i] = (byte) i;
      p[2 * i + 1] = (byte) (10 + i);
      l[i] = (byte) (i % 3);
    }
    return new LabeledImages(1, 2, p, l);
  }

  @Test
  void subsetKeepsPixelsAndLabelsTogether() {
    LabeledImages s = six().subset(new int[] {4, 1});
    assertArrayEquals(new float[] {4, 14}, s.vector(0));
    assertArrayEquals(new int[] {1, 1}, s.labels());
  }

  @Test
  void selectClassesRelabelsInTheOrderGiven() {
    LabeledImages s = six().selectClasses(2, 0);
    assertArrayEquals(new int[] {1, 0, 1, 0}, s.labels());
    assertArrayEquals(new float[] {2, 12}, s.vector(1));
  }

  @Test
  void holdOutIsStratifiedAndSeeded() {
    LabeledImages.Holdout h = six().holdOut(0.5, 3);
    assertEquals(3, h.train().size());
    assertArrayEquals(new int[] {0, 1, 2}, h.validation().labels());
    assertArrayEquals(h.validation().vector(0), six().holdOut(0.5, 3).validation().vector(0));
  }

  @Test
  void badFractionIsNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> six().holdOut(1.0, 1));
    assertEquals("validation fraction must be in (0, 1): 1.0", e.getMessage());
  }
}
