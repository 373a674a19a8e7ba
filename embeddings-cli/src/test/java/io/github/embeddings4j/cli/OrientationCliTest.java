package io.github.embeddings4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.core.image.ImageDecoder;
import io.github.embeddings4j.core.io.EmbeddingSet;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A photo stored sideways with an EXIF orientation is embedded upright by default and as stored
 * with {@code --keep-orientation}; sets of the two kinds are not mixed by {@code --update}.
 */
class OrientationCliTest {

  @TempDir Path dir;

  /** A JPEG whose APP1 Exif segment records the orientation (little-endian TIFF). */
  static byte[] jpeg(java.awt.image.BufferedImage image, int orientation) throws IOException {
    ByteArrayOutputStream plain = new ByteArrayOutputStream();
    assertTrue(ImageIO.write(image, "jpeg", plain));
    byte[] jpeg = plain.toByteArray();
    ByteBuffer tiff = ByteBuffer.allocate(26).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    tiff.put((byte) 'I').put((byte) 'I').putShort((short) 42).putInt(8).putShort((short) 1)
        .putShort((short) 274).putShort((short) 3).putInt(1).putShort((short) orientation)
        .putShort((short) 0).putInt(0);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(jpeg, 0, 2);
    int length = 2 + 6 + tiff.capacity();
    out.write(new byte[] {(byte) 0xFF, (byte) 0xE1, (byte) (length >> 8), (byte) length});
    out.write("Exif\0\0".getBytes(StandardCharsets.US_ASCII));
    out.write(tiff.array());
    out.write(jpeg, 2, jpeg.length - 2);
    return out.toByteArray();
  }

  @Test
  void sidewaysPhotosAreEmbeddedUprightUnlessAskedAndSetsOfTheTwoKindsAreNotMixed()
      throws IOException {
    Path photos = dir.resolve("photos");
    Files.createDirectories(photos);
    Random random = new Random(5);
    Files.write(photos.resolve("turned.jpg"), jpeg(CommandsTest.picture(0, random), 6));
    Files.write(photos.resolve("plain.jpg"), jpeg(CommandsTest.picture(1, random), 1));
    Path upright = dir.resolve("upright.npy");
    Path asStored = dir.resolve("stored.npy");
    CliRun a = EmbedUpdateCliTest.embed(photos, upright);
    assertEquals(Main.EXIT_OK, a.code(), a.toString());
    CliRun b = EmbedUpdateCliTest.embed(photos, asStored, "--keep-orientation");
    assertEquals(Main.EXIT_OK, b.code(), b.toString());
    EmbeddingSet.Contents x = EmbeddingSet.read(upright);
    EmbeddingSet.Contents y = EmbeddingSet.read(asStored);
    assertEquals("exif", x.embedder().extra().get(ImageDecoder.ORIENTATION_KEY));
    assertFalse(y.embedder().extra().containsKey(ImageDecoder.ORIENTATION_KEY));
    int plain = x.ids().indexOf("plain.jpg");
    int turned = x.ids().indexOf("turned.jpg");
    assertArrayEquals(x.vectors()[plain], y.vectors()[y.ids().indexOf("plain.jpg")],
        "a photo without a turn is embedded the same either way");
    assertFalse(Arrays.equals(x.vectors()[turned], y.vectors()[y.ids().indexOf("turned.jpg")]),
        "the sideways photo is embedded upright by default");

    byte[] before = Files.readAllBytes(upright);
    CliRun mixed = EmbedUpdateCliTest.embed(photos, upright, "--update", "--keep-orientation");
    assertEquals(Main.EXIT_INPUT, mixed.code(), mixed.toString());
    assertTrue(mixed.err().contains("orientation: exif != (none)")
        || mixed.err().contains("orientation: (none) != exif"), mixed.err());
    assertTrue(mixed.err().contains("--keep-orientation"), mixed.err());
    assertArrayEquals(before, Files.readAllBytes(upright), "the set is left as it was");
  }
}
