package io.github.embeddings4j.core.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.EmbeddingException;
import io.github.embeddings4j.api.ImageSource;
import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ImageDecoderTest {

  private final ImageDecoder decoder = ImageDecoder.defaults();

  private static BufferedImage quadrants() {
    // Four flat colours, big enough for JPEG's 8 x 8 blocks to stay flat inside each.
    BufferedImage image = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
    int[] colours = {0xff0000, 0x00ff00, 0x0000ff, 0x808080};
    for (int y = 0; y < 32; y++) {
      for (int x = 0; x < 32; x++) {
        image.setRGB(x, y, colours[(y / 16) * 2 + x / 16]);
      }
    }
    return image;
  }

  private static byte[] encode(BufferedImage image, String format) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertTrue(ImageIO.write(image, format, out), "ImageIO writes " + format);
    return out.toByteArray();
  }

  private static int[] rgb(BufferedImage image, int x, int y) {
    int p = image.getRGB(x, y);
    return new int[] {(p >> 16) & 0xff, (p >> 8) & 0xff, p & 0xff};
  }

  private static void assertRgb(int[] expected, int[] actual, int tolerance) {
    for (int i = 0; i < 3; i++) {
      assertTrue(Math.abs(expected[i] - actual[i]) <= tolerance,
          "expected " + Arrays.toString(expected) + " got " + Arrays.toString(actual));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"png", "bmp", "gif", "jpg"})
  void decodesEachFormatToTheColoursWritten(String format) throws Exception {
    BufferedImage decoded = decoder.decode(ImageSource.of(encode(quadrants(), format), "q." + format));
    assertEquals(BufferedImage.TYPE_INT_RGB, decoded.getType());
    assertEquals(32, decoded.getWidth());
    // Lossless formats exactly; JPEG within its quantisation error on flat blocks.
    int tolerance = format.equals("jpg") ? 6 : 0;
    assertRgb(new int[] {255, 0, 0}, rgb(decoded, 4, 4), tolerance);
    assertRgb(new int[] {0, 255, 0}, rgb(decoded, 20, 4), tolerance);
    assertRgb(new int[] {0, 0, 255}, rgb(decoded, 4, 20), tolerance);
    assertRgb(new int[] {128, 128, 128}, rgb(decoded, 20, 20), tolerance);
  }

  @Test
  void readsFilesStreamsAndDecodedImagesAlike(@TempDir Path dir) throws Exception {
    byte[] png = encode(quadrants(), "png");
    Path file = dir.resolve("q.png");
    Files.write(file, png);
    int[] fromFile = rgb(decoder.decode(ImageSource.of(file)), 20, 20);
    int[] fromStream = rgb(decoder.decode(ImageSource.of(new ByteArrayInputStream(png), "s")), 20, 20);
    int[] fromImage = rgb(decoder.decode(ImageSource.of(quadrants(), "img")), 20, 20);
    assertRgb(new int[] {128, 128, 128}, fromFile, 0);
    assertRgb(fromFile, fromStream, 0);
    assertRgb(fromFile, fromImage, 0);
  }

  @Test
  void grayscaleOfAnyDepthKeepsItsStoredValue() throws Exception {
    BufferedImage gray8 = new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY);
    gray8.getRaster().setSample(1, 1, 0, 100);
    BufferedImage gray16 = new BufferedImage(4, 4, BufferedImage.TYPE_USHORT_GRAY);
    gray16.getRaster().setSample(1, 1, 0, 100 * 257); // 100 / 255 of 65535
    // Through PNG files, as they would arrive; Java's linear gray space would give about 168 for 100.
    assertRgb(new int[] {100, 100, 100},
        rgb(decoder.decode(ImageSource.of(encode(gray8, "png"), "g8")), 1, 1), 0);
    assertRgb(new int[] {100, 100, 100},
        rgb(decoder.decode(ImageSource.of(encode(gray16, "png"), "g16")), 1, 1), 0);
  }

  @Test
  void sixteenBitColourIsScaledToEightBits() throws Exception {
    var cm = new java.awt.image.ComponentColorModel(
        java.awt.color.ColorSpace.getInstance(java.awt.color.ColorSpace.CS_sRGB), false, false,
        java.awt.Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
    WritableRaster raster = cm.createCompatibleWritableRaster(4, 4);
    raster.setPixel(2, 2, new int[] {65535, 32896, 0});
    BufferedImage image = new BufferedImage(cm, raster, false, null);
    BufferedImage decoded = decoder.decode(ImageSource.of(encode(image, "png"), "rgb16"));
    assertRgb(new int[] {255, 128, 0}, rgb(decoded, 2, 2), 1);
  }

  @Test
  void alphaIsCompositedOnWhite() throws Exception {
    BufferedImage image = new BufferedImage(4, 4, BufferedImage.TYPE_INT_ARGB);
    image.setRGB(0, 0, 0x00000000); // fully transparent black
    image.setRGB(1, 0, 0xff0000ff); // opaque blue
    image.setRGB(2, 0, 0x80ff0000); // half-transparent red
    BufferedImage decoded = decoder.decode(ImageSource.of(encode(image, "png"), "alpha"));
    assertRgb(new int[] {255, 255, 255}, rgb(decoded, 0, 0), 0);
    assertRgb(new int[] {0, 0, 255}, rgb(decoded, 1, 0), 0);
    // 255 * 128/255 + 255 * 127/255 for red; 255 * 127/255 for the others.
    assertRgb(new int[] {255, 127, 127}, rgb(decoded, 2, 0), 1);
  }

  @Test
  void paletteImagesUseTheirPalette() throws Exception {
    byte[] r = {0, (byte) 200, 10};
    byte[] g = {0, 20, (byte) 250};
    byte[] b = {0, 40, 30};
    IndexColorModel palette = new IndexColorModel(2, 3, r, g, b);
    BufferedImage image = new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_BINARY, palette);
    image.getRaster().setSample(3, 3, 0, 1);
    image.getRaster().setSample(0, 3, 0, 2);
    BufferedImage decoded = decoder.decode(ImageSource.of(encode(image, "png"), "palette"));
    assertRgb(new int[] {200, 20, 40}, rgb(decoded, 3, 3), 0);
    assertRgb(new int[] {10, 250, 30}, rgb(decoded, 0, 3), 0);
  }

  @Test
  void animatedGifGivesItsFirstFrame() throws Exception {
    ImageWriter writer = ImageIO.getImageWritersByFormatName("gif").next();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
      writer.setOutput(out);
      writer.prepareWriteSequence(null);
      for (int colour : new int[] {0xff0000, 0x0000ff}) {
        BufferedImage frame = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < 64; i++) {
          frame.setRGB(i % 8, i / 8, colour);
        }
        writer.writeToSequence(new IIOImage(frame, null, null), null);
      }
      writer.endWriteSequence();
    }
    writer.dispose();
    BufferedImage decoded = decoder.decode(ImageSource.of(bytes.toByteArray(), "anim.gif"));
    assertRgb(new int[] {255, 0, 0}, rgb(decoded, 3, 3), 0);
  }

  @Test
  void cmykJpegIsConverted() throws Exception {
    WritableRaster raster = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 16, 16, 4, null);
    for (int y = 0; y < 16; y++) {
      for (int x = 0; x < 16; x++) {
        raster.setPixel(x, y, new int[] {200, 50, 10, 30}); // C, M, Y, K; no Adobe marker
      }
    }
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
      writer.setOutput(out);
      writer.write(null, new IIOImage(raster, null, null), null);
    }
    writer.dispose();
    BufferedImage decoded = decoder.decode(ImageSource.of(bytes.toByteArray(), "cmyk.jpg"));
    // R = (255 - C)(255 - K) / 255, and so on.
    int[] expected = {Math.round(55 * 225 / 255f), Math.round(205 * 225 / 255f),
        Math.round(245 * 225 / 255f)};
    assertRgb(expected, rgb(decoded, 8, 8), 3);
  }

  @Test
  void aDecompressionBombIsRefusedFromItsHeader() {
    byte[] bomb = pngHeaderOnly(50_000, 50_000);
    EmbeddingException e = assertThrows(EmbeddingException.class,
        () -> decoder.decode(ImageSource.of(bomb, "bomb.png")));
    assertTrue(e.getMessage().startsWith("bomb.png: image is 50000 x 50000 = 2500000000 pixels, "
        + "over the limit of 50000000"), e.getMessage());
    assertEquals("bomb.png", e.input());
  }

  @Test
  void thePixelLimitIsConfigurable() throws Exception {
    ImageDecoder strict = ImageDecoder.builder().maxPixels(32 * 32 - 1).build();
    byte[] png = encode(quadrants(), "png");
    EmbeddingException e = assertThrows(EmbeddingException.class,
        () -> strict.decode(ImageSource.of(png, "q.png")));
    assertTrue(e.getMessage().contains("32 x 32 = 1024 pixels, over the limit of 1023"),
        e.getMessage());
    assertEquals(32, ImageDecoder.builder().maxPixels(1024).build()
        .decode(ImageSource.of(png, "q.png")).getWidth());
  }

  /** A PNG with only a valid IHDR (and IEND): the header a bomb would start with. */
  static byte[] pngHeaderOnly(int width, int height) {
    ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(width).putInt(height)
        .put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    chunk(out, "IHDR", ihdr.array());
    chunk(out, "IEND", new byte[0]);
    return out.toByteArray();
  }

  private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
    byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
    CRC32 crc = new CRC32();
    crc.update(typeBytes);
    crc.update(data);
    out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
    out.writeBytes(typeBytes);
    out.writeBytes(data);
    out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
  }

  @Test
  void emptyInputIsRefusedByName(@TempDir Path dir) throws Exception {
    Path empty = Files.createFile(dir.resolve("empty.jpg"));
    EmbeddingException e = assertThrows(EmbeddingException.class,
        () -> decoder.decode(ImageSource.of(empty)));
    assertTrue(e.getMessage().startsWith(empty + ": empty file"), e.getMessage());
    e = assertThrows(EmbeddingException.class,
        () -> decoder.decode(ImageSource.of(new ByteArrayInputStream(new byte[0]), "upload-1")));
    assertTrue(e.getMessage().startsWith("upload-1: empty input"), e.getMessage());
  }

  @Test
  void aMissingFileIsRefusedByName(@TempDir Path dir) {
    Path missing = dir.resolve("nope.png");
    EmbeddingException e = assertThrows(EmbeddingException.class,
        () -> decoder.decode(ImageSource.of(missing)));
    assertEquals(missing + ": no such file", e.getMessage());
  }

  @Test
  void textIsNotAnImage() {
    byte[] text = "hello, world".getBytes(StandardCharsets.US_ASCII);
    EmbeddingException e = assertThrows(EmbeddingException.class,
        () -> decoder.decode(ImageSource.of(text, "notes.png")));
    assertTrue(e.getMessage().startsWith("notes.png: not an image"), e.getMessage());
    assertTrue(e.getMessage().contains("68656c6c6f2c2077"), e.getMessage());
  }

  @Test
  void heicAvifAndJpegXlAreNamedWithTheWayToConvertThem(@TempDir Path dir) throws Exception {
    // The first bytes of each format (an ISO-BMFF 'ftyp' box with its brand; JPEG XL's
    // codestream and container signatures), then filler.
    byte[] heic = box("heic");
    byte[] mif1 = box("mif1");
    byte[] avif = box("avif");
    byte[] jxl = Arrays.copyOf(new byte[] {(byte) 0xFF, 0x0A, 1, 2}, 64);
    byte[] jxlBox = Arrays.copyOf(new byte[] {0, 0, 0, 0x0C, 'J', 'X', 'L', ' ', 0x0D, 0x0A,
        (byte) 0x87, 0x0A}, 64);
    Object[][] cases = {{heic, "IMG_0001.HEIC", "heif-convert"},
        {mif1, "photo.heif", "heif-convert"}, {avif, "x.avif", "avifdec"},
        {jxl, "y.jxl", "djxl"}, {jxlBox, "z.jxl", "djxl"}};
    for (Object[] c : cases) {
      Path file = dir.resolve((String) c[1]);
      Files.write(file, (byte[]) c[0]);
      assertTrue(ImageFiles.isImage(file), "listed, so that it is reported: " + c[1]);
      EmbeddingException e = assertThrows(EmbeddingException.class,
          () -> decoder.decode(ImageSource.of(file)));
      assertTrue(e.getMessage().startsWith(file + ": a"), e.getMessage());
      assertTrue(e.getMessage().contains("no decoder in Java: convert it first"),
          e.getMessage());
      assertTrue(e.getMessage().contains((String) c[2]), e.getMessage());
    }
    // Another ISO-BMFF file (an MP4 video) is not taken for one of them.
    EmbeddingException mp4 = assertThrows(EmbeddingException.class,
        () -> decoder.decode(ImageSource.of(box("isom"), "clip.jpg")));
    assertTrue(mp4.getMessage().contains("not an image in a format this JVM reads"),
        mp4.getMessage());
  }

  private static byte[] box(String brand) {
    byte[] b = new byte[64];
    byte[] head = {0, 0, 0, 0x18, 'f', 't', 'y', 'p'};
    System.arraycopy(head, 0, b, 0, 8);
    System.arraycopy(brand.getBytes(StandardCharsets.US_ASCII), 0, b, 8, 4);
    return b;
  }

  @ParameterizedTest
  @ValueSource(strings = {"png", "jpg"})
  void truncatedImagesAreRefused(String format) throws Exception {
    byte[] whole = encode(TestPictures.noise(64, 64), format);
    byte[] half = Arrays.copyOf(whole, whole.length / 2);
    EmbeddingException e = assertThrows(EmbeddingException.class,
        () -> decoder.decode(ImageSource.of(half, "half." + format)));
    assertTrue(e.getMessage().startsWith("half." + format + ": "), e.getMessage());
  }

  @Test
  void corruptDataIsRefused() throws Exception {
    byte[] png = encode(TestPictures.noise(64, 64), "png");
    // Keep the header, scramble the compressed pixels.
    for (int i = 60; i < png.length - 20; i++) {
      png[i] = (byte) (png[i] * 31 + 7);
    }
    EmbeddingException e = assertThrows(EmbeddingException.class,
        () -> decoder.decode(ImageSource.of(png, "scrambled.png")));
    assertTrue(e.getMessage().startsWith("scrambled.png: "), e.getMessage());
  }
}
