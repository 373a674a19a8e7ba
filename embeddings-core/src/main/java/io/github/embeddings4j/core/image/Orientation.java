package io.github.embeddings4j.core.image;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.io.IOException;
import java.nio.ByteOrder;
import java.util.Locale;
import javax.imageio.stream.ImageInputStream;

/**
 * The EXIF orientation of an encoded image, and the turn or mirror that shows it upright.
 *
 * <p>Cameras and phones store a photo as the sensor saw it and record in the EXIF tag 274
 * (Orientation) how to turn it for display; viewers, browsers and photo libraries apply it. The
 * tag is read from where each format keeps it: a JPEG's APP1 {@code Exif} segment, a TIFF's first
 * directory, a WebP's {@code EXIF} chunk and a PNG's {@code eXIf} chunk (before the image data, as
 * browsers read it). Only headers are read (the segment or chunk headers up to the tag), never the
 * pixel data. A missing, unreadable or out-of-range tag means "as stored": a damaged EXIF block is
 * not a damaged image.
 *
 * <p>Values, as the EXIF specification defines them by where the stored 0th row and 0th column
 * belong: 1 top/left (as stored), 2 top/right (mirrored), 3 bottom/right (half turn), 4
 * bottom/left (flipped), 5 left/top (transposed), 6 right/top (a quarter turn clockwise), 7
 * right/bottom (transverse), 8 left/bottom (a quarter turn anticlockwise).
 */
final class Orientation {

  /** The tag: Orientation, in the 0th IFD. */
  private static final int TAG = 274;

  /** Refuse to walk more than this many segments, chunks or directory entries. */
  private static final int MAX_STEPS = 1024;

  private Orientation() {}

  /**
   * The orientation recorded in an encoded image, from 1 to 8; 1 when none is recorded or it
   * cannot be read. The stream is left at position 0, big-endian, as image readers expect it.
   *
   * @param in the encoded image, at any position
   * @param format the format name of the reader that will decode it ({@code jpeg}, {@code tif},
   *     {@code webp}, {@code png}; others have no orientation)
   * @return the orientation
   * @throws IOException only if the stream cannot be put back at its start
   */
  static int read(ImageInputStream in, String format) throws IOException {
    int value;
    try {
      value = switch (format.toLowerCase(Locale.ROOT)) {
        case "jpeg", "jpg" -> fromJpeg(in);
        case "tif", "tiff" -> fromTiff(in, 0);
        case "webp" -> fromWebp(in);
        case "png" -> fromPng(in);
        default -> 1;
      };
    } catch (IOException | RuntimeException e) {
      value = 1;
    }
    in.setByteOrder(ByteOrder.BIG_ENDIAN);
    in.seek(0);
    return value >= 1 && value <= 8 ? value : 1;
  }

  /** APP1 "Exif\0\0" followed by a TIFF structure; segments before the first scan. */
  private static int fromJpeg(ImageInputStream in) throws IOException {
    in.setByteOrder(ByteOrder.BIG_ENDIAN);
    in.seek(0);
    if (in.readUnsignedShort() != 0xFFD8) {
      return 1;
    }
    for (int step = 0; step < MAX_STEPS; step++) {
      int b = in.readUnsignedByte();
      if (b != 0xFF) {
        return 1;
      }
      int marker;
      do {
        marker = in.readUnsignedByte();   // 0xFF fill bytes may precede a marker
      } while (marker == 0xFF);
      if (marker == 0xDA || marker == 0xD9) {
        return 1;                           // start of scan or end of image: no Exif before it
      }
      if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
        continue;                           // markers without a length
      }
      long start = in.getStreamPosition();
      int length = in.readUnsignedShort();
      if (length < 2) {
        return 1;
      }
      if (marker == 0xE1 && length >= 2 + 6 + 8 && isExifHeader(in)) {
        return fromTiff(in, start + 2 + 6);
      }
      in.seek(start + length);
    }
    return 1;
  }

  /** Whether the next six bytes are "Exif\0\0". */
  private static boolean isExifHeader(ImageInputStream in) throws IOException {
    byte[] id = new byte[6];
    in.readFully(id);
    return id[0] == 'E' && id[1] == 'x' && id[2] == 'i' && id[3] == 'f' && id[4] == 0
        && id[5] == 0;
  }

  /** A TIFF header ("II*\0" or "MM\0*") at {@code base}; the tag in the first directory. */
  private static int fromTiff(ImageInputStream in, long base) throws IOException {
    in.seek(base);
    int order = in.readUnsignedShort();
    if (order == 0x4949) {
      in.setByteOrder(ByteOrder.LITTLE_ENDIAN);
    } else if (order == 0x4D4D) {
      in.setByteOrder(ByteOrder.BIG_ENDIAN);
    } else {
      return 1;
    }
    if (in.readUnsignedShort() != 42) {
      return 1;
    }
    long ifd = in.readUnsignedInt();
    in.seek(base + ifd);
    int entries = in.readUnsignedShort();
    for (int i = 0; i < Math.min(entries, MAX_STEPS); i++) {
      int tag = in.readUnsignedShort();
      int type = in.readUnsignedShort();
      long count = in.readUnsignedInt();
      if (tag == TAG && count >= 1) {
        // SHORT is the type the specification gives; LONG is read too, as some writers use it.
        return switch (type) {
          case 3 -> in.readUnsignedShort();
          case 4 -> (int) Math.min(in.readUnsignedInt(), Integer.MAX_VALUE);
          default -> 1;
        };
      }
      in.skipBytes(4);
      if (tag > TAG) {
        return 1;                           // entries are sorted by tag
      }
    }
    return 1;
  }

  /** RIFF "WEBP" chunks; an "EXIF" chunk holds a TIFF structure (some writers prefix "Exif\0\0"). */
  private static int fromWebp(ImageInputStream in) throws IOException {
    in.setByteOrder(ByteOrder.LITTLE_ENDIAN);
    in.seek(0);
    byte[] fourcc = new byte[4];
    in.readFully(fourcc);
    if (!is(fourcc, "RIFF")) {
      return 1;
    }
    long end = 8 + in.readUnsignedInt();
    in.readFully(fourcc);
    if (!is(fourcc, "WEBP")) {
      return 1;
    }
    long pos = 12;
    for (int step = 0; step < MAX_STEPS && pos + 8 <= end; step++) {
      in.seek(pos);
      in.readFully(fourcc);
      long size = in.readUnsignedInt();
      if (is(fourcc, "EXIF") && size >= 8) {
        long data = pos + 8;
        return isExifHeader(in) ? fromTiff(in, data + 6) : fromTiff(in, data);
      }
      pos += 8 + size + (size & 1);
    }
    return 1;
  }

  /** PNG chunks up to the first "IDAT"; an "eXIf" chunk holds a TIFF structure. */
  private static int fromPng(ImageInputStream in) throws IOException {
    in.setByteOrder(ByteOrder.BIG_ENDIAN);
    in.seek(8);                             // the signature
    byte[] type = new byte[4];
    for (int step = 0; step < MAX_STEPS; step++) {
      long pos = in.getStreamPosition();
      long length = in.readUnsignedInt();
      in.readFully(type);
      if (is(type, "IDAT") || is(type, "IEND")) {
        return 1;
      }
      if (is(type, "eXIf") && length >= 8) {
        return fromTiff(in, pos + 8);
      }
      in.seek(pos + 12 + length);
    }
    return 1;
  }

  private static boolean is(byte[] fourcc, String name) {
    for (int i = 0; i < 4; i++) {
      if (fourcc[i] != name.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Turns or mirrors an image stored with the given orientation so that it shows upright.
   *
   * @param image a {@link BufferedImage#TYPE_INT_RGB} image as stored
   * @param orientation 1 to 8
   * @return the image itself for 1, otherwise a new upright image (width and height swapped for
   *     5 to 8)
   */
  static BufferedImage apply(BufferedImage image, int orientation) {
    if (orientation <= 1 || orientation > 8) {
      return image;
    }
    int w = image.getWidth();
    int h = image.getHeight();
    int[] in = ((DataBufferInt) image.getRaster().getDataBuffer()).getData();
    boolean swap = orientation >= 5;
    int ow = swap ? h : w;
    int oh = swap ? w : h;
    BufferedImage out = new BufferedImage(ow, oh, BufferedImage.TYPE_INT_RGB);
    int[] dst = ((DataBufferInt) out.getRaster().getDataBuffer()).getData();
    // A turn reads the stored image down its columns. Taking the output in bands of 64 columns
    // keeps the 64 stored rows such a band reads in the cache while it moves along them (a
    // 12 MP turn took 130 ms reading whole output rows); a mirror reads whole rows.
    int band = swap ? 64 : ow;
    for (int x0 = 0; x0 < ow; x0 += band) {
      int x1 = Math.min(ow, x0 + band);
      for (int y = 0; y < oh; y++) {
        // The stored pixel that belongs at (x, y) once upright is in[base + x * step].
        int base;
        int step;
        switch (orientation) {
          case 2 -> { base = y * w + w - 1; step = -1; }
          case 3 -> { base = (h - 1 - y) * w + w - 1; step = -1; }
          case 4 -> { base = (h - 1 - y) * w; step = 1; }
          case 5 -> { base = y; step = w; }
          case 6 -> { base = (h - 1) * w + y; step = -w; }
          case 7 -> { base = (h - 1) * w + w - 1 - y; step = -w; }
          default -> { base = w - 1 - y; step = w; }   // 8
        }
        int row = y * ow;
        for (int x = x0; x < x1; x++) {
          dst[row + x] = in[base + x * step];
        }
      }
    }
    return out;
  }
}
