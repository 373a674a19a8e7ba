package io.github.embeddings4j.core.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * The image path's shortcuts give what the general path gives, bit for bit: the decoder's own
 * pixel buffer read in place of {@code getRGB}, and no resampling of an image already at the
 * network's size.
 */
class PixelsTest {

  private static BufferedImage noise(int w, int h, int type, long seed) {
    Random r = new Random(seed);
    BufferedImage img = new BufferedImage(w, h, type);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        img.setRGB(x, y, 0xff000000 | r.nextInt(1 << 24));
      }
    }
    return img;
  }

  /** The same pixels in a layout only getRGB reads. */
  private static BufferedImage asBgr(BufferedImage src) {
    BufferedImage out = new BufferedImage(src.getWidth(), src.getHeight(),
        BufferedImage.TYPE_3BYTE_BGR);
    out.getGraphics().drawImage(src, 0, 0, null);
    return out;
  }

  @Test
  void theDecodersBufferIsReadInPlaceAndSubimagesAreCopied() {
    BufferedImage img = noise(37, 23, BufferedImage.TYPE_INT_RGB, 1);
    assertSame(((DataBufferInt) img.getRaster().getDataBuffer()).getData(), Pixels.rgb(img));
    BufferedImage sub = img.getSubimage(3, 4, 20, 10);
    assertArrayEquals(sub.getRGB(0, 0, 20, 10, null, 0, 20), Pixels.rgb(sub));
    BufferedImage bgr = asBgr(img);
    assertArrayEquals(img.getRGB(0, 0, 37, 23, null, 0, 37), Pixels.rgb(bgr));
  }

  @ParameterizedTest(name = "{0}x{1} into {2}x{3}")
  @CsvSource({"224, 224, 224, 224", "256, 256, 224, 224", "100, 60, 48, 48", "31, 77, 40, 40"})
  void bothFormatsWriteWhatTheGeneralPathWrites(int w, int h, int tw, int th) {
    BufferedImage img = noise(w, h, BufferedImage.TYPE_INT_RGB, w * 31L + h);
    BufferedImage general = asBgr(img);
    for (Preprocessor p : new Preprocessor[] {
        new InputFormat(th, tw, ColorOrder.BGR, PixelScaling.IMAGENET_MEAN),
        new InputFormat(th, tw, ColorOrder.GRAY, PixelScaling.UNIT),
        Preprocessing.imagenet().toBuilder().size(th, tw).resize(Math.min(th, tw)).build(),
        Preprocessing.clip().toBuilder().size(th, tw).resize(Math.min(w, h)).build()}) {
      float[] fast = new float[p.size()];
      float[] slow = new float[p.size()];
      p.write(img, fast, 0);
      p.write(general, slow, 0);
      assertArrayEquals(slow, fast, 0f, p.toString());
    }
  }

  @Test
  void anImageAtTheTargetSizeIsNotResampled() {
    BufferedImage img = noise(48, 48, BufferedImage.TYPE_INT_RGB, 9);
    float[][] planes = Resampler.coverAndCrop(Pixels.rgb(img), 48, 48, 48, 48);
    int p = img.getRGB(17, 30);
    assertArrayEquals(new float[] {(p >> 16) & 0xff, (p >> 8) & 0xff, p & 0xff},
        new float[] {planes[0][30 * 48 + 17], planes[1][30 * 48 + 17], planes[2][30 * 48 + 17]});
    // And the same as the resampling passes give at scale 1 (a 1-pixel-wider source, cropped).
    BufferedImage wider = new BufferedImage(49, 48, BufferedImage.TYPE_INT_RGB);
    wider.getGraphics().drawImage(img, 0, 0, null);
    float[][] passes = Resampler.coverAndCrop(Pixels.rgb(wider), 49, 48, 48, 48);
    assertArrayEquals(passes[1], planes[1], 0f);
  }
}
