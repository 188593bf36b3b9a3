"""Reference forward pass of the Llama family (Llama, Qwen2, Mistral, Mixtral) in plain PyTorch.

Follows the eager code of Hugging Face transformers (modeling_llama.py, modeling_qwen2.py,
modeling_mistral.py, modeling_mixtral.py) statement by statement, so that the C++ engine can be
checked against it where transformers itself is not installed (Debian's python3-torch 1.13 only).
Also reads and writes safetensors files with a few lines of struct/json (no safetensors package).
"""
import json
import math
import struct

import torch

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
          "I64": torch.int64, "I32": torch.int32, "I8": torch.int8, "U8": torch.uint8}
NAMES = {v: k for k, v in DTYPES.items()}


def save_safetensors(path, tensors, metadata=None):
    """tensors: dict name -> tensor, written in insertion order."""
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    blobs, offset = [], 0
    for name, tensor in tensors.items():
        tensor = tensor.detach().contiguous().cpu()
        # bytes of any dtype (bf16 has no numpy view): reinterpret as uint8
        data = tensor.view(-1).view(torch.uint8).numpy().tobytes() if tensor.numel() else b""
        header[name] = {"dtype": NAMES[tensor.dtype], "shape": list(tensor.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def load_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + length])
    base = 8 + length
    out = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        begin, end = spec["data_offsets"]
        buf = bytearray(raw[base + begin:base + end])
        t = torch.frombuffer(buf, dtype=torch.uint8) if buf else torch.empty(0, dtype=torch.uint8)
        out[name] = t.view(DTYPES[spec["dtype"]]).reshape(spec["shape"]).clone()
    return out


class Config:
    def __init__(self, d):
        self.raw = d
        arch = d["architectures"][0]
        self.arch = arch
        self.vocab_size = d["vocab_size"]
        self.hidden_size = d["hidden_size"]
        self.intermediate_size = d["intermediate_size"]
        self.num_hidden_layers = d["num_hidden_layers"]
        self.num_attention_heads = d["num_attention_heads"]
        self.num_key_value_heads = d.get("num_key_value_heads", self.num_attention_heads)
        self.head_dim = d.get("head_dim") or self.hidden_size // self.num_attention_heads
        self.rms_norm_eps = d["rms_norm_eps"]
        self.rope_theta = d.get("rope_theta", 10000.0)
        self.rope_scaling = d.get("rope_scaling")
        self.tie_word_embeddings = d.get("tie_word_embeddings", False)
        self.attention_bias = d.get("attention_bias", False) if arch == "LlamaForCausalLM" else False
        self.qkv_bias = arch == "Qwen2ForCausalLM" or self.attention_bias
        self.mlp_bias = d.get("mlp_bias", False) if arch == "LlamaForCausalLM" else False
        self.sliding_window = None
        if arch in ("MistralForCausalLM", "MixtralForCausalLM"):
            self.sliding_window = d.get("sliding_window")
        elif arch == "Qwen2ForCausalLM" and d.get("use_sliding_window", False):
            self.sliding_window = d.get("sliding_window")
        self.num_local_experts = d.get("num_local_experts", 0) if arch == "MixtralForCausalLM" else 0
        self.num_experts_per_tok = d.get("num_experts_per_tok", 2)


def rope_inv_freq(cfg):
    # _compute_default_rope_parameters
    dim = cfg.head_dim
    inv_freq = 1.0 / (cfg.rope_theta ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))
    scaling = cfg.rope_scaling
    if not scaling:
        return inv_freq
    kind = scaling.get("rope_type", scaling.get("type"))
    if kind == "default":
        return inv_freq
    if kind == "linear":
        return inv_freq / scaling["factor"]
    if kind == "llama3":
        # _compute_llama3_parameters
        factor = scaling["factor"]
        low_freq_factor = scaling["low_freq_factor"]
        high_freq_factor = scaling["high_freq_factor"]
        old_context_len = scaling["original_max_position_embeddings"]
        low_freq_wavelen = old_context_len / low_freq_factor
        high_freq_wavelen = old_context_len / high_freq_factor
        wavelen = 2 * math.pi / inv_freq
        inv_freq_llama = torch.where(wavelen > low_freq_wavelen, inv_freq / factor, inv_freq)
        smooth_factor = (old_context_len / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
        smoothed_inv_freq = (1 - smooth_factor) * inv_freq_llama / factor + smooth_factor * inv_freq_llama
        is_medium_freq = ~(wavelen < high_freq_wavelen) * ~(wavelen > low_freq_wavelen)
        return torch.where(is_medium_freq, smoothed_inv_freq, inv_freq_llama)
    raise ValueError(f"rope type {kind}")


def rotate_half(x):
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def repeat_kv(hidden_states, n_rep):
    batch, num_key_value_heads, slen, head_dim = hidden_states.shape
    if n_rep == 1:
        return hidden_states
    hidden_states = hidden_states[:, :, None, :, :].expand(batch, num_key_value_heads, n_rep, slen, head_dim)
    return hidden_states.reshape(batch, num_key_value_heads * n_rep, slen, head_dim)


def rms_norm(x, weight, eps):
    input_dtype = x.dtype
    h = x.to(torch.float32)
    variance = h.pow(2).mean(-1, keepdim=True)
    h = h * torch.rsqrt(variance + eps)
    return weight * h.to(input_dtype)


def linear(w, prefix, x, bias=False):
    return torch.nn.functional.linear(x, w[prefix + ".weight"], w.get(prefix + ".bias") if bias else None)


def forward(cfg, w, input_ids, attention_mask=None):
    """input_ids (B, T) -> logits (B, T, V). attention_mask (B, T) with 1 = token, 0 = left pad."""
    B, T = input_ids.shape
    h = torch.nn.functional.embedding(input_ids, w["model.embed_tokens.weight"])
    dtype = h.dtype
    if attention_mask is None:
        position_ids = torch.arange(T).unsqueeze(0).expand(B, T)
    else:
        position_ids = attention_mask.long().cumsum(-1) - 1
        position_ids.masked_fill_(attention_mask == 0, 1)
    inv_freq = rope_inv_freq(cfg)
    inv_freq_expanded = inv_freq[None, :, None].float().expand(B, -1, 1)
    position_ids_expanded = position_ids[:, None, :].float()
    freqs = (inv_freq_expanded.float() @ position_ids_expanded.float()).transpose(1, 2)
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos().to(dtype), emb.sin().to(dtype)
    # causal mask (+ sliding window) + padding, min value where blocked
    min_value = torch.finfo(dtype).min
    mask = torch.full((T, T), min_value, dtype=dtype).triu(1)
    if cfg.sliding_window is not None:
        cache_position = torch.arange(T)
        sliding = torch.arange(T) <= (cache_position.reshape(-1, 1) - cfg.sliding_window)
        mask = mask.masked_fill(sliding, min_value)
    mask = mask[None, None].expand(B, 1, T, T).clone()
    if attention_mask is not None:
        pad = attention_mask[:, None, None, :] == 0
        mask = mask.masked_fill(pad, min_value)

    H, KV, D = cfg.num_attention_heads, cfg.num_key_value_heads, cfg.head_dim
    for i in range(cfg.num_hidden_layers):
        p = f"model.layers.{i}."
        residual = h
        x = rms_norm(h, w[p + "input_layernorm.weight"], cfg.rms_norm_eps)
        q = linear(w, p + "self_attn.q_proj", x, cfg.qkv_bias).view(B, T, H, D).transpose(1, 2)
        k = linear(w, p + "self_attn.k_proj", x, cfg.qkv_bias).view(B, T, KV, D).transpose(1, 2)
        v = linear(w, p + "self_attn.v_proj", x, cfg.qkv_bias).view(B, T, KV, D).transpose(1, 2)
        c, s = cos.unsqueeze(1), sin.unsqueeze(1)
        q = (q * c) + (rotate_half(q) * s)
        k = (k * c) + (rotate_half(k) * s)
        k = repeat_kv(k, H // KV)
        v = repeat_kv(v, H // KV)
        attn = torch.matmul(q, k.transpose(2, 3)) * (D ** -0.5)
        attn = attn + mask
        attn = torch.nn.functional.softmax(attn, dim=-1, dtype=torch.float32).to(q.dtype)
        out = torch.matmul(attn, v).transpose(1, 2).reshape(B, T, H * D)
        out = linear(w, p + "self_attn.o_proj", out, cfg.attention_bias)
        h = residual + out
        residual = h
        x = rms_norm(h, w[p + "post_attention_layernorm.weight"], cfg.rms_norm_eps)
        if cfg.num_local_experts:
            flat = x.view(-1, x.shape[-1])
            router_logits = linear(w, p + "block_sparse_moe.gate", flat)
            routing_weights = torch.nn.functional.softmax(router_logits, dim=1, dtype=torch.float)
            routing_weights, selected = torch.topk(routing_weights, cfg.num_experts_per_tok, dim=-1)
            routing_weights /= routing_weights.sum(dim=-1, keepdim=True)
            routing_weights = routing_weights.to(flat.dtype)
            final = torch.zeros_like(flat)
            expert_mask = torch.nn.functional.one_hot(selected, num_classes=cfg.num_local_experts).permute(2, 1, 0)
            for e in range(cfg.num_local_experts):
                idx, top_x = torch.where(expert_mask[e])
                if top_x.numel() == 0:
                    continue
                cur = flat[None, top_x].reshape(-1, flat.shape[-1])
                ep = p + f"block_sparse_moe.experts.{e}."
                cur = linear(w, ep + "w2", torch.nn.functional.silu(linear(w, ep + "w1", cur)) * linear(w, ep + "w3", cur))
                cur = cur * routing_weights[top_x, idx, None]
                final.index_add_(0, top_x, cur.to(flat.dtype))
            out = final.view(B, T, -1)
        else:
            gate = linear(w, p + "mlp.gate_proj", x, cfg.mlp_bias)
            up = linear(w, p + "mlp.up_proj", x, cfg.mlp_bias)
            out = linear(w, p + "mlp.down_proj", torch.nn.functional.silu(gate) * up, cfg.mlp_bias)
        h = residual + out
    h = rms_norm(h, w["model.norm.weight"], cfg.rms_norm_eps)
    head = w["model.embed_tokens.weight"] if cfg.tie_word_embeddings else w["lm_head.weight"]
    return torch.nn.functional.linear(h, head)


def greedy(cfg, w, prompt, max_new_tokens):
    """Greedy continuation of one prompt (list of ids), recomputing the full sequence each step."""
    ids = list(prompt)
    out = []
    for _ in range(max_new_tokens):
        logits = forward(cfg, w, torch.tensor([ids]))
        token = int(logits[0, -1].argmax())
        out.append(token)
        ids.append(token)
    return out


def beam_search(cfg, w, prompt, num_beams, max_new_tokens, eos_ids, length_penalty=1.0, early_stopping=False):
    """transformers' _beam_search + BeamSearchScorer for one prompt, without a cache.

    Returns (tokens, score) of the best hypothesis; tokens end with the eos id when it finished."""
    beams = [list(prompt) for _ in range(num_beams)]
    beam_scores = torch.zeros(num_beams, dtype=torch.float64)
    beam_scores[1:] = -1e9
    hyps, worst = [], 1e9
    prompt_len = len(prompt)

    def add(tokens, score_sum, gen_len):
        nonlocal worst
        score = score_sum / (gen_len ** length_penalty)
        if len(hyps) < num_beams or score > worst:
            hyps.append((score, tokens))
            if len(hyps) > num_beams:
                ordered = sorted((s, i) for i, (s, _) in enumerate(hyps))
                del hyps[ordered[0][1]]
                worst = ordered[1][0]
            else:
                worst = min(score, worst)

    done = False
    for _ in range(max_new_tokens):
        logits = forward(cfg, w, torch.tensor(beams))[:, -1, :].float()
        scores = torch.log_softmax(logits, dim=-1).double() + beam_scores[:, None]
        vocab = scores.shape[-1]
        values, indices = torch.topk(scores.view(-1), 2 * num_beams)
        cur_len = len(beams[0]) + 1
        nxt = []
        for rank, (value, index) in enumerate(zip(values.tolist(), indices.tolist())):
            beam, token = index // vocab, index % vocab
            if token in eos_ids:
                if rank >= num_beams:
                    continue
                add(beams[beam][prompt_len:] + [token], value, cur_len - prompt_len)
            else:
                nxt.append((beam, token, value))
            if len(nxt) == num_beams:
                break
        if len(hyps) >= num_beams:
            if early_stopping:
                done = True
            else:
                done = worst >= values.max().item() / ((cur_len - prompt_len) ** length_penalty)
        beams = [beams[b] + [t] for b, t, _ in nxt]
        beam_scores = torch.tensor([v for _, _, v in nxt], dtype=torch.float64)
        if done:
            break
    if not done:
        for b in range(num_beams):
            add(beams[b][prompt_len:], beam_scores[b].item(), len(beams[b]) - prompt_len)
    best = max(hyps, key=lambda h: h[0])
    return best[1], best[0]
