/**
 * The pictures and pages the command-line tool leaves behind: a 2-D scatter plot coloured by
 * label or cluster, contact sheets of thumbnails, a nearest-neighbour gallery, and the {@code
 * index.html} that ties a report folder together. Plain Java2D and HTML, no other dependency.
 */
package io.github.embeddings4j.cli.report;
