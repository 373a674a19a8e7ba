package io.github.embeddings4j.core.onnx;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;

/**
 * One side of a duel between two ONNX Runtime releases (not a test; {@code
 * embeddings-benchmarks/bin/ort-version-duel.sh} runs it once per release and round, each time
 * with that release's jar on the class path). For every {@code MODEL.onnx:BATCH} it builds an
 * {@link OnnxEmbedder} with the SDK's session settings and that network batch, embeds a seeded
 * random input tensor twice uncounted, then as often as fits in the given seconds (at least
 * twice), and prints one JSON line: images per second, the release, and the first four
 * components of the first vector (so the script can check that both releases compute the same).
 *
 * <pre>
 * java -cp CLASSPATH io.github.embeddings4j.core.onnx.OrtVersionDuel SECONDS MODEL.onnx:BATCH...
 * </pre>
 */
public final class OrtVersionDuel {

  private OrtVersionDuel() {}

  /**
   * Runs the models.
   *
   * @param args seconds per model, then {@code MODEL.onnx:BATCH} pairs
   * @throws Exception when a model cannot be run
   */
  public static void main(String[] args) throws Exception {
    double seconds = Double.parseDouble(args[0]);
    for (int i = 1; i < args.length; i++) {
      int colon = args[i].lastIndexOf(':');
      Path model = Path.of(args[i].substring(0, colon));
      int batch = Integer.parseInt(args[i].substring(colon + 1));
      try (OnnxEmbedder e = OnnxEmbedder.builder(model).networkBatchSize(batch).build()) {
        var p = e.preprocessing();
        int item = p.channels() * p.height() * p.width();
        float[] x = new float[item * batch];
        Random r = new Random(7);
        for (int j = 0; j < x.length; j++) {
          x[j] = (float) r.nextGaussian();
        }
        float[] first = e.embedTensors(x, batch)[0];
        e.embedTensors(x, batch);
        long t0 = System.nanoTime();
        int calls = 0;
        while (System.nanoTime() - t0 < seconds * 1e9 || calls < 2) {
          e.embedTensors(x, batch);
          calls++;
        }
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "{\"model\": \"%s\", \"batch\": %d, \"images_per_s\":"
            + " %.4f, \"version\": \"%s\", \"head\": [%s, %s, %s, %s]}%n",
            model.getFileName(), batch, calls * batch / s, OrtForward.VERSION,
            first[0], first[1], first[2], first[3]);
      }
    }
  }
}
