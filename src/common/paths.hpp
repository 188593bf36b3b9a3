// Where t2sql finds its shipped data (vendored Spider, embedded model). Order:
// $T2SQL_DATA_DIR, then `data/` above the running executable (build/<preset>/t2sql -> ../../data),
// then the source tree's data/ compiled in at build time.
#pragma once

#include <filesystem>

namespace t2sql {

std::filesystem::path data_dir();
std::filesystem::path default_spider_dir();   // data_dir()/spider
std::filesystem::path default_model_dir();    // data_dir()/model (the embedded default model)
std::filesystem::path executable_dir();

}  // namespace t2sql
