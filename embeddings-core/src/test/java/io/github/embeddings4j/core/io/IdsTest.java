package io.github.embeddings4j.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ids keep file names' bytes, and their ids-file lines round-trip. */
class IdsTest {

  @TempDir Path dir;

  /** A path whose last name holds raw bytes, made through a URI (which keeps them). */
  static Path withBytes(Path folder, String escapedName) {
    String base = folder.toAbsolutePath().toUri().getRawPath();
    return Path.of(URI.create("file://" + (base.endsWith("/") ? base : base + "/")
        + escapedName));
  }

  @Test
  void namesThatAreNotUtf8GetDistinctIdsThatFindTheirFilesAgain() throws IOException {
    Path sub = Files.createDirectories(dir.resolve("sub"));
    Path ff = withBytes(sub, "a%FF.png");
    Path fe = withBytes(sub, "a%FE.png");
    Files.write(ff, new byte[] {1});
    Files.write(fe, new byte[] {2});
    String idFf = Ids.relative(dir, ff);
    String idFe = Ids.relative(dir, fe);
    assertEquals("sub/a\uDCFF.png", idFf);
    assertNotEquals(idFf, idFe, "two names, two ids (toString() may give both as a?.png)");
    assertEquals(List.of((byte) 1), List.of(Files.readAllBytes(Ids.resolve(dir, idFf))[0]));
    assertEquals(2, Files.readAllBytes(Ids.resolve(dir, idFe))[0]);
    assertEquals("sub/a%FF.png", Ids.encode(idFf));
    assertEquals("sub/a%FF.png", Ids.display(idFf));
  }

  @Test
  void linesRoundTripAndPlainNamesStayReadable() {
    for (String id : List.of("plain.png", "café/日本.jpg", "50% off.png", "new\nline",
        "x\uDC80\uDCFF", "tab\tand\u007f", "%41", "")) {
      assertEquals(id, Ids.decode(Ids.encode(id)), id);
      assertTrue(Ids.encode(id).indexOf('\n') < 0);
    }
    assertEquals("café/日本.jpg", Ids.encode("café/日本.jpg"));
    assertEquals("50%25 off.png", Ids.encode("50% off.png"));
    assertEquals("%2541", Ids.encode("%41"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Ids.decode("bad%4"));
    assertTrue(e.getMessage().contains("bad%4"), e.getMessage());
  }

  @Test
  void aPathGivenAsItIsKeepsItsBytesToo() throws IOException {
    Path f = withBytes(dir, "caf%C3%A9.png");
    Files.write(f, new byte[] {3});
    assertTrue(Ids.of(f).endsWith("/café.png"), Ids.of(f));
    assertTrue(Ids.of(Path.of("rel/x.png")).equals("rel/x.png"));
  }
}
