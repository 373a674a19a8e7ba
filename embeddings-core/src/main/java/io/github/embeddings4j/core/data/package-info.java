/**
 * Labelled datasets: {@link io.github.embeddings4j.core.data.IdxFile} reads the IDX format of
 * MNIST and Fashion-MNIST (plain or gzip), {@link io.github.embeddings4j.core.data.FashionMnist}
 * finds and loads Fashion-MNIST, {@link io.github.embeddings4j.core.data.ImageFolder} reads a
 * folder-per-class image dataset, and {@link io.github.embeddings4j.core.data.StratifiedSplit}
 * cuts any of them into seeded, stratified parts.
 */
package io.github.embeddings4j.core.data;
