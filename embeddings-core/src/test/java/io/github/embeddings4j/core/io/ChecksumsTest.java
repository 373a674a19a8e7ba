package io.github.embeddings4j.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/** {@link Checksums#crc32cCombine} against the JDK's CRC-32C of the joined bytes. */
class ChecksumsTest {

  private static long crc(byte[] b, int from, int to) {
    CRC32C c = new CRC32C();
    c.update(b, from, to - from);
    return c.getValue();
  }

  @Test
  void combiningTwoPartsGivesTheChecksumOfTheWhole() {
    Random random = new Random(29);
    for (int size : new int[] {0, 1, 2, 7, 64, 1000, 65_537, 300_001}) {
      byte[] bytes = new byte[size];
      random.nextBytes(bytes);
      long whole = crc(bytes, 0, size);
      for (int split : new int[] {0, 1, size / 3, size / 2, size - 1, size}) {
        if (split < 0 || split > size) {
          continue;
        }
        assertEquals(whole, Checksums.crc32cCombine(crc(bytes, 0, split),
            crc(bytes, split, size), size - split), size + " bytes split at " + split);
      }
    }
  }

  @Test
  void longZeroRunsAndBadLengths() {
    // A megabyte of zeros checked against the JDK; then lengths too long to check directly
    // (over 8 GB), against the combine's own algebra.
    byte[] zeros = new byte[1 << 20];
    byte[] head = {1, 2, 3};
    byte[] joined = new byte[head.length + zeros.length];
    System.arraycopy(head, 0, joined, 0, head.length);
    assertEquals(crc(joined, 0, joined.length), Checksums.crc32cCombine(crc(head, 0, 3),
        crc(zeros, 0, zeros.length), zeros.length));
    long a = Checksums.crc32cCombine(0x12345678L, 0x9abcdef0L, (1L << 33) + 5);
    // Advancing over 2^33 + 5 zero bytes is advancing over 2^33, then over 5 (a second part
    // whose checksum is 0 adds nothing).
    long viaParts = Checksums.crc32cCombine(Checksums.crc32cCombine(0x12345678L, 0L, 1L << 33),
        0x9abcdef0L, 5);
    assertEquals(a, viaParts);
    assertThrows(IllegalArgumentException.class, () -> Checksums.crc32cCombine(1, 2, -1));
  }
}
