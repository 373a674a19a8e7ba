/**
 * Images before they reach a network: decoding with {@code javax.imageio} and validation
 * ({@link io.github.embeddings4j.core.image.ImageDecoder}: size limits read from the header,
 * formats, colour spaces), resizing and centre-cropping into the tensor layout, colour order and
 * scaling a model expects ({@link io.github.embeddings4j.core.image.InputFormat}), and finding
 * the images in a folder tree ({@link io.github.embeddings4j.core.image.ImageFiles}).
 *
 * <p>Why {@code javax.imageio} rather than DataVec's {@code NativeImageLoader} (OpenCV): it
 * reads the image size from the header before decoding, so a decompression bomb is refused
 * before any pixel buffer is allocated; its failures are Java exceptions rather than native
 * crashes on hostile input; and it decodes GIF and palette, 16-bit and alpha PNGs whose handling
 * we control here (OpenCV drops alpha silently and reads GIF only in recent versions). The price
 * is that CMYK JPEGs need our own conversion, which {@code ImageDecoder} does.
 */
package io.github.embeddings4j.core.image;
