#!/usr/bin/env bash
# Installs the Debian 12 packages t2sql builds and tests with.
# Idempotent: quiet when everything is present; runs `apt-get update` only when something is missing.
# Usage: scripts/setup.sh [--dev]   (--dev adds the reference Python stack used by tools/ and bench/)
set -euo pipefail

packages=(
  g++ cmake ninja-build ccache pkg-config git
  libtorch-dev libopenblas0-pthread
  libsqlite3-dev nlohmann-json3-dev libcli11-dev libfmt-dev libspdlog-dev
  libsentencepiece-dev libyaml-cpp-dev libpcre2-dev libicu-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev
)
if [[ "${1:-}" == "--dev" ]]; then
  packages+=(python3 python3-torch python3-nltk python3-sqlparse python3-numpy)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} > 0)); then
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# LibTorch must run on OpenBLAS, never on the reference BLAS: make the pthread OpenBLAS the
# alternative for libblas.so.3 / liblapack.so.3 when the reference one is selected.
arch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
for lib in libblas.so.3 liblapack.so.3; do
  alt="$lib-$arch"
  current=$(update-alternatives --query "$alt" 2>/dev/null | awk '/^Value:/ {print $2}')
  if [[ -n "$current" && "$current" != *openblas-pthread* ]]; then
    target=$(update-alternatives --query "$alt" | awk '/^Alternative:/ {print $2}' | grep openblas-pthread | head -1)
    if [[ -n "$target" ]]; then
      sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
      $sudo update-alternatives --quiet --set "$alt" "$target"
      echo "setup: $lib now points to $target"
    fi
  fi
done
