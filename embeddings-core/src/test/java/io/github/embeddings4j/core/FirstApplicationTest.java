package io.github.embeddings4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.embeddings4j.api.EmbeddingResult;
import io.github.embeddings4j.api.Neighbor;
import io.github.embeddings4j.api.StandardMetric;
import io.github.embeddings4j.core.cluster.KMeans;
import io.github.embeddings4j.core.cluster.KMeansOptions;
import io.github.embeddings4j.core.reduce.Pca;
import io.github.embeddings4j.core.search.FlatIndex;
import io.github.embeddings4j.core.search.NearDuplicates;
import io.github.embeddings4j.core.zoo.Weights;
import io.github.embeddings4j.core.zoo.ZooEmbedder;
import io.github.embeddings4j.core.zoo.ZooModel;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The code of docs/first-application.md, step by step: if this test changes, change the page.
 * It runs SqueezeNet with random weights on 64 x 64 inputs so that it is quick and needs no
 * download; the page uses ResNet50's ImageNet weights.
 */
class FirstApplicationTest {

  @TempDir Path dir;

  /** Eight pictures in two folders: bars and discs, each a little different. */
  private Path writePhotos() throws Exception {
    Path photos = dir.resolve("photos");
    for (String kind : new String[] {"bars", "discs"}) {
      Files.createDirectories(photos.resolve(kind));
      for (int i = 0; i < 4; i++) {
        BufferedImage img = new BufferedImage(80, 60, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 80, 60);
        g.setColor(new Color(40 * i, 20, 120));
        if (kind.equals("bars")) {
          g.fillRect(10 + 3 * i, 20, 55, 14);
        } else {
          g.fillOval(20 + 3 * i, 10, 36, 36);
        }
        g.dispose();
        ImageIO.write(img, "png", photos.resolve(kind + "/" + i + ".png").toFile());
      }
    }
    return photos;
  }

  @Test
  void embedIndexSearchReduceCluster() throws Exception {
    Path photos = writePhotos();

    // Step 1: an embedder.
    try (ZooEmbedder embedder = ZooEmbedder.builder(ZooModel.SQUEEZENET)
        .weights(Weights.random(42)).inputSize(64, 64).build()) {

      // Step 2: embed a folder into an index, keyed by the path relative to the folder.
      FlatIndex index = FlatIndex.builder(embedder.dimension())
          .metric(StandardMetric.COSINE).build();
      List<float[]> vectors = new ArrayList<>();
      long failed = embedder.embedFolder(photos, result -> {
        if (result instanceof EmbeddingResult.Success ok) {
          index.add(ok.name(), ok.vector());
          vectors.add(ok.vector());
        }
      }, progress -> System.out.println(progress.completed() + "/" + progress.total()));
      assertEquals(0, failed);
      assertEquals(8, index.size());
      assertEquals(512, index.dimension());

      // Step 3: search with a query image; save the index and load it back.
      float[] query = embedder.embed(photos.resolve("bars/2.png"));
      List<Neighbor> hits = index.search(query, 3);
      assertEquals("bars/2.png", index.key(hits.get(0).id()).orElseThrow());
      assertEquals(0.0, hits.get(0).distance(), 1e-6);
      assertTrue(hits.get(1).distance() > 0, hits.toString());
      Path saved = dir.resolve("photos.index");
      index.save(saved);
      FlatIndex again = FlatIndex.load(saved);
      assertEquals(hits, again.search(query, 3));

      // Step 3b: within a subset (the discs only), then without the query image itself.
      List<Neighbor> discs = index.search(query, 3,
          id -> index.key(id).orElse("").startsWith("discs/"));
      assertEquals(3, discs.size());
      for (Neighbor n : discs) {
        assertTrue(index.key(n.id()).orElseThrow().startsWith("discs/"), n.toString());
      }
      long self = index.id("bars/2.png").orElseThrow();
      List<Neighbor> others = index.search(query, 3, id -> id != self);
      assertEquals(hits.subList(1, 3), others.subList(0, 2));
      // Step 3c: a photo deleted from the folder leaves the index too.
      assertTrue(index.remove("bars/2.png"));
      assertEquals(others, index.search(query, 3));
      index.add("bars/2.png", query);
      // Step 3d: a copy under another name is a near-duplicate group.
      index.add("bars/1 (copy).png", embedder.embed(photos.resolve("bars/1.png")));
      NearDuplicates.Result dups = NearDuplicates.builder(1e-4).build().find(index, null);
      assertEquals(1, dups.groups().size(), dups.toString());
      assertEquals(List.of("bars/1.png", "bars/1 (copy).png"), dups.groups().get(0).ids()
          .stream().map(id -> index.key(id).orElseThrow()).toList());
      index.remove("bars/1 (copy).png");
      assertEquals(1, NearDuplicates.builder(0.01).build().find(index, null).groups().size(),
          "at random weights every picture is within 0.01 of the others, as the doc says");

      // Step 4: reduce to 4 dimensions with PCA.
      float[][] rows = vectors.toArray(new float[0][]);
      Pca pca = Pca.fit(rows, Pca.keep(4));
      float[][] small = pca.reduceAll(rows);
      assertEquals(4, small[0].length);

      // Step 5: two clusters with k-means.
      KMeans clusters = KMeans.fit(small, KMeansOptions.clusters(2).withSeed(7));
      assertEquals(8, clusters.assignments().length);
      int[] cluster = clusters.assignments(); // in the order embedded: bars, then discs
      assertEquals(8, Arrays.stream(clusters.clusterSizes()).sum());
      assertTrue(cluster[0] != cluster[4], Arrays.toString(cluster));
      for (int i = 0; i < 8; i++) {
        assertEquals(cluster[i < 4 ? 0 : 4], cluster[i], "bars with bars, discs with discs: "
            + Arrays.toString(cluster));
      }
    }
  }
}
