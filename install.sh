#!/usr/bin/env bash
# Builds kscope and installs it on this node: /opt/kscope, with `kscope` and `kubectl-kscope` in /usr/local/bin.
# Usage: sudo ./install.sh [--no-build] [PREFIX]
#   --no-build  install the distribution already built in cli/target/kscope
#   PREFIX      another place (e.g. /tmp/kscope-try): nothing is linked into /usr/local/bin then
set -euo pipefail
cd "$(dirname "$0")"
build=1
[ "${1:-}" = --no-build ] && { build=; shift; }
prefix=${1:-/opt/kscope}
if [ -n "$build" ]; then
  bash scripts/prereqs.sh
  . scripts/java.sh
  ./mvnw -q -B -DskipTests package
fi
rm -rf "$prefix.new" && mkdir -p "$(dirname "$prefix")"
cp -r cli/target/kscope "$prefix.new"
rm -rf "$prefix" && mv "$prefix.new" "$prefix"
# Train the JDK's AOT cache (JEP 483/514/515) on a real run in the final place (the cache is tied to the class path):
# later starts load and link kscope's classes from it, and the JIT starts from the event path's recorded profile.
( sleep 1.5; for _ in $(seq 3000); do /bin/true kscope-aot-training; done ) &
# ("trace" only picks the tracers' JVM flags in the launcher; the training runs AotTraining)
KSCOPE_AOT_TRAIN=1 "$prefix/bin/kscope" trace >/dev/null 2>"$prefix/aot-training.log" || {
  echo "install: AOT training run failed (kscope still works, starting slower): see $prefix/aot-training.log" >&2; rm -f "$prefix/lib/kscope.aot"; }
wait
if [ "$prefix" = /opt/kscope ]; then
  ln -sf "$prefix/bin/kscope" /usr/local/bin/kscope
  [ -f "$prefix/bin/kubectl-kscope" ] && ln -sf "$prefix/bin/kubectl-kscope" /usr/local/bin/kubectl-kscope
fi
echo "installed: $("$prefix/bin/kscope" --version) in $prefix"
