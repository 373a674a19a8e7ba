package io.github.embeddings4j.core.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import javax.imageio.stream.ImageInputStreamImpl;

/**
 * An {@link javax.imageio.stream.ImageInputStream} over a {@link FileChannel}, so that image
 * files are opened through their {@link java.nio.file.Path} (which keeps a name's bytes) rather
 * than through {@link java.io.File} and a string.
 */
final class ChannelImageInputStream extends ImageInputStreamImpl {

  private final FileChannel channel;
  private final ByteBuffer one = ByteBuffer.allocate(1);

  ChannelImageInputStream(FileChannel channel) {
    this.channel = channel;
  }

  @Override
  public int read() throws IOException {
    checkClosed();
    bitOffset = 0;
    one.clear();
    int n;
    do {
      n = channel.read(one, streamPos);
    } while (n == 0);
    if (n < 0) {
      return -1;
    }
    streamPos++;
    return one.get(0) & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    checkClosed();
    java.util.Objects.checkFromIndexSize(off, len, b.length);
    bitOffset = 0;
    if (len == 0) {
      return 0;
    }
    int n = channel.read(ByteBuffer.wrap(b, off, len), streamPos);
    if (n > 0) {
      streamPos += n;
    }
    return n;
  }

  @Override
  public long length() {
    try {
      return channel.size();
    } catch (IOException e) {
      return -1;
    }
  }

  @Override
  public void close() throws IOException {
    super.close();
    channel.close();
  }
}
