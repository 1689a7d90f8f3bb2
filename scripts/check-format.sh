#!/usr/bin/env bash
# Checks that every C++ file of the project is laid out as .clang-format says (tests/data/ and
# tests/fuzz/corpus/ hold inputs, left as written).
#   --fix   rewrite the files instead
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' | grep -v -e '^tests/data/' -e '^tests/fuzz/corpus/')
if [[ ${1:-} == --fix ]]; then
  clang-format -i "${files[@]}"
else
  clang-format --dry-run -Werror "${files[@]}"
  echo "clang-format: ${#files[@]} files as .clang-format says"
fi
