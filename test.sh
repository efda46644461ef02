#!/usr/bin/env bash
# Runs every test: unit tests, and (as root) the ones on the real kernel and the real container node.
# Usage: sudo ./test.sh [maven args…]      (./mvnw -Pfast test skips the root-only tests)
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/prereqs.sh
. scripts/java.sh
exec ./mvnw -B verify "$@"
