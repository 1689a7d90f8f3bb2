#!/usr/bin/env bash
# Builds forge and its unit tests with AddressSanitizer (leak checking included) and
# UndefinedBehaviorSanitizer (clang) into build-asan/ and runs the unit tests there. On demand
# (a build of its own, about 3 minutes here): the result goes into the closing note of the work
# that ran it.
#   bash scripts/sanitize.sh [gtest filter]
set -euo pipefail
cd "$(dirname "$0")/.."
flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" -DCMAKE_SHARED_LINKER_FLAGS="$flags" \
  -DCMAKE_MODULE_LINKER_FLAGS="$flags" >/dev/null
cmake --build build-asan --target forge_unit_tests forge forge-engine forge_plugin_pch mnist synthetic csv mlp cnn gan \
  not_a_plugin no_load_plugin other_abi_plugin
export ASAN_OPTIONS=abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1
./build-asan/tests/forge_unit_tests --gtest_filter="${1:-*}"
