package io.github.embeddings4j.benchmarks;

import io.github.embeddings4j.api.ImageSource;
import io.github.embeddings4j.core.image.ImageDecoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Decoding time of image files through {@link ImageDecoder}, with EXIF orientations applied
 * (the default) and kept as stored, side by side: rounds alternate which goes first, each
 * decodes the file (held in memory) several times and keeps the median ({@code --start 1}
 * begins with the kept one, for callers that alternate whole runs). One JSON line per file
 * with both medians over the rounds and the median of the paired ratios applied/kept, and the
 * median time of decoding the file itself (orientation applied), which also reads it: a
 * decoder that reads a byte at a time shows there and not in memory.
 *
 * <pre>
 * java -cp embeddings-benchmarks/target/benchmarks.jar \
 *   io.github.embeddings4j.benchmarks.DecodeTiming --rounds 7 photo.jpg photo.webp
 * </pre>
 *
 * {@code embeddings-benchmarks/bin/decode_bench.py} makes the files and times PIL on them.
 */
public final class DecodeTiming {

  private DecodeTiming() {}

  public static void main(String[] args) throws Exception {
    int rounds = 7;
    int reps = 5;
    int start = 0;
    List<Path> files = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "--reps" -> reps = Integer.parseInt(args[++i]);
        case "--start" -> start = Integer.parseInt(args[++i]);
        default -> files.add(Path.of(args[i]));
      }
    }
    ImageDecoder apply = ImageDecoder.defaults();
    ImageDecoder keep = ImageDecoder.defaults(false);
    for (Path file : files) {
      byte[] bytes = Files.readAllBytes(file);
      String name = file.getFileName().toString();
      // Warm-up: the JIT and the decoders' native parts.
      for (int i = 0; i < 3; i++) {
        apply.decode(ImageSource.of(bytes, name));
        keep.decode(ImageSource.of(bytes, name));
        apply.decode(ImageSource.of(file));
      }
      double[] a = new double[rounds];
      double[] k = new double[rounds];
      double[] f = new double[rounds];
      double[] ratio = new double[rounds];
      int width = 0;
      int height = 0;
      for (int r = 0; r < rounds; r++) {
        boolean applyFirst = (r + start) % 2 == 0;
        double first = time(applyFirst ? apply : keep, bytes, name, reps);
        double second = time(applyFirst ? keep : apply, bytes, name, reps);
        a[r] = applyFirst ? first : second;
        k[r] = applyFirst ? second : first;
        ratio[r] = a[r] / k[r];
        f[r] = timeFile(apply, file, reps);
      }
      var image = apply.decode(ImageSource.of(bytes, name));
      width = image.getWidth();
      height = image.getHeight();
      System.out.printf(Locale.ROOT, "{\"file\": \"%s\", \"bytes\": %d, \"upright\": \"%dx%d\","
          + " \"ms_applied\": %.2f, \"ms_kept\": %.2f, \"ratio_applied_over_kept\": %.3f,"
          + " \"ms_file\": %.2f, \"ratios\": %s}%n", name, bytes.length, width, height,
          median(a), median(k), median(ratio), median(f), Arrays.toString(Arrays.stream(ratio)
              .map(x -> Math.round(x * 1000) / 1000.0).toArray()));
    }
  }

  private static double time(ImageDecoder decoder, byte[] bytes, String name, int reps)
      throws Exception {
    double[] ms = new double[reps];
    for (int i = 0; i < reps; i++) {
      long t0 = System.nanoTime();
      decoder.decode(ImageSource.of(bytes, name));
      ms[i] = (System.nanoTime() - t0) / 1e6;
    }
    return median(ms);
  }

  private static double timeFile(ImageDecoder decoder, Path file, int reps) throws Exception {
    double[] ms = new double[reps];
    for (int i = 0; i < reps; i++) {
      long t0 = System.nanoTime();
      decoder.decode(ImageSource.of(file));
      ms[i] = (System.nanoTime() - t0) / 1e6;
    }
    return median(ms);
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}
