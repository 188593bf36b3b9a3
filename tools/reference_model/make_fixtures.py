"""Writes the tiny random checkpoints of tests/fixtures/models/ and their expected outputs.

Each fixture directory holds config.json + model.safetensors (a real Hugging Face layout) and
expected.safetensors with
  input_ids      I64 (2, 10)        two prompts
  logits         F32 (2, 10, vocab) reference_model.forward on them
  padded_ids     I64 (2, 10)        the same prompts, second one left-padded by 3 (pad id 0)
  padded_mask    I64 (2, 10)
  padded_logits  F32 (2, 10, vocab) forward with the attention mask
  greedy         I64 (2, 8)         8 greedy tokens after each prompt
  beam_eos, beam_tokens, beam_score  beam search (3 beams, 6 new tokens, eos beam_eos) on prompt 0
Usage: /usr/bin/python3 tools/reference_model/make_fixtures.py tests/fixtures/models
"""
import json
import os
import sys

import torch

import reference_model as ref

BASE = {
    "vocab_size": 48, "hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 2,
    "num_attention_heads": 4, "num_key_value_heads": 2, "rms_norm_eps": 1e-5,
    "max_position_embeddings": 64, "rope_theta": 10000.0, "tie_word_embeddings": False,
    "bos_token_id": 1, "eos_token_id": 2, "torch_dtype": "float32",
}

CONFIGS = {
    # GQA 2:1, untied head, plain RoPE
    "llama_gqa": {"architectures": ["LlamaForCausalLM"], "model_type": "llama"},
    # multi-head (no grouping), tied embeddings, Llama 3.1 RoPE scaling
    "llama3_tied_rope": {"architectures": ["LlamaForCausalLM"], "model_type": "llama",
                         "num_key_value_heads": 4, "tie_word_embeddings": True, "rope_theta": 500000.0,
                         "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                          "high_freq_factor": 4.0, "original_max_position_embeddings": 16}},
    # Qwen2: q/k/v bias, multi-query (4:1), tied
    "qwen2_bias": {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2",
                   "num_key_value_heads": 1, "tie_word_embeddings": True, "use_sliding_window": False},
    # Mistral with a sliding window shorter than the prompts
    "mistral_window": {"architectures": ["MistralForCausalLM"], "model_type": "mistral",
                       "sliding_window": 4},
    # Mixtral: 4 experts, top-2
    "mixtral_moe": {"architectures": ["MixtralForCausalLM"], "model_type": "mixtral",
                    "intermediate_size": 16, "num_local_experts": 4, "num_experts_per_tok": 2,
                    "sliding_window": None},
    # head_dim given explicitly (q width != hidden), attention + MLP bias, stored as bf16
    "llama_bf16_headdim": {"architectures": ["LlamaForCausalLM"], "model_type": "llama",
                           "num_attention_heads": 2, "num_key_value_heads": 1, "head_dim": 8,
                           "attention_bias": True, "mlp_bias": True, "torch_dtype": "bfloat16"},
}


def random_weights(cfg, generator):
    w = {}

    def add(name, *shape, scale=None):
        fan_in = shape[-1]
        s = scale if scale is not None else fan_in ** -0.5
        w[name] = torch.randn(*shape, generator=generator) * s

    H, KV, D, E, I = cfg.num_attention_heads, cfg.num_key_value_heads, cfg.head_dim, cfg.hidden_size, cfg.intermediate_size
    add("model.embed_tokens.weight", cfg.vocab_size, E, scale=1.0)
    for i in range(cfg.num_hidden_layers):
        p = f"model.layers.{i}."
        add(p + "self_attn.q_proj.weight", H * D, E)
        add(p + "self_attn.k_proj.weight", KV * D, E)
        add(p + "self_attn.v_proj.weight", KV * D, E)
        add(p + "self_attn.o_proj.weight", E, H * D)
        if cfg.qkv_bias:
            for n, size in (("q", H * D), ("k", KV * D), ("v", KV * D)):
                add(p + f"self_attn.{n}_proj.bias", size, scale=0.1)
        if cfg.attention_bias:
            add(p + "self_attn.o_proj.bias", E, scale=0.1)
        if cfg.num_local_experts:
            add(p + "block_sparse_moe.gate.weight", cfg.num_local_experts, E)
            for e in range(cfg.num_local_experts):
                q = p + f"block_sparse_moe.experts.{e}."
                add(q + "w1.weight", I, E)
                add(q + "w2.weight", E, I)
                add(q + "w3.weight", I, E)
        else:
            add(p + "mlp.gate_proj.weight", I, E)
            add(p + "mlp.up_proj.weight", I, E)
            add(p + "mlp.down_proj.weight", E, I)
            if cfg.mlp_bias:
                add(p + "mlp.gate_proj.bias", I, scale=0.1)
                add(p + "mlp.up_proj.bias", I, scale=0.1)
                add(p + "mlp.down_proj.bias", E, scale=0.1)
        w[p + "input_layernorm.weight"] = 1.0 + 0.1 * torch.randn(E, generator=generator)
        w[p + "post_attention_layernorm.weight"] = 1.0 + 0.1 * torch.randn(E, generator=generator)
    w["model.norm.weight"] = 1.0 + 0.1 * torch.randn(E, generator=generator)
    if not cfg.tie_word_embeddings:
        add("lm_head.weight", cfg.vocab_size, E)
    return w


def main(out_dir):
    torch.set_num_threads(1)
    for index, (name, overrides) in enumerate(CONFIGS.items()):
        raw = dict(BASE)
        raw.update(overrides)
        raw = {k: v for k, v in raw.items() if v is not None}
        cfg = ref.Config(raw)
        generator = torch.Generator().manual_seed(1000 + index)
        w = random_weights(cfg, generator)
        stored = w
        if raw["torch_dtype"] == "bfloat16":
            stored = {k: v.to(torch.bfloat16) for k, v in w.items()}
            w = {k: v.to(torch.float32) for k, v in stored.items()}  # reference runs the bf16 values in fp32
        directory = os.path.join(out_dir, name)
        os.makedirs(directory, exist_ok=True)
        with open(os.path.join(directory, "config.json"), "w") as f:
            json.dump(raw, f, indent=2)
            f.write("\n")
        ref.save_safetensors(os.path.join(directory, "model.safetensors"), stored, {"format": "pt"})

        input_ids = torch.randint(3, cfg.vocab_size, (2, 10), generator=generator)
        with torch.no_grad():
            logits = ref.forward(cfg, w, input_ids)
            padded_ids = input_ids.clone()
            padded_ids[1] = torch.cat([torch.zeros(3, dtype=torch.int64), input_ids[1, :7]])
            padded_mask = torch.ones_like(padded_ids)
            padded_mask[1, :3] = 0
            padded_logits = ref.forward(cfg, w, padded_ids, padded_mask)
            greedy = torch.tensor([ref.greedy(cfg, w, input_ids[b].tolist(), 8) for b in range(2)])
            # beam search (3 beams, 6 tokens) with the third greedy token of prompt 0 as eos, so a
            # hypothesis finishes early
            beam_eos = int(greedy[0, 2])
            beam_tokens, beam_score = ref.beam_search(cfg, w, input_ids[0].tolist(), 3, 6, [beam_eos])
        ref.save_safetensors(os.path.join(directory, "expected.safetensors"), {
            "input_ids": input_ids, "logits": logits.float(), "padded_ids": padded_ids,
            "padded_mask": padded_mask, "padded_logits": padded_logits.float(), "greedy": greedy,
            "beam_eos": torch.tensor([beam_eos]), "beam_tokens": torch.tensor(beam_tokens),
            "beam_score": torch.tensor([beam_score], dtype=torch.float32)})
        print(f"{name}: {sum(v.numel() for v in w.values())} parameters, greedy {greedy.tolist()}, "
              f"beam {beam_tokens} ({beam_score:.4f})")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/models")
