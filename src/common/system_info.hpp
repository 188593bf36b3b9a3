// Facts about the machine that change results or speed: which BLAS LibTorch will load, core count.
#pragma once

#include <string>

namespace t2sql {

struct BlasInfo {
  std::string library_path;  // what libblas.so.3 resolves to
  std::string kind;          // "openblas-pthread", "openblas-openmp", "openblas-serial", "reference", "other", "missing"
  bool ok() const { return kind.rfind("openblas", 0) == 0; }
};

// Resolves the system libblas.so.3 (the one LibTorch links against) through its alternatives link.
BlasInfo system_blas();

// Finds the BLAS actually mapped into this process (after LibTorch is loaded), from /proc/self/maps.
BlasInfo loaded_blas();

int hardware_threads();

}  // namespace t2sql
