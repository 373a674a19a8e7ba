package io.github.embeddings4j.core.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Finds and loads Fashion-MNIST: 60,000 training and 10,000 test images of clothing, 28x28
 * grayscale, in 10 classes. Its published benchmark (scikit-learn kNN on raw pixels about 0.86,
 * small CNNs 0.92 to 0.93) is the yardstick embeddings4j measures itself by.
 *
 * <p>The files are looked for in the folder named by the system property {@value
 * #DIRECTORY_PROPERTY}, else the environment variable {@value #DIRECTORY_ENV}, else {@value
 * #DEFAULT_DIRECTORY} (where Debian's package {@code dataset-fashion-mnist} puts them). Each file
 * may be plain or gzip-compressed ({@code .gz}).
 *
 * <pre>{@code
 * FashionMnist.Split data = FashionMnist.load(FashionMnist.defaultDirectory());
 * float[] first = data.train().vector(0);
 * }</pre>
 */
public final class FashionMnist {

  /** The system property naming the data folder. */
  public static final String DIRECTORY_PROPERTY = "embeddings4j.fashionMnist.dir";
  /** The environment variable naming the data folder. */
  public static final String DIRECTORY_ENV = "FASHION_MNIST_DIR";
  /** Where Debian's {@code dataset-fashion-mnist} installs the files. */
  public static final String DEFAULT_DIRECTORY = "/usr/share/datasets/fashion-mnist";

  /** The class names, by label. */
  public static final java.util.List<String> CLASS_NAMES = java.util.List.of(
      "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
      "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

  /**
   * The training and test sets.
   *
   * @param train the training images
   * @param test the test images
   */
  public record Split(LabeledImages train, LabeledImages test) {}

  private FashionMnist() {}

  /**
   * The folder to look in, from the property, the environment or the default.
   *
   * @return the data folder (which may not exist)
   */
  public static Path defaultDirectory() {
    String dir = System.getProperty(DIRECTORY_PROPERTY);
    if (dir == null || dir.isBlank()) {
      dir = System.getenv(DIRECTORY_ENV);
    }
    return Path.of(dir == null || dir.isBlank() ? DEFAULT_DIRECTORY : dir);
  }

  /**
   * Loads both sets from a folder holding the four IDX files under their usual names ({@code
   * train-images-idx3-ubyte}, {@code train-labels-idx1-ubyte}, {@code t10k-images-idx3-ubyte},
   * {@code t10k-labels-idx1-ubyte}, each optionally ending in {@code .gz}).
   *
   * @param directory the folder
   * @return the training and test sets
   * @throws NoSuchFileException if a file is missing; the message says how to get the data
   * @throws IOException if a file cannot be read or is malformed
   */
  public static Split load(Path directory) throws IOException {
    return new Split(
        LabeledImages.of(IdxFile.read(find(directory, "train-images-idx3-ubyte")),
            IdxFile.read(find(directory, "train-labels-idx1-ubyte"))),
        LabeledImages.of(IdxFile.read(find(directory, "t10k-images-idx3-ubyte")),
            IdxFile.read(find(directory, "t10k-labels-idx1-ubyte"))));
  }

  private static Path find(Path directory, String stem) throws NoSuchFileException {
    for (String name : new String[] {stem + ".gz", stem}) {
      Path p = directory.resolve(name);
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    throw new NoSuchFileException(directory.resolve(stem + ".gz").toString(), null,
        "Fashion-MNIST not found: install it with 'apt-get install dataset-fashion-mnist', or "
            + "point -D" + DIRECTORY_PROPERTY + " (or $" + DIRECTORY_ENV
            + ") at a folder holding the four IDX files");
  }
}
