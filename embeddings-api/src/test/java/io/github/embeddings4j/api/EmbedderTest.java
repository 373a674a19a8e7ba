package io.github.embeddings4j.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EmbedderTest {

  /**
   * Embeds a source by the length of its name; names containing "bad" fail. Records every batch
   * it is handed, to show the default methods go through embedBatch.
   */
  static final class NameLengthEmbedder implements Embedder {
    final List<List<String>> batches = new ArrayList<>();

    @Override
    public int dimension() {
      return 2;
    }

    @Override
    public List<EmbeddingResult> embedBatch(List<? extends ImageSource> images) {
      List<String> names = new ArrayList<>();
      List<EmbeddingResult> out = new ArrayList<>();
      for (ImageSource s : images) {
        names.add(s.name());
        if (s.name().contains("bad")) {
          out.add(new EmbeddingResult.Failure(s.name(),
              new EmbeddingException(s.name(), "cannot decode", null)));
        } else {
          out.add(new EmbeddingResult.Success(s.name(), new float[] {s.name().length(), 1f}));
        }
      }
      batches.add(names);
      return out;
    }

    @Override
    public void close() {}
  }

  @Test
  void singleImageGoesThroughTheBatchPath() throws EmbeddingException {
    NameLengthEmbedder e = new NameLengthEmbedder();
    assertArrayEquals(new float[] {4f, 1f}, e.embed(ImageSource.of(new byte[1], "abcd")));
    assertArrayEquals(new float[] {5f, 1f}, e.embed(Path.of("x.png")));
    assertEquals(List.of(List.of("abcd"), List.of("x.png")), e.batches);
  }

  @Test
  void singleImageFailureIsThrownNamingTheInput() {
    NameLengthEmbedder e = new NameLengthEmbedder();
    EmbeddingException ex = assertThrows(EmbeddingException.class,
        () -> e.embed(ImageSource.of(new byte[1], "bad.jpg")));
    assertEquals("bad.jpg", ex.input());
    assertTrue(ex.getMessage().startsWith("bad.jpg: "));
  }

  @Test
  void embedAllReturnsInOrderOrThrowsTheFirstFailure() throws EmbeddingException {
    NameLengthEmbedder e = new NameLengthEmbedder();
    List<float[]> vs = e.embedAll(List.of(ImageSource.of(new byte[1], "a"),
        ImageSource.of(new byte[1], "bb")));
    assertEquals(2, vs.size());
    assertArrayEquals(new float[] {1f, 1f}, vs.get(0));
    assertArrayEquals(new float[] {2f, 1f}, vs.get(1));
    assertEquals(1, e.batches.size(), "one batch call for the whole list");

    EmbeddingException ex = assertThrows(EmbeddingException.class, () -> e.embedAll(List.of(
        ImageSource.of(new byte[1], "ok"), ImageSource.of(new byte[1], "bad1"),
        ImageSource.of(new byte[1], "bad2"))));
    assertEquals("bad1", ex.input());
  }
}
