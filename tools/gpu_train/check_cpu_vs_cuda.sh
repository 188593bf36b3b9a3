#!/bin/bash
# The same tiny from-scratch run (packing, accumulation, clipping, AdamW) on the CPU and on the GPU
# of this machine, with the per-step losses and the final eval loss compared: the check that the
# CUDA path trains what the CPU path trains (TF32 products make small differences).
#
#   tools/gpu_train/check_cpu_vs_cuda.sh TRAIN.jsonl EVAL.jsonl TOKENIZER_DIR
#
# Env: BIN (a t2sql-model built against a CUDA LibTorch; default build/gpu/t2sql-model, which
#      train_candidates.sh builds), STEPS (40).
set -u
[ $# -eq 3 ] || { echo "usage: $0 TRAIN.jsonl EVAL.jsonl TOKENIZER_DIR" >&2; exit 2; }
BIN=${BIN:-build/gpu/t2sql-model}
STEPS=${STEPS:-40}
[ -x "$BIN" ] || { echo "$BIN: not built (tools/gpu_train/train_candidates.sh builds it)" >&2; exit 2; }
ARGS=(--model scratch --architecture.hidden_size 128 --architecture.intermediate_size 256
      --architecture.num_hidden_layers 2 --architecture.num_attention_heads 2 --architecture.num_key_value_heads 2
      --architecture.max_position_embeddings 2048 --tokenizer "$3" --chat_template chatml --train_file "$1"
      --eval_file "$2" --eval_exec_examples 0 --max_seq_length 1024 --packing true --learning_rate 1e-3
      --max_steps "$STEPS" --per_device_train_batch_size 4 --gradient_accumulation_steps 2 --logging_steps 1
      --save_steps 0 --progress false --seed 7)
for device in cpu cuda; do
  rm -rf /tmp/t2sql-check-$device
  "$BIN" train sft "${ARGS[@]}" --device $device --output_dir /tmp/t2sql-check-$device > /tmp/t2sql-check-$device.log 2>&1 \
    || { tail -n 5 /tmp/t2sql-check-$device.log; exit 1; }
done
python3 - <<'PY'
import json, sys
rows = {d: [json.loads(l) for l in open(f"/tmp/t2sql-check-{d}/metrics.jsonl")] for d in ("cpu", "cuda")}
loss = {d: [r["loss"] for r in rows[d] if "loss" in r] for d in rows}
ev = {d: [r["eval_loss"] for r in rows[d] if "eval_loss" in r][-1] for d in rows}
diff = [abs(a - b) for a, b in zip(loss["cpu"], loss["cuda"])]
print(f"{len(diff)} steps; loss cpu {loss['cpu'][0]:.4f} -> {loss['cpu'][-1]:.4f}, cuda {loss['cuda'][0]:.4f} -> {loss['cuda'][-1]:.4f}")
print(f"max |cpu - cuda| step loss {max(diff):.2e} (step {diff.index(max(diff)) + 1}); eval loss cpu {ev['cpu']:.4f} cuda {ev['cuda']:.4f}")
sys.exit(0 if max(diff) < 2e-2 and abs(ev["cpu"] - ev["cuda"]) < 2e-2 else 1)
PY
