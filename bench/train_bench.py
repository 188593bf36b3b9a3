"""Training speed: t2sql's optimizer step (bench/model/train_step.cpp, the trainer's own functions)
against the same step in python3-torch eager (tools/reference_model's forward, which follows
transformers' modeling code, + torch.optim.AdamW + clip_grad_norm_), on the same config, batch
shape and loss positions, each in its own process (peak RSS is per process).

Usage: /usr/bin/python3 bench/train_bench.py BUILD_DIR [--sizes default,100m] [--batch 8]
           [--seq 256] [--completion 32] [--steps 5] [--threads 2]
`default` is models/default/config.json (the embedded model's architecture).
Both sides: full fine-tuning, fp32, loss on the last `completion` tokens of each sequence.
Differences that are the engines' own: t2sql computes the vocabulary projection only where a loss
is taken; the reference (like transformers) computes logits for every position.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

from peak_rss import peak_rss_mb  # bench/, the script's own folder

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SIZES = {
    "100m": dict(vocab_size=32000, hidden_size=768, intermediate_size=2048, num_hidden_layers=12,
                 num_attention_heads=12, num_key_value_heads=4, tie_word_embeddings=True),
}


def config_for(size):
    if size == "default":
        with open(os.path.join(ROOT, "models", "default", "config.json")) as f:
            return json.load(f)
    return dict(architectures=["LlamaForCausalLM"], model_type="llama", rms_norm_eps=1e-5,
                max_position_embeddings=2048, rope_theta=10000.0, torch_dtype="float32", **SIZES[size])


def peer(config_path, batch, seq, completion, steps, threads):
    """The Python side, run in a child process: prints the same JSON line as train_step."""
    import torch
    sys.path.insert(0, os.path.join(ROOT, "tools", "reference_model"))
    import reference_model as ref
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    with open(config_path) as f:
        cfg = ref.Config(json.load(f))
    H, KV, D, I, E = cfg.num_attention_heads, cfg.num_key_value_heads, cfg.head_dim, cfg.intermediate_size, cfg.hidden_size
    w = {"model.embed_tokens.weight": torch.randn(cfg.vocab_size, E) * 0.02, "model.norm.weight": torch.ones(E)}
    if not cfg.tie_word_embeddings:
        w["lm_head.weight"] = torch.randn(cfg.vocab_size, E) * 0.02
    shapes = {"self_attn.q_proj": (H * D, E), "self_attn.k_proj": (KV * D, E), "self_attn.v_proj": (KV * D, E),
              "self_attn.o_proj": (E, H * D), "mlp.gate_proj": (I, E), "mlp.up_proj": (I, E), "mlp.down_proj": (E, I)}
    for i in range(cfg.num_hidden_layers):
        p = f"model.layers.{i}."
        w[p + "input_layernorm.weight"] = torch.ones(E)
        w[p + "post_attention_layernorm.weight"] = torch.ones(E)
        for name, shape in shapes.items():
            w[p + name + ".weight"] = torch.randn(*shape) * 0.02
    params = list(w.values())
    for t in params:
        t.requires_grad_(True)
    decay = [t for t in params if t.dim() >= 2]
    no_decay = [t for t in params if t.dim() < 2]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}], lr=1e-4)
    ids = torch.randint(cfg.vocab_size, (batch, seq))
    labels = torch.full((batch, seq), -100, dtype=torch.long)
    labels[:, seq - completion - 1:seq - 1] = ids[:, seq - completion:]

    def one_step():
        optimizer.zero_grad(set_to_none=True)
        logits = ref.forward(cfg, w, ids)
        loss = torch.nn.functional.cross_entropy(logits.view(-1, logits.shape[-1]).float(), labels.view(-1), ignore_index=-100)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        return loss.item()

    one_step()
    start = time.perf_counter()
    for _ in range(steps):
        loss = one_step()
    seconds = time.perf_counter() - start
    rss = peak_rss_mb()
    print(json.dumps({"tokens_per_s": round(batch * seq * steps / seconds, 1), "step_s": round(seconds / steps, 4),
                      "peak_rss_mb": round(rss, 1), "params": sum(t.numel() for t in params), "loss": round(loss, 4),
                      "threads": torch.get_num_threads()}))


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--peer":
        a = sys.argv[2:]
        peer(a[0], int(a[1]), int(a[2]), int(a[3]), int(a[4]), int(a[5]))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("build")
    parser.add_argument("--sizes", default="default,100m")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--seq", type=int, default=256)
    parser.add_argument("--completion", type=int, default=32)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    args = parser.parse_args()
    binary = os.path.join(args.build, "bench", "train_step")
    print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; batch {args.batch} x {args.seq} tokens, "
          f"loss on the last {args.completion}, {args.steps} timed steps, {args.threads} threads")
    print("| size | params | t2sql tok/s | python3-torch tok/s | ratio | t2sql s/step | ref s/step | t2sql RSS MB | ref RSS MB |")
    print("|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes.split(","):
            path = os.path.join(tmp, f"{size}.json")
            with open(path, "w") as f:
                json.dump(config_for(size), f)
            shape = [str(args.batch), str(args.seq), str(args.completion), str(args.steps), str(args.threads)]
            ours = json.loads(subprocess.check_output(
                [binary, path, "--batch", shape[0], "--seq", shape[1], "--completion", shape[2], "--steps", shape[3],
                 "--threads", shape[4]], text=True).strip().splitlines()[-1])
            theirs = json.loads(subprocess.check_output(
                [sys.executable, os.path.abspath(__file__), "--peer", path] + shape, text=True,
                # torch.set_num_threads does not reach OpenBLAS's own pool; t2sql's --threads sets both.
                env=dict(os.environ, OPENBLAS_NUM_THREADS=shape[4])).strip().splitlines()[-1])
            print(f"| {size} | {ours['params'] / 1e6:.1f}M | {ours['tokens_per_s']:.0f} | {theirs['tokens_per_s']:.0f} | "
                  f"{ours['tokens_per_s'] / theirs['tokens_per_s']:.2f}x | {ours['step_s']:.3f} | {theirs['step_s']:.3f} | "
                  f"{ours['peak_rss_mb']:.0f} | {theirs['peak_rss_mb']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
