package io.github.embeddings4j.core.image;

import java.io.IOException;
import java.util.Objects;
import javax.imageio.stream.ImageInputStreamImpl;

/**
 * What the decoder's own image streams share: the checks and bit-offset reset every read makes
 * under {@link ImageInputStreamImpl}'s contract, around a read at the stream's position.
 */
abstract class PositionedImageInputStream extends ImageInputStreamImpl {

  /** The byte at {@code streamPos}, without moving; -1 at the end. */
  abstract int byteAt() throws IOException;

  /**
   * Copies up to {@code len} (at least 1) bytes from {@code streamPos} into {@code b}, without
   * moving; -1 at the end.
   */
  abstract int bytesAt(byte[] b, int off, int len) throws IOException;

  @Override
  public final int read() throws IOException {
    checkClosed();
    bitOffset = 0;
    int v = byteAt();
    if (v >= 0) {
      streamPos++;
    }
    return v;
  }

  @Override
  public final int read(byte[] b, int off, int len) throws IOException {
    checkClosed();
    Objects.checkFromIndexSize(off, len, b.length);
    bitOffset = 0;
    if (len == 0) {
      return 0;
    }
    int n = bytesAt(b, off, len);
    if (n > 0) {
      streamPos += n;
    }
    return n;
  }
}
