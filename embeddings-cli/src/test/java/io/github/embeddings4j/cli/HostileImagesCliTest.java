package io.github.embeddings4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.core.io.Npy;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9's hostile images through {@code embeddings4j embed}: the sound ones are embedded, each
 * broken one is reported on stderr by path with its reason, the run finishes and exits with 3
 * (partial failure). The corpus is generated here.
 */
class HostileImagesCliTest {

  @TempDir static Path dir;
  static Path photos;
  /** File name to the fragment its failure line must hold, or null for a sound file. */
  static final Map<String, String> CORPUS = new LinkedHashMap<>();

  @BeforeAll
  static void writeCorpus() throws IOException {
    photos = Files.createDirectories(dir.resolve("hostile"));
    byte[] jpeg = encode(noise(64, 48, 1), "jpg");
    byte[] png = encode(noise(64, 48, 2), "png");
    put("a-truncated.jpg", Arrays.copyOf(jpeg, jpeg.length / 2), "truncated");
    put("b-truncated.png", Arrays.copyOf(png, png.length / 2), "damaged");
    put("c-empty.jpg", new byte[0], "empty");
    put("d-text.jpg", "a shopping list\n".getBytes(StandardCharsets.UTF_8), "not an image");
    put("e-bomb.png", pngHeaderOnly(50_000, 50_000), "50000 x 50000");
    put("f-one-pixel.png", encode(noise(1, 1, 3), "png"), null);
    put("g-cmyk.jpg", cmykJpeg(), null);
    put("h-sixteen-bit.png", encode(sixteenBit(), "png"), null);
    put("i-palette.png", encode(palette(), "png"), null);
    BufferedImage alpha = new BufferedImage(12, 12, BufferedImage.TYPE_INT_ARGB);
    alpha.setRGB(3, 3, 0x80ff0000);
    put("j-alpha.png", encode(alpha, "png"), null);
    put("k-animated.gif", animatedGif(), null);
    put("l-huge-legal.jpg", encode(noise(4000, 3000, 4), "jpg"), null);
    put("m-sound.jpg", jpeg, null);
  }

  private static void put(String name, byte[] bytes, String reason) throws IOException {
    Files.write(photos.resolve(name), bytes);
    CORPUS.put(name, reason);
  }

  @Test
  void soundImagesAreEmbeddedBrokenOnesReportedAndTheExitCodeSaysPartial() throws IOException {
    Path out = dir.resolve("out/hostile.npy");
    CliRun r = CliRun.of("embed", "--input", photos.toString(), "--output", out.toString(),
        "--model", "lenet", "--weights", "random", "--seed", "3");
    assertEquals(Main.EXIT_PARTIAL, r.code(), r.toString());
    List<String> good = CORPUS.entrySet().stream().filter(e -> e.getValue() == null)
        .map(Map.Entry::getKey).toList();
    assertEquals(good, Npy.readIds(Npy.idsFile(out)));
    float[][] rows = Npy.read(out);
    assertEquals(good.size(), rows.length);
    for (float[] row : rows) {
      for (float v : row) {
        assertTrue(Float.isFinite(v), r.toString());
      }
    }
    List<String> failures = r.err().lines().filter(l -> l.startsWith("failed: ")).toList();
    List<String> bad = CORPUS.entrySet().stream().filter(e -> e.getValue() != null)
        .map(Map.Entry::getKey).toList();
    assertEquals(bad.size(), failures.size(), r.toString());
    for (int i = 0; i < bad.size(); i++) {
      String line = failures.get(i);
      assertTrue(line.startsWith("failed: " + photos.resolve(bad.get(i)) + ": "), line);
      assertTrue(line.contains(CORPUS.get(bad.get(i))), bad.get(i) + ": " + line);
    }
    assertTrue(r.err().contains(bad.size() + " image(s) failed"), r.toString());
  }

  @Test
  void whenEveryImageFailsThePreviousOutputIsLeftAsItWas() throws IOException {
    Path onlyBad = Files.createDirectories(dir.resolve("only-bad"));
    for (String name : CORPUS.keySet()) {
      if (CORPUS.get(name) != null) {
        Files.copy(photos.resolve(name), onlyBad.resolve(name));
      }
    }
    Path out = dir.resolve("previous/kept.npy");
    Files.createDirectories(out.getParent());
    float[][] previous = {{1, 2}, {3, 4}};
    Npy.write(out, previous);
    Npy.writeIds(Npy.idsFile(out), List.of("x", "y"));
    CliRun r = CliRun.of("embed", "--input", onlyBad.toString(), "--output", out.toString(),
        "--model", "lenet", "--weights", "random", "--seed", "3");
    assertEquals(Main.EXIT_INPUT, r.code(), r.toString());
    assertTrue(r.err().contains("none of the 5 images could be embedded"), r.toString());
    assertArrayEquals(previous, Npy.read(out));
    assertEquals(List.of("x", "y"), Npy.readIds(Npy.idsFile(out)));
    try (Stream<Path> left = Files.list(out.getParent())) {
      assertEquals(List.of("kept.ids.txt", "kept.npy"),
          left.map(p -> p.getFileName().toString()).sorted().toList(), "no temporary files");
    }
  }

  static BufferedImage noise(int width, int height, long seed) {
    Random random = new Random(seed);
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    int[] row = new int[width];
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        row[x] = (y / 8 * 31 + x / 8 * 17) % 251 * 0x010101 ^ random.nextInt(1 << 12);
      }
      image.setRGB(0, y, width, 1, row, 0, width);
    }
    return image;
  }

  static byte[] encode(BufferedImage image, String format) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertTrue(ImageIO.write(image, format, out), format);
    return out.toByteArray();
  }

  private static BufferedImage sixteenBit() {
    ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB),
        false, false, java.awt.Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
    WritableRaster raster = cm.createCompatibleWritableRaster(10, 10);
    raster.setPixel(4, 4, new int[] {65535, 30000, 100});
    return new BufferedImage(cm, raster, false, null);
  }

  private static BufferedImage palette() {
    byte[] c = {0, (byte) 200, 90, (byte) 255};
    BufferedImage image = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_BINARY,
        new IndexColorModel(2, 4, c, c, c));
    image.getRaster().setSample(2, 2, 0, 3);
    return image;
  }

  private static byte[] animatedGif() throws IOException {
    ImageWriter writer = ImageIO.getImageWritersByFormatName("gif").next();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
      writer.setOutput(out);
      writer.prepareWriteSequence(null);
      for (int frame = 0; frame < 2; frame++) {
        writer.writeToSequence(new IIOImage(noise(10, 10, frame), null, null), null);
      }
      writer.endWriteSequence();
    } finally {
      writer.dispose();
    }
    return bytes.toByteArray();
  }

  private static byte[] cmykJpeg() throws IOException {
    WritableRaster raster = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 16, 16, 4, null);
    for (int y = 0; y < 16; y++) {
      for (int x = 0; x < 16; x++) {
        raster.setPixel(x, y, new int[] {x * 15, y * 15, 100, 30});
      }
    }
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
      writer.setOutput(out);
      writer.write(null, new IIOImage(raster, null, null), null);
    } finally {
      writer.dispose();
    }
    return bytes.toByteArray();
  }

  private static byte[] pngHeaderOnly(int width, int height) {
    ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(width).putInt(height)
        .put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    for (String type : List.of("IHDR", "IEND")) {
      byte[] data = type.equals("IHDR") ? ihdr.array() : new byte[0];
      byte[] t = type.getBytes(StandardCharsets.US_ASCII);
      CRC32 crc = new CRC32();
      crc.update(t);
      crc.update(data);
      out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
      out.writeBytes(t);
      out.writeBytes(data);
      out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
    return out.toByteArray();
  }
}
