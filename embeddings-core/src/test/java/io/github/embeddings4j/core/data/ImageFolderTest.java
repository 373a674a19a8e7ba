package io.github.embeddings4j.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderTest {

  private static void png(Path file, int gray) throws IOException {
    BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 8; y++) {
      for (int x = 0; x < 8; x++) {
        img.setRGB(x, y, (gray << 16) | (gray << 8) | gray);
      }
    }
    Files.createDirectories(file.getParent());
    ImageIO.write(img, "png", file.toFile());
  }

  @Test
  void classesAreSortedFoldersAndOnlyImagesCount(@TempDir Path root) throws IOException {
    for (int i = 0; i < 10; i++) {
      png(root.resolve("zebra/z" + i + ".PNG"), 200);
      png(root.resolve("ant/a" + i + ".png"), 50);
    }
    Files.writeString(root.resolve("ant/notes.txt"), "not an image");
    png(root.resolve(".hidden/x.png"), 0);
    ImageFolder f = ImageFolder.scan(root);
    assertEquals(List.of("ant", "zebra"), f.classNames());
    assertEquals(20, f.size());
    assertEquals(0, f.entries().get(0).label());
    assertEquals(root.resolve("ant/a0.png"), f.entries().get(0).file());

    ImageFolder.Splits s = f.split(0.6, 0.2, 0.2, 5);
    assertEquals(12, s.train().size());
    assertArrayEquals(new int[] {0, 0, 1, 1}, s.validation().labels());
    assertEquals(f.classNames(), s.test().classNames());

    LabeledImages img = s.test().loadGrayscale(4, 4);
    assertEquals(4, img.height());
    assertEquals(50, img.pixel(0, 2, 2));
    assertEquals(200, img.pixel(3, 1, 1));
  }

  @Test
  void emptyClassFolderIsNamed(@TempDir Path root) throws IOException {
    png(root.resolve("cat/c.png"), 1);
    Files.createDirectories(root.resolve("dog"));
    IOException e = assertThrows(IOException.class, () -> ImageFolder.scan(root));
    assertTrue(e.getMessage().contains("dog") && e.getMessage().contains("no images"),
        e.getMessage());
  }

  @Test
  void undecodableImageIsNamed(@TempDir Path root) throws IOException {
    png(root.resolve("cat/c.png"), 1);
    Files.createDirectories(root.resolve("dog"));
    Files.writeString(root.resolve("dog/broken.jpg"), "garbage");
    ImageFolder f = ImageFolder.scan(root);
    IOException e = assertThrows(IOException.class, () -> f.loadGrayscale(4, 4));
    assertTrue(e.getMessage().contains("broken.jpg"), e.getMessage());
  }
}
