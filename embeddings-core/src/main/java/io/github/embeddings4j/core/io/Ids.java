package io.github.embeddings4j.core.io;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Ids taken from file names, kept as the names' bytes, and their encoding in ids files.
 *
 * <p>A file name on Linux is a sequence of bytes, not always valid UTF-8, and Java decodes it
 * with the locale's charset ({@code C}/POSIX: ASCII), so {@link Path#toString()} can turn two
 * different names into the same string. An id here is the name decoded as UTF-8 where it is
 * valid, and each byte that is not as the lone surrogate {@code U+DC80 + (byte - 0x80)}, as
 * Python's {@code surrogateescape} does: one id per name, and back ({@link #resolve}).
 *
 * <p>In an ids file each id is one line: its UTF-8 bytes (surrogates back to the bytes they stand
 * for) with {@code %}, control characters and bytes that are not valid UTF-8 written as
 * {@code %XX}. NumPy users read it with
 * {@code [urllib.parse.unquote(l, errors="surrogateescape") for l in
 * open("x.ids.txt", encoding="utf-8", newline="\n").read().split("\n")[:-1]]}.
 */
public final class Ids {

  private Ids() {}

  /**
   * The id of a file found under a folder: its path relative to the folder, {@code /}-separated,
   * from the name's bytes.
   *
   * @param folder the folder that was walked
   * @param file a file under it
   * @return the id
   */
  public static String relative(Path folder, Path file) {
    byte[] base = bytes(folder);
    byte[] full = bytes(file);
    int n = base.length;
    if (n > 0 && base[n - 1] == '/') {
      n--;
    }
    boolean under = full.length > n + 1 && full[n] == '/';
    for (int i = 0; under && i < n; i++) {
      under = base[i] == full[i];
    }
    if (!under) {
      return fromBytes(bytes(folder.relativize(file)));
    }
    byte[] rel = java.util.Arrays.copyOfRange(full, n + 1, full.length);
    return fromBytes(rel);
  }

  /**
   * The id of a path as given (a file named on the command line), from its bytes.
   *
   * @param file the path
   * @return the id
   */
  public static String of(Path file) {
    return fromBytes(bytes(file));
  }

  /**
   * The file an id names under a folder, with the id's bytes (the inverse of {@link #relative}).
   *
   * @param folder the folder
   * @param id the id
   * @return the path
   */
  public static Path resolve(Path folder, String id) {
    if (!"file".equals(folder.getFileSystem().provider().getScheme())) {
      return folder.resolve(id);
    }
    String base = folder.toAbsolutePath().toUri().getRawPath();
    StringBuilder sb = new StringBuilder(base.endsWith("/") ? base : base + "/");
    for (byte b : toBytes(id)) {
      int c = b & 0xff;
      if (c < 0x80 && (Character.isLetterOrDigit(c) || "-._~/".indexOf(c) >= 0)) {
        sb.append((char) c);
      } else {
        sb.append(String.format(Locale.ROOT, "%%%02X", c));
      }
    }
    return Path.of(URI.create("file://" + sb));
  }

  /**
   * An id as one line of an ids file: percent-escaped where it must be.
   *
   * @param id the id
   * @return the line, without its line break
   */
  public static String encode(String id) {
    byte[] b = toBytes(id);
    // Which bytes came from surrogates (undecodable bytes): those are always escaped.
    boolean[] raw = new boolean[b.length];
    int k = 0;
    for (int i = 0; i < id.length(); ) {
      int cp = id.codePointAt(i);
      int len = isEscapedByte(cp) || (cp <= 0xFFFF && Character.isSurrogate((char) cp)) ? 1
          : utf8Length(cp);
      if (isEscapedByte(cp)) {
        raw[k] = true;
      }
      k += len;
      i += Character.charCount(cp);
    }
    StringBuilder sb = new StringBuilder(b.length + 8);
    ByteArrayOutputStream plain = new ByteArrayOutputStream();
    for (int i = 0; i < b.length; i++) {
      int c = b[i] & 0xff;
      if (raw[i] || c == '%' || c < 0x20 || c == 0x7f) {
        sb.append(new String(plain.toByteArray(), StandardCharsets.UTF_8));
        plain.reset();
        sb.append(String.format(Locale.ROOT, "%%%02X", c));
      } else {
        plain.write(c);
      }
    }
    return sb.append(new String(plain.toByteArray(), StandardCharsets.UTF_8)).toString();
  }

  /**
   * The id a line of an ids file holds (the inverse of {@link #encode}).
   *
   * @param line the line, without its line break
   * @return the id
   * @throws IllegalArgumentException if a {@code %} is not followed by two hex digits
   */
  public static String decode(String line) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(line.length());
    byte[] b = line.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < b.length; i++) {
      if (b[i] == '%') {
        if (i + 2 >= b.length) {
          throw new IllegalArgumentException("'%' without two hex digits in id line '" + line
              + "'");
        }
        int hi = Character.digit(b[i + 1], 16);
        int lo = Character.digit(b[i + 2], 16);
        if (hi < 0 || lo < 0) {
          throw new IllegalArgumentException("'%' without two hex digits in id line '" + line
              + "'");
        }
        out.write(hi << 4 | lo);
        i += 2;
      } else {
        out.write(b[i]);
      }
    }
    return fromBytes(out.toByteArray());
  }

  /**
   * An id for messages and listings: as it is, or encoded ({@link #encode}) when it holds
   * control characters or bytes that are not UTF-8.
   *
   * @param id the id
   * @return printable text
   */
  public static String display(String id) {
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (c < 0x20 || c == 0x7f || Character.isSurrogate(c)) {
        return encode(id);
      }
    }
    return id;
  }

  /** The bytes of a path as the operating system has them (its URI keeps them escaped). */
  static byte[] bytes(Path p) {
    if (!"file".equals(p.getFileSystem().provider().getScheme())
        || p.getFileSystem() != java.nio.file.FileSystems.getDefault()
        || java.io.File.separatorChar != '/') {
      return p.toString().getBytes(StandardCharsets.UTF_8);
    }
    String raw = p.toAbsolutePath().toUri().getRawPath();
    byte[] all = unescape(raw);
    if (!p.isAbsolute()) {
      byte[] cwd = unescape(Path.of("").toAbsolutePath().toUri().getRawPath());
      int n = cwd.length;
      if (n > 0 && cwd[n - 1] == '/') {
        n--;
      }
      if (all.length > n && all[n] == '/') {
        all = java.util.Arrays.copyOfRange(all, n + 1, all.length);
      }
    }
    int len = all.length;
    if (len > 1 && all[len - 1] == '/') {
      all = java.util.Arrays.copyOf(all, len - 1); // a folder's URI ends with a slash
    }
    return all;
  }

  private static byte[] unescape(String raw) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%' && i + 2 < raw.length()) {
        out.write(Integer.parseInt(raw.substring(i + 1, i + 3), 16));
        i += 2;
      } else {
        out.write(c);
      }
    }
    return out.toByteArray();
  }

  private static boolean isEscapedByte(int cp) {
    return cp >= 0xDC80 && cp <= 0xDCFF;
  }

  private static int utf8Length(int cp) {
    return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }

  /** UTF-8, with surrogates U+DC80..U+DCFF as the single bytes they stand for. */
  static byte[] toBytes(String id) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(id.length() + 8);
    for (int i = 0; i < id.length(); ) {
      int cp = id.codePointAt(i);
      if (isEscapedByte(cp)) {
        out.write(cp - 0xDC00);
      } else if (Character.isSurrogate((char) cp)) {
        out.write('?'); // another lone surrogate: no bytes to stand for
      } else {
        byte[] b = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
        out.write(b, 0, b.length);
      }
      i += Character.charCount(cp);
    }
    return out.toByteArray();
  }

  /** UTF-8 where valid; every other byte as a surrogate U+DC80..U+DCFF. */
  static String fromBytes(byte[] bytes) {
    CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length + 1);
    while (true) {
      CoderResult r = dec.decode(in, out, true);
      if (r.isUnderflow()) {
        dec.flush(out);
        break;
      }
      if (r.isError()) {
        for (int i = 0; i < r.length(); i++) {
          out.put((char) (0xDC00 + (in.get() & 0xff)));
        }
      } else {
        throw new IllegalStateException("output buffer too small"); // cannot happen: 1 char/byte
      }
    }
    out.flip();
    return out.toString();
  }
}
