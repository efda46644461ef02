#!/usr/bin/env bash
# Installs what building and testing kscope needs on a Debian 12 node (idempotent, as root):
# the Debian packages listed in .ci/packages-*.txt, then each .ci/setup-*.sh (services the tests use).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then echo "prereqs: run as root (sudo $0)" >&2; exit 1; fi
pkgs=$(cat .ci/packages-*.txt | sed 's/#.*//' | tr -s ' \n' '\n' | sort -u | grep -v '^$')
missing=$(for p in $pkgs; do dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"; done)
if [ -n "$missing" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
for s in .ci/setup-*.sh; do
  [ -f "$s" ] && bash "$s"
done
. scripts/java.sh
echo "prereqs: ok ($(basename "$JAVA_HOME"))"
