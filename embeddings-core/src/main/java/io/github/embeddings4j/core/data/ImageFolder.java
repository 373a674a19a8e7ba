package io.github.embeddings4j.core.data;

import io.github.embeddings4j.core.image.ImageFiles;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * A labelled image dataset laid out one folder per class: {@code root/<class>/<image>}. Classes
 * are the sub-folders, sorted by name, labelled {@code 0, 1, ...} in that order; images are the
 * files with the endings the rest of the SDK reads ({@link ImageFiles#EXTENSIONS}: {@code .png},
 * {@code .jpg}, {@code .jpeg}, {@code .bmp}, {@code .gif}, {@code .wbmp}, {@code .tif}, {@code
 * .tiff}, any case), sorted by name. Hidden files and folders are skipped. Immutable.
 *
 * <pre>{@code
 * ImageFolder all = ImageFolder.scan(Path.of("photos"));
 * ImageFolder.Splits s = all.split(0.8, 0.1, 0.1, 42);
 * LabeledImages train = s.train().loadGrayscale(28, 28);
 * }</pre>
 */
public final class ImageFolder {

  /** The file name endings read as images (lower case): the same as {@code embed}'s. */
  public static final Set<String> EXTENSIONS = ImageFiles.EXTENSIONS;

  private final Path root;
  private final List<String> classNames;
  private final List<Entry> entries;

  /**
   * One image file and its class.
   *
   * @param file the image file
   * @param label the class, an index into {@link #classNames()}
   */
  public record Entry(Path file, int label) {
    /**
     * Checks the values.
     *
     * @param file the image file, not null
     * @param label the class, at least 0
     */
    public Entry {
      Objects.requireNonNull(file, "file");
      if (label < 0) {
        throw new IllegalArgumentException("label must be >= 0: " + label + " for " + file);
      }
    }
  }

  /**
   * A training, validation and test part of one dataset.
   *
   * @param train the images to train on
   * @param validation the images for early stopping and tuning
   * @param test the images for the final score
   */
  public record Splits(ImageFolder train, ImageFolder validation, ImageFolder test) {}

  private ImageFolder(Path root, List<String> classNames, List<Entry> entries) {
    this.root = root;
    this.classNames = List.copyOf(classNames);
    this.entries = List.copyOf(entries);
  }

  /**
   * Lists the classes and images under a folder. Images are not opened yet.
   *
   * @param root the dataset folder, holding one sub-folder per class
   * @return the dataset
   * @throws NoSuchFileException if {@code root} does not exist
   * @throws NotDirectoryException if it is not a folder
   * @throws IOException if it holds no class folder, a class folder holds no image (the message
   *     names them), or listing fails
   */
  public static ImageFolder scan(Path root) throws IOException {
    if (!Files.exists(root)) {
      throw new NoSuchFileException(root.toString(), null, "image folder does not exist");
    }
    if (!Files.isDirectory(root)) {
      throw new NotDirectoryException(root.toString());
    }
    List<Path> classDirs;
    try (Stream<Path> s = Files.list(root)) {
      classDirs = s.filter(Files::isDirectory).filter(p -> !hidden(p)).sorted().toList();
    }
    if (classDirs.isEmpty()) {
      throw new IOException(root + ": no class folders; expected " + root
          + "/<class>/<image> with one sub-folder per class");
    }
    List<String> names = new ArrayList<>();
    List<Entry> entries = new ArrayList<>();
    for (Path dir : classDirs) {
      int label = names.size();
      names.add(dir.getFileName().toString());
      List<Path> files;
      try (Stream<Path> s = Files.list(dir)) {
        files = s.filter(Files::isRegularFile).filter(p -> !hidden(p))
            .filter(ImageFolder::isImageName).sorted().toList();
      }
      if (files.isEmpty()) {
        throw new IOException(dir + ": class folder holds no images (looked for "
            + EXTENSIONS.stream().sorted().toList() + ")");
      }
      for (Path f : files) {
        entries.add(new Entry(f, label));
      }
    }
    return new ImageFolder(root, names, entries);
  }

  private static boolean hidden(Path p) {
    return p.getFileName().toString().startsWith(".");
  }

  private static boolean isImageName(Path p) {
    String name = p.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return dot > 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
  }

  /**
   * The dataset folder.
   *
   * @return the root given to {@link #scan(Path)}
   */
  public Path root() {
    return root;
  }

  /**
   * The class names, by label: the sub-folder names, sorted.
   *
   * @return an unmodifiable list
   */
  public List<String> classNames() {
    return classNames;
  }

  /**
   * The images with their labels.
   *
   * @return an unmodifiable list
   */
  public List<Entry> entries() {
    return entries;
  }

  /**
   * The number of images.
   *
   * @return the count
   */
  public int size() {
    return entries.size();
  }

  /**
   * The labels, one per image, in {@link #entries()} order.
   *
   * @return a new array
   */
  public int[] labels() {
    return entries.stream().mapToInt(Entry::label).toArray();
  }

  /**
   * Cuts the dataset into seeded, stratified training, validation and test parts (see {@link
   * StratifiedSplit#split(int[], long, double...)}). Every part keeps all class names.
   *
   * @param train the training share
   * @param validation the validation share
   * @param test the test share
   * @param seed the seed of the split
   * @return the three parts
   * @throws IllegalArgumentException if the shares are negative or do not sum to 1
   */
  public Splits split(double train, double validation, double test, long seed) {
    int[][] parts = StratifiedSplit.split(labels(), seed, train, validation, test);
    return new Splits(part(parts[0]), part(parts[1]), part(parts[2]));
  }

  private ImageFolder part(int[] positions) {
    List<Entry> kept = new ArrayList<>(positions.length);
    for (int p : positions) {
      kept.add(entries.get(p));
    }
    return new ImageFolder(root, classNames, kept);
  }

  /**
   * Decodes every image to grayscale and resizes it (bilinear) to {@code height x width}: the
   * input of the small networks of {@code core.train}.
   *
   * @param height rows of each image
   * @param width columns of each image
   * @return the images and labels, in {@link #entries()} order
   * @throws IOException if an image cannot be read or decoded; the message names the file
   * @throws IllegalArgumentException if the size is not positive or there are over 256 classes
   */
  public LabeledImages loadGrayscale(int height, int width) throws IOException {
    if (height <= 0 || width <= 0) {
      throw new IllegalArgumentException("image size must be positive: " + height + "x" + width);
    }
    if (classNames.size() > 256) {
      throw new IllegalArgumentException(
          "LabeledImages holds at most 256 classes; this folder has " + classNames.size());
    }
    int n = height * width;
    byte[] pixels = new byte[entries.size() * n];
    byte[] labels = new byte[entries.size()];
    for (int i = 0; i < entries.size(); i++) {
      Entry e = entries.get(i);
      // Replaced on merge by the image package's decoder (size limits, colour spaces).
      BufferedImage src;
      try {
        src = ImageIO.read(e.file().toFile());
      } catch (IOException ex) {
        throw new IOException(e.file() + ": cannot read image: " + ex.getMessage(), ex);
      }
      if (src == null) {
        throw new IOException(e.file() + ": not a decodable image (no ImageIO reader)");
      }
      BufferedImage gray = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
      Graphics2D g = gray.createGraphics();
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION,
          RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.drawImage(src, 0, 0, width, height, null);
      g.dispose();
      byte[] row = (byte[]) gray.getRaster().getDataElements(0, 0, width, height, null);
      System.arraycopy(row, 0, pixels, i * n, n);
      labels[i] = (byte) e.label();
    }
    return new LabeledImages(height, width, pixels, labels);
  }

  @Override
  public String toString() {
    return "ImageFolder[" + root + ", " + entries.size() + " images, " + classNames.size()
        + " classes]";
  }
}
