package io.github.embeddings4j.core.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.embeddings4j.core.train.TrainedEmbedder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Mutated trained-model files (DL4J's zip format with this SDK's metadata) are refused with an
 * {@link IOException} naming the file, never loaded with altered weights, never an error of
 * another kind or a hang.
 */
class TrainedModelFuzzTest {

  private static final int ROUNDS = 60;

  @TempDir Path dir;

  private static TrainedEmbedder tiny() {
    MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).list()
        .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).name("conv").build())
        .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).name("pool").build())
        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
            .activation(Activation.SOFTMAX).name("out").build())
        .setInputType(InputType.convolutional(8, 8, 1)).build();
    MultiLayerNetwork net = new MultiLayerNetwork(conf);
    net.init();
    return TrainedEmbedder.of(net, 8, 8, 1, "pool");
  }

  @Test
  void mutatedModelFilesAreRefusedNeverLoadedWithOtherWeights() throws Exception {
    Path original = dir.resolve("model.zip");
    TrainedEmbedder model = tiny();
    model.save(original);
    byte[] bytes = Files.readAllBytes(original);
    float[] probe = new float[64];
    for (int i = 0; i < probe.length; i++) {
      probe[i] = (i * 37 % 64) / 64f;
    }
    float[] expected = embed(TrainedEmbedder.load(original), probe);
    assertTimeoutPreemptively(Duration.ofMinutes(2), () -> {
      Path f = dir.resolve("mutated.zip");
      int refused = 0;
      for (int round = 0; round < ROUNDS; round++) {
        DamagedFilesFuzzTest.Mutation m = DamagedFilesFuzzTest.mutate(bytes, new Random(round));
        if (Arrays.equals(m.bytes(), bytes)) {
          continue;
        }
        Files.write(f, m.bytes());
        String what = "round " + round + ": " + m.description();
        TrainedEmbedder loaded;
        try {
          loaded = TrainedEmbedder.load(f);
        } catch (IOException e) {
          assertTrue(String.valueOf(e.getMessage()).contains("mutated.zip"),
              what + ": message does not name the file: " + e.getMessage());
          refused++;
          continue;
        } catch (OutOfMemoryError e) {
          throw new AssertionError(what + ": OutOfMemoryError", e);
        } catch (RuntimeException e) {
          throw new AssertionError(what + ": undocumented " + e, e);
        }
        // Loaded: only acceptable if it computes exactly what the original does (the change
        // hit bytes that carry no meaning, such as a zip comment or timestamp).
        float[] got = embed(loaded, probe);
        if (!Arrays.equals(expected, got)) {
          fail(what + ": loaded with other weights: " + Arrays.toString(got) + " instead of "
              + Arrays.toString(expected));
        }
      }
      System.out.printf("fuzz %-30s mutated: %3d refused, %3d accepted%n", "trained model (zip)",
          refused, ROUNDS - refused);
      assertTrue(refused > ROUNDS / 2, "only " + refused + " refused");
    });
  }

  private static float[] embed(TrainedEmbedder e, float[] pixels) throws Exception {
    java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(8, 8,
        java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
    for (int i = 0; i < 64; i++) {
      img.getRaster().setSample(i % 8, i / 8, 0, Math.round(pixels[i] * 255));
    }
    float[] v = e.embed(io.github.embeddings4j.api.ImageSource.of(img, "probe"));
    assertArrayEquals(v, e.embed(io.github.embeddings4j.api.ImageSource.of(img, "probe")));
    return v;
  }
}
