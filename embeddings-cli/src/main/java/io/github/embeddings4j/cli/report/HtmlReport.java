package io.github.embeddings4j.cli.report;

import io.github.embeddings4j.core.io.SdkFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code index.html} of a report folder: headed sections of tables, pictures and
 * nearest-neighbour galleries, in the order they are added. Everything is escaped; paths are
 * relative to the report folder, so the folder can be moved or zipped.
 *
 * <pre>{@code
 * HtmlReport r = new HtmlReport("Fashion-MNIST demo");
 * r.table("Accuracy", List.of("method", "accuracy"), rows);
 * r.image("PCA", "pca.png", "first two principal components");
 * r.write(reportDir.resolve("index.html"));
 * }</pre>
 */
public final class HtmlReport {

  /**
   * A retrieved neighbour in a gallery.
   *
   * @param thumbnail the thumbnail's path relative to the report folder
   * @param label the neighbour's label or name
   * @param distance its distance from the query
   * @param relevant whether it matches the query (drawn with a green frame, else red)
   */
  public record Hit(String thumbnail, String label, double distance, boolean relevant) {}

  /**
   * One query row of a gallery.
   *
   * @param thumbnail the query's thumbnail, relative to the report folder
   * @param label the query's label or name
   * @param hits its nearest neighbours, nearest first
   */
  public record GalleryRow(String thumbnail, String label, List<Hit> hits) {
    /**
     * Copies the hits.
     *
     * @param thumbnail the query's thumbnail
     * @param label the query's label
     * @param hits the neighbours
     */
    public GalleryRow {
      hits = List.copyOf(hits);
    }
  }

  /**
   * One image of a group of near-duplicates.
   *
   * @param thumbnail the thumbnail's path relative to the report folder, or null when the image
   *     could not be read (the caption then says why)
   * @param caption the name, size and what becomes of it
   * @param kept whether it is the one kept (green frame; the others dashed red)
   */
  public record GroupTile(String thumbnail, String caption, boolean kept) {}

  private final String title;
  private final List<String> sections = new ArrayList<>();

  /**
   * Starts a report.
   *
   * @param title the page title
   */
  public HtmlReport(String title) {
    this.title = title;
  }

  /**
   * Adds a paragraph of text.
   *
   * @param text the text (escaped)
   * @return this report
   */
  public HtmlReport paragraph(String text) {
    sections.add("<p>" + escape(text) + "</p>");
    return this;
  }

  /**
   * Adds a table.
   *
   * @param heading the section heading
   * @param header the column names
   * @param rows the cells, row by row
   * @return this report
   */
  public HtmlReport table(String heading, List<String> header, List<List<String>> rows) {
    StringBuilder sb = new StringBuilder("<h2>").append(escape(heading)).append("</h2>\n<table>\n<tr>");
    for (String h : header) {
      sb.append("<th>").append(escape(h)).append("</th>");
    }
    sb.append("</tr>\n");
    for (List<String> row : rows) {
      sb.append("<tr>");
      for (String cell : row) {
        boolean numeric = cell.matches("[-+0-9.,%eE ]+");
        sb.append(numeric ? "<td class=\"num\">" : "<td>").append(escape(cell)).append("</td>");
      }
      sb.append("</tr>\n");
    }
    sections.add(sb.append("</table>").toString());
    return this;
  }

  /**
   * Adds a picture.
   *
   * @param heading the section heading
   * @param path the image, relative to the report folder
   * @param caption a caption
   * @return this report
   */
  public HtmlReport image(String heading, String path, String caption) {
    sections.add("<h2>" + escape(heading) + "</h2>\n<figure><img src=\"" + escape(path)
        + "\" alt=\"" + escape(caption) + "\"><figcaption>" + escape(caption)
        + "</figcaption></figure>");
    return this;
  }

  /**
   * Adds a nearest-neighbour gallery: each query with its neighbours and their distances.
   *
   * @param heading the section heading
   * @param rows the queries
   * @return this report
   */
  public HtmlReport gallery(String heading, List<GalleryRow> rows) {
    StringBuilder sb = new StringBuilder("<h2>").append(escape(heading)).append("</h2>\n<table class=\"gallery\">\n");
    for (GalleryRow row : rows) {
      sb.append("<tr><td class=\"query\"><img src=\"").append(escape(row.thumbnail()))
          .append("\" alt=\"query\"><br>").append(escape(row.label())).append("</td>");
      for (Hit h : row.hits()) {
        sb.append("<td class=\"").append(h.relevant() ? "hit" : "miss").append("\"><img src=\"")
            .append(escape(h.thumbnail())).append("\" alt=\"neighbour\"><br>")
            .append(escape(h.label())).append("<br><small>")
            .append(String.format(Locale.ROOT, "%.4g", h.distance())).append("</small></td>");
      }
      sb.append("</tr>\n");
    }
    sections.add(sb.append("</table>").toString());
    return this;
  }

  /**
   * One picture with a caption, in a row of pictures.
   *
   * @param thumbnail the thumbnail's path relative to the report folder, or null for none (the
   *     caption says why)
   * @param caption what it is
   */
  public record Tile(String thumbnail, String caption) {}

  /**
   * Adds search results, one row each: the query (shaded), then its neighbours, nearest first.
   *
   * @param heading the section heading
   * @param rows each query's tiles, the query first
   * @return this report
   */
  public HtmlReport neighbours(String heading, List<List<Tile>> rows) {
    StringBuilder sb = new StringBuilder("<h2>").append(escape(heading))
        .append("</h2>\n<table class=\"groups\">\n");
    for (List<Tile> row : rows) {
      sb.append("<tr>");
      for (int i = 0; i < row.size(); i++) {
        Tile t = row.get(i);
        sb.append(i == 0 ? "<td class=\"query\">" : "<td>");
        if (t.thumbnail() != null) {
          sb.append("<img src=\"").append(escape(t.thumbnail())).append("\" alt=\"")
              .append(i == 0 ? "query" : "neighbour").append("\"><br>");
        }
        sb.append(escape(t.caption()).replace("\n", "<br>")).append("</td>");
      }
      sb.append("</tr>\n");
    }
    sections.add(sb.append("</table>").toString());
    return this;
  }

  /**
   * Adds groups of near-duplicates, one row each: the image kept first, then the others.
   *
   * @param heading the section heading
   * @param groups the groups, each a list of tiles
   * @return this report
   */
  public HtmlReport groups(String heading, List<List<GroupTile>> groups) {
    StringBuilder sb = new StringBuilder("<h2>").append(escape(heading))
        .append("</h2>\n<table class=\"groups\">\n");
    int number = 0;
    for (List<GroupTile> group : groups) {
      number++;
      sb.append("<tr><th>").append(number).append("</th>");
      for (GroupTile t : group) {
        sb.append("<td class=\"").append(t.kept() ? "keep" : "drop").append("\">");
        if (t.thumbnail() != null) {
          sb.append("<img src=\"").append(escape(t.thumbnail())).append("\" alt=\"")
              .append(t.kept() ? "kept" : "let go").append("\"><br>");
        }
        sb.append(escape(t.caption()).replace("\n", "<br>")).append("</td>");
      }
      sb.append("</tr>\n");
    }
    sections.add(sb.append("</table>").toString());
    return this;
  }

  /**
   * The page.
   *
   * @return the HTML
   */
  public String html() {
    StringBuilder sb = new StringBuilder("""
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <title>%s</title>
        <style>
        body { font-family: system-ui, sans-serif; margin: 2em; color: #222; max-width: 1200px; }
        table { border-collapse: collapse; margin-bottom: 1em; }
        th, td { border: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: top; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; }
        table.gallery td { text-align: center; font-size: 12px; }
        table.gallery img { width: 64px; height: 64px; image-rendering: pixelated; }
        td.query { background: #f3f3f3; } td.hit { border: 2px solid #2ca02c; }
        table.groups td { text-align: center; font-size: 12px; max-width: 180px;
          overflow-wrap: anywhere; }
        table.groups img { max-width: 160px; max-height: 160px; }
        td.keep { border: 3px solid #2ca02c; } td.drop { border: 2px dashed #d62728; }
        %s
        figure img { max-width: 100%%; border: 1px solid #eee; }
        </style></head><body>
        <h1>%s</h1>
        """.formatted(escape(title), SIGNATURE, escape(title)));
    for (String s : sections) {
      sb.append(s).append('\n');
    }
    return sb.append("</body></html>\n").toString();
  }

  /**
   * Writes the page atomically.
   *
   * @param file the HTML file, usually {@code index.html} in the report folder
   * @throws IOException if it cannot be written
   */
  public void write(Path file) throws IOException {
    byte[] bytes = html().getBytes(StandardCharsets.UTF_8);
    SdkFile.writeAtomically(file, out -> out.write(bytes));
  }

  /** A line of the page's style sheet that only this class writes. */
  private static final String SIGNATURE = "td.miss { border: 2px solid #d62728; }";

  /**
   * Whether a file is a page this class wrote (by the style sheet it starts with).
   *
   * @param file an HTML file
   * @return {@code true} for one of this class's pages
   * @throws IOException if it cannot be read
   */
  static boolean wrote(Path file) throws IOException {
    byte[] head;
    try (InputStream in = Files.newInputStream(file)) {
      head = in.readNBytes(4096);
    }
    return new String(head, StandardCharsets.UTF_8).contains(SIGNATURE);
  }

  static String escape(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      switch (c) {
        case '<' -> sb.append("&lt;");
        case '>' -> sb.append("&gt;");
        case '&' -> sb.append("&amp;");
        case '"' -> sb.append("&quot;");
        case '\'' -> sb.append("&#39;");
        default -> sb.append(c);
      }
    }
    return sb.toString();
  }
}
