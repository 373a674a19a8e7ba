package io.github.embeddings4j.core.embed;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.EmbeddingException;
import io.github.embeddings4j.api.EmbeddingResult;
import java.util.List;
import org.junit.jupiter.api.Test;

class AlikeVectorsTest {

  private static EmbeddingResult ok(float... v) {
    return new EmbeddingResult.Success("x", v);
  }

  @Test
  void vectorsEqualWithinRoundingAreAlike() {
    assertTrue(AlikeVectors.allAlike(List.of(ok(1, 2, 3), ok(1, 2, 3.0000001f),
        ok(2, 4, 6))));
  }

  @Test
  void oneDifferentVectorIsEnough() {
    assertFalse(AlikeVectors.allAlike(List.of(ok(1, 2, 3), ok(1, 2, 3), ok(1, 2, 3.1f))));
  }

  @Test
  void fewerThanTwoVectorsSayNothing() {
    EmbeddingResult failed = new EmbeddingResult.Failure("y",
        new EmbeddingException("y", "truncated", null));
    assertFalse(AlikeVectors.allAlike(List.of(ok(1, 2, 3), failed)));
    assertFalse(AlikeVectors.allAlike(List.of()));
  }

  @Test
  void zeroVectorsAreAlikeButNotLikeOthers() {
    assertTrue(AlikeVectors.allAlike(List.of(ok(0, 0), ok(0, 0))));
    assertFalse(AlikeVectors.allAlike(List.of(ok(0, 0), ok(0, 1))));
  }
}
