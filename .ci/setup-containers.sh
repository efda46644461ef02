#!/bin/sh
# Prepares the real container node the tests start (dev.kscope.testnode.TestNode): checks the apt packages of
# .ci/packages-containers.txt and builds the local busybox OCI image (nothing can be pulled). Idempotent; root.
set -eu
R=$(cd "$(dirname "$0")/.." && pwd); P=${KSCOPE_NODE:-/tmp/kscope-node}
for b in /usr/bin/containerd /usr/bin/ctr /usr/sbin/runc /usr/lib/cni/bridge /bin/busybox /usr/bin/podman; do
  [ -x "$b" ] || { echo "setup-containers: $b missing (apt-get install \$(cat .ci/packages-containers.txt))" >&2; exit 1; }
done
mkdir -p "$P"
[ -f "$P/busybox.tar" ] && [ -f "$P/busybox-rootfs.tar" ] || \
  sh "$R/testnode/src/main/resources/dev/kscope/testnode/mkimage.sh" "$P/busybox.tar" localhost/busybox:1.35 /bin/sleep 2147483647
echo "setup-containers: node image ready in $P"
