package io.github.embeddings4j.core.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.EmbeddingException;
import io.github.embeddings4j.api.ImageSource;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every entry of a folder walk named like an image is either listed or reported with its
 * reason, and image files are opened through their Path, bytes and all.
 */
class ImageFilesWalkTest {

  @TempDir Path dir;

  static void png(Path file) throws IOException {
    BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
    img.setRGB(3, 3, 0xff0000);
    try (var out = Files.newOutputStream(file)) {
      ImageIO.write(img, "png", out);
    }
  }

  static int sh(Path cwd, String script) throws Exception {
    return new ProcessBuilder("bash", "-c", script).directory(cwd.toFile()).inheritIO().start()
        .waitFor();
  }

  @Test
  void danglingLinksLoopsFifosAndUnlistableFoldersAreReportedAndTheRestListed()
      throws Exception {
    png(dir.resolve("good.png"));
    Files.createDirectories(dir.resolve("sub"));
    png(dir.resolve("sub/also.png"));
    Files.createSymbolicLink(dir.resolve("linked.png"), dir.resolve("good.png"));
    Files.createSymbolicLink(dir.resolve("dangling.png"), dir.resolve("gone.png"));
    Files.createSymbolicLink(dir.resolve("loop1.png"), dir.resolve("loop2.png"));
    Files.createSymbolicLink(dir.resolve("loop2.png"), dir.resolve("loop1.png"));
    Files.createSymbolicLink(dir.resolve("notes.txt"), dir.resolve("gone.txt"));
    assertEquals(0, sh(dir, "mkfifo pipe.png"));
    // A folder that cannot be listed, even by root: its path exceeds PATH_MAX (4096 bytes),
    // reached with relative steps that the walk (absolute paths) cannot take.
    String name = "d".repeat(250);
    assertEquals(0, sh(dir, "mkdir deep && cd deep && for i in $(seq 18); do mkdir " + name
        + " && cd " + name + "; done"));
    try {
      ImageFiles.Listing listing = ImageFiles.walk(dir);
      assertEquals(List.of(dir.resolve("good.png"), dir.resolve("linked.png"),
          dir.resolve("sub/also.png")), listing.files());
      List<String> problems = listing.problems().stream()
          .map(p -> dir.relativize(p.path()).toString().replace(name, "D") + ": " + p.reason())
          .collect(Collectors.toList());
      assertEquals(5, problems.size(), problems.toString());
      assertEquals("dangling.png: a dangling symbolic link (its target does not exist)",
          problems.get(0));
      assertTrue(problems.get(1).startsWith("deep/D/D/"), problems.get(1));
      assertTrue(problems.get(1).endsWith(": file name too long"),
          problems.get(1));
      assertTrue(problems.get(2).startsWith("loop1.png: cannot follow the symbolic link: "),
          problems.get(2));
      assertTrue(problems.get(3).startsWith("loop2.png: "), problems.get(3));
      assertEquals("pipe.png: not a regular file (a FIFO, socket or device)", problems.get(4));
    } finally {
      sh(dir, "rm -rf deep");
    }
  }

  @Test
  void aFileWhoseNameIsNotUtf8IsDecodedThroughItsPath() throws Exception {
    String base = dir.toAbsolutePath().toUri().getRawPath();
    Path odd = Path.of(URI.create("file://" + base + (base.endsWith("/") ? "" : "/")
        + "caf%E9-latin1.png"));
    png(odd);
    BufferedImage img = ImageDecoder.defaults().decode(ImageSource.of(odd));
    assertEquals(0xff0000, img.getRGB(3, 3) & 0xffffff);
    assertEquals(List.of(odd), ImageFiles.walk(dir).files());
  }

  @Test
  void aFifoOrAFolderGivenAsAnImageFailsAtOnceWithTheReason() throws Exception {
    assertEquals(0, sh(dir, "mkfifo f.png"));
    EmbeddingException e = org.junit.jupiter.api.Assertions.assertThrows(
        EmbeddingException.class, () -> ImageDecoder.defaults().decode(
            ImageSource.of(dir.resolve("f.png"))));
    assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
    e = org.junit.jupiter.api.Assertions.assertThrows(EmbeddingException.class,
        () -> ImageDecoder.defaults().decode(ImageSource.of(dir)));
    assertTrue(e.getMessage().contains("a folder, not an image file"), e.getMessage());
  }
}
