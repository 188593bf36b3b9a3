"""One SFT optimizer step of a tiny Llama in plain PyTorch, as transformers' Trainer takes it:
completion-only cross-entropy averaged over the target tokens, clip_grad_norm_, AdamW with weight
decay on matrices only. Writes the fixture tests/train/reference_step_test.cpp compares against
(full fine-tuning and LoRA). Run with Debian's interpreter: /usr/bin/python3 reference_step.py OUT_DIR
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "reference_model"))
import reference_model as rm  # noqa: E402

CONFIG = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 40, "hidden_size": 16,
          "intermediate_size": 24, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
          "rms_norm_eps": 1e-5, "max_position_embeddings": 64, "rope_theta": 10000.0,
          "tie_word_embeddings": False, "torch_dtype": "float32"}
LR, WEIGHT_DECAY, MAX_GRAD_NORM = 1e-2, 0.1, 0.5
LORA_R, LORA_ALPHA = 4, 8.0
TARGETS = ["q_proj", "v_proj", "down_proj"]
# Two sequences, -100 = no loss (prompt tokens and padding).
INPUT_IDS = [[1, 5, 6, 7, 8, 9, 2, 0], [1, 10, 11, 12, 13, 14, 15, 2]]
LABELS = [[-100, -100, -100, 8, 9, 2, -100, -100], [-100, -100, -100, -100, 14, 15, 2, -100]]


def initial_weights(cfg):
    g = torch.Generator().manual_seed(7)
    w = {"model.embed_tokens.weight": torch.randn(cfg.vocab_size, cfg.hidden_size, generator=g) * 0.2,
         "model.norm.weight": 1 + 0.1 * torch.randn(cfg.hidden_size, generator=g),
         "lm_head.weight": torch.randn(cfg.vocab_size, cfg.hidden_size, generator=g) * 0.2}
    H, KV, D, I = cfg.num_attention_heads, cfg.num_key_value_heads, cfg.head_dim, cfg.intermediate_size
    shapes = {"self_attn.q_proj": (H * D, cfg.hidden_size), "self_attn.k_proj": (KV * D, cfg.hidden_size),
              "self_attn.v_proj": (KV * D, cfg.hidden_size), "self_attn.o_proj": (cfg.hidden_size, H * D),
              "mlp.gate_proj": (I, cfg.hidden_size), "mlp.up_proj": (I, cfg.hidden_size),
              "mlp.down_proj": (cfg.hidden_size, I)}
    for i in range(cfg.num_hidden_layers):
        p = f"model.layers.{i}."
        w[p + "input_layernorm.weight"] = 1 + 0.1 * torch.randn(cfg.hidden_size, generator=g)
        w[p + "post_attention_layernorm.weight"] = 1 + 0.1 * torch.randn(cfg.hidden_size, generator=g)
        for name, shape in shapes.items():
            w[p + name + ".weight"] = torch.randn(*shape, generator=g) * 0.2
    return w


def lora_weights(cfg, w):
    g = torch.Generator().manual_seed(11)
    lora = {}
    for name, tensor in w.items():
        module = name.rsplit(".", 2)[-2]
        if name.endswith(".weight") and module in TARGETS:
            prefix = name[: -len(".weight")]
            lora[prefix + ".lora_A.weight"] = torch.randn(LORA_R, tensor.shape[1], generator=g) * 0.3
            # B non-zero so that A receives a gradient in this one step.
            lora[prefix + ".lora_B.weight"] = torch.randn(tensor.shape[0], LORA_R, generator=g) * 0.3
    return lora


def step(cfg, w, trainable, lora=None):
    original_linear = rm.linear

    def lora_linear(weights, prefix, x, bias=False):
        y = original_linear(weights, prefix, x, bias)
        if lora is not None and prefix + ".lora_A.weight" in lora:
            a, b = lora[prefix + ".lora_A.weight"], lora[prefix + ".lora_B.weight"]
            y = y + torch.nn.functional.linear(torch.nn.functional.linear(x, a), b) * (LORA_ALPHA / LORA_R)
        return y

    rm.linear = lora_linear
    try:
        logits = rm.forward(cfg, w, torch.tensor(INPUT_IDS))
    finally:
        rm.linear = original_linear
    labels = torch.tensor(LABELS)
    # Labels are already aligned with the position predicting them (shifted targets).
    loss = torch.nn.functional.cross_entropy(logits.view(-1, cfg.vocab_size), labels.view(-1),
                                             ignore_index=-100, reduction="sum") / (labels != -100).sum()
    loss.backward()
    params = list(trainable.values())
    grad_norm = torch.nn.utils.clip_grad_norm_(params, MAX_GRAD_NORM)
    grads = {name + ".grad": p.grad.detach().clone() for name, p in trainable.items()}
    decay = [p for p in params if p.dim() >= 2]
    no_decay = [p for p in params if p.dim() < 2]
    groups = [{"params": decay, "weight_decay": WEIGHT_DECAY}]
    if no_decay:
        groups.append({"params": no_decay, "weight_decay": 0.0})
    torch.optim.AdamW(groups, lr=LR, betas=(0.9, 0.999), eps=1e-8).step()
    updated = {name: p.detach().clone() for name, p in trainable.items()}
    return float(loss), float(grad_norm), grads, updated


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    cfg = rm.Config(CONFIG)
    w = initial_weights(cfg)
    lora = lora_weights(cfg, w)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(CONFIG, f, indent=2)
    rm.save_safetensors(os.path.join(out, "model.safetensors"), w)
    rm.save_safetensors(os.path.join(out, "lora_initial.safetensors"), lora)
    summary = {"input_ids": INPUT_IDS, "labels": LABELS, "lr": LR, "weight_decay": WEIGHT_DECAY,
               "max_grad_norm": MAX_GRAD_NORM, "lora_r": LORA_R, "lora_alpha": LORA_ALPHA, "lora_targets": TARGETS}

    full = {k: v.clone().requires_grad_(True) for k, v in w.items()}
    loss, norm, grads, updated = step(cfg, full, full)
    rm.save_safetensors(os.path.join(out, "expected_full.safetensors"), {**updated, **grads})
    summary["full"] = {"loss": loss, "grad_norm": norm}

    frozen = {k: v.clone() for k, v in w.items()}
    adapters = {k: v.clone().requires_grad_(True) for k, v in lora.items()}
    loss, norm, grads, updated = step(cfg, frozen, adapters, adapters)
    rm.save_safetensors(os.path.join(out, "expected_lora.safetensors"), {**updated, **grads})
    summary["lora"] = {"loss": loss, "grad_norm": norm}
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(summary, f, indent=2)


if __name__ == "__main__":
    main()
