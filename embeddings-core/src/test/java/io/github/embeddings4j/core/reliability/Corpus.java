package io.github.embeddings4j.core.reliability;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/**
 * The hostile-image corpus of issue 9, generated in code: each entry is a file name, its bytes
 * and whether a sound decoder must embed it or refuse it (with a fragment its message must hold).
 */
final class Corpus {

  private Corpus() {}

  /**
   * One file of the corpus.
   *
   * @param name the file name, extension included (some lie about the content)
   * @param bytes the content
   * @param good whether it must give a vector
   * @param reason for a bad one, a fragment of the expected message (lower case)
   */
  record Entry(String name, byte[] bytes, boolean good, String reason) {}

  /** The whole corpus, good and bad files interleaved so that batches mix them. */
  static List<Entry> entries() {
    byte[] jpeg = encode(noise(64, 48, 1), "jpg");
    byte[] png = encode(noise(64, 48, 2), "png");
    List<Entry> all = new ArrayList<>();
    all.add(new Entry("truncated.jpg", Arrays.copyOf(jpeg, jpeg.length / 2), false,
        "truncated"));
    all.add(new Entry("sound.jpg", jpeg, true, null));
    all.add(new Entry("truncated.png", Arrays.copyOf(png, png.length / 2), false, "damaged"));
    all.add(new Entry("one-pixel.png", encode(noise(1, 1, 3), "png"), true, null));
    all.add(new Entry("empty.jpg", new byte[0], false, "empty"));
    all.add(new Entry("cmyk.jpg", cmykJpeg(24, 16), true, null));
    all.add(new Entry("notes.jpg", "these are my holiday notes, not a picture\n"
        .getBytes(StandardCharsets.UTF_8), false, "not an image"));
    all.add(new Entry("sixteen-bit.png", encode(sixteenBit(20, 12), "png"), true, null));
    all.add(new Entry("bomb.png", pngHeaderOnly(50_000, 50_000), false, "refused before decoding"));
    all.add(new Entry("palette.png", encode(palette(16, 16), "png"), true, null));
    all.add(new Entry("alpha.png", encode(alpha(20, 20), "png"), true, null));
    all.add(new Entry("animated.gif", animatedGif(), true, null));
    all.add(new Entry("gray.jpg", encode(gray(30, 20), "jpg"), true, null));
    all.add(new Entry("huge-legal.jpg", encode(noise(4000, 3000, 4), "jpg"), true, null));
    all.add(new Entry("sound.bmp", encode(noise(17, 23, 5), "bmp"), true, null));
    return all;
  }

  /** Writes the corpus into a folder. */
  static List<Entry> writeTo(Path folder) throws IOException {
    Files.createDirectories(folder);
    List<Entry> all = entries();
    for (Entry e : all) {
      Files.write(folder.resolve(e.name()), e.bytes());
    }
    return all;
  }

  static BufferedImage noise(int width, int height, long seed) {
    Random random = new Random(seed);
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    // Smooth-ish noise: blocks of colour, so that JPEG keeps it recognisable.
    int[] row = new int[width];
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        row[x] = (y / 8 * 31 + x / 8 * 17 + (int) (seed * 97)) % 251 * 0x010101
            ^ random.nextInt(1 << 12);
      }
      image.setRGB(0, y, width, 1, row, 0, width);
    }
    return image;
  }

  static byte[] encode(BufferedImage image, String format) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(image, format, out)) {
        throw new IllegalStateException("no " + format + " writer for " + image);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static BufferedImage gray(int w, int h) {
    BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        image.getRaster().setSample(x, y, 0, (x * 9 + y * 5) & 0xff);
      }
    }
    return image;
  }

  private static BufferedImage sixteenBit(int w, int h) {
    ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB),
        false, false, java.awt.Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
    WritableRaster raster = cm.createCompatibleWritableRaster(w, h);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        raster.setPixel(x, y, new int[] {x * 3000, y * 5000, 65535 - x * 1000});
      }
    }
    return new BufferedImage(cm, raster, false, null);
  }

  private static BufferedImage palette(int w, int h) {
    byte[] r = {0, (byte) 200, 10, (byte) 255};
    byte[] g = {0, 20, (byte) 250, (byte) 255};
    byte[] b = {0, 40, 30, 0};
    BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_BINARY,
        new IndexColorModel(2, 4, r, g, b));
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        image.getRaster().setSample(x, y, 0, (x / 4 + y / 4) % 4);
      }
    }
    return image;
  }

  private static BufferedImage alpha(int w, int h) {
    BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        image.setRGB(x, y, ((x * 12) << 24) | 0x3366cc);
      }
    }
    return image;
  }

  private static byte[] animatedGif() {
    ImageWriter writer = ImageIO.getImageWritersByFormatName("gif").next();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
      writer.setOutput(out);
      writer.prepareWriteSequence(null);
      for (int frame = 0; frame < 3; frame++) {
        writer.writeToSequence(new IIOImage(noise(12, 12, 10 + frame), null, null), null);
      }
      writer.endWriteSequence();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      writer.dispose();
    }
    return bytes.toByteArray();
  }

  /** A four-channel JPEG without an Adobe marker: plain CMYK to readers. */
  private static byte[] cmykJpeg(int w, int h) {
    WritableRaster raster = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, w, h, 4, null);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        raster.setPixel(x, y, new int[] {x * 10, y * 15, 100, 30});
      }
    }
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
      writer.setOutput(out);
      writer.write(null, new IIOImage(raster, null, null), null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      writer.dispose();
    }
    return bytes.toByteArray();
  }

  /** A PNG of a valid IHDR and IEND only: what a decompression bomb starts with. */
  static byte[] pngHeaderOnly(int width, int height) {
    ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(width).putInt(height)
        .put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    chunk(out, "IHDR", ihdr.array());
    chunk(out, "IEND", new byte[0]);
    return out.toByteArray();
  }

  /** One PNG chunk: length, type, data and CRC. */
  static byte[] chunk(String type, byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    chunk(out, type, data);
    return out.toByteArray();
  }

  private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
    byte[] t = type.getBytes(StandardCharsets.US_ASCII);
    CRC32 crc = new CRC32();
    crc.update(t);
    crc.update(data);
    out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
    out.writeBytes(t);
    out.writeBytes(data);
    out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
  }
}
