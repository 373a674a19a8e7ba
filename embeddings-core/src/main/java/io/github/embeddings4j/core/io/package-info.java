/**
 * Files: the checksummed container every model, index and code file of embeddings4j is stored
 * in ({@link io.github.embeddings4j.core.io.SdkFile}), written atomically, and refused with a
 * {@link io.github.embeddings4j.core.io.DamagedFileException} naming the file when it is
 * truncated or altered; and NumPy's {@code .npy} format for float matrices ({@link
 * io.github.embeddings4j.core.io.Npy}), so that NumPy and FAISS read what embeddings4j writes.
 */
package io.github.embeddings4j.core.io;
