package io.github.embeddings4j.core.backend;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An NVIDIA GPU as the driver reports it, found without loading CUDA: {@link #probe()} asks
 * {@code nvidia-smi}, so that the choice of ND4J backend can be made before ND4J starts.
 *
 * @param index the driver's device index
 * @param name the product name, e.g. {@code "NVIDIA A100-SXM4-40GB"}
 * @param major the compute capability's major part, {@code -1} when the driver does not say
 *     (drivers before 510 cannot report it)
 * @param minor the compute capability's minor part, {@code -1} when unknown
 * @param memoryBytes total device memory, {@code -1} when unknown
 * @param driver the driver version
 */
public record Gpu(int index, String name, int major, int minor, long memoryBytes,
    String driver) {

  private static final Logger LOG = LoggerFactory.getLogger(Gpu.class);

  /** The query: one CSV line per GPU, no header, memory in MiB. */
  static final List<String> QUERY = List.of("nvidia-smi",
      "--query-gpu=index,name,compute_cap,memory.total,driver_version",
      "--format=csv,noheader,nounits");

  /** The same without the compute capability, which drivers before 510 cannot report. */
  static final List<String> OLD_DRIVER_QUERY = List.of("nvidia-smi",
      "--query-gpu=index,name,memory.total,driver_version", "--format=csv,noheader,nounits");

  /**
   * Whether the compute capability is known.
   *
   * @return {@code false} when the driver did not report it
   */
  public boolean capabilityKnown() {
    return major >= 0 && minor >= 0;
  }

  /**
   * Whether ND4J 1.0.0-M2.1's CUDA build can run on this GPU ({@link CudaSupport}); a GPU of
   * unknown capability is given the benefit of the doubt.
   *
   * @return {@code true} when supported or unknown
   */
  public boolean supported() {
    return !capabilityKnown() || CudaSupport.canRun(major, minor);
  }

  /**
   * One line for logs and reports: name, capability, memory and whether it can be used.
   *
   * @return the description
   */
  public String describe() {
    String cc = capabilityKnown() ? major + "." + minor : "unknown";
    String mem = memoryBytes < 0 ? "" : String.format(Locale.ROOT, ", %.1f GiB",
        memoryBytes / (double) (1L << 30));
    if (!capabilityKnown()) {
      return "GPU " + index + ": " + name + " (compute capability unknown to driver " + driver
          + mem + ")";
    }
    return "GPU " + index + ": " + CudaSupport.verdict(name, major, minor) + mem;
  }

  /**
   * The machine's NVIDIA GPUs according to {@code nvidia-smi}, or none when it is absent, fails
   * or takes longer than 10 seconds.
   *
   * @return the GPUs, possibly empty
   */
  public static List<Gpu> probe() {
    List<Gpu> gpus = run(QUERY);
    return gpus != null ? gpus : java.util.Objects.requireNonNullElse(run(OLD_DRIVER_QUERY),
        List.of());
  }

  /** Runs one query: the GPUs, or null when nvidia-smi refused the query. */
  private static List<Gpu> run(List<String> command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      byte[] out;
      try (InputStream in = p.getInputStream()) {
        out = in.readNBytes(64 * 1024);
      }
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        LOG.warn("nvidia-smi did not answer within 10 s; assuming no usable GPU");
        return List.of();
      }
      String text = new String(out, StandardCharsets.UTF_8);
      if (p.exitValue() != 0) {
        LOG.debug("nvidia-smi failed ({}): {}", p.exitValue(), text.strip());
        return text.contains("compute_cap") ? null : List.of();
      }
      return parse(text);
    } catch (IOException e) {
      LOG.debug("no nvidia-smi: {}", e.toString());
      return List.of();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return List.of();
    }
  }

  /**
   * Parses the output of {@link #QUERY} (five fields) or {@link #OLD_DRIVER_QUERY} (four, no
   * compute capability). Lines that fit neither are skipped with a log line rather than failing
   * the whole probe.
   *
   * @param text the output
   * @return the GPUs
   */
  static List<Gpu> parse(String text) {
    List<Gpu> gpus = new ArrayList<>();
    for (String line : text.split("\\R")) {
      if (line.isBlank()) {
        continue;
      }
      String[] f = line.split(",");
      if (f.length == 4) {
        f = new String[] {f[0], f[1], "", f[2], f[3]};
      }
      if (f.length != 5) {
        LOG.debug("unexpected nvidia-smi line: {}", line);
        continue;
      }
      try {
        int major = -1;
        int minor = -1;
        String cc = f[2].strip();
        int dot = cc.indexOf('.');
        if (dot > 0) {
          major = Integer.parseInt(cc.substring(0, dot));
          minor = Integer.parseInt(cc.substring(dot + 1));
        }
        String mem = f[3].strip();
        long bytes = !mem.isEmpty() && mem.chars().allMatch(Character::isDigit)
            ? Long.parseLong(mem) << 20 : -1;
        gpus.add(new Gpu(Integer.parseInt(f[0].strip()), f[1].strip(), major, minor, bytes,
            f[4].strip()));
      } catch (NumberFormatException e) {
        LOG.debug("unexpected nvidia-smi line: {}", line);
      }
    }
    return gpus;
  }
}
