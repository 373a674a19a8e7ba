package io.github.embeddings4j.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageSourceTest {

  @TempDir Path dir;

  @Test
  void fileSourceIsNamedByItsPathAndReadsTheFile() throws IOException {
    Path p = dir.resolve("a.png");
    Files.write(p, new byte[] {1, 2, 3});
    ImageSource s = ImageSource.of(p);
    assertEquals(p.toString(), s.name());
    try (InputStream in = s.openStream()) {
      assertArrayEquals(new byte[] {1, 2, 3}, in.readAllBytes());
    }
    assertEquals(ImageSource.of(p), s);
  }

  @Test
  void bytesSourceCopiesInAndOut() throws IOException {
    byte[] b = {9, 8, 7};
    ImageSource.BytesSource s = (ImageSource.BytesSource) ImageSource.of(b, "upload");
    b[0] = 0;
    assertArrayEquals(new byte[] {9, 8, 7}, s.bytes());
    s.bytes()[1] = 0;
    try (InputStream in = s.openStream()) {
      assertArrayEquals(new byte[] {9, 8, 7}, in.readAllBytes());
    }
    assertEquals(3, s.length());
    assertEquals(ImageSource.of(new byte[] {9, 8, 7}, "upload"), s);
    assertEquals(s.hashCode(), ImageSource.of(new byte[] {9, 8, 7}, "upload").hashCode());
    assertNotEquals(ImageSource.of(new byte[] {9, 8, 7}, "other"), s);
    assertEquals("BytesSource[name=upload, length=3]", s.toString());
  }

  @Test
  void streamSourceLeavesTheCallersStreamOpen() throws IOException {
    boolean[] closed = {false};
    InputStream raw = new ByteArrayInputStream(new byte[] {5, 6}) {
      @Override
      public void close() {
        closed[0] = true;
      }
    };
    ImageSource s = ImageSource.of(raw, "camera");
    try (InputStream in = s.openStream()) {
      assertEquals(5, in.read());
    }
    assertTrue(!closed[0], "the embedder must not close the caller's stream");
    assertEquals("camera", s.name());
  }

  @Test
  void decodedSourceHasNoEncodedBytes() {
    ImageSource s = ImageSource.of(new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB), "frame");
    UnsupportedOperationException e =
        assertThrows(UnsupportedOperationException.class, s::openStream);
    assertTrue(e.getMessage().contains("frame"), e.getMessage());
  }

  @Test
  void nullsAreRefused() {
    assertThrows(NullPointerException.class, () -> ImageSource.of((Path) null));
    assertThrows(NullPointerException.class, () -> ImageSource.of((byte[]) null, "x"));
    assertThrows(NullPointerException.class, () -> ImageSource.of(new byte[1], null));
    assertThrows(NullPointerException.class, () -> ImageSource.of((InputStream) null, "x"));
    assertThrows(NullPointerException.class, () -> ImageSource.of((BufferedImage) null, "x"));
  }
}
