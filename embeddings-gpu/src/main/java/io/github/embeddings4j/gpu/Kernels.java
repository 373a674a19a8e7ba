package io.github.embeddings4j.gpu;

import static org.bytedeco.cuda.global.cudart.cuGetErrorString;
import static org.bytedeco.cuda.global.cudart.cuLaunchKernel;
import static org.bytedeco.cuda.global.cudart.cuModuleGetFunction;
import static org.bytedeco.cuda.global.cudart.cuModuleLoadData;
import static org.bytedeco.cuda.global.cudart.cuModuleUnload;
import static org.bytedeco.cuda.global.nvrtc.nvrtcCompileProgram;
import static org.bytedeco.cuda.global.nvrtc.nvrtcCreateProgram;
import static org.bytedeco.cuda.global.nvrtc.nvrtcDestroyProgram;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetCUBIN;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetCUBINSize;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetErrorString;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetNumSupportedArchs;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetPTX;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetPTXSize;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetProgramLog;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetProgramLogSize;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetSupportedArchs;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.cuda.cudart.CUfunc_st;
import org.bytedeco.cuda.cudart.CUmod_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.nvrtc._nvrtcProgram;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.javacpp.SizeTPointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The index's CUDA kernels ({@code select.cu}): compiled by NVRTC for the GPU's architecture
 * once per JVM and size of candidate list, then loaded into each index's context.
 *
 * <p>The selection kernel keeps each thread's candidates in an array of {@code KMAX} entries,
 * so the source is compiled once per power of two from 32 to {@link #MAX_CANDIDATES}; a search
 * asking for more candidates than that is left to the CPU.
 */
final class Kernels {

  private static final Logger LOG = LoggerFactory.getLogger(Kernels.class);

  /** The most candidates per query the selection kernel keeps. */
  static final int MAX_CANDIDATES = 1024;

  /** Compiled images by architecture and list size, e.g. "sm_90/32". */
  private static final Map<String, byte[]> IMAGES = new ConcurrentHashMap<>();

  private Kernels() {}

  /** The list size compiled for {@code candidates}: the next power of two from 32. */
  static int listSize(int candidates) {
    if (candidates > MAX_CANDIDATES) {
      throw new IllegalArgumentException("at most " + MAX_CANDIDATES + " candidates: "
          + candidates);
    }
    int size = 32;
    while (size < candidates) {
      size <<= 1;
    }
    return size;
  }

  /** The kernel source, from the jar. */
  static String source() {
    try (InputStream in = Kernels.class.getResourceAsStream("select.cu")) {
      if (in == null) {
        throw new IllegalStateException("select.cu is missing from the embeddings-gpu jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("reading select.cu from the embeddings-gpu jar", e);
    }
  }

  /**
   * The kernels compiled for one architecture and list size: a CUBIN for {@code sm_XY} where
   * this NVRTC knows the architecture, else PTX for the newest one it knows below it, which
   * the driver compiles for the GPU (a GPU newer than the CUDA bindings).
   */
  static byte[] image(int sm, int listSize) {
    return IMAGES.computeIfAbsent("sm_" + sm + "/" + listSize, key -> {
      String target = target(sm, supportedArchitectures());
      if (target.startsWith("compute_")) {
        LOG.info("NVRTC has no machine code for sm_{}: compiling PTX for {}, which the driver"
            + " compiles for the GPU", sm, target);
      }
      return compile("--gpu-architecture=" + target, listSize, target.startsWith("sm_"));
    });
  }

  /**
   * What to compile for a GPU of compute capability {@code sm} (e.g. 90 for 9.0): {@code
   * sm_XY} when NVRTC supports it, else {@code compute_XY} of the newest supported
   * architecture below it.
   *
   * @param supported the architectures NVRTC supports, as {@code nvrtcGetSupportedArchs}
   *     lists them
   * @throws GpuException if every supported architecture is newer than the GPU
   */
  static String target(int sm, int[] supported) {
    int below = -1;
    int oldest = Integer.MAX_VALUE;
    for (int a : supported) {
      if (a == sm) {
        return "sm_" + sm;
      }
      if (a < sm) {
        below = Math.max(below, a);
      }
      oldest = Math.min(oldest, a);
    }
    if (supported.length == 0) {
      throw new GpuException("NVRTC lists no architecture it compiles for");
    }
    if (below < 0) {
      throw new GpuException("this NVRTC compiles for compute capability " + oldest / 10 + "."
          + oldest % 10 + " and newer; the GPU's is " + sm / 10 + "." + sm % 10 + ": use an"
          + " older CUDA, or the CPU");
    }
    return "compute_" + below;
  }

  /** The architectures this NVRTC compiles for, e.g. {75, 80, ..., 120}. */
  static int[] supportedArchitectures() {
    int[] count = new int[1];
    checkNvrtc(nvrtcGetNumSupportedArchs(count), "nvrtcGetNumSupportedArchs", null);
    int[] archs = new int[count[0]];
    checkNvrtc(nvrtcGetSupportedArchs(archs), "nvrtcGetSupportedArchs", null);
    return archs;
  }

  private static byte[] compile(String arch, int listSize, boolean cubin) {
    try (PointerScope scope = new PointerScope()) {
      _nvrtcProgram program = new _nvrtcProgram();
      checkNvrtc(nvrtcCreateProgram(program, new BytePointer(source()),
          new BytePointer("select.cu"), 0, (PointerPointer<?>) null, (PointerPointer<?>) null),
          "nvrtcCreateProgram", null);
      try {
        String[] options = {arch, "-DKMAX=" + listSize, "-DTHREADS=" + MemoryPlan.THREADS,
            "--std=c++17"};
        int rc = nvrtcCompileProgram(program, options.length, new PointerPointer<>(options));
        checkNvrtc(rc, "nvrtcCompileProgram(" + String.join(" ", options) + ")", program);
        SizeTPointer size = new SizeTPointer(1);
        checkNvrtc(cubin ? nvrtcGetCUBINSize(program, size) : nvrtcGetPTXSize(program, size),
            "nvrtcGetCUBINSize", program);
        byte[] image = new byte[(int) size.get()];
        BytePointer out = new BytePointer(size.get());
        checkNvrtc(cubin ? nvrtcGetCUBIN(program, out) : nvrtcGetPTX(program, out),
            "nvrtcGetCUBIN", program);
        out.get(image);
        return image;
      } finally {
        nvrtcDestroyProgram(program);
      }
    }
  }

  private static void checkNvrtc(int rc, String call, _nvrtcProgram program) {
    if (rc == 0) {
      return;
    }
    String log = "";
    if (program != null) {
      SizeTPointer size = new SizeTPointer(1);
      if (nvrtcGetProgramLogSize(program, size) == 0 && size.get() > 1) {
        BytePointer text = new BytePointer(size.get());
        nvrtcGetProgramLog(program, text);
        log = "\n" + text.getString();
      }
    }
    throw new GpuException(call + " failed: " + nvrtcGetErrorString(rc).getString() + log);
  }

  /** Throws a {@link GpuException} naming a driver-API call unless {@code rc} is success. */
  static void checkDriver(int rc, String call) {
    if (rc != 0) {
      try (PointerPointer<?> text = new PointerPointer<>(1)) {
        String words = cuGetErrorString(rc, text) == 0 && text.get(0) != null
            ? new BytePointer(text.get(0)).getString() : "unknown error";
        throw new GpuException(call + " failed: " + words + " (CUDA driver error " + rc + ")");
      }
    }
  }

  /** The kernels of one list size, loaded into the current context. */
  static final class Loaded implements AutoCloseable {
    final CUmod_st module = new CUmod_st();
    final CUfunc_st select = new CUfunc_st();
    final CUfunc_st toFloat16 = new CUfunc_st();
    final CUfunc_st toBfloat16 = new CUfunc_st();

    Loaded(int sm, int listSize) {
      byte[] image = image(sm, listSize);
      // PTX must end with a NUL; a CUBIN ignores the extra byte.
      BytePointer data = new BytePointer(image.length + 1L);
      data.put(image, 0, image.length).put(image.length, (byte) 0);
      checkDriver(cuModuleLoadData(module, data), "cuModuleLoadData(select.cu, sm_" + sm + ")");
      data.close();
      checkDriver(cuModuleGetFunction(select, module, "select_nearest"),
          "cuModuleGetFunction(select_nearest)");
      checkDriver(cuModuleGetFunction(toFloat16, module, "to_float16"),
          "cuModuleGetFunction(to_float16)");
      checkDriver(cuModuleGetFunction(toBfloat16, module, "to_bfloat16"),
          "cuModuleGetFunction(to_bfloat16)");
    }

    @Override
    public void close() {
      cuModuleUnload(module);
    }
  }

  /**
   * Launches a kernel on a stream. Arguments are {@link Long}s (device addresses and 64-bit
   * integers), {@link Integer}s and {@link Float}s, in the kernel's order.
   */
  static void launch(CUfunc_st function, String name, int gridX, int gridY, int threads,
      CUstream_st stream, Object... args) {
    try (PointerScope scope = new PointerScope()) {
      PointerPointer<Pointer> params = new PointerPointer<>(args.length);
      for (int i = 0; i < args.length; i++) {
        Object a = args[i];
        Pointer value;
        if (a instanceof Long l) {
          value = new LongPointer(1).put(l);
        } else if (a instanceof Integer n) {
          value = new IntPointer(1).put(n);
        } else if (a instanceof Float f) {
          value = new FloatPointer(1).put(f);
        } else {
          throw new IllegalArgumentException("kernel argument " + i + " of " + name + ": " + a);
        }
        params.put(i, value);
      }
      checkDriver(cuLaunchKernel(function, gridX, gridY, 1, threads, 1, 1, 0, stream, params,
          null), "cuLaunchKernel(" + name + ", grid " + gridX + " x " + gridY + ")");
    }
  }
}
