"""Prefill / decode speed and peak RSS of `t2sql generate` vs the python3-torch eager reference
(tools/reference_model) with a KV cache, on the same random weights.

Usage: /usr/bin/python3 bench/model_bench.py BUILD_DIR [--sizes 10m,100m] [--threads 1]
         [--prompts 16,64,256] [--new-tokens 32] [--dtype f32|bf16] [--repeats R] [--plot FILE.svg]
With --dtype bf16 the checkpoint is stored in bfloat16 (as Hugging Face checkpoints usually are):
t2sql keeps its projection and embedding weights 16-bit and decodes with float32 activations; the
reference runs twice, upcast to float32 at load (what transformers does on CPU unless told a
torch_dtype: the same arithmetic as t2sql's) and computing in bfloat16 (torch_dtype=bfloat16:
activations rounded to bfloat16 too).
Writes random checkpoints to a temporary folder, then for every size and prompt length runs
  t2sql-model generate --timings (one process per run) and
  this script's reference (one fresh process per run: peak RSS is per process).
"""
import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time

import torch

from peak_rss import peak_rss_mb  # bench/, the script's own folder

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools", "reference_model"))
import reference_model as ref  # noqa: E402

SIZES = {
    # ~10M parameters
    "10m": dict(vocab_size=8000, hidden_size=256, intermediate_size=688, num_hidden_layers=6,
                num_attention_heads=8, num_key_value_heads=4, tie_word_embeddings=False),
    # ~100M parameters (tied)
    "100m": dict(vocab_size=32000, hidden_size=768, intermediate_size=2048, num_hidden_layers=12,
                 num_attention_heads=12, num_key_value_heads=4, tie_word_embeddings=True),
}


def make_checkpoint(directory, size, dtype="f32"):
    cfg = dict(architectures=["LlamaForCausalLM"], model_type="llama", rms_norm_eps=1e-5,
               max_position_embeddings=2048, rope_theta=10000.0,
               torch_dtype="bfloat16" if dtype == "bf16" else "float32", **SIZES[size])
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "config.json"), "w") as f:
        json.dump(cfg, f)
    config = ref.Config(cfg)
    g = torch.Generator().manual_seed(0)
    w = {}
    E, I, H, KV, D = config.hidden_size, config.intermediate_size, config.num_attention_heads, config.num_key_value_heads, config.head_dim
    w["model.embed_tokens.weight"] = torch.randn(config.vocab_size, E, generator=g) * 0.02
    for i in range(config.num_hidden_layers):
        p = f"model.layers.{i}."
        for name, shape in (("self_attn.q_proj", (H * D, E)), ("self_attn.k_proj", (KV * D, E)),
                            ("self_attn.v_proj", (KV * D, E)), ("self_attn.o_proj", (E, H * D)),
                            ("mlp.gate_proj", (I, E)), ("mlp.up_proj", (I, E)), ("mlp.down_proj", (E, I))):
            w[p + name + ".weight"] = torch.randn(*shape, generator=g) * 0.02
        w[p + "input_layernorm.weight"] = torch.ones(E)
        w[p + "post_attention_layernorm.weight"] = torch.ones(E)
    w["model.norm.weight"] = torch.ones(E)
    if not config.tie_word_embeddings:
        w["lm_head.weight"] = torch.randn(config.vocab_size, E, generator=g) * 0.02
    if dtype == "bf16":
        w = {k: v.to(torch.bfloat16) for k, v in w.items()}
    ref.save_safetensors(os.path.join(directory, "model.safetensors"), w)
    return sum(v.numel() for v in w.values())


def reference_run(directory, prompt_length, new_tokens, threads, compute="f32"):
    """Greedy generation with a per-layer KV cache (torch.cat), eager, no autograd; weights upcast
    to float32 at load (compute f32) or used as stored (compute bf16 on a bf16 checkpoint)."""
    torch.set_num_threads(threads)
    with open(os.path.join(directory, "config.json")) as f:
        cfg = ref.Config(json.load(f))
    w = ref.load_safetensors(os.path.join(directory, "model.safetensors"))
    if compute == "f32":
        w = {k: v.float() for k, v in w.items()}
    ids = torch.arange(prompt_length).remainder(cfg.vocab_size - 3).add(3).unsqueeze(0)
    inv_freq = ref.rope_inv_freq(cfg)
    H, KV, D = cfg.num_attention_heads, cfg.num_key_value_heads, cfg.head_dim
    cache = [None] * cfg.num_hidden_layers

    def step(tokens, past):
        T = tokens.shape[1]
        h = torch.nn.functional.embedding(tokens, w["model.embed_tokens.weight"])
        pos = torch.arange(past, past + T)[None, :].float()
        freqs = (inv_freq[None, :, None] @ pos[:, None, :]).transpose(1, 2)
        emb = torch.cat((freqs, freqs), -1)
        cos, sin = emb.cos()[:, None].to(h.dtype), emb.sin()[:, None].to(h.dtype)
        mask = None
        if T > 1:
            mask = torch.full((T, past + T), torch.finfo(h.dtype).min, dtype=h.dtype).triu(past + 1)
        for i in range(cfg.num_hidden_layers):
            p = f"model.layers.{i}."
            x = ref.rms_norm(h, w[p + "input_layernorm.weight"], cfg.rms_norm_eps)
            q = ref.linear(w, p + "self_attn.q_proj", x).view(1, T, H, D).transpose(1, 2)
            k = ref.linear(w, p + "self_attn.k_proj", x).view(1, T, KV, D).transpose(1, 2)
            v = ref.linear(w, p + "self_attn.v_proj", x).view(1, T, KV, D).transpose(1, 2)
            q = q * cos + ref.rotate_half(q) * sin
            k = k * cos + ref.rotate_half(k) * sin
            if cache[i] is not None:
                k = torch.cat([cache[i][0], k], 2)
                v = torch.cat([cache[i][1], v], 2)
            cache[i] = (k, v)
            kr, vr = ref.repeat_kv(k, H // KV), ref.repeat_kv(v, H // KV)
            a = torch.matmul(q, kr.transpose(2, 3)) * D ** -0.5
            if mask is not None:
                a = a + mask
            a = torch.softmax(a, -1, dtype=torch.float32).to(q.dtype)
            o = torch.matmul(a, vr).transpose(1, 2).reshape(1, T, H * D)
            h = h + ref.linear(w, p + "self_attn.o_proj", o)
            x = ref.rms_norm(h, w[p + "post_attention_layernorm.weight"], cfg.rms_norm_eps)
            h = h + ref.linear(w, p + "mlp.down_proj", torch.nn.functional.silu(ref.linear(w, p + "mlp.gate_proj", x)) * ref.linear(w, p + "mlp.up_proj", x))
        h = ref.rms_norm(h[:, -1:], w["model.norm.weight"], cfg.rms_norm_eps)
        head = w["model.embed_tokens.weight"] if cfg.tie_word_embeddings else w["lm_head.weight"]
        return torch.nn.functional.linear(h, head)

    with torch.no_grad():
        start = time.perf_counter()
        token = step(ids, 0)[0, -1].argmax().view(1, 1)
        first = time.perf_counter()
        for n in range(new_tokens - 1):
            token = step(token, prompt_length + n)[0, -1].argmax().view(1, 1)
        last = time.perf_counter()
    rss = peak_rss_mb()
    print(json.dumps({"prefill": prompt_length / (first - start), "decode": (new_tokens - 1) / (last - first),
                      "ms_per_token": 1000 * (last - first) / (new_tokens - 1), "rss_mb": rss}))


def reference_env(threads):
    """torch.set_num_threads does not reach OpenBLAS's own pool (t2sql's --threads sets both), so
    pin it for the reference too: otherwise its matrix products use every core."""
    env = dict(os.environ)
    env["OPENBLAS_NUM_THREADS"] = str(threads)
    return env


def median_run(runs):
    """Each metric's median over repeated runs."""
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def engine_run(binary, directory, prompt_length, new_tokens, threads, vocab):
    ids = " ".join(str(3 + i % (vocab - 3)) for i in range(prompt_length))
    out = subprocess.run([binary, "generate", "--model", directory, "--ids", ids, "--max-new-tokens", str(new_tokens),
                          "--print-ids", "--timings", "--threads", str(threads)], capture_output=True, text=True, check=True)
    line = [l for l in out.stderr.splitlines() if l.startswith("timings:")][0]
    words = line.replace(",", "").split()
    # timings: prompt P tokens prefill X tokens/s decode N tokens Y tokens/s (Z ms/token) peak RSS R MB
    return {"prefill": float(words[5]), "decode": float(words[10]), "ms_per_token": float(words[12].strip("(")),
            "rss_mb": float(words[16])}


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--reference":
        _, _, directory, prompt_length, new_tokens, threads, compute = sys.argv
        reference_run(directory, int(prompt_length), int(new_tokens), int(threads), compute)
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("build_dir")
    parser.add_argument("--sizes", default="10m,100m")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--prompts", default="16,64,256")
    parser.add_argument("--new-tokens", type=int, default=32)
    parser.add_argument("--dtype", choices=["f32", "bf16"], default="f32", help="checkpoint storage dtype")
    parser.add_argument("--repeats", type=int, default=1, help="runs of each side per row; figures are medians")
    parser.add_argument("--plot", help="write an SVG of decode ms/token against the prompt length")
    args = parser.parse_args()
    points = []  # (size, prompt length, engine ms/token, reference ms/token)
    binary = os.path.join(args.build_dir, "t2sql-model")
    with tempfile.TemporaryDirectory() as tmp:
        print("| size | params | prompt | engine prefill tok/s | ref prefill tok/s | engine decode tok/s | ref decode tok/s | decode ratio | engine ms/token | ref ms/token | engine RSS MB | ref RSS MB |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for size in args.sizes.split(","):
            directory = os.path.join(tmp, size)
            params = make_checkpoint(directory, size, args.dtype)
            for prompt_length in map(int, args.prompts.split(",")):
                # Engine and reference alternate, so drift of the machine hits both; each figure
                # is the median of the repeats.
                computes = ["f32", "bf16"] if args.dtype == "bf16" else ["f32"]
                engines, runs = [], {compute: [] for compute in computes}
                for _ in range(args.repeats):
                    engines.append(engine_run(binary, directory, prompt_length, args.new_tokens, args.threads, SIZES[size]["vocab_size"]))
                    for compute in computes:
                        out = subprocess.run([sys.executable, __file__, "--reference", directory, str(prompt_length),
                                              str(args.new_tokens), str(args.threads), compute], capture_output=True, text=True,
                                             check=True, env=reference_env(args.threads))
                        runs[compute].append(json.loads(out.stdout))
                engine = median_run(engines)
                references = {compute: median_run(runs[compute]) for compute in computes}  # the plot uses f32 (upcast)
                for compute, reference in references.items():
                    label = size if args.dtype == "f32" else f"{size} bf16 (ref {compute})"
                    print(f"| {label} | {params / 1e6:.1f}M | {prompt_length} | {engine['prefill']:.0f} | {reference['prefill']:.0f} | "
                          f"{engine['decode']:.1f} | {reference['decode']:.1f} | {engine['decode'] / reference['decode']:.2f}x | "
                          f"{engine['ms_per_token']:.2f} | {reference['ms_per_token']:.2f} | {engine['rss_mb']:.0f} | {reference['rss_mb']:.0f} |",
                          flush=True)
                points.append((size, prompt_length, engine["ms_per_token"], references["f32"]["ms_per_token"]))
    if args.plot:
        write_plot(args.plot, points, args.threads)


def write_plot(path, points, threads):
    """One panel per size: decode ms/token of the engine and the reference against the prompt
    length (log scale). Flat lines mean the KV cache keeps a step independent of the context."""
    sizes = list(dict.fromkeys(p[0] for p in points))
    width, panel_h, left, top = 640, 220, 70, 30
    height = top + len(sizes) * (panel_h + 50)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
           f'<text x="{left}" y="18">Decode time per token vs prompt length ({threads} thread(s)): t2sql (blue), python3-torch eager (orange)</text>']
    for index, size in enumerate(sizes):
        rows = [p for p in points if p[0] == size]
        y0 = top + index * (panel_h + 50)
        xs = [math.log2(r[1]) for r in rows]
        x_lo, x_hi = min(xs), max(xs) if max(xs) > min(xs) else min(xs) + 1
        y_hi = max(max(r[2], r[3]) for r in rows) * 1.15
        def px(v):
            return left + (v - x_lo) / (x_hi - x_lo) * (width - left - 30)
        def py(v):
            return y0 + panel_h - v / y_hi * panel_h
        out.append(f'<rect x="{left}" y="{y0}" width="{width - left - 30}" height="{panel_h}" fill="none" stroke="#999"/>')
        out.append(f'<text x="{left + 5}" y="{y0 + 15}">{size}</text>')
        for k in range(5):
            v = y_hi * k / 4
            out.append(f'<text x="{left - 5}" y="{py(v) + 4:.1f}" text-anchor="end">{v:.1f}</text>')
        out.append(f'<text x="12" y="{y0 + panel_h / 2}" transform="rotate(-90 12 {y0 + panel_h / 2})">ms/token</text>')
        for r in rows:
            out.append(f'<text x="{px(math.log2(r[1])):.1f}" y="{y0 + panel_h + 16}" text-anchor="middle">{r[1]}</text>')
        out.append(f'<text x="{width / 2}" y="{y0 + panel_h + 32}" text-anchor="middle">prompt tokens</text>')
        for column, colour in ((2, "#4c78a8"), (3, "#f58518")):
            line = " ".join(f"{px(math.log2(r[1])):.1f},{py(r[column]):.1f}" for r in rows)
            out.append(f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2"/>')
            for r in rows:
                out.append(f'<circle cx="{px(math.log2(r[1])):.1f}" cy="{py(r[column]):.1f}" r="3" fill="{colour}"/>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
