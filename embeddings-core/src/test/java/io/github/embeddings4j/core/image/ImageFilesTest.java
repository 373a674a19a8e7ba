package io.github.embeddings4j.core.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFilesTest {

  @Test
  void listsImageFilesRecursivelyInPathOrder(@TempDir Path dir) throws Exception {
    Files.createDirectories(dir.resolve("z/y"));
    for (String f : new String[] {"b.PNG", "a.jpeg", "z/y/c.gif", "z/readme.md", "z/d.bmp",
        "e.jpg.txt", "noext"}) {
      Files.writeString(dir.resolve(f), "x");
    }
    assertEquals(List.of(dir.resolve("a.jpeg"), dir.resolve("b.PNG"), dir.resolve("z/d.bmp"),
        dir.resolve("z/y/c.gif")), ImageFiles.list(dir));
  }

  @Test
  void aFileIsNotAFolder(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("a.png"), "x");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ImageFiles.list(file));
    assertEquals("not a folder: " + file, e.getMessage());
  }
}
