#!/usr/bin/env bash
# Compiles every gadget's *.bpf.c (kept next to its Java code) into a CO-RE object packed beside its classes:
#   src/main/java/dev/kscope/gadgets/trace/exec/exec.bpf.c -> target/classes/dev/kscope/gadgets/trace/exec/exec.bpf.o
# Usage: build-bpf.sh [SOURCE_ROOT OUTPUT_ROOT]   (defaults: src/main/java target/classes; tests: src/test/java target/test-classes)
# vmlinux.h comes from the build machine's BTF; CO-RE relocations make the objects run on other kernels.
set -euo pipefail
module_dir=$(cd "$(dirname "$0")" && pwd)
src="$module_dir/${1:-src/main/java}"
out="$module_dir/${2:-target/classes}"
[ -d "$src" ] || exit 0
gen="$module_dir/target/bpf-include"
mkdir -p "$gen"
CLANG=${CLANG:-clang}
command -v "$CLANG" >/dev/null || { echo "build-bpf: clang not found (apt-get install clang llvm libbpf-dev bpftool)" >&2; exit 1; }
if [ ! -s "$gen/vmlinux.h" ]; then
  btf=${KSCOPE_BTF:-/sys/kernel/btf/vmlinux}
  [ -r "$btf" ] || { echo "build-bpf: $btf missing: the build needs a kernel with BTF (CONFIG_DEBUG_INFO_BTF=y) or KSCOPE_BTF=<file>" >&2; exit 1; }
  bpftool btf dump file "$btf" format c > "$gen/vmlinux.h.tmp"
  mv "$gen/vmlinux.h.tmp" "$gen/vmlinux.h"
fi
arch=$(uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
find "$src" -name '*.bpf.c' | while read -r c; do
  rel=${c#"$src"/}
  obj="$out/${rel%.c}.o"
  if [ "$obj" -nt "$c" ] && [ -z "$(find "$(dirname "$c")" "$module_dir/src/main/bpf" -newer "$obj" -name '*.h' | head -1)" ]; then continue; fi
  mkdir -p "$(dirname "$obj")"
  "$CLANG" -g -O2 -target bpf -D__TARGET_ARCH_$arch -Wall -Werror \
    -I"$gen" -I"$module_dir/src/main/bpf" -I"$(dirname "$c")" \
    -c "$c" -o "$obj.tmp"
  llvm-strip -g "$obj.tmp" 2>/dev/null || true
  mv "$obj.tmp" "$obj"
  echo "build-bpf: $rel"
done
