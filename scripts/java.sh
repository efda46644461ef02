# Sourced: points JAVA_HOME at a JDK 25 (the node's default java is older).
for j in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/java-25-openjdk-amd64; do
  if [ -n "$j" ] && [ -f "$j/release" ] && grep -qE 'JAVA_VERSION="(2[5-9]|[3-9][0-9])' "$j/release"; then export JAVA_HOME=$j; break; fi
done
if [ -z "${JAVA_HOME:-}" ] || ! grep -qE 'JAVA_VERSION="(2[5-9]|[3-9][0-9])' "$JAVA_HOME/release" 2>/dev/null; then
  echo "kscope: a JDK 25 is needed to build (install Temurin 25 to /usr/lib/jvm/temurin-25-jdk-amd64 or set JAVA_HOME)" >&2
  return 1 2>/dev/null || exit 1
fi
