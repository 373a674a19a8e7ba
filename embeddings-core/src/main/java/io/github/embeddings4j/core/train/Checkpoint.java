package io.github.embeddings4j.core.train;

import io.github.embeddings4j.core.io.SdkFile;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A fine-tuning run's state after an epoch, in one zip replaced atomically (so the network, its
 * updater state and the bookkeeping can never come from different epochs): the DL4J graph with
 * its updater state (epoch and iteration counts included, which drive the learning-rate
 * schedule), the best epoch's weights, and a properties entry with the epoch, best epoch, best
 * accuracy, epochs since the best, the history, and a fingerprint of the run's settings and data.
 * The generators need no saving: every draw is seeded from (seed, epoch, image).
 */
final class Checkpoint {

  static final String STATE_ENTRY = "embeddings4j-checkpoint.properties";
  static final String BEST_ENTRY = "embeddings4j-best-params.bin";
  static final String FORMAT = "embeddings4j fine-tuning checkpoint 1";

  private Checkpoint() {}

  /**
   * The bookkeeping.
   *
   * @param epoch the last epoch completed (0: none)
   * @param bestEpoch the epoch whose weights are best so far
   * @param bestAccuracy its validation accuracy
   * @param sinceBest epochs since then
   * @param history one record per epoch completed
   * @param bestParams the best weights, or null
   */
  record State(int epoch, int bestEpoch, double bestAccuracy, int sinceBest,
      List<EpochRecord> history, INDArray bestParams) {}

  record Restored(ComputationGraph network, State state) {}

  static void write(Path file, ComputationGraph net, String fingerprint, State s)
      throws IOException {
    ByteArrayOutputStream model = new ByteArrayOutputStream();
    ModelSerializer.writeModel(net, model, true);
    Properties p = new Properties();
    p.setProperty("format", FORMAT);
    p.setProperty("fingerprint", fingerprint);
    p.setProperty("epoch", String.valueOf(s.epoch()));
    p.setProperty("bestEpoch", String.valueOf(s.bestEpoch()));
    p.setProperty("bestAccuracy", String.valueOf(s.bestAccuracy()));
    p.setProperty("sinceBest", String.valueOf(s.sinceBest()));
    p.setProperty("history.count", String.valueOf(s.history().size()));
    for (int i = 0; i < s.history().size(); i++) {
      EpochRecord r = s.history().get(i);
      p.setProperty("history." + i, r.epoch() + "," + r.trainLoss() + ","
          + r.validationAccuracy() + "," + r.learningRate() + "," + r.seconds());
    }
    StringWriter text = new StringWriter();
    p.store(text, "embeddings4j fine-tuning checkpoint");
    byte[] best = null;
    if (s.bestParams() != null) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (DataOutputStream out = new DataOutputStream(bytes)) {
        Nd4j.write(s.bestParams(), out);
      }
      best = bytes.toByteArray();
    }
    byte[] bestBytes = best;
    writeZip(file, model.toByteArray(), List.of(
        new Extra(STATE_ENTRY, text.toString().getBytes(StandardCharsets.UTF_8)),
        new Extra(BEST_ENTRY, bestBytes)));
  }

  /** An extra zip entry; null content is left out. */
  record Extra(String name, byte[] content) {}

  /** Writes a ModelSerializer zip plus extra entries, atomically (temp file, then move). */
  static void writeZip(Path file, byte[] modelZip, List<Extra> extras) throws IOException {
    SdkFile.writeAtomically(file, out -> {
      ZipOutputStream zip = new ZipOutputStream(out);
      try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(modelZip))) {
        for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
          zip.putNextEntry(new ZipEntry(e.getName()));
          in.transferTo(zip);
          zip.closeEntry();
        }
      }
      for (Extra x : extras) {
        if (x.content() != null) {
          zip.putNextEntry(new ZipEntry(x.name()));
          zip.write(x.content());
          zip.closeEntry();
        }
      }
      zip.finish(); // not close(): writeAtomically still has to sync the file
    });
  }

  static Restored read(Path file, String fingerprint) throws IOException {
    TrainedEmbedder.verifyEntries(file);
    Properties p = new Properties();
    INDArray best = null;
    try (ZipFile zip = new ZipFile(file.toFile())) {
      ZipEntry state = zip.getEntry(STATE_ENTRY);
      if (state == null) {
        throw new IOException(file + ": not a fine-tuning checkpoint (no " + STATE_ENTRY + ")");
      }
      p.load(new StringReader(new String(zip.getInputStream(state).readAllBytes(),
          StandardCharsets.UTF_8)));
      ZipEntry b = zip.getEntry(BEST_ENTRY);
      if (b != null) {
        try (DataInputStream in = new DataInputStream(zip.getInputStream(b))) {
          best = Nd4j.read(in);
        }
      }
    }
    if (!FORMAT.equals(p.getProperty("format"))) {
      throw new IOException(file + ": checkpoint format '" + p.getProperty("format")
          + "', expected '" + FORMAT + "'");
    }
    String theirs = p.getProperty("fingerprint", "");
    if (!theirs.equals(fingerprint)) {
      throw new IllegalArgumentException(file + " is the checkpoint of another run: it was"
          + " written for [" + theirs + "], this run is [" + fingerprint + "]; run with the same"
          + " settings and data, or delete the checkpoint (or leave out --resume) to start"
          + " afresh");
    }
    List<EpochRecord> history = new ArrayList<>();
    int n = Integer.parseInt(p.getProperty("history.count", "0"));
    for (int i = 0; i < n; i++) {
      String[] f = p.getProperty("history." + i).split(",");
      history.add(new EpochRecord(Integer.parseInt(f[0]), Double.parseDouble(f[1]),
          Double.parseDouble(f[2]), Double.parseDouble(f[3]), Double.parseDouble(f[4])));
    }
    ComputationGraph net;
    try {
      net = ModelSerializer.restoreComputationGraph(file.toFile(), true);
    } catch (IOException | RuntimeException e) {
      throw new IOException(file + ": damaged checkpoint: " + e.getMessage(), e);
    }
    return new Restored(net, new State(Integer.parseInt(p.getProperty("epoch")),
        Integer.parseInt(p.getProperty("bestEpoch")),
        Double.parseDouble(p.getProperty("bestAccuracy")),
        Integer.parseInt(p.getProperty("sinceBest")), history, best));
  }
}
