#!/usr/bin/env bash
# Configures and builds forge, its built-in plugins and its tests into build/ (Release).
# Clang by default (CXX overrides it): forge compiles plugins at run time with the compiler
# that built it, and Clang's precompiled torch header, which keeps its template
# instantiations, compiles a plugin in about half GCC's time.
set -euo pipefail
cd "$(dirname "$0")/.."
compiler=${CXX:-clang++}
cached=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' build/CMakeCache.txt 2>/dev/null || true)
# A build folder configured with another compiler cannot switch in place: start it afresh.
if [[ -n $cached && $(readlink -f "$cached") != $(readlink -f "$(command -v "$compiler")") ]]; then
  echo "build/ was configured with $cached; reconfiguring it for $compiler" >&2
  rm -rf build
fi
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER="$compiler"
cmake --build build
