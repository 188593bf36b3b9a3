// Facts about the machine that change results or speed: which BLAS LibTorch will load, core count.
#pragma once

#include <cstdint>
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

// This process's peak resident set size in bytes (VmHWM of /proc/self/status; 0 when unreadable).
// Not getrusage's ru_maxrss: Linux carries that across fork and exec, so a process started by a
// large parent reports at least the parent's peak.
uint64_t peak_rss_bytes();

// The OpenBLAS kernel set (an OPENBLAS_CORETYPE value) this CPU runs best: "SkylakeX" with
// AVX-512 F/BW/VL, "Haswell" with AVX2 + FMA, "" otherwise. OpenBLAS picks its kernels from the
// CPU's family/model numbers, which virtual machines often hide; it then falls back to SSE3 kernels
// that are 1.5-2x slower. The front sets this before starting t2sql-model (when the user has not
// set OPENBLAS_CORETYPE), since OpenBLAS reads the variable only when it loads.
std::string blas_core_for_cpu();

}  // namespace t2sql
