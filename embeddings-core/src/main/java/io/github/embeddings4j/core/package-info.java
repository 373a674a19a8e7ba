/**
 * The CPU implementation of embeddings4j, on ND4J, DataVec and the Deeplearning4j model zoo.
 * Each subpackage is a room with one job, importing only from the rooms below it in the data
 * flow (image, model, vector, reduce / search / cluster, eval):
 *
 * <ul>
 *   <li>{@code backend}: picks the fastest native ND4J build for the CPU and switches on the
 *       oneDNN layer helpers ({@code NativeFlavour}, {@code OneDnn});</li>
 *   <li>{@code image}: decoding and validation before any pixel reaches a network, resizing and
 *       centre-cropping into each model's input format ({@code ImageDecoder}, {@code
 *       InputFormat});</li>
 *   <li>{@code zoo}: embedders on the model zoo's CNNs with ImageNet, file or random weights
 *       ({@code ZooEmbedder}, {@code ZooModel}, {@code Weights});</li>
 *   <li>{@code vector}: the metric kernels on the JDK Vector API or plain Java ({@code
 *       VectorMath});</li>
 *   <li>{@code reduce}: PCA and binary codes ({@code Pca}, {@code ThresholdBinarizer}, {@code
 *       SimHash});</li>
 *   <li>{@code search}: exact top-k over float vectors and binary codes ({@code FlatIndex},
 *       {@code BinaryIndex}, the API's {@code NeighborIndex}), and batch scoring through matrix
 *       products ({@code BatchScorer});</li>
 *   <li>{@code cluster}: k-means ({@code KMeans});</li>
 *   <li>{@code classify}: k-nearest-neighbour votes on any index ({@code KnnClassifier});</li>
 *   <li>{@code train} and {@code eval}: training, fine-tuning, hyperparameter search and the
 *       measures of embedding quality;</li>
 *   <li>{@code data}: datasets on disk (IDX files such as Fashion-MNIST, folders of images);</li>
 *   <li>{@code io}: {@code .npy} matrices and the checksummed, atomically written container of
 *       every saved model and index.</li>
 * </ul>
 */
package io.github.embeddings4j.core;
