package io.github.embeddings4j.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.core.data.ImageFolder;
import io.github.embeddings4j.core.image.ImageDecoder;
import io.github.embeddings4j.core.image.InputFormat;
import io.github.embeddings4j.core.zoo.ZooModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The streaming batches: bounded memory over a large folder, seeded augmentation. */
class FolderBatchesTest {

  private static final InputFormat TINY = ZooModel.SQUEEZENET.inputFormat().withSize(8, 8);

  @Test
  void twentyThousandImagesStreamWithAtMostTwoBatchesDecoded(@TempDir Path dir) throws Exception {
    int perClass = 10_000;
    Random random = new Random(5);
    byte[][] pngs = {PhotoFolders.png(8, 0, random), PhotoFolders.png(8, 1, random)};
    for (int c = 0; c < 2; c++) {
      Path d = Files.createDirectories(dir.resolve("c" + c));
      for (int i = 0; i < perClass; i++) {
        Files.write(d.resolve(i + ".png"), pngs[c]);
      }
    }
    ImageFolder folder = ImageFolder.scan(dir);
    int batch = 64;
    int[] order = new int[folder.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = order.length - 1 - i;
    }
    Map<Path, String> skipped = new ConcurrentHashMap<>();
    int seen = 0;
    int[] perLabel = new int[2];
    try (FolderBatches batches = new FolderBatches(folder.entries(), order, batch, 2, TINY,
        ImageDecoder.defaults(), Augmentation.defaults(), 1, 1, skipped, (f, w) -> { }, true)) {
      while (batches.hasNext()) {
        try (FolderBatches.Batch b = batches.next()) {
          seen += b.size();
          for (int l : b.labelIndices()) {
            perLabel[l]++;
          }
          assertTrue(batches.liveImages() <= 2 * batch, "live " + batches.liveImages());
        }
      }
      assertEquals(0, batches.liveImages());
      assertTrue(batches.maxLiveImages() <= 2 * batch, "max live " + batches.maxLiveImages());
      assertTrue(batches.maxLiveImages() >= batch, "max live " + batches.maxLiveImages());
    }
    assertEquals(20_000, seen);
    assertArrayEquals(new int[] {perClass, perClass}, perLabel);
    assertTrue(skipped.isEmpty());
  }

  @Test
  void augmentationDependsOnSeedEpochAndImageOnly(@TempDir Path dir) throws Exception {
    ImageFolder folder = ImageFolder.scan(PhotoFolders.write(dir, 24, 9, 3, 3));
    int[] order = {0, 1, 2, 3, 4, 5};
    float[] a = firstBatch(folder, order, 1, 1, true);
    float[] b = firstBatch(folder, order, 1, 1, false);
    assertArrayEquals(a, b, "prefetch thread changed the pixels");
    assertNotEquals(java.util.Arrays.hashCode(a),
        java.util.Arrays.hashCode(firstBatch(folder, order, 1, 2, false)), "epoch 2 = epoch 1");
    assertNotEquals(java.util.Arrays.hashCode(a),
        java.util.Arrays.hashCode(firstBatch(folder, order, 2, 1, false)), "seed 2 = seed 1");
  }

  private static float[] firstBatch(ImageFolder folder, int[] order, long seed, int epoch,
      boolean prefetch) {
    try (FolderBatches batches = new FolderBatches(folder.entries(), order, 3, 2,
        ZooModel.SQUEEZENET.inputFormat().withSize(16, 16), ImageDecoder.defaults(),
        Augmentation.defaults(), seed, epoch, new ConcurrentHashMap<>(), (f, w) -> { },
        prefetch);
        FolderBatches.Batch b = batches.next()) {
      return b.features().dup().data().asFloat();
    }
  }
}
