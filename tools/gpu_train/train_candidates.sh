#!/bin/bash
# Trains several SFT recipes side by side on one GPU within a wall-clock budget, each with a full
# cosine schedule sized to that budget: builds t2sql-model against the machine's CUDA PyTorch
# (-DT2SQL_TORCH_ROOT, docs/train.md), probes the step time of the recipes running together, sets
# each one's max_steps to what fits the time left, trains them together and reports where the
# models are. models/default/recipe_gpu_*.yaml were trained this way (docs/default_model.md).
#
#   tools/gpu_train/train_candidates.sh RECIPE.yaml [RECIPE.yaml ...]
#
# Env: LIMIT      seconds the whole script may take (default 555)
#      DEVICE     cuda (default) or cpu, for a dry run
#      BIN        a built t2sql-model (skips the build)
#      TORCH_ROOT a LibTorch tree (default: the torch/ folder of python3's PyTorch)
#      DEPS_TARBALL  Debian packages unpacked into one .tar.xz (README.md), for a machine without
#                 t2sql's build dependencies; their headers and libraries are used from /tmp/t2sql-deps
#      TRAIN_XZ   the train_file of the recipes, xz-compressed, unpacked when the file is missing
#      PARTS_DIR  also split each final model.safetensors into 15 MB parts there
#      PROBE_STEPS (60), SAFETY (0.8: the fraction of the fitting steps that is planned), EXTRA (more flags)
set -u
[ $# -ge 1 ] || { echo "usage: $0 RECIPE.yaml [RECIPE.yaml ...]" >&2; exit 2; }
T0=$(date +%s)
LIMIT=${LIMIT:-555}
DEVICE=${DEVICE:-cuda}
PROBE_STEPS=${PROBE_STEPS:-60}
SAFETY=${SAFETY:-0.8}
EXTRA=${EXTRA:-}
LOGS=${LOGS:-/tmp/t2sql-gpu-logs}
mkdir -p "$LOGS"
el() { echo $(( $(date +%s) - T0 )); }
log() { echo "[$(el)s] $*"; }
recipe_key() { sed -n "s/^$2: *//p" "$1" | head -1; }

log "start: $(nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>&1 | head -1); $(nproc) cores"
TORCH_ROOT=${TORCH_ROOT:-$(python3 -c 'import torch, os; print(os.path.dirname(torch.__file__))')}
NVLIBS=$(find "$(dirname "$TORCH_ROOT")/nvidia" -maxdepth 3 -type d -name lib 2>/dev/null | tr '\n' ':')
export LD_LIBRARY_PATH="${NVLIBS}${TORCH_ROOT}/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
CMAKE_DEPS=()
if [ -n "${DEPS_TARBALL:-}" ]; then
  P=/tmp/t2sql-deps
  mkdir -p $P && tar -C $P -xJf "$DEPS_TARBALL" || { log "cannot unpack $DEPS_TARBALL"; exit 10; }
  export LD_LIBRARY_PATH="$P/usr/lib/x86_64-linux-gnu:$LD_LIBRARY_PATH"
  export PKG_CONFIG_SYSROOT_DIR=$P PKG_CONFIG_LIBDIR=$P/usr/lib/x86_64-linux-gnu/pkgconfig:$P/usr/share/pkgconfig
  CMAKE_DEPS=(-DCMAKE_PREFIX_PATH=$P/usr -DICU_ROOT=$P/usr -DPKG_CONFIG_EXECUTABLE=$P/usr/bin/pkgconf)
fi

BIN=${BIN:-}
if [ -z "$BIN" ]; then
  GEN="Unix Makefiles"; command -v ninja >/dev/null && GEN=Ninja
  log "configure against $TORCH_ROOT ($GEN, $(c++ --version | head -1))"
  cmake -S . -B build/gpu -G "$GEN" -DCMAKE_BUILD_TYPE=Release -DT2SQL_WERROR=OFF -DT2SQL_BUILD_TESTS=OFF \
    -DT2SQL_BUILD_BENCH=OFF -DT2SQL_TORCH_ROOT="$TORCH_ROOT" "${CMAKE_DEPS[@]}" > "$LOGS/cmake.log" 2>&1 \
    || { log "configure failed"; tail -40 "$LOGS/cmake.log"; exit 12; }
  cmake --build build/gpu --target t2sql-model -j "$(nproc)" > "$LOGS/build.log" 2>&1 \
    || { log "build failed"; grep -m4 -B3 -A15 "error" "$LOGS/build.log" | head -120; exit 13; }
  BIN=build/gpu/t2sql-model
fi
log "binary: $BIN"

TRAIN=$(recipe_key "$1" train_file)
if [ ! -s "$TRAIN" ] && [ -n "${TRAIN_XZ:-}" ]; then
  mkdir -p "$(dirname "$TRAIN")" && xz -dc "$TRAIN_XZ" > "$TRAIN" || { log "cannot unpack $TRAIN_XZ"; exit 14; }
fi
[ -s "$TRAIN" ] || { log "no training data at $TRAIN"; exit 14; }

# Probe: the recipes side by side, as they will train.
PIDS=""
for i in $(seq 1 $#); do
  "$BIN" train sft --config "${!i}" --device "$DEVICE" --max_steps "$PROBE_STEPS" --logging_steps 10 $EXTRA \
    --output_dir /tmp/t2sql-probe-$i > "$LOGS/probe_$i.log" 2>&1 &
  PIDS="$PIDS $!"
done
wait $PIDS  # (not a bare wait: it would also wait for a caller's log pipe)
PLAN=$(python3 - "$LIMIT" "$(el)" "$SAFETY" "$#" <<'PY'
import json, sys
limit, now, safety, count = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
for i in range(1, count + 1):
    rows = [json.loads(l) for l in open(f"/tmp/t2sql-probe-{i}/metrics.jsonl") if '"loss"' in l]
    first, last = rows[1], rows[-1]  # from step 20: the first steps warm up the GPU
    per_step = (last["elapsed_seconds"] - first["elapsed_seconds"]) / (last["step"] - first["step"])
    setup = first["elapsed_seconds"] - first["step"] * per_step
    train_seconds = limit - now - setup - 60  # 60 s kept for the evaluation and the saves at the end
    print(i, max(50, int(safety * train_seconds / per_step)), f"{per_step:.4f}", int(last["tokens_per_second"]),
          f"{max(1.0, (train_seconds + 20) / 60):.2f}")
PY
) || { log "probe failed"; tail -n 30 "$LOGS"/probe_*.log; exit 15; }

RUNS=""
while read -r i steps per_step tps minutes; do
  log "${!i}: $per_step s/step, $tps tokens/s side by side -> max_steps $steps (time budget $minutes min)"
  "$BIN" train sft --config "${!i}" --device "$DEVICE" --max_steps "$steps" --max_train_minutes "$minutes" $EXTRA \
    > "$LOGS/train_$i.log" 2>&1 &
  RUNS="$RUNS $!"
done <<< "$PLAN"
wait $RUNS
STATUS=0
for i in $(seq 1 $#); do
  dir=$(recipe_key "${!i}" output_dir)
  tail -n 2 "$LOGS/train_$i.log"
  model="$dir/final/model.safetensors"
  if [ -s "$model" ]; then
    log "${!i}: $model ($(stat -c %s "$model") bytes, sha256 $(sha256sum "$model" | cut -c1-16))"
    [ -n "${PARTS_DIR:-}" ] && mkdir -p "$PARTS_DIR" && split -b 15M -d "$model" "$PARTS_DIR/model_$i.part"
  else
    log "${!i}: no model"; STATUS=1
  fi
done
exit $STATUS
