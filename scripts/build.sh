#!/usr/bin/env bash
# Configures and builds forge, its built-in plugins and its tests into build/ (Release).
# Clang by default (CXX overrides it): forge compiles plugins at run time with the compiler
# that built it, and Clang's precompiled torch header, which keeps its template
# instantiations, compiles a plugin in about half GCC's time.
#   bash scripts/build.sh                Debian's libtorch, into build/
#   bash scripts/build.sh --torch pypi   the PyPI wheel's (scripts/setup.sh --torch pypi), into
#                                        build-pypi/
set -euo pipefail
cd "$(dirname "$0")/.."
compiler=${CXX:-clang++}
build=build
prefix=()
case ${1:-} in
  "") ;;
  --torch)
    case ${2:-} in
      system) ;;
      pypi)
        build=build-pypi
        [[ -x .venv-torch/bin/python ]] || { echo "no .venv-torch: run bash scripts/setup.sh --torch pypi" >&2; exit 2; }
        # The wheel's package folder first: its lib/ must win over a system libtorch's.
        torch_dir=$(.venv-torch/bin/python -c 'import os, torch; print(os.path.dirname(torch.__file__))' 2>/dev/null)
        prefix=("-DCMAKE_PREFIX_PATH=$torch_dir;$torch_dir/share/cmake")
        ;;
      *) echo "usage: bash scripts/build.sh [--torch system|pypi]" >&2; exit 2 ;;
    esac
    ;;
  *) echo "usage: bash scripts/build.sh [--torch system|pypi]" >&2; exit 2 ;;
esac
cached=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' $build/CMakeCache.txt 2>/dev/null || true)
# A build folder configured with another compiler cannot switch in place: start it afresh.
if [[ -n $cached && $(readlink -f "$cached") != $(readlink -f "$(command -v "$compiler")") ]]; then
  echo "$build/ was configured with $cached; reconfiguring it for $compiler" >&2
  rm -rf $build
fi
cmake -S . -B $build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER="$compiler" "${prefix[@]}"
cmake --build $build
