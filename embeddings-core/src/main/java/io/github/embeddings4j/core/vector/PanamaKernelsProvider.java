package io.github.embeddings4j.core.vector;

import io.github.embeddings4j.api.spi.ScalarVectorKernels;
import io.github.embeddings4j.api.spi.VectorKernels;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SIMD {@link VectorKernels} provider, registered with {@link java.util.ServiceLoader}
 * under the name {@code "panama"} with priority 100. Applications never call it; it is public
 * only because {@code ServiceLoader} needs a public class with a public constructor.
 *
 * <p>It works only when the incubator module {@code jdk.incubator.vector} is in the boot layer
 * (start the JVM with {@code --add-modules jdk.incubator.vector}). Without it the constructor
 * says so once through SLF4J, with that fix, and throws, which {@link VectorKernels#provider()}
 * treats as "not available" and falls back to the scalar kernels; users never need the flag.
 */
public final class PanamaKernelsProvider implements VectorKernels {

  /** The module the SIMD kernels are written on. */
  static final String MODULE = "jdk.incubator.vector";

  private static final Logger LOG = LoggerFactory.getLogger(PanamaKernelsProvider.class);
  private static final AtomicBoolean TOLD = new AtomicBoolean();

  // Typed as the interface so that loading this class never loads the Vector API classes.
  private final VectorKernels kernels;

  /**
   * Creates the provider if the Vector API is present.
   *
   * @throws UnsupportedOperationException if the module {@code jdk.incubator.vector} is absent
   */
  public PanamaKernelsProvider() {
    if (!vectorModulePresent()) {
      if (TOLD.compareAndSet(false, true)) {
        LOG.warn("The JDK Vector API is not enabled, so embeddings4j uses its scalar vector "
            + "kernels; pass --add-modules " + MODULE + " for SIMD vector kernels");
      }
      throw new UnsupportedOperationException("module " + MODULE + " is not in the boot layer;"
          + " pass --add-modules " + MODULE);
    }
    kernels = newPanamaKernels();
  }

  /**
   * Whether the Vector API module is in the boot layer.
   *
   * @return true if the SIMD kernels can be loaded
   */
  static boolean vectorModulePresent() {
    return ModuleLayer.boot().findModule(MODULE).isPresent();
  }

  private static VectorKernels newPanamaKernels() {
    return new PanamaVectorKernels();
  }

  /** The SIMD kernels behind this provider, for {@link VectorMath} to call without this hop. */
  VectorKernels kernels() {
    return kernels;
  }

  @Override
  public String name() {
    return "panama";
  }

  @Override
  public int priority() {
    return 100;
  }

  @Override
  public float dotProduct(float[] a, int aOffset, float[] b, int bOffset, int length) {
    return kernels.dotProduct(a, aOffset, b, bOffset, length);
  }

  @Override
  public float cosine(float[] a, int aOffset, float[] b, int bOffset, int length) {
    return kernels.cosine(a, aOffset, b, bOffset, length);
  }

  @Override
  public float squareDistance(float[] a, int aOffset, float[] b, int bOffset, int length) {
    return kernels.squareDistance(a, aOffset, b, bOffset, length);
  }

  @Override
  public float manhattan(float[] a, int aOffset, float[] b, int bOffset, int length) {
    return kernels.manhattan(a, aOffset, b, bOffset, length);
  }

  @Override
  public int signHamming(float[] a, int aOffset, float[] b, int bOffset, int length) {
    return kernels.signHamming(a, aOffset, b, bOffset, length);
  }

  @Override
  public int hamming(long[] a, int aOffset, long[] b, int bOffset, int words) {
    // The scalar provider's loop, not the same loop behind a second interface call: at 512
    // bits that hop made this provider's call 10.3 ns against the scalar provider's 8.6 (session
    // 3's benchmarks), and a hand-unrolled loop with two counters was slower still (15.0 against
    // 9.4 ns), as it keeps C2 from compiling the plain loop its own way. popcnt does 64 bits an
    // instruction, so there is nothing for the Vector API to add here.
    return ScalarVectorKernels.INSTANCE.hamming(a, aOffset, b, bOffset, words);
  }
}
