package io.github.embeddings4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * Every {@code ```java} block of README.md and docs/*.md compiles against the API, the core, the
 * GPU index and this module (the Spark classes), so the documentation cannot drift from the code.
 * It lives in this module because its test class path is the widest: api + core + gpu + spark.
 *
 * <p>A block that declares a type is compiled as it is; any other block becomes the body of a
 * method in a class of its own, with the imports of {@link #IMPORTS}. A block that uses names it
 * does not declare (a {@code train} matrix, a {@code spark} session) says what they are in an
 * HTML comment right before it, which markdown does not show:
 *
 * <pre>
 * &lt;!-- java-snippet: float[][] train; float[] vector;
 * import org.apache.spark.sql.SparkSession; --&gt;
 * </pre>
 *
 * <p>The comment's {@code import} lines join the imports; the rest become fields and methods of
 * the class around the block. New pages under docs/ are picked up automatically. A failure names
 * the page and line of each error.
 */
class DocSnippetsCompileTest {

  /** The packages every snippet sees. */
  static final List<String> IMPORTS = List.of(
      "io.github.embeddings4j.api.*",
      "io.github.embeddings4j.api.spi.*",
      "io.github.embeddings4j.core.backend.*",
      "io.github.embeddings4j.core.classify.*",
      "io.github.embeddings4j.core.cluster.*",
      "io.github.embeddings4j.core.data.*",
      "io.github.embeddings4j.core.embed.*",
      "io.github.embeddings4j.core.eval.*",
      "io.github.embeddings4j.core.image.*",
      "io.github.embeddings4j.core.io.*",
      "io.github.embeddings4j.core.onnx.*",
      "io.github.embeddings4j.core.reduce.*",
      "io.github.embeddings4j.core.search.*",
      "io.github.embeddings4j.core.train.*",
      "io.github.embeddings4j.core.vector.*",
      "io.github.embeddings4j.core.zoo.*",
      "io.github.embeddings4j.gpu.*",
      "io.github.embeddings4j.spark.*",
      "org.apache.spark.sql.*",
      "java.nio.file.*",
      "java.util.*");

  private static final Pattern BLOCK = Pattern.compile(
      "(?:<!--\\s*java-snippet:(?<context>.*?)-->\\s*\\n)?```java\\n(?<code>.*?)```",
      Pattern.DOTALL);
  private static final Pattern DECLARES_TYPE = Pattern.compile(
      "(?m)^(?:public\\s+|final\\s+|abstract\\s+)*(?:class|interface|record|enum)\\s+\\w+");

  /** One snippet: where it is, and the source made of it. */
  record Snippet(Path page, int firstLine, String className, String source, int codeStart) {}

  private static Path repositoryRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !(Files.isDirectory(dir.resolve("docs"))
        && Files.exists(dir.resolve("README.md")))) {
      dir = dir.getParent();
    }
    assertNotNull(dir, "no README.md with docs/ above " + Path.of("").toAbsolutePath());
    return dir;
  }

  static List<Path> pages(Path root) throws IOException {
    List<Path> pages = new ArrayList<>();
    pages.add(root.resolve("README.md"));
    try (Stream<Path> docs = Files.list(root.resolve("docs"))) {
      docs.filter(p -> p.getFileName().toString().endsWith(".md")).sorted().forEach(pages::add);
    }
    return pages;
  }

  static List<Snippet> snippets(Path root, Path page) throws IOException {
    String text = Files.readString(page);
    List<Snippet> out = new ArrayList<>();
    Matcher m = BLOCK.matcher(text);
    while (m.find()) {
      int codeLine = 1 + countLines(text, m.start("code"));
      String name = root.relativize(page).toString().replaceAll("[^A-Za-z0-9]", "_")
          + "_line" + codeLine;
      String code = m.group("code");
      String context = m.group("context") == null ? "" : m.group("context");
      StringBuilder src = new StringBuilder();
      StringBuilder members = new StringBuilder();
      for (String imp : IMPORTS) {
        src.append("import ").append(imp).append(";\n");
      }
      for (String line : context.split("\\R")) {
        String t = line.strip();
        if (t.startsWith("import ")) {
          src.append(t).append('\n');
        } else if (!t.isEmpty()) {
          members.append("  ").append(t).append('\n');
        }
      }
      int codeStart;
      if (DECLARES_TYPE.matcher(code).find()) {
        codeStart = countLines(src, src.length()) + 1;
        src.append(code);
        name = typeName(code);
      } else {
        src.append("@SuppressWarnings(\"all\")\nclass ").append(name).append(" {\n")
            .append(members)
            .append("  void snippet() throws Exception {\n");
        codeStart = countLines(src, src.length()) + 1;
        src.append(code).append("  }\n}\n");
      }
      out.add(new Snippet(page, codeLine, name, src.toString(), codeStart));
    }
    return out;
  }

  private static String typeName(String code) {
    Matcher m = Pattern.compile("(?:class|interface|record|enum)\\s+(\\w+)").matcher(code);
    return m.find() ? m.group(1) : "Snippet";
  }

  private static int countLines(CharSequence s, int end) {
    int n = 0;
    for (int i = 0; i < end; i++) {
      if (s.charAt(i) == '\n') {
        n++;
      }
    }
    return n;
  }

  /** The test class path: surefire's, with a manifest-only booter jar expanded. */
  static List<File> classPath() throws IOException {
    String cp = System.getProperty("surefire.test.class.path",
        System.getProperty("java.class.path"));
    List<File> files = new ArrayList<>();
    for (String entry : cp.split(File.pathSeparator)) {
      if (entry.isEmpty()) {
        continue;
      }
      File f = new File(entry);
      files.add(f);
      if (f.getName().startsWith("surefirebooter") && f.isFile()) {
        try (JarFile jar = new JarFile(f)) {
          Manifest manifest = jar.getManifest();
          String more = manifest == null ? null
              : manifest.getMainAttributes().getValue("Class-Path");
          if (more != null) {
            for (String url : more.trim().split("\\s+")) {
              files.add(new File(URI.create(url)));
            }
          }
        }
      }
    }
    return files;
  }

  private static final class Source extends SimpleJavaFileObject {
    private final String code;

    Source(String className, String code) {
      super(URI.create("string:///" + className + Kind.SOURCE.extension), Kind.SOURCE);
      this.code = code;
    }

    @Override
    public CharSequence getCharContent(boolean ignoreEncodingErrors) {
      return code;
    }
  }

  @Test
  void everyJavaBlockInTheDocsCompiles(@org.junit.jupiter.api.io.TempDir Path out)
      throws IOException {
    Path root = repositoryRoot();
    List<Snippet> all = new ArrayList<>();
    for (Path page : pages(root)) {
      all.addAll(snippets(root, page));
    }
    assertTrue(all.size() >= 5, "found only " + all.size() + " java blocks under " + root);
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    assertNotNull(javac, "no system Java compiler: run the tests on a JDK");
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    List<JavaFileObject> units = new ArrayList<>();
    for (Snippet s : all) {
      units.add(new Source(s.className(), s.source()));
    }
    try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, Locale.ROOT,
        null)) {
      files.setLocation(javax.tools.StandardLocation.CLASS_PATH, classPath());
      files.setLocation(javax.tools.StandardLocation.CLASS_OUTPUT, List.of(out.toFile()));
      boolean ok = javac.getTask(null, files, diagnostics,
          List.of("-proc:none", "-nowarn", "-Xlint:none", "--release", "17"), null, units)
          .call();
      StringBuilder report = new StringBuilder();
      for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
        if (d.getKind() != Diagnostic.Kind.ERROR) {
          continue;
        }
        Snippet s = all.stream()
            .filter(x -> d.getSource() != null && d.getSource().toUri().getPath()
                .endsWith("/" + x.className() + ".java"))
            .findFirst().orElse(null);
        if (s == null) {
          report.append(d.getMessage(Locale.ROOT)).append('\n');
          continue;
        }
        long line = s.firstLine() + d.getLineNumber() - s.codeStart();
        report.append(root.relativize(s.page())).append(':').append(line).append(": ")
            .append(d.getMessage(Locale.ROOT)).append('\n');
      }
      if (!ok || report.length() > 0) {
        fail("java blocks in the docs do not compile:\n" + report);
      }
    }
  }

  @Test
  void aBrokenSnippetIsReportedWithItsPageAndLine(@org.junit.jupiter.api.io.TempDir Path dir)
      throws IOException {
    Files.createDirectories(dir.resolve("docs"));
    Files.writeString(dir.resolve("README.md"), "x\n");
    Path page = dir.resolve("docs/page.md");
    Files.writeString(page, "# t\n\n<!-- java-snippet: float[] v; -->\n```java\n"
        + "float n = VectorMath.norm(v);\n```\n");
    List<Snippet> found = snippets(dir, page);
    assertEquals(1, found.size());
    Snippet s = found.get(0);
    assertEquals(5, s.firstLine());
    assertTrue(s.source().contains("  float[] v;\n"), s.source());
    assertTrue(s.source().split("\n")[s.codeStart() - 1].contains("VectorMath.norm(v)"),
        s.source());
    assertEquals(List.of(dir.resolve("README.md"), page), pages(dir));
  }
}
