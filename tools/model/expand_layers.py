"""Depth expansion of a Llama checkpoint that keeps its function (block expansion, as in LLaMA Pro).

Every decoder layer i of SRC is followed by a copy of itself whose attention output projection
(o_proj) and MLP down projection (down_proj) are zero: the copy adds nothing to the residual
stream, so the expanded model computes exactly what SRC computes (same logits, same greedy
output) until training moves the new projections away from zero. The copies start from trained
weights, not noise, so they train like the layers they copy.

Usage: /usr/bin/python3 tools/model/expand_layers.py SRC DST
Writes DST/config.json (num_hidden_layers doubled) and DST/model.safetensors, and copies the
tokenizer and settings files of SRC (tokenizer.*, tokenizer_config.json, special_tokens_map.json,
generation_config.json, inference.yaml). Dense Llama/Qwen2/Mistral checkpoints (one safetensors file).
"""
import json
import os
import re
import shutil
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference_model"))
import reference_model as ref  # noqa: E402

SIDE_FILES = ["tokenizer.json", "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json",
              "generation_config.json", "inference.yaml"]
ZEROED = ("self_attn.o_proj.", "mlp.down_proj.")  # weight and bias (if any) of each
LAYER = re.compile(r"^model\.layers\.(\d+)\.(.+)$")


def expand(weights, layers):
    out = {}
    for name, tensor in weights.items():
        match = LAYER.match(name)
        if not match:
            out[name] = tensor
            continue
        index, rest = int(match.group(1)), match.group(2)
        if index >= layers:
            raise SystemExit(f"tensor {name} names layer {index} but the config has {layers} layers")
        out[f"model.layers.{2 * index}.{rest}"] = tensor
        copy = torch.zeros_like(tensor) if rest.startswith(ZEROED) else tensor.clone()
        out[f"model.layers.{2 * index + 1}.{rest}"] = copy
    # Layer order in the file: by layer index, then name (readers do not care; people do).
    def key(name):
        match = LAYER.match(name)
        return (1, int(match.group(1)), match.group(2)) if match else (0 if "embed" in name else 2, 0, name)
    return {name: out[name] for name in sorted(out, key=key)}


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    src, dst = sys.argv[1:]
    with open(os.path.join(src, "config.json")) as f:
        config = json.load(f)
    if config.get("quantization_config") or config.get("num_local_experts"):
        raise SystemExit(f"{src}: only dense, unquantized checkpoints can be expanded")
    path = os.path.join(src, "model.safetensors")
    if not os.path.exists(path):
        raise SystemExit(f"{path} not found (sharded checkpoints are not supported)")
    layers = config["num_hidden_layers"]
    weights = expand(ref.load_safetensors(path), layers)
    config["num_hidden_layers"] = 2 * layers
    os.makedirs(dst, exist_ok=True)
    ref.save_safetensors(os.path.join(dst, "model.safetensors"), weights, {"format": "pt"})
    with open(os.path.join(dst, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    for name in SIDE_FILES:
        if os.path.exists(os.path.join(src, name)):
            shutil.copyfile(os.path.join(src, name), os.path.join(dst, name))
    print(f"{src}: {layers} layers -> {dst}: {2 * layers} layers "
          f"({sum(t.numel() for t in weights.values()) / 1e6:.2f}M parameters)")


if __name__ == "__main__":
    main()
