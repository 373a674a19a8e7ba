/**
 * The CPU implementation of embeddings4j, on ND4J, DataVec and the Deeplearning4j model zoo.
 * Each subpackage is a room with one job, importing only from the rooms below it in the data
 * flow (image, model, vector, reduce / search / cluster, eval):
 *
 * <ul>
 *   <li>{@code data}: datasets on disk (IDX files such as Fashion-MNIST, folders of images);</li>
 * </ul>
 */
package io.github.embeddings4j.core;
