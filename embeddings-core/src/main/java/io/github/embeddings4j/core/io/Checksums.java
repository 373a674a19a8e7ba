package io.github.embeddings4j.core.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.CRC32C;

/** Checksums of files and values, as lower-case hex, for descriptions and manifests. */
public final class Checksums {

  private Checksums() {}

  /**
   * The SHA-256 of a file's bytes.
   *
   * @param file the file
   * @return 64 hex digits
   * @throws IOException if the file cannot be read; the message names it
   */
  public static String sha256(Path file) throws IOException {
    MessageDigest md = sha256();
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  /**
   * The SHA-256 of float values (their little-endian IEEE bits), for weights held in memory.
   *
   * @param values the values
   * @return 64 hex digits
   */
  public static String sha256(float[] values) {
    MessageDigest md = sha256();
    java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(1 << 16)
        .order(java.nio.ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      if (!buf.hasRemaining()) {
        md.update(buf.array(), 0, buf.position());
        buf.clear();
      }
      buf.putFloat(v);
    }
    md.update(buf.array(), 0, buf.position());
    return HexFormat.of().formatHex(md.digest());
  }

  /**
   * The CRC-32C of a file's bytes.
   *
   * @param file the file
   * @return 8 hex digits
   * @throws IOException if the file cannot be read
   */
  public static String crc32c(Path file) throws IOException {
    CRC32C crc = new CRC32C();
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) > 0) {
        crc.update(buf, 0, n);
      }
    }
    return String.format(java.util.Locale.ROOT, "%08x", crc.getValue());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
