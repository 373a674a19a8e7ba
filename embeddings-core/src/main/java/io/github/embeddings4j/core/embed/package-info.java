/**
 * From images to vectors on a network: {@link io.github.embeddings4j.core.embed.NetworkEmbedder}
 * decodes, prepares and batches images, runs them on an inference engine's {@link
 * io.github.embeddings4j.core.embed.ForwardPass}, and pools what comes out ({@link
 * io.github.embeddings4j.core.embed.Pooling}). The zoo's CNNs ({@code core.zoo}) and ONNX models
 * ({@code core.onnx}) are the two kinds of network it serves.
 */
package io.github.embeddings4j.core.embed;
