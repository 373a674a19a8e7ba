package io.github.embeddings4j.api;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * One image to embed, from a file, a byte array, a stream or an already decoded {@link
 * BufferedImage}. Every source has a {@link #name()} that error messages and results use to say
 * which input they are about.
 *
 * <p>Sources are immutable values, except that a stream source can be read only once.
 *
 * <pre>{@code
 * ImageSource a = ImageSource.of(Path.of("cat.jpg"));
 * ImageSource b = ImageSource.of(bytes, "upload-17");
 * ImageSource c = ImageSource.of(bufferedImage, "frame-3");
 * }</pre>
 */
public sealed interface ImageSource
    permits ImageSource.FileSource, ImageSource.BytesSource, ImageSource.StreamSource,
        ImageSource.DecodedSource {

  /**
   * The name that identifies this input in results and error messages.
   *
   * @return a file path, or the name given when the source was made
   */
  String name();

  /**
   * An image stored in a file.
   *
   * @param path the file; it is read when the image is embedded, not now
   * @return a source named after the path
   */
  static ImageSource of(Path path) {
    return new FileSource(path);
  }

  /**
   * An encoded image (JPEG, PNG, ...) held in memory. The array is copied.
   *
   * @param bytes the encoded image
   * @param name the name to report this input by
   * @return a source over a private copy of {@code bytes}
   */
  static ImageSource of(byte[] bytes, String name) {
    return new BytesSource(bytes, name);
  }

  /**
   * An encoded image read from a stream when it is embedded. The stream is read once, to its
   * end, and is not closed by the embedder.
   *
   * @param stream the stream holding the encoded image
   * @param name the name to report this input by
   * @return a single-use source
   */
  static ImageSource of(InputStream stream, String name) {
    return new StreamSource(stream, name);
  }

  /**
   * An image already decoded by {@code javax.imageio} or drawn in memory.
   *
   * @param image the decoded image
   * @param name the name to report this input by
   * @return a source over {@code image} (not copied: do not change it while it is embedded)
   */
  static ImageSource of(BufferedImage image, String name) {
    return new DecodedSource(image, name);
  }

  /**
   * Opens the encoded bytes of this source for reading.
   *
   * @return a stream the caller closes
   * @throws IOException if the file cannot be opened
   * @throws UnsupportedOperationException for a {@link DecodedSource}, which has no encoded form
   */
  InputStream openStream() throws IOException;

  /**
   * An image stored in a file.
   *
   * @param path the file
   */
  record FileSource(Path path) implements ImageSource {
    /**
     * Checks the path.
     *
     * @param path the file, not null
     */
    public FileSource {
      Objects.requireNonNull(path, "path");
    }

    @Override
    public String name() {
      return path.toString();
    }

    @Override
    public InputStream openStream() throws IOException {
      return Files.newInputStream(path);
    }
  }

  /**
   * An encoded image held in memory.
   *
   * @param bytes the encoded image (copied in, and copied out by the accessor)
   * @param name the name to report this input by
   */
  record BytesSource(byte[] bytes, String name) implements ImageSource {
    /**
     * Checks the arguments and copies the array.
     *
     * @param bytes the encoded image, not null
     * @param name the name to report this input by, not null
     */
    public BytesSource {
      Objects.requireNonNull(bytes, "bytes");
      Objects.requireNonNull(name, "name");
      bytes = bytes.clone();
    }

    /**
     * The encoded image.
     *
     * @return a copy of the bytes
     */
    @Override
    public byte[] bytes() {
      return bytes.clone();
    }

    /**
     * The number of encoded bytes, without copying them.
     *
     * @return the length of the encoded image
     */
    public int length() {
      return bytes.length;
    }

    @Override
    public InputStream openStream() {
      return new ByteArrayInputStream(bytes);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof BytesSource other
          && name.equals(other.name)
          && java.util.Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
      return 31 * name.hashCode() + java.util.Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
      return "BytesSource[name=" + name + ", length=" + bytes.length + "]";
    }
  }

  /**
   * An encoded image in a stream, read once.
   *
   * @param stream the stream (not closed by the embedder)
   * @param name the name to report this input by
   */
  record StreamSource(InputStream stream, String name) implements ImageSource {
    /**
     * Checks the arguments.
     *
     * @param stream the stream, not null
     * @param name the name to report this input by, not null
     */
    public StreamSource {
      Objects.requireNonNull(stream, "stream");
      Objects.requireNonNull(name, "name");
    }

    /**
     * Returns the stream itself, wrapped so that closing the wrapper leaves it open.
     *
     * @return the caller's stream
     */
    @Override
    public InputStream openStream() {
      return new java.io.FilterInputStream(stream) {
        @Override
        public void close() {
          // The caller owns the stream.
        }
      };
    }
  }

  /**
   * An image already decoded.
   *
   * @param image the pixels
   * @param name the name to report this input by
   */
  record DecodedSource(BufferedImage image, String name) implements ImageSource {
    /**
     * Checks the arguments.
     *
     * @param image the decoded image, not null
     * @param name the name to report this input by, not null
     */
    public DecodedSource {
      Objects.requireNonNull(image, "image");
      Objects.requireNonNull(name, "name");
    }

    /**
     * Not available: a decoded image has no encoded bytes.
     *
     * @return never
     * @throws UnsupportedOperationException always
     */
    @Override
    public InputStream openStream() {
      throw new UnsupportedOperationException(
          "image '" + name + "' is already decoded and has no encoded bytes");
    }
  }
}
