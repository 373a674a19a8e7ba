package io.github.embeddings4j.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ReducerTest {

  /** Keeps the first two components. */
  static final Reducer FIRST_TWO = new Reducer() {
    @Override
    public int inputDimension() {
      return 3;
    }

    @Override
    public int outputDimension() {
      return 2;
    }

    @Override
    public float[] reduce(float[] v) {
      requireInputDimension(v);
      return new float[] {v[0], v[1]};
    }
  };

  @Test
  void batchDefaultReducesEachRowInOrder() {
    float[][] out = FIRST_TWO.reduceAll(new float[][] {{1, 2, 3}, {4, 5, 6}});
    assertArrayEquals(new float[] {1, 2}, out[0]);
    assertArrayEquals(new float[] {4, 5}, out[1]);
    assertEquals(0, FIRST_TWO.reduceAll(new float[0][]).length);
  }

  @Test
  void wrongDimensionsAreReportedWithTheValues() {
    IllegalArgumentException one = assertThrows(IllegalArgumentException.class,
        () -> FIRST_TWO.reduce(new float[4]));
    assertEquals("vector dimensions differ: 4 != 3", one.getMessage());
    IllegalArgumentException batch = assertThrows(IllegalArgumentException.class,
        () -> FIRST_TWO.reduceAll(new float[][] {{1, 2, 3}, {1, 2}}));
    assertTrue(batch.getMessage().startsWith("row 1: vector dimensions differ: 2 != 3"),
        batch.getMessage());
  }
}
