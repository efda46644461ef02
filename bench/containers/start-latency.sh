#!/bin/sh
# Container start-to-known latency on the real test node (root): kscope's container collection vs. CRI polling.
# Usage: bench/containers/start-latency.sh [PODS]   (default 20)
set -eu
cd "$(dirname "$0")/../.."
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
./mvnw -q -B -pl containers -am test -Dtest=StartLatencyBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
  -Dkscope.bench=true -Dkscope.bench.pods="${1:-20}" 2>&1 | sed -n -e '/kscope: warning/p' -e '/container start-to-known latency/,/idle CPU/p'
