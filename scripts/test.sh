#!/usr/bin/env bash
# Builds t2sql and runs the whole test suite: the release build (all tests, model part included),
# then the ASan+UBSan build of the core on the fast tests, then the libFuzzer targets for a short
# run each (clang; T2SQL_FUZZ_SECONDS, default 20).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
# Paths relative to the checkout, so a second clone reuses the compiler cache.
export CCACHE_BASEDIR="$PWD"
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs"
ctest --preset release
if [[ "${T2SQL_SKIP_ASAN:-0}" != 1 ]]; then
  cmake --preset asan >/dev/null
  cmake --build --preset asan -j "$jobs"
  ctest --preset asan
fi
if [[ "${T2SQL_SKIP_FUZZ:-0}" != 1 ]]; then
  cmake --preset fuzz -DT2SQL_FUZZ_SECONDS="${T2SQL_FUZZ_SECONDS:-20}" >/dev/null
  cmake --build --preset fuzz -j "$jobs"
  ctest --preset fuzz
fi
