#!/usr/bin/python3
"""Writes a tiny random Llama checkpoint whose vocabulary matches tests/fixtures/tokenizers/tiny,
with a context long enough for real Spider prompts. Its SQL is garbage, which is what pipeline
tests need (post-processing, sandbox, rectification and constrained decoding must still behave).

Usage: /usr/bin/python3 tools/infer/make_tiny_model.py OUT_DIR   (Debian python3-torch)
"""
import json
import shutil
import struct
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]
TOKENIZER = ROOT / "tests/fixtures/tokenizers/tiny/tokenizer.json"


def main(out: Path) -> None:
    tokenizer = json.loads(TOKENIZER.read_text())
    vocab = max(max(tokenizer["model"]["vocab"].values()), max(t["id"] for t in tokenizer["added_tokens"])) + 1
    hidden, intermediate, heads, kv_heads, layers = 16, 32, 2, 1, 1
    head_dim = hidden // heads
    eos = next(t["id"] for t in tokenizer["added_tokens"] if t["content"] == "<|end|>")
    config = {
        "vocab_size": vocab, "hidden_size": hidden, "intermediate_size": intermediate,
        "num_hidden_layers": layers, "num_attention_heads": heads, "num_key_value_heads": kv_heads,
        "rms_norm_eps": 1e-5, "max_position_embeddings": 8192, "rope_theta": 10000.0,
        "tie_word_embeddings": False, "bos_token_id": eos, "eos_token_id": eos,
        "torch_dtype": "float32", "architectures": ["LlamaForCausalLM"], "model_type": "llama",
    }
    torch.manual_seed(42)
    tensors = {"model.embed_tokens.weight": torch.randn(vocab, hidden)}
    for i in range(layers):
        p = f"model.layers.{i}."
        tensors[p + "self_attn.q_proj.weight"] = torch.randn(heads * head_dim, hidden) * 0.2
        tensors[p + "self_attn.k_proj.weight"] = torch.randn(kv_heads * head_dim, hidden) * 0.2
        tensors[p + "self_attn.v_proj.weight"] = torch.randn(kv_heads * head_dim, hidden) * 0.2
        tensors[p + "self_attn.o_proj.weight"] = torch.randn(hidden, heads * head_dim) * 0.2
        tensors[p + "mlp.gate_proj.weight"] = torch.randn(intermediate, hidden) * 0.2
        tensors[p + "mlp.up_proj.weight"] = torch.randn(intermediate, hidden) * 0.2
        tensors[p + "mlp.down_proj.weight"] = torch.randn(hidden, intermediate) * 0.2
        tensors[p + "input_layernorm.weight"] = torch.ones(hidden)
        tensors[p + "post_attention_layernorm.weight"] = torch.ones(hidden)
    tensors["model.norm.weight"] = torch.ones(hidden)
    tensors["lm_head.weight"] = torch.randn(vocab, hidden)

    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, tensor in tensors.items():
        data = tensor.to(torch.float32).contiguous().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensor.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header_bytes = json.dumps(header, separators=(",", ":")).encode()
    header_bytes += b" " * (-len(header_bytes) % 8)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "model.safetensors", "wb") as f:
        f.write(struct.pack("<Q", len(header_bytes)))
        f.write(header_bytes)
        for blob in blobs:
            f.write(blob)
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    shutil.copy(TOKENIZER, out / "tokenizer.json")
    (out / "tokenizer_config.json").write_text(json.dumps({"eos_token": "<|end|>"}) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
