package io.github.embeddings4j.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class ValueTypesTest {

  @Test
  void neighboursSortNearestFirstThenByIdWithNanLast() {
    List<Neighbor> list = new ArrayList<>(List.of(
        new Neighbor(5, Double.NaN), new Neighbor(3, 0.5), new Neighbor(1, 0.5),
        new Neighbor(9, 0.1), new Neighbor(2, Double.POSITIVE_INFINITY)));
    Collections.sort(list);
    assertEquals(List.of(new Neighbor(9, 0.1), new Neighbor(1, 0.5), new Neighbor(3, 0.5),
        new Neighbor(2, Double.POSITIVE_INFINITY), new Neighbor(5, Double.NaN)), list);
  }

  @Test
  void successCopiesAndFailureThrows() throws EmbeddingException {
    float[] v = {4f, 5f};
    EmbeddingResult.Success s = new EmbeddingResult.Success("a.png", v);
    v[0] = 0f;
    assertArrayEquals(new float[] {4f, 5f}, s.vector());
    s.vector()[0] = 0f;
    assertArrayEquals(new float[] {4f, 5f}, s.vectorOrThrow());
    assertTrue(s.isSuccess());
    assertEquals(new EmbeddingResult.Success("a.png", new float[] {4f, 5f}), s);
    assertEquals("Success[name=a.png, dimension=2]", s.toString());

    EmbeddingException error = new EmbeddingException("b.jpg", "truncated JPEG", null);
    EmbeddingResult.Failure f = new EmbeddingResult.Failure("b.jpg", error);
    assertFalse(f.isSuccess());
    assertSame(error, assertThrows(EmbeddingException.class, f::vectorOrThrow));
    assertThrows(NullPointerException.class, () -> new EmbeddingResult.Failure("b", null));
  }

  @Test
  void exceptionMessageNamesTheInput() {
    EmbeddingException e = new EmbeddingException("photos/x.jpg", "not an image", null);
    assertEquals("photos/x.jpg: not an image", e.getMessage());
    assertEquals("photos/x.jpg", e.input());
    EmbeddingException plain = new EmbeddingException("model file missing");
    assertEquals("model file missing", plain.getMessage());
    assertNull(plain.input());
    RuntimeException cause = new RuntimeException("boom");
    assertSame(cause, new EmbeddingException("wrapped", cause).getCause());
  }

  @Test
  void progressValidatesAndComputesFraction() {
    assertEquals(0.25, new Progress("embed", 25, 100, 1).fraction(), 1e-12);
    assertEquals(1.0, new Progress("embed", 0, 0, 0).fraction(), 0.0);
    Progress stream = new Progress("embed", 7, -1, 0);
    assertFalse(stream.isTotalKnown());
    assertTrue(Double.isNaN(stream.fraction()));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new Progress("fit", 10, 5, 0));
    assertTrue(e.getMessage().contains("completed=10") && e.getMessage().contains("total=5"),
        e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new Progress("fit", 3, 5, 4));
    assertThrows(IllegalArgumentException.class, () -> new Progress("fit", -1, 5, 0));
  }

  @Test
  void listenerDefaultsDoNothing() {
    List<Progress> seen = new ArrayList<>();
    ProgressListener l = seen::add;
    l.onFailure(new EmbeddingException("x"));
    l.onProgress(new Progress("t", 1, 2, 0));
    assertEquals(1, seen.size());
    ProgressListener.none().onProgress(new Progress("t", 1, 2, 0));
  }
}
