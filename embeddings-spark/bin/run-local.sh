#!/usr/bin/env bash
# Runs a class of embeddings-spark with Spark in local mode on plain `java`, on the module's
# test class path (Spark, the core, the ND4J natives for this machine) and with the flags that
# Spark 3.5 needs on Java 17 (those spark-submit adds itself). From the repository root:
#
#   embeddings-spark/bin/run-local.sh io.github.embeddings4j.spark.EmbedJob --input DIR --output OUT
#   embeddings-spark/bin/run-local.sh io.github.embeddings4j.spark.SparkMeasurements throughput ...
#
# The master is local[*] unless -Dspark.master=... is given in JAVA_OPTS.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
cp_file=embeddings-spark/target/test-classpath.txt
if [[ ! -f "$cp_file" || -n "${REBUILD:-}" ]]; then
  mvn -B -q -o -DskipDocs -pl embeddings-spark -am test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test >&2
fi
cp="embeddings-spark/target/test-classes:embeddings-spark/target/classes:$(cat "$cp_file")"
opens=""
for p in java.lang java.lang.invoke java.lang.reflect java.io java.net java.nio java.util \
    java.util.concurrent java.util.concurrent.atomic jdk.internal.ref sun.nio.ch sun.nio.cs \
    sun.security.action sun.util.calendar; do
  opens="$opens --add-opens=java.base/$p=ALL-UNNAMED"
done
exec java -Xmx${HEAP:-6g} --add-modules jdk.incubator.vector $opens \
  -Djdk.reflect.useDirectMethodHandle=false -Dio.netty.tryReflectionSetAccessible=true \
  ${JAVA_OPTS:-} -cp "$cp" "$@"
