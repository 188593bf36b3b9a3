// Where t2sql finds its shipped data (vendored Spider) and the embedded default model. Data:
// $T2SQL_DATA_DIR, then `data/` above the running executable (build/<preset>/t2sql -> ../../data),
// then the source tree's data/ compiled in at build time. Model: $T2SQL_MODEL_DIR, else
// models/default beside that data/ folder.
#pragma once

#include <filesystem>

namespace t2sql {

std::filesystem::path data_dir();
std::filesystem::path default_spider_dir();   // data_dir()/spider
std::filesystem::path default_model_dir();    // $T2SQL_MODEL_DIR or data_dir()/../models/default
std::filesystem::path executable_dir();

}  // namespace t2sql
