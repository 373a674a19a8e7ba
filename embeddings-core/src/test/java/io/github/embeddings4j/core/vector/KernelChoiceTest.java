package io.github.embeddings4j.core.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.api.spi.VectorKernels;
import io.github.embeddings4j.core.ChildJvm;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Which kernels were chosen. Under the build's test settings ({@code --add-modules
 * jdk.incubator.vector} and {@code -Dembeddings4j.kernels.require=panama}) the SIMD ones must
 * be, so that a build that silently fell back to scalar fails instead of testing the wrong
 * thing; and a JVM without the module must fall back to scalar, saying so once.
 */
class KernelChoiceTest {

  /** The property naming the provider the tests require. */
  static final String REQUIRE = "embeddings4j.kernels.require";

  @Test
  void theRequiredProviderWasChosen() {
    String required = System.getProperty(REQUIRE, "");
    String expected = !required.isBlank() ? required
        : PanamaKernelsProvider.vectorModulePresent() ? "panama" : "scalar";
    assertEquals(expected, VectorKernels.provider().name());
    assertEquals(expected, VectorMath.kernelsName());
  }

  /** Prints the chosen provider; run in a child JVM by the test below. */
  public static void main(String[] args) {
    System.out.println("chosen=" + VectorKernels.provider().name() + " facade="
        + VectorMath.kernelsName() + " cosine="
        + StandardMetric.COSINE.distance(new float[] {1, 0}, new float[] {0, 1}));
  }

  @Test
  void withoutTheModuleScalarIsUsedAndTheFixIsLoggedOnce() throws Exception {
    String out = runChild(List.of());
    assertTrue(out.contains("chosen=scalar facade=scalar cosine=1.0"), out);
    int first = out.indexOf("--add-modules jdk.incubator.vector");
    assertTrue(first >= 0, out);
    assertEquals(-1, out.indexOf("--add-modules jdk.incubator.vector for SIMD", first + 1), out);
  }

  @Test
  void thePropertyForcesScalarEvenWithTheModule() throws Exception {
    String out = runChild(List.of("--add-modules", "jdk.incubator.vector",
        "-D" + VectorKernels.PROVIDER_PROPERTY + "=scalar"));
    assertTrue(out.contains("chosen=scalar facade=scalar"), out);
  }

  private static String runChild(List<String> jvmArgs) throws IOException, InterruptedException {
    return ChildJvm.run(KernelChoiceTest.class, jvmArgs, Map.of());
  }

}
