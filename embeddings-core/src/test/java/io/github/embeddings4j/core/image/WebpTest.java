package io.github.embeddings4j.core.image;

import static io.github.embeddings4j.core.image.OrientationTest.fixture;
import static io.github.embeddings4j.core.image.OrientationTest.pixels;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.EmbeddingException;
import io.github.embeddings4j.api.ImageSource;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * WebP through TwelveMonkeys' ImageIO plugin, against PIL (libwebp) on files PIL wrote
 * ({@code scripts/images/make_fixtures.py}).
 */
class WebpTest {

  @Test
  void losslessWebpGivesThePixelsPilStoredAndLossyComesCloseToLibwebp() throws Exception {
    BufferedImage webp = ImageDecoder.defaults().decode(fixture("lossless.webp"));
    BufferedImage source = ImageDecoder.defaults().decode(fixture("source.png"));
    assertEquals(40, webp.getWidth());
    assertEquals(30, webp.getHeight());
    assertEquals(BufferedImage.TYPE_INT_RGB, webp.getType());
    assertArrayEquals(pixels(source), pixels(webp));
    BufferedImage lossy = ImageDecoder.defaults().decode(fixture("lossy.webp"));
    BufferedImage pil = ImageDecoder.defaults().decode(fixture("lossy.pil.png"));
    byte[] a = pixels(lossy);
    byte[] b = pixels(pil);
    // Lossy VP8: decoders may upsample chroma differently; PIL uses libwebp's "fancy"
    // upsampling. The two agree closely, not bit for bit.
    double sum = 0;
    int worst = 0;
    for (int i = 0; i < a.length; i++) {
      int d = Math.abs((a[i] & 0xff) - (b[i] & 0xff));
      sum += d;
      worst = Math.max(worst, d);
    }
    double mean = sum / a.length;
    assertTrue(mean < 3.0, "mean absolute difference from libwebp " + mean);
    assertTrue(worst < 48, "largest difference from libwebp " + worst);
    // And the lossy file is close to the lossless one (the same source pixels).
    byte[] exact = pixels(webp);
    double drift = 0;
    for (int i = 0; i < a.length; i++) {
      drift += Math.abs((a[i] & 0xff) - (exact[i] & 0xff));
    }
    assertTrue(drift / a.length < 6.0, "lossy against lossless " + drift / a.length);
  }

  @Test
  void alphaIsCompositedOnWhiteExactlyAsForPng() throws Exception {
    BufferedImage webp = ImageDecoder.defaults().decode(fixture("alpha.webp"));
    BufferedImage png = ImageDecoder.defaults().decode(fixture("alpha.png"));
    assertArrayEquals(pixels(png), pixels(webp));
    // The transparent third is white, the opaque third keeps its colour.
    assertEquals(0xffffff, webp.getRGB(39, 15) & 0xffffff);
    assertTrue((webp.getRGB(0, 29) & 0xffffff) != 0xffffff);
  }

  @Test
  void webpFilesAreFoundInFoldersAndDamagedOnesAreNamed(@TempDir Path dir) throws Exception {
    byte[] good = fixture("lossless.webp").openStream().readAllBytes();
    Files.write(dir.resolve("a.WEBP"), good);
    Files.write(dir.resolve("b.webp"), Arrays.copyOf(good, good.length / 2));
    assertTrue(ImageFiles.isImage(dir.resolve("a.WEBP")));
    BufferedImage whole = ImageDecoder.defaults().decode(ImageSource.of(dir.resolve("a.WEBP")));
    assertEquals(40, whole.getWidth());
    EmbeddingException e = assertThrows(EmbeddingException.class,
        () -> ImageDecoder.defaults().decode(ImageSource.of(dir.resolve("b.webp"))));
    assertTrue(e.getMessage().contains("b.webp"), e.getMessage());
  }
}
