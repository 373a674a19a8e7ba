package io.github.embeddings4j.core.image;

import io.github.embeddings4j.api.EmbeddingException;
import io.github.embeddings4j.api.ImageSource;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.DataBufferInt;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.stream.ImageInputStream;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * Decodes and validates images with {@code javax.imageio}, so that only sound, reasonably sized
 * pictures reach a network. The result is always an 8-bit RGB image ({@link
 * BufferedImage#TYPE_INT_RGB}).
 *
 * <ul>
 *   <li>Formats: whatever {@code ImageIO} reads: JPEG, PNG, BMP, GIF, WBMP, TIFF and, through
 *       TwelveMonkeys' plugin (a dependency), WebP, lossy or lossless, with alpha; the first
 *       frame of an animated GIF or WebP. HEIC/HEIF, AVIF and JPEG XL have no Java decoder
 *       here: they are recognised by their first bytes and refused with the way to convert
 *       them.</li>
 *   <li>Size: width and height are read from the header, and an image of more than {@link
 *       Builder#maxPixels(long)} pixels (default {@value #DEFAULT_MAX_PIXELS}) is refused before
 *       any pixel is decoded: a 1 kB "decompression bomb" never becomes a 10 GB buffer. Encoded
 *       input longer than {@link Builder#maxBytes(long)} is refused too.</li>
 *   <li>Colour: grayscale of any depth maps its value to R = G = B (as image viewers show it,
 *       rather than through Java's linear-gray colour space, which would brighten mid-tones);
 *       palette and 16-bit images are converted to 8-bit sRGB; CMYK and YCCK JPEGs, which
 *       {@code ImageIO} cannot turn into an image itself, are converted here from their raw
 *       samples (Adobe's inverted convention when the Adobe marker is present).</li>
 *   <li>Orientation: a photo whose EXIF data says it was taken turned (tag 274, as phones and
 *       cameras write it) is turned or mirrored upright, as viewers show it ({@link
 *       Builder#applyOrientation(boolean)}; JPEG, TIFF, WebP and PNG).</li>
 *   <li>Alpha: composited onto white, so transparent areas look the way a viewer on a white page
 *       shows them, not black (which is what dropping the alpha channel gives for the usual
 *       zero-colour transparent pixels).</li>
 *   <li>Failures: empty, truncated, corrupt or non-image input becomes an {@link
 *       EmbeddingException} whose message starts with the input's name.</li>
 * </ul>
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class ImageDecoder {

  /** The default limit on width times height: 50 megapixels. */
  public static final long DEFAULT_MAX_PIXELS = 50_000_000L;

  /** The key of an embedder's description that says images were turned upright. */
  public static final String ORIENTATION_KEY = "orientation";

  /** The default limit on the encoded size: 256 MiB. */
  public static final long DEFAULT_MAX_BYTES = 256L << 20;

  private static final ImageDecoder DEFAULTS = builder().build();

  private static final ImageDecoder AS_STORED = builder().applyOrientation(false).build();

  private final long maxPixels;
  private final long maxBytes;
  private final boolean applyOrientation;

  private ImageDecoder(Builder b) {
    this.maxPixels = b.maxPixels;
    this.maxBytes = b.maxBytes;
    this.applyOrientation = b.applyOrientation;
  }

  /**
   * A decoder with the default limits.
   *
   * @return the shared default decoder
   */
  public static ImageDecoder defaults() {
    return DEFAULTS;
  }

  /**
   * The default decoder, or the same one feeding images as stored ({@link
   * Builder#applyOrientation(boolean)}).
   *
   * @param applyOrientation whether images are turned upright by their EXIF orientation
   * @return a shared decoder
   */
  public static ImageDecoder defaults(boolean applyOrientation) {
    return applyOrientation ? DEFAULTS : AS_STORED;
  }

  /**
   * The default decoder with the orientation setting an embedder's description records: images
   * turned upright when it says so ({@value #ORIENTATION_KEY}), as stored otherwise (every
   * description written before the SDK read orientations). For rebuilding the embedder that
   * made stored vectors.
   *
   * @param description how the vectors were made
   * @return a shared decoder
   */
  public static ImageDecoder matching(io.github.embeddings4j.api.EmbedderDescription
      description) {
    return defaults(description.extra().containsKey(ORIENTATION_KEY));
  }

  /**
   * Starts a decoder with other limits.
   *
   * @return a builder with the defaults
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The pixel-count limit.
   *
   * @return the largest width times height accepted
   */
  public long maxPixels() {
    return maxPixels;
  }

  /**
   * Whether images are turned upright by their EXIF orientation ({@link
   * Builder#applyOrientation(boolean)}).
   *
   * @return {@code true} unless switched off
   */
  public boolean appliesOrientation() {
    return applyOrientation;
  }

  /**
   * Adds to an embedder's description whether its images are turned upright: the key {@value
   * #ORIENTATION_KEY} with the value {@code exif} when they are, nothing when they are not (as
   * descriptions written before the SDK read orientations), so that vectors of the two kinds are
   * not mixed in one set or compared in one search.
   *
   * @param description the rest of the description
   * @return the same builder
   */
  public io.github.embeddings4j.api.EmbedderDescription.Builder describe(
      io.github.embeddings4j.api.EmbedderDescription.Builder description) {
    return applyOrientation ? description.extra(ORIENTATION_KEY, "exif") : description;
  }

  /**
   * Decodes and validates one image.
   *
   * @param source the image
   * @return an 8-bit RGB image, alpha composited on white
   * @throws EmbeddingException if the input cannot be read, is not an image, is damaged or is too
   *     large; the message names the input
   */
  public BufferedImage decode(ImageSource source) throws EmbeddingException {
    String name = source.name();
    if (source instanceof ImageSource.DecodedSource decoded) {
      BufferedImage image = decoded.image();
      checkSize(name, image.getWidth(), image.getHeight());
      return toRgb(image);
    }
    Opened opened = open(source);
    try (ImageInputStream in = opened.stream()) {
      return read(name, in, opened.length());
    } catch (NoSuchFileException e) {
      throw new EmbeddingException(name, noSuchFile(source), e);
    } catch (IIOException e) {
      throw new EmbeddingException(name, "cannot read: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new EmbeddingException(name, "cannot read: "
          + io.github.embeddings4j.core.io.IoErrors.reason(e), e);
    } catch (RuntimeException e) {
      throw new EmbeddingException(name, "cannot read: " + e, e);
    }
  }

  /** "no such file", or what a dangling symbolic link is. */
  private static String noSuchFile(ImageSource source) {
    if (source instanceof ImageSource.FileSource f && Files.isSymbolicLink(f.path())) {
      return "a dangling symbolic link (its target does not exist)";
    }
    return "no such file";
  }

  /** An open input and its length in bytes. */
  private record Opened(ImageInputStream stream, long length) {}

  private Opened open(ImageSource source) throws EmbeddingException {
    try {
      return openStream(source);
    } catch (NoSuchFileException e) {
      throw new EmbeddingException(source.name(), noSuchFile(source), e);
    } catch (IOException e) {
      throw new EmbeddingException(source.name(), "cannot read: "
          + io.github.embeddings4j.core.io.IoErrors.reason(e), e);
    } catch (RuntimeException e) {
      throw new EmbeddingException(source.name(), "cannot read: " + e, e);
    }
  }

  private Opened openStream(ImageSource source) throws IOException, EmbeddingException {
    String name = source.name();
    if (source instanceof ImageSource.FileSource file) {
      Path path = file.path();
      java.nio.file.attribute.BasicFileAttributes attrs = Files.readAttributes(path,
          java.nio.file.attribute.BasicFileAttributes.class);
      if (attrs.isDirectory()) {
        throw new EmbeddingException(name, "a folder, not an image file", null);
      }
      if (!attrs.isRegularFile()) {
        // Opening a FIFO would wait for a writer forever.
        throw new EmbeddingException(name, "not a regular file (a FIFO, socket or device)", null);
      }
      long length = attrs.size();
      checkBytes(name, length);
      if (length == 0) {
        throw new EmbeddingException(name, "empty file (0 bytes), not an image", null);
      }
      // Opened through the Path, which keeps the name's bytes: File (and so
      // FileImageInputStream) goes through a String and the locale's charset, which loses
      // bytes that are not UTF-8, and every non-ASCII byte when no locale is set.
      return new Opened(new ChannelImageInputStream(java.nio.channels.FileChannel.open(path,
          java.nio.file.StandardOpenOption.READ)), length);
    }
    if (source instanceof ImageSource.BytesSource bytes) {
      checkBytes(name, bytes.length());
      if (bytes.length() == 0) {
        throw new EmbeddingException(name, "empty input (0 bytes), not an image", null);
      }
      // Read in place (ImageIO's default stream over an InputStream caches it in a file).
      return new Opened(new ByteArrayImageInputStream(bytes.bytes()), bytes.length());
    }
    // Streams are read whole (up to the byte limit) so that empty input is recognised.
    byte[] all;
    try (InputStream in = source.openStream()) {
      all = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
    }
    checkBytes(name, all.length);
    if (all.length == 0) {
      throw new EmbeddingException(name, "empty input (0 bytes), not an image", null);
    }
    return new Opened(new ByteArrayImageInputStream(all), all.length);
  }

  private BufferedImage read(String name, ImageInputStream in, long length)
      throws IOException, EmbeddingException {
    Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
    if (!readers.hasNext()) {
      in.seek(0);
      byte[] head = new byte[12];
      int n = Math.max(0, in.read(head));
      String known = unreadableFormat(head, n);
      if (known != null) {
        throw new EmbeddingException(name, known, null);
      }
      n = Math.min(n, 8);
      StringBuilder hex = new StringBuilder();
      for (int i = 0; i < n; i++) {
        hex.append(String.format("%02x", head[i] & 0xff));
      }
      throw new EmbeddingException(name,
          "not an image in a format this JVM reads (first bytes: " + hex + ")", null);
    }
    ImageReader reader = readers.next();
    List<String> warnings = new ArrayList<>();
    try {
      // Read before the reader is given the stream: it may discard what it has passed.
      int orientation = applyOrientation ? Orientation.read(in, reader.getFormatName()) : 1;
      // PNG text chunks (zTXt, iTXt) are inflated whole when metadata is read: a 260 kB file
      // made the JDK's reader allocate 800 MB. Nothing here needs PNG metadata (palette and
      // transparency are read either way), so it is skipped; JPEG keeps it for the Adobe marker.
      reader.setInput(in, true, reader.getFormatName().equalsIgnoreCase("png"));
      reader.addIIOReadWarningListener(new Warnings(warnings));
      String format = reader.getFormatName();
      if (format.equalsIgnoreCase("bmp")) {
        checkBmpOffset(name, in, length);
      }
      int width;
      int height;
      try {
        width = reader.getWidth(0);
        height = reader.getHeight(0);
      } catch (IOException | RuntimeException e) {
        throw new EmbeddingException(name, "damaged " + format + " header: " + e.getMessage(), e);
      }
      checkSize(name, width, height);
      if (format.equalsIgnoreCase("jpeg") && isFourChannelJpeg(reader)) {
        // JDK 17 decodes CMYK JPEGs itself, but ignores Adobe's inverted convention and its
        // conversion is far off; the raw samples are converted here instead.
        return Orientation.apply(readCmykJpeg(name, reader), orientation);
      }
      BufferedImage image;
      try {
        image = reader.read(0);
      } catch (IIOException e) {
        if (format.equalsIgnoreCase("jpeg") && isUnsupportedColourJpeg(e)) {
          return Orientation.apply(readCmykJpeg(name, reader), orientation);
        }
        throw new EmbeddingException(name, "damaged " + format + " data: " + e.getMessage(), e);
      } catch (IOException | RuntimeException e) {
        throw new EmbeddingException(name, "damaged " + format + " data: " + e, e);
      }
      if (format.equalsIgnoreCase("jpeg")
          && image.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_CMYK) {
        // Decoded by the JDK itself (no raw type announced): convert its samples our way.
        return Orientation.apply(readCmykJpeg(name, reader), orientation);
      }
      for (String w : warnings) {
        // libjpeg reports a truncated file as a warning and fills the rest with grey.
        String lower = w.toLowerCase(java.util.Locale.ROOT);
        if (lower.contains("truncated") || lower.contains("premature end")) {
          throw new EmbeddingException(name, "truncated " + format + " data (" + w + ")", null);
        }
      }
      return Orientation.apply(toRgb(image), orientation);
    } finally {
      reader.dispose();
    }
  }

  /**
   * What to say about a file in a common image format that no Java decoder here reads (HEIC,
   * AVIF, JPEG XL), recognised by its first bytes; null for anything else.
   */
  static String unreadableFormat(byte[] head, int n) {
    if (n >= 12 && head[4] == 'f' && head[5] == 't' && head[6] == 'y' && head[7] == 'p') {
      String brand = new String(head, 8, 4, java.nio.charset.StandardCharsets.US_ASCII);
      switch (brand) {
        case "heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1" -> {
          return "a HEIC/HEIF image (the iPhone's default format), which has no decoder in"
              + " Java: convert it first, e.g. heif-convert IMG.heic IMG.jpg (libheif), or set"
              + " the camera to save JPEG";
        }
        case "avif", "avis" -> {
          return "an AVIF image, which has no decoder in Java: convert it first, e.g. avifdec"
              + " IMG.avif IMG.png (libavif)";
        }
        default -> {
          return null;
        }
      }
    }
    boolean jxlCodestream = n >= 2 && (head[0] & 0xff) == 0xFF && (head[1] & 0xff) == 0x0A;
    boolean jxlContainer = n >= 12 && head[0] == 0 && head[1] == 0 && head[2] == 0
        && head[3] == 0x0C && head[4] == 'J' && head[5] == 'X' && head[6] == 'L'
        && head[7] == ' ';
    if (jxlCodestream || jxlContainer) {
      return "a JPEG XL image, which has no decoder in Java: convert it first, e.g. djxl"
          + " IMG.jxl IMG.png (libjxl)";
    }
    return null;
  }

  /**
   * The JDK's BMP reader sizes the colour table from the header's pixel-data offset before it
   * reads anything else, so a 1 kB file declaring an offset of 2 GB allocates 2 GB: an offset
   * beyond the end of the input is refused here first.
   */
  private static void checkBmpOffset(String name, ImageInputStream in, long length)
      throws IOException, EmbeddingException {
    if (length < 14) {
      throw new EmbeddingException(name, "truncated BMP header: " + length + " bytes", null);
    }
    long mark = in.getStreamPosition();
    in.seek(10);
    byte[] b = new byte[4];
    in.readFully(b);
    in.seek(mark);
    long offset = (b[0] & 0xffL) | (b[1] & 0xffL) << 8 | (b[2] & 0xffL) << 16
        | (b[3] & 0xffL) << 24;
    if (offset > length) {
      throw new EmbeddingException(name, "damaged BMP header: pixel data at byte " + offset
          + " of a " + length + "-byte input", null);
    }
  }

  private static boolean isFourChannelJpeg(ImageReader reader) {
    try {
      javax.imageio.ImageTypeSpecifier raw = reader.getRawImageType(0);
      return raw != null && raw.getNumBands() == 4 && !raw.getColorModel().hasAlpha();
    } catch (IOException | RuntimeException e) {
      // A reader that cannot say: the normal path will report what is wrong.
      return false;
    }
  }

  private static boolean isUnsupportedColourJpeg(IIOException e) {
    String m = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
    return m.contains("unsupported image type") || m.contains("unsupported color conversion");
  }

  /** CMYK or YCCK JPEG: decode the raw four-channel raster and convert it here. */
  private BufferedImage readCmykJpeg(String name, ImageReader reader)
      throws EmbeddingException {
    Raster raster;
    int adobeTransform;
    try {
      raster = reader.readRaster(0, null);
      adobeTransform = adobeTransform(reader.getImageMetadata(0));
    } catch (IOException | RuntimeException e) {
      throw new EmbeddingException(name, "damaged JPEG data: " + e.getMessage(), e);
    }
    if (raster.getNumBands() != 4) {
      throw new EmbeddingException(name, "JPEG with " + raster.getNumBands()
          + " colour channels in an unsupported colour space", null);
    }
    int w = raster.getWidth();
    int h = raster.getHeight();
    BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    int[] dst = ((DataBufferInt) out.getRaster().getDataBuffer()).getData();
    int[] px = new int[4 * w];
    for (int y = 0; y < h; y++) {
      raster.getPixels(raster.getMinX(), raster.getMinY() + y, w, 1, px);
      for (int x = 0; x < w; x++) {
        float c0 = px[4 * x];
        float c1 = px[4 * x + 1];
        float c2 = px[4 * x + 2];
        float k = px[4 * x + 3];
        float r;
        float g;
        float b;
        if (adobeTransform == 2) {
          // YCCK: YCbCr -> "RGB" that is the inverted C, M, Y; K stored inverted (Adobe).
          float y0 = c0;
          float cb = c1 - 128f;
          float cr = c2 - 128f;
          r = clamp(y0 + 1.402f * cr) * k / 255f;
          g = clamp(y0 - 0.344136f * cb - 0.714136f * cr) * k / 255f;
          b = clamp(y0 + 1.772f * cb) * k / 255f;
        } else if (adobeTransform == 0) {
          // Adobe CMYK: samples stored inverted (255 = no ink).
          r = c0 * k / 255f;
          g = c1 * k / 255f;
          b = c2 * k / 255f;
        } else {
          // Plain CMYK, no Adobe marker: 255 = full ink.
          r = (255f - c0) * (255f - k) / 255f;
          g = (255f - c1) * (255f - k) / 255f;
          b = (255f - c2) * (255f - k) / 255f;
        }
        dst[y * w + x] = (round(r) << 16) | (round(g) << 8) | round(b);
      }
    }
    return out;
  }

  /** The Adobe APP14 colour transform (0 CMYK, 1 YCbCr, 2 YCCK), or -1 without the marker. */
  static int adobeTransform(IIOMetadata metadata) {
    if (metadata == null) {
      return -1;
    }
    Node root = metadata.getAsTree("javax_imageio_jpeg_image_1.0");
    NodeList adobe = ((org.w3c.dom.Element) root).getElementsByTagName("app14Adobe");
    if (adobe.getLength() == 0) {
      return -1;
    }
    Node t = adobe.item(0).getAttributes().getNamedItem("transform");
    return t == null ? -1 : Integer.parseInt(t.getNodeValue());
  }

  private static float clamp(float v) {
    return Math.max(0f, Math.min(255f, v));
  }

  private static int round(float v) {
    return Math.max(0, Math.min(255, Math.round(v)));
  }

  private void checkSize(String name, long width, long height) throws EmbeddingException {
    if (width <= 0 || height <= 0) {
      throw new EmbeddingException(name, "image has no pixels: " + width + " x " + height, null);
    }
    if (width * height > maxPixels) {
      throw new EmbeddingException(name, "image is " + width + " x " + height + " = "
          + width * height + " pixels, over the limit of " + maxPixels
          + " (ImageDecoder.Builder.maxPixels); refused before decoding", null);
    }
  }

  private void checkBytes(String name, long length) throws EmbeddingException {
    if (length > maxBytes) {
      throw new EmbeddingException(name, "input is over " + maxBytes
          + " bytes (ImageDecoder.Builder.maxBytes)", null);
    }
  }

  /**
   * Converts any decoded image to 8-bit RGB, compositing alpha onto white.
   *
   * @param image the decoded image
   * @return a {@link BufferedImage#TYPE_INT_RGB} image of the same size
   */
  static BufferedImage toRgb(BufferedImage image) {
    BufferedImage out = new BufferedImage(image.getWidth(), image.getHeight(),
        BufferedImage.TYPE_INT_RGB);
    int[] dst = ((DataBufferInt) out.getRaster().getDataBuffer()).getData();
    if (!RgbSamples.copy(image, dst)) {
      convert(image, dst);
    }
    return out;
  }

  /**
   * {@link #toRgb}'s conversion for every layout, through the colour model ({@code getRGB}); the
   * common layouts take {@link RgbSamples}' direct path, which gives the same values.
   */
  static void convert(BufferedImage image, int[] dst) {
    int w = image.getWidth();
    int h = image.getHeight();
    ColorModel cm = image.getColorModel();
    if (cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY
        && !(cm instanceof java.awt.image.IndexColorModel)) {
      // Gray samples are shown as they are stored (display-encoded), not through Java's
      // linear gray colour space.
      Raster raster = image.getRaster();
      boolean alpha = cm.hasAlpha();
      double grayMax = (1L << cm.getComponentSize(0)) - 1;
      double alphaMax = alpha ? (1L << cm.getComponentSize(1)) - 1 : 1;
      int bands = raster.getNumBands();
      int[] px = new int[bands * w];
      for (int y = 0; y < h; y++) {
        raster.getPixels(raster.getMinX(), raster.getMinY() + y, w, 1, px);
        for (int x = 0; x < w; x++) {
          double v = px[bands * x] * 255.0 / grayMax;
          if (alpha) {
            double a = px[bands * x + 1] / alphaMax;
            v = v * a + 255.0 * (1 - a);
          }
          int g = (int) Math.round(Math.max(0, Math.min(255, v)));
          dst[y * w + x] = (g << 16) | (g << 8) | g;
        }
      }
      return;
    }
    int[] row = new int[w];
    boolean alpha = cm.hasAlpha();
    for (int y = 0; y < h; y++) {
      image.getRGB(0, y, w, 1, row, 0, w);
      if (!alpha) {
        for (int x = 0; x < w; x++) {
          dst[y * w + x] = row[x] & 0xffffff;
        }
        continue;
      }
      for (int x = 0; x < w; x++) {
        dst[y * w + x] = overWhite(row[x]);
      }
    }
  }

  /** A non-premultiplied ARGB pixel over white, c*a + 255*(1-a), in integer arithmetic. */
  static int overWhite(int argb) {
    int a = argb >>> 24;
    int inv = 255 - a;
    int r = (((argb >> 16) & 0xff) * a + 255 * inv + 127) / 255;
    int g = (((argb >> 8) & 0xff) * a + 255 * inv + 127) / 255;
    int b = ((argb & 0xff) * a + 255 * inv + 127) / 255;
    return (r << 16) | (g << 8) | b;
  }

  /** Collects the reader's warnings. */
  private record Warnings(List<String> into) implements IIOReadWarningListener {
    @Override
    public void warningOccurred(ImageReader source, String warning) {
      into.add(warning);
    }
  }

  /** Limits for an {@link ImageDecoder}. Not thread-safe; {@link #build()} copies them. */
  public static final class Builder {
    private long maxPixels = DEFAULT_MAX_PIXELS;
    private long maxBytes = DEFAULT_MAX_BYTES;
    private boolean applyOrientation = true;

    private Builder() {}

    /**
     * Whether to turn each image upright by the orientation its EXIF data records (a JPEG's APP1
     * segment, a TIFF's first directory, a WebP's or PNG's EXIF chunk), as viewers, browsers and
     * Hugging Face's {@code load_image} do; default {@code true}. Switch it off to feed the pixels
     * as stored, as PIL's {@code Image.open} and torchvision's readers do by default: for
     * vectors that must match a Python pipeline that never calls {@code
     * ImageOps.exif_transpose}. Images without an orientation tag decode the same either way.
     *
     * @param apply {@code false} to keep images as stored
     * @return this builder
     */
    public Builder applyOrientation(boolean apply) {
      this.applyOrientation = apply;
      return this;
    }

    /**
     * The largest width times height accepted, checked from the header before decoding.
     *
     * @param pixels at least 1
     * @return this builder
     */
    public Builder maxPixels(long pixels) {
      if (pixels < 1) {
        throw new IllegalArgumentException("maxPixels must be positive: " + pixels);
      }
      this.maxPixels = pixels;
      return this;
    }

    /**
     * The largest encoded input accepted, in bytes.
     *
     * @param bytes at least 1
     * @return this builder
     */
    public Builder maxBytes(long bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("maxBytes must be positive: " + bytes);
      }
      this.maxBytes = bytes;
      return this;
    }

    /**
     * Builds the decoder.
     *
     * @return an immutable decoder
     */
    public ImageDecoder build() {
      return new ImageDecoder(this);
    }
  }
}
