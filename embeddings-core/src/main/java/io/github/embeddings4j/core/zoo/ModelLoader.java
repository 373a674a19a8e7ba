package io.github.embeddings4j.core.zoo;

import io.github.embeddings4j.api.EmbeddingException;
import io.github.embeddings4j.core.image.InputFormat;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.modelimport.keras.KerasModel;
import org.deeplearning4j.nn.modelimport.keras.KerasSequentialModel;
import org.deeplearning4j.nn.modelimport.keras.utils.KerasModelBuilder;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

/** Turns {@link Weights} into a DL4J network. */
final class ModelLoader {

  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(ModelLoader.class);

  private ModelLoader() {}

  /**
   * Loads or builds the network.
   *
   * @param model the zoo model (graph builder and pretrained files)
   * @param weights where the weights come from
   * @param format the input format (its size shapes randomly initialised graphs)
   * @param cacheBase the zoo's cache base folder
   * @param timeout the network timeout for downloads
   * @return a {@link ComputationGraph} or {@link MultiLayerNetwork}
   */
  static Model load(ZooModel model, Weights weights, InputFormat format, Path cacheBase,
      Duration timeout) throws EmbeddingException {
    if (weights instanceof Weights.Random random) {
      if (!model.supportsRandomInit()) {
        throw new IllegalArgumentException(model + " cannot be randomly initialised: the zoo's "
            + model.zooName() + ".init() fails in DL4J 1.0.0-M2.1; use pretrained weights");
      }
      return RandomInit.repair((Model) model.dl4j(random.seed(), format).init());
    }
    if (weights instanceof Weights.Pretrained pretrained) {
      if (!model.pretrainedSets().contains(pretrained.set())) {
        throw new IllegalArgumentException("the model zoo has no " + pretrained.set()
            + " weights for " + model + "; it has " + model.pretrainedSets());
      }
      org.deeplearning4j.zoo.ZooModel<?> zoo = model.dl4j(0, model.inputFormat());
      PretrainedFile file = PretrainedFile.of(zoo, pretrained.set(), cacheBase);
      return loadFile(file.ensure(timeout));
    }
    return loadFile(((Weights.File) weights).path());
  }

  /**
   * Loads a model file: DL4J's {@code ModelSerializer} zip (a graph or a layer stack) or a Keras
   * HDF5 file.
   *
   * @param path the file
   * @return the network
   */
  static Model loadFile(Path path) throws EmbeddingException {
    String name = path.toString();
    if (!Files.isRegularFile(path)) {
      throw new EmbeddingException(name, "no such model file", null);
    }
    try {
      if (isHdf5(path)) {
        return importKeras(path);
      }
      Boolean graph = isGraphZip(path);
      if (graph == null) {
        throw new EmbeddingException(name, "not a model file: neither a DL4J ModelSerializer zip "
            + "(with configuration.json) nor a Keras HDF5 file", null);
      }
      return graph ? ModelSerializer.restoreComputationGraph(path.toFile(), false)
          : ModelSerializer.restoreMultiLayerNetwork(path.toFile(), false);
    } catch (EmbeddingException e) {
      throw e;
    } catch (Exception e) {
      throw new EmbeddingException(name, "cannot load model: " + e, e);
    }
  }

  private static Model importKeras(Path path) throws Exception {
    // HDF5 prints its own error stack to stderr (HDF5-DIAG) before the importer throws; the
    // exception says what failed, with the file's name: the native chatter is turned off for
    // this thread (HDF5 keeps the setting per thread).
    try {
      org.bytedeco.hdf5.global.hdf5.H5Eset_auto2(org.bytedeco.hdf5.global.hdf5.H5E_DEFAULT(),
          null, null);
    } catch (RuntimeException | LinkageError e) {
      LOG.debug("HDF5's error printing left on: {}", e.toString());
    }
    // The builders are closed here, on this thread, whether the import works or not: DL4J's
    // own KerasModelImport leaves the HDF5 file open when a build fails (a Sequential model
    // tried as a functional one), for JavaCPP's deallocator thread to close whenever the
    // garbage collector gets to it. HDF5 is not thread-safe, and a core test JVM once died at
    // exit (SIGSEGV in H5F_get_nrefs on the VM thread, HDF5's exit clean-up) after every test
    // had passed: most likely such a late close racing the clean-up.
    Exception functionalFailed;
    KerasModelBuilder functional = new KerasModel().modelBuilder();
    try (functional) {
      functional.modelHdf5Filename(path.toString()).enforceTrainingConfig(false);
      return functional.buildModel().getComputationGraph();
    } catch (Exception e) {
      functionalFailed = e;
    }
    // A Sequential model is not a functional one: try the other importer before giving up.
    KerasModelBuilder sequential = new KerasSequentialModel().modelBuilder();
    try (sequential) {
      sequential.modelHdf5Filename(path.toString()).enforceTrainingConfig(false);
      return sequential.buildSequential().getMultiLayerNetwork();
    } catch (Exception sequentialFailed) {
      functionalFailed.addSuppressed(sequentialFailed);
      throw functionalFailed;
    }
  }

  /** HDF5 files start with the signature {@code \x89HDF\r\n\x1a\n}. */
  static boolean isHdf5(Path path) throws IOException {
    String lower = path.getFileName().toString().toLowerCase(Locale.ROOT);
    if (lower.endsWith(".h5") || lower.endsWith(".hdf5") || lower.endsWith(".keras")) {
      return true;
    }
    try (InputStream in = Files.newInputStream(path)) {
      byte[] head = in.readNBytes(4);
      return head.length == 4 && (head[0] & 0xff) == 0x89 && head[1] == 'H' && head[2] == 'D'
          && head[3] == 'F';
    }
  }

  /**
   * Whether a ModelSerializer zip holds a graph.
   *
   * @return {@code true} for a ComputationGraph, {@code false} for a MultiLayerNetwork, {@code
   *     null} when the file is not such a zip
   */
  static Boolean isGraphZip(Path path) {
    try (ZipFile zip = new ZipFile(path.toFile())) {
      ZipEntry conf = zip.getEntry("configuration.json");
      if (conf == null) {
        return null;
      }
      try (InputStream in = zip.getInputStream(conf)) {
        String json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        return json.contains("\"vertices\"");
      }
    } catch (IOException e) {
      return null;
    }
  }
}
