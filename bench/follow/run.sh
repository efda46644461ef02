#!/bin/sh
# Pod start-to-capture on the real test node (root): kscope capture -l following new pods vs. tcpdump -i any on
# the host, which sees a new pod's host-side veth the moment it exists. Counts whether the request a pod's
# entrypoint sends at once, and one sent a second later, are in each file.
# Usage: flock /tmp/kscope-bench.lock bench/follow/run.sh [PODS]   (default 5)
set -eu
cd "$(dirname "$0")/../.."
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
./mvnw -q -B -pl capture -am test -Dtest=FollowLatencyBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
  -Dkscope.bench=true -Dkscope.bench.pods="${1:-5}" 2>&1 | grep -E '^(pod start-to-capture|request sent|load average)'
