/**
 * Embedders on the convolutional networks of the Deeplearning4j model zoo: the facts of each
 * model ({@link io.github.embeddings4j.core.zoo.ZooModel}), where its weights come from ({@link
 * io.github.embeddings4j.core.zoo.Weights}: ImageNet and the zoo's other pretrained sets through
 * the zoo's own download and cache, a local model file, or random initialisation with a seed),
 * and the embedder itself ({@link io.github.embeddings4j.core.zoo.ZooEmbedder}): a named layer's
 * activations, globally pooled and optionally L2-normalised.
 */
package io.github.embeddings4j.core.zoo;
