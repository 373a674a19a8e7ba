package io.github.embeddings4j.benchmarks;

import io.github.embeddings4j.core.data.FashionMnist;
import io.github.embeddings4j.core.data.LabeledImages;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Writes Fashion-MNIST as a photo-like dataset: one folder per class ({@code
 * <label>-<name>/<index>.png}), each image an RGB PNG (the grey value in all three channels)
 * scaled up bilinearly to {@code size x size}: the input of the zoo-CNN transfer experiment (E7)
 * and of {@code embeddings4j finetune --model}.
 *
 * <pre>
 * java -cp ... io.github.embeddings4j.benchmarks.FashionMnistFolders --out /tmp/fm-old \
 *     --classes 0,1,2,3,4 --split train --per-class 2000 --size 56 --seed 42
 * </pre>
 *
 * <p>Options: {@code --out} (required), {@code --classes} [0..9], {@code --split} [train|test],
 * {@code --per-class} [all], a seeded sample otherwise; {@code --size} [56]; {@code --seed}
 * [42].
 */
public final class FashionMnistFolders {

  private FashionMnistFolders() {}

  /**
   * Writes the folders.
   *
   * @param args {@code --name value} pairs
   * @throws IOException if Fashion-MNIST is missing or a file cannot be written
   */
  public static void main(String[] args) throws IOException {
    Map<String, String> o = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      o.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    if (!o.containsKey("out")) {
      throw new IllegalArgumentException("--out DIR is required");
    }
    String[] parts = o.getOrDefault("classes", "0,1,2,3,4,5,6,7,8,9").split(",");
    int[] classes = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      classes[i] = Integer.parseInt(parts[i].trim());
    }
    FashionMnist.Split data = FashionMnist.load(FashionMnist.defaultDirectory());
    LabeledImages images = o.getOrDefault("split", "train").equals("test") ? data.test()
        : data.train();
    int perClass = Integer.parseInt(o.getOrDefault("per-class", "0"));
    int n = write(images, classes, perClass, Integer.parseInt(o.getOrDefault("size", "56")),
        Long.parseLong(o.getOrDefault("seed", "42")), Path.of(o.get("out")));
    System.err.println("wrote " + n + " images to " + o.get("out"));
  }

  /**
   * Writes some classes of a set as class folders.
   *
   * @param images the images (original labels)
   * @param classes the labels to write
   * @param perClass images per class (a seeded sample), or 0 for all
   * @param size the side of the written images
   * @param seed the seed of the sample
   * @param out the dataset folder
   * @return the images written
   * @throws IOException if a file cannot be written
   */
  static int write(LabeledImages images, int[] classes, int perClass, int size, long seed,
      Path out) throws IOException {
    LabeledImages chosen = images.selectClasses(classes);
    if (perClass > 0) {
      chosen = chosen.samplePerClass(perClass, seed);
    }
    Path[] dirs = new Path[classes.length];
    for (int j = 0; j < classes.length; j++) {
      dirs[j] = Files.createDirectories(out.resolve(folderName(classes[j])));
    }
    for (int i = 0; i < chosen.size(); i++) {
      BufferedImage gray = new BufferedImage(chosen.width(), chosen.height(),
          BufferedImage.TYPE_INT_RGB);
      for (int y = 0; y < chosen.height(); y++) {
        for (int x = 0; x < chosen.width(); x++) {
          int v = chosen.pixel(i, y, x);
          gray.setRGB(x, y, (v << 16) | (v << 8) | v);
        }
      }
      BufferedImage big = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
      Graphics2D g = big.createGraphics();
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION,
          RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.drawImage(gray, 0, 0, size, size, null);
      g.dispose();
      ImageIO.write(big, "png", dirs[chosen.label(i)].resolve(String.format(Locale.ROOT,
          "%05d.png", i)).toFile());
    }
    return chosen.size();
  }

  /** {@code 5-sandal}: sorts in label order, says what the class is. */
  static String folderName(int label) {
    return label + "-" + FashionMnist.CLASS_NAMES.get(label).toLowerCase(Locale.ROOT)
        .replaceAll("[^a-z0-9]+", "-");
  }
}
