package io.github.embeddings4j.core.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.EmbedderDescription;
import io.github.embeddings4j.api.ImageSource;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * EXIF orientations: each of the eight values puts the stored 0th row and 0th column where the
 * EXIF specification says, in every container that carries the tag; PIL's {@code exif_transpose}
 * agrees pixel for pixel on its own files; damaged EXIF data leaves the image as stored.
 */
class OrientationTest {

  private static final int RED = 0xff0000;
  private static final int GREEN = 0x00ff00;
  private static final int W = 64;
  private static final int H = 48;
  private static final int BAND = 8;

  /** Stored pixels: the 0th row's band red, the 0th column's band green, the rest black. */
  private static BufferedImage stored() {
    BufferedImage image = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < H; y++) {
      for (int x = 0; x < W; x++) {
        image.setRGB(x, y, y < BAND ? RED : x < BAND ? GREEN : 0);
      }
    }
    return image;
  }

  /**
   * Where the EXIF specification puts the stored 0th row and 0th column for each orientation
   * (its table for tag 274): sides of the upright image.
   */
  private static final String[][] SIDES = {
    null,
    {"top", "left"}, {"top", "right"}, {"bottom", "right"}, {"bottom", "left"},
    {"left", "top"}, {"right", "top"}, {"right", "bottom"}, {"left", "bottom"},
  };

  /** The colour in the middle of a band along one side of an upright image. */
  private static int sideColour(BufferedImage image, String side) {
    int w = image.getWidth();
    int h = image.getHeight();
    int[] at = switch (side) {
      case "top" -> new int[] {w / 2, BAND / 2};
      case "bottom" -> new int[] {w / 2, h - 1 - BAND / 2};
      case "left" -> new int[] {BAND / 2, h / 2};
      default -> new int[] {w - 1 - BAND / 2, h / 2};
    };
    int p = image.getRGB(at[0], at[1]);
    int r = (p >> 16) & 0xff;
    int g = (p >> 8) & 0xff;
    int b = p & 0xff;
    // JPEG blurs the edges of the bands; their middles stay near the pure colours.
    if (r > 200 && g < 60 && b < 60) {
      return RED;
    }
    if (g > 200 && r < 60 && b < 60) {
      return GREEN;
    }
    return p & 0xffffff;
  }

  /** A TIFF structure whose first directory holds one Orientation entry. */
  static byte[] exifTiff(int orientation, ByteOrder order) {
    ByteBuffer b = ByteBuffer.allocate(8 + 2 + 12 + 4).order(order);
    b.put(order == ByteOrder.LITTLE_ENDIAN ? (byte) 'I' : (byte) 'M');
    b.put(order == ByteOrder.LITTLE_ENDIAN ? (byte) 'I' : (byte) 'M');
    b.putShort((short) 42).putInt(8);
    b.putShort((short) 1);
    b.putShort((short) 274).putShort((short) 3).putInt(1).putShort((short) orientation)
        .putShort((short) 0);
    b.putInt(0);
    return b.array();
  }

  /** A JPEG of the image with an APP1 Exif segment inserted after its SOI marker. */
  static byte[] jpegWithExif(BufferedImage image, byte[] tiff) throws IOException {
    ByteArrayOutputStream plain = new ByteArrayOutputStream();
    assertTrue(ImageIO.write(image, "jpeg", plain));
    byte[] jpeg = plain.toByteArray();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(jpeg, 0, 2);
    int length = 2 + 6 + tiff.length;
    out.write(new byte[] {(byte) 0xFF, (byte) 0xE1, (byte) (length >> 8), (byte) length});
    out.write("Exif\0\0".getBytes(StandardCharsets.US_ASCII));
    out.write(tiff);
    out.write(jpeg, 2, jpeg.length - 2);
    return out.toByteArray();
  }

  /** A PNG of the image with an eXIf chunk before its image data. */
  static byte[] pngWithExif(BufferedImage image, byte[] tiff) throws IOException {
    ByteArrayOutputStream plain = new ByteArrayOutputStream();
    assertTrue(ImageIO.write(image, "png", plain));
    byte[] png = plain.toByteArray();
    int ihdrEnd = 8 + 12 + 13;              // signature, then IHDR (13 data bytes)
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(png, 0, ihdrEnd);
    ByteBuffer chunk = ByteBuffer.allocate(12 + tiff.length);
    chunk.putInt(tiff.length).put("eXIf".getBytes(StandardCharsets.US_ASCII)).put(tiff);
    CRC32 crc = new CRC32();
    crc.update(chunk.array(), 4, 4 + tiff.length);
    chunk.putInt((int) crc.getValue());
    out.write(chunk.array());
    out.write(png, ihdrEnd, png.length - ihdrEnd);
    return out.toByteArray();
  }

  private static BufferedImage decode(byte[] bytes, ImageDecoder decoder) throws Exception {
    return decoder.decode(ImageSource.of(bytes, "photo"));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
  void eachJpegOrientationPutsTheStoredRowAndColumnWhereTheSpecificationSays(int orientation)
      throws Exception {
    for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
      BufferedImage upright = decode(jpegWithExif(stored(), exifTiff(orientation, order)),
          ImageDecoder.defaults());
      boolean swapped = orientation >= 5;
      assertEquals(swapped ? H : W, upright.getWidth(), "width, orientation " + orientation);
      assertEquals(swapped ? W : H, upright.getHeight(), "height, orientation " + orientation);
      assertEquals(RED, sideColour(upright, SIDES[orientation][0]),
          "the stored 0th row, orientation " + orientation + ", " + order);
      assertEquals(GREEN, sideColour(upright, SIDES[orientation][1]),
          "the stored 0th column, orientation " + orientation + ", " + order);
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {2, 5, 6, 8})
  void aPngExifChunkTurnsTheImageExactly(int orientation) throws Exception {
    BufferedImage s = stored();
    BufferedImage upright = decode(pngWithExif(s, exifTiff(orientation, ByteOrder.BIG_ENDIAN)),
        ImageDecoder.defaults());
    // Lossless: every pixel is the stored one it maps from.
    assertArrayEquals(pixels(Orientation.apply(ImageDecoder.toRgb(s), orientation)),
        pixels(upright));
    assertEquals(RED, sideColour(upright, SIDES[orientation][0]));
    assertEquals(GREEN, sideColour(upright, SIDES[orientation][1]));
  }

  @Test
  void turningAndTurningBackGivesTheImageOnLargeAndDegenerateShapes() {
    // Wider than the 64-column bands the turns are taken in, and a row, a column, a pixel.
    int[] inverse = {0, 1, 2, 3, 4, 5, 8, 7, 6};
    java.util.Random random = new java.util.Random(17);
    for (int[] size : new int[][] {{150, 97}, {1, 200}, {200, 1}, {1, 1}, {64, 129}}) {
      BufferedImage image = new BufferedImage(size[0], size[1], BufferedImage.TYPE_INT_RGB);
      for (int y = 0; y < size[1]; y++) {
        for (int x = 0; x < size[0]; x++) {
          image.setRGB(x, y, random.nextInt(1 << 24));
        }
      }
      for (int o = 1; o <= 8; o++) {
        BufferedImage turned = Orientation.apply(image, o);
        // The stored top-left pixel lands where the table puts the 0th row and column.
        int w = turned.getWidth();
        int h = turned.getHeight();
        int x = SIDES[o][0].equals("right") || SIDES[o][1].equals("right") ? w - 1 : 0;
        int y = SIDES[o][0].equals("bottom") || SIDES[o][1].equals("bottom") ? h - 1 : 0;
        assertEquals(image.getRGB(0, 0), turned.getRGB(x, y), "orientation " + o);
        BufferedImage back = Orientation.apply(turned, inverse[o]);
        assertArrayEquals(pixels(image), pixels(back), size[0] + "x" + size[1] + ", " + o);
      }
    }
  }

  @Test
  void switchedOffTheImageStaysAsStored() throws Exception {
    ImageDecoder asStored = ImageDecoder.builder().applyOrientation(false).build();
    assertFalse(asStored.appliesOrientation());
    BufferedImage s = stored();
    BufferedImage out = decode(pngWithExif(s, exifTiff(6, ByteOrder.LITTLE_ENDIAN)), asStored);
    assertArrayEquals(pixels(ImageDecoder.toRgb(s)), pixels(out));
  }

  @Test
  void damagedExifLeavesTheImageAsStored() throws Exception {
    BufferedImage s = stored();
    byte[] reference = pixels(decode(jpegWithExif(s, exifTiff(1, ByteOrder.BIG_ENDIAN)),
        ImageDecoder.defaults()));
    byte[] badOffset = exifTiff(6, ByteOrder.LITTLE_ENDIAN);
    badOffset[4] = (byte) 0xF0;             // the first directory far beyond the segment
    byte[] badOrder = exifTiff(6, ByteOrder.LITTLE_ENDIAN);
    badOrder[0] = 'X';
    byte[] outOfRange = exifTiff(9, ByteOrder.LITTLE_ENDIAN);
    byte[] truncated = Arrays.copyOf(exifTiff(6, ByteOrder.LITTLE_ENDIAN), 12);
    for (byte[] tiff : new byte[][] {badOffset, badOrder, outOfRange, truncated}) {
      assertArrayEquals(reference, pixels(decode(jpegWithExif(s, tiff),
          ImageDecoder.defaults())));
    }
  }

  @Test
  void pilsExifTransposeAgreesOnItsOwnWebpAndTiffFiles() throws Exception {
    // Written by scripts/images/make_fixtures.py: the same stored pixels with orientation 6
    // (WebP EXIF chunk) and 8 (TIFF tag), and what PIL's ImageOps.exif_transpose shows.
    BufferedImage asStored = ImageDecoder.defaults().decode(fixture("orientation-stored.png"));
    for (String name : new String[] {"orientation6.webp", "orientation8.tif"}) {
      BufferedImage ours = ImageDecoder.defaults().decode(fixture(name));
      BufferedImage pils = ImageDecoder.defaults().decode(
          fixture(name.replace(".", "-") + ".upright.png"));
      assertEquals(pils.getWidth(), ours.getWidth(), name);
      assertArrayEquals(pixels(pils), pixels(ours), name);
      assertEquals(asStored.getWidth(), ours.getHeight(), name + " is turned");
      BufferedImage kept = ImageDecoder.builder().applyOrientation(false).build()
          .decode(fixture(name));
      assertArrayEquals(pixels(asStored), pixels(kept), name + " as stored");
    }
  }

  @Test
  void embeddersSayWhetherTheyTurnImages() {
    EmbedderDescription.Builder base = EmbedderDescription.builder("m", 4);
    EmbedderDescription turned = ImageDecoder.defaults().describe(base).build();
    EmbedderDescription kept = ImageDecoder.builder().applyOrientation(false).build()
        .describe(EmbedderDescription.builder("m", 4)).build();
    assertEquals("exif", turned.extra().get(ImageDecoder.ORIENTATION_KEY));
    assertFalse(kept.extra().containsKey(ImageDecoder.ORIENTATION_KEY));
    // Vectors of the two are not comparable; a description written before orientations were
    // read (no key) matches the decoder that keeps images as stored.
    assertEquals(1, turned.differences(kept).size(), turned.differences(kept).toString());
    assertTrue(kept.matches(EmbedderDescription.builder("m", 4).build()));
  }

  static ImageSource fixture(String name) throws IOException {
    try (InputStream in = OrientationTest.class.getResourceAsStream("/images/" + name)) {
      if (in == null) {
        throw new IOException("missing test resource /images/" + name);
      }
      return ImageSource.of(in.readAllBytes(), name);
    }
  }

  /** The RGB bytes of an image, row by row. */
  static byte[] pixels(BufferedImage image) {
    int w = image.getWidth();
    int h = image.getHeight();
    byte[] out = new byte[3 * w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int p = image.getRGB(x, y);
        int i = 3 * (y * w + x);
        out[i] = (byte) (p >> 16);
        out[i + 1] = (byte) (p >> 8);
        out[i + 2] = (byte) p;
      }
    }
    return out;
  }
}
