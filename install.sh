#!/usr/bin/env bash
# Builds kscope and installs it on this node: /opt/kscope, with `kscope` and `kubectl-kscope` in /usr/local/bin.
# Usage: sudo ./install.sh [PREFIX]
set -euo pipefail
cd "$(dirname "$0")"
prefix=${1:-/opt/kscope}
bash scripts/prereqs.sh
. scripts/java.sh
./mvnw -q -B -DskipTests package
rm -rf "$prefix.new" && mkdir -p "$(dirname "$prefix")"
cp -r cli/target/kscope "$prefix.new"
# Train the JDK's AOT cache (JEP 483/514) on a real run, so later starts skip class loading and linking.
flags=$(sed -n 's/^flags=(\(.*\))$/\1/p' "$prefix.new/bin/kscope")
# shellcheck disable=SC2086
"$JAVA_HOME/bin/java" -XX:AOTCacheOutput="$prefix.new/lib/kscope.aot" $flags -cp "$prefix.new/lib/*" dev.kscope.cli.Kscope \
  trace exec --timeout 1s -o json >/dev/null 2>"$prefix.new/aot-training.log" || {
    echo "install: AOT training run failed (kscope still works, starting slower): see $prefix.new/aot-training.log" >&2; rm -f "$prefix.new/lib/kscope.aot"; }
rm -rf "$prefix" && mv "$prefix.new" "$prefix"
ln -sf "$prefix/bin/kscope" /usr/local/bin/kscope
[ -f "$prefix/bin/kubectl-kscope" ] && ln -sf "$prefix/bin/kubectl-kscope" /usr/local/bin/kubectl-kscope
echo "installed: $(/usr/local/bin/kscope --version) in $prefix"
