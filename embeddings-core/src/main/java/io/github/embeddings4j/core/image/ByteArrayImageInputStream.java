package io.github.embeddings4j.core.image;

import java.util.Objects;

/**
 * An {@link javax.imageio.stream.ImageInputStream} over an encoded image held in memory. ImageIO's
 * {@code MemoryCacheImageInputStream} copies what it reads from a stream into a cache of its own,
 * block by block: decoding a lossy 12 MP WebP from memory spent a sixth of its time there.
 */
final class ByteArrayImageInputStream extends PositionedImageInputStream {

  private final byte[] data;

  /**
   * @param data the bytes, not copied: not to be changed while the stream is in use
   */
  ByteArrayImageInputStream(byte[] data) {
    this.data = Objects.requireNonNull(data, "data");
  }

  @Override
  int byteAt() {
    return streamPos >= data.length ? -1 : data[(int) streamPos] & 0xff;
  }

  @Override
  int bytesAt(byte[] b, int off, int len) {
    if (streamPos >= data.length) {
      return -1;
    }
    int n = (int) Math.min(len, data.length - streamPos);
    System.arraycopy(data, (int) streamPos, b, off, n);
    return n;
  }

  @Override
  public long length() {
    return data.length;
  }
}
