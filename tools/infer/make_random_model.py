#!/usr/bin/python3
"""Writes a random Llama checkpoint of a realistic size (Qwen2.5-0.5B's shape by default) with a
given tokenizer.json, to time a decoding step against the constrained-decoding processor: the
cost of a forward pass depends on the shapes, not on the weights.

Usage: /usr/bin/python3 tools/infer/make_random_model.py TOKENIZER_JSON OUT_DIR [hidden layers intermediate]
"""
import json
import shutil
import struct
import sys
from pathlib import Path

import torch


def main() -> None:
    tokenizer_path, out = Path(sys.argv[1]), Path(sys.argv[2])
    hidden, layers, intermediate = (int(x) for x in (sys.argv[3:6] or (896, 24, 4864)))
    heads, kv_heads = 14, 2
    tokenizer = json.loads(tokenizer_path.read_text())
    ids = list(tokenizer["model"]["vocab"].values()) + [t["id"] for t in tokenizer.get("added_tokens", [])]
    vocab = max(ids) + 1
    head_dim = hidden // heads
    config = {"vocab_size": vocab, "hidden_size": hidden, "intermediate_size": intermediate,
              "num_hidden_layers": layers, "num_attention_heads": heads, "num_key_value_heads": kv_heads,
              "rms_norm_eps": 1e-6, "max_position_embeddings": 32768, "rope_theta": 1000000.0,
              "tie_word_embeddings": True, "torch_dtype": "bfloat16", "architectures": ["LlamaForCausalLM"],
              "model_type": "llama"}
    torch.manual_seed(42)
    shapes = {"model.embed_tokens.weight": (vocab, hidden), "model.norm.weight": (hidden,)}
    for i in range(layers):
        p = f"model.layers.{i}."
        shapes.update({p + "self_attn.q_proj.weight": (heads * head_dim, hidden),
                       p + "self_attn.k_proj.weight": (kv_heads * head_dim, hidden),
                       p + "self_attn.v_proj.weight": (kv_heads * head_dim, hidden),
                       p + "self_attn.o_proj.weight": (hidden, heads * head_dim),
                       p + "mlp.gate_proj.weight": (intermediate, hidden),
                       p + "mlp.up_proj.weight": (intermediate, hidden),
                       p + "mlp.down_proj.weight": (hidden, intermediate),
                       p + "input_layernorm.weight": (hidden,), p + "post_attention_layernorm.weight": (hidden,)})
    header, offset = {"__metadata__": {"format": "pt"}}, 0
    for name, shape in shapes.items():
        size = 2
        for d in shape:
            size *= d
        header[name] = {"dtype": "BF16", "shape": list(shape), "data_offsets": [offset, offset + size]}
        offset += size
    header_bytes = json.dumps(header, separators=(",", ":")).encode()
    header_bytes += b" " * (-len(header_bytes) % 8)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "model.safetensors", "wb") as f:
        f.write(struct.pack("<Q", len(header_bytes)))
        f.write(header_bytes)
        for name, shape in shapes.items():
            t = torch.ones(shape) if name.endswith("norm.weight") else torch.randn(shape) * 0.02
            f.write(t.to(torch.bfloat16).view(torch.int16).numpy().tobytes())
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    shutil.copy(tokenizer_path, out / "tokenizer.json")
    config_path = tokenizer_path.parent / "tokenizer_config.json"
    if config_path.exists():
        shutil.copy(config_path, out / "tokenizer_config.json")


if __name__ == "__main__":
    main()
