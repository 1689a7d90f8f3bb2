#!/usr/bin/env bash
# Builds forge's libFuzzer targets (tests/fuzz/, clang, with AddressSanitizer and
# UndefinedBehaviorSanitizer) into build-fuzz/ and runs each for SECONDS (default 20) on its seed
# corpus (tests/fuzz/corpus/<target>/, copied: new inputs go to build-fuzz/corpus/). Exits
# non-zero when a target crashes, leaking memory or breaking its checked property; the input is
# kept as build-fuzz/crash-*.
#   bash scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ -DFORGE_FUZZ=ON >/dev/null
cmake --build build-fuzz --target fuzz_targets
export LSAN_OPTIONS=suppressions=$PWD/tests/fuzz/lsan.supp
for target in manifest flags checkpoint_frame checkpoint metrics_csv include_scanner tensorboard idx csv weights_file \
  image_decode; do
  corpus=build-fuzz/corpus/$target
  mkdir -p "$corpus"
  cp -n tests/fuzz/corpus/$target/* "$corpus"/ 2>/dev/null || true
  echo "fuzz: $target for $seconds s"
  ./build-fuzz/tests/fuzz/${target}_fuzz "$corpus" -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix=build-fuzz/crash-$target- 2>build-fuzz/$target.log || {
    tail -40 build-fuzz/$target.log
    echo "fuzz: $target failed; the input is build-fuzz/crash-$target-*" >&2
    exit 1
  }
  grep -E "stat::number_of_executed_units|cov:" build-fuzz/$target.log | tail -2 | tr '\n' ' '
  echo
done
