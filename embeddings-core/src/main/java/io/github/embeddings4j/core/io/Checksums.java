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

  /** CRC-32C's polynomial (Castagnoli), bit-reversed as the register shifts right. */
  private static final long CASTAGNOLI = 0x82F63B78L;

  /**
   * The CRC-32C of two byte strings one after the other, from the CRC-32C of each and the
   * second's length, without reading either: so a file whose parts carry their own checksums
   * (an {@code .npy} header records its data's) can be checked whole from a small read.
   *
   * <p>A CRC register is linear over GF(2) apart from its fixed start and end conditioning,
   * which cancel here: the checksum of {@code A B} is that of {@code A} advanced over
   * {@code |B|} zero bytes, plus (XOR) that of {@code B}. Advancing over {@code n} bytes applies
   * a 32 x 32 bit matrix {@code n} times; it is raised to that power by squaring, so the cost
   * grows with the number of bits in {@code n}, not with {@code n}.
   *
   * @param crcA the CRC-32C of the first part ({@link CRC32C#getValue()})
   * @param crcB the CRC-32C of the second part
   * @param lengthB the second part's length in bytes, at least 0
   * @return the CRC-32C of both parts together
   */
  public static long crc32cCombine(long crcA, long crcB, long lengthB) {
    if (lengthB < 0) {
      throw new IllegalArgumentException("a length of " + lengthB + " bytes");
    }
    // step[i]: the register after one zero bit, when it held only bit i before.
    long[] step = new long[32];
    step[0] = CASTAGNOLI;
    for (int i = 1; i < 32; i++) {
      step[i] = 1L << (i - 1);
    }
    long[] overByte = square(square(square(step)));   // 1 bit, 2, 4, then 8: one byte
    long register = crcA;
    long[] power = overByte;
    for (long n = lengthB; n > 0; n >>>= 1) {
      if ((n & 1) != 0) {
        register = times(power, register);
      }
      if (n > 1) {
        power = square(power);
      }
    }
    return register ^ crcB;
  }

  /** The matrix applied to a register: the XOR of the columns of its set bits. */
  private static long times(long[] matrix, long register) {
    long out = 0;
    for (int i = 0; register != 0; i++, register >>>= 1) {
      if ((register & 1) != 0) {
        out ^= matrix[i];
      }
    }
    return out;
  }

  /** The matrix applied twice. */
  private static long[] square(long[] matrix) {
    long[] out = new long[32];
    for (int i = 0; i < 32; i++) {
      out[i] = times(matrix, matrix[i]);
    }
    return out;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
