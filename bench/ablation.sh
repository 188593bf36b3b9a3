#!/usr/bin/env bash
# Ablation of the inference tweaks on Spider dev: predict + official evaluation per variant, then a
# Markdown table (EX and EM by hardness, p50/p95 latency per question) and an SVG bar chart.
#
#   bench/ablation.sh [--model DIR] [--limit N] [--out DIR] [--only NAME,...] [--threads N]
#
# --threads N is passed to predict (default: all cores); two runs with disjoint --only lists, the
# same --out and --threads 1 share a 2-core machine, and a last run without --only (which finds
# every prediction complete) writes the table for all.
# --limit N evaluates the first N dev examples (the same N for every variant; the gold file is
# cut to match). Each variant's predictions are resumable: rerunning the script continues where an
# interrupted run stopped. Every variant starts from bench/ablation_base.yaml (greedy, no tweak),
# which overrides the model folder's inference.yaml, and adds its own flags. Needs the built binaries (build/release or $T2SQL_BUILD) and python3
# for the aggregation (standard library only).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${T2SQL_BUILD:-$root/build/release}
t2sql=$build/t2sql
model="" limit=1034 out=$root/build/ablation only="" threads=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --model) model=$2; shift 2 ;;
    --limit) limit=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$out"
model_flag=()
[[ -n $model ]] && model_flag=(--model "$model")

# name | flags (the first is the reference baseline without post-processing)
variants=(
  "greedy|--no-postprocess"
  "+postprocess|"
  "+rag3|--few-shot 3"
  "+link-model|--schema-linking model"
  "+link-lexical|--schema-linking lexical"
  "+constrained|--constrained"
  "+beams4-exec|--constrained --beams 4 --execution-guided"
  "+self-correction|--self-correction"
  "+repair2|--repair-rounds 2"
  "all|--few-shot 3 --schema-linking lexical --constrained --beams 4 --execution-guided --repair-rounds 2"
  "beams4-exec+repair2|--constrained --beams 4 --execution-guided --repair-rounds 2"
)

# Written once (atomically): parallel runs sharing --out must not truncate it under each other.
if [[ ! -s $out/gold.sql || $(wc -l <"$out/gold.sql") -ne $(head -n "$limit" "$root/data/spider/dev_gold.sql" | wc -l) ]]; then
  head -n "$limit" "$root/data/spider/dev_gold.sql" >"$out/gold.sql.tmp.$$" && mv "$out/gold.sql.tmp.$$" "$out/gold.sql"
fi
for entry in "${variants[@]}"; do
  name=${entry%%|*} flags=${entry#*|}
  if [[ -n $only && ",$only," != *",$name,"* ]]; then continue; fi
  echo "== $name: $flags" >&2
  # shellcheck disable=SC2086
  "$t2sql" predict --split dev --limit "$limit" --out "$out/$name.sql" --resume --threads "$threads" "${model_flag[@]}" \
    --config "$root/bench/ablation_base.yaml" $flags >&2
  "$t2sql" eval --gold "$out/gold.sql" --pred "$out/$name.sql" --etype all --json "$out/$name.eval.jsonl" >"$out/$name.eval.txt"
done

python3 - "$out" "${variants[@]}" <<'PY'
import json, sys, statistics
from pathlib import Path
out = Path(sys.argv[1]); names = [v.split("|")[0] for v in sys.argv[2:]]
levels = ["easy", "medium", "hard", "extra", "all"]
rows, chart = [], []
for name in names:
    ev, pr = out / f"{name}.eval.jsonl", out / f"{name}.sql.jsonl"
    if not ev.exists(): continue
    recs = [json.loads(l) for l in ev.read_text().splitlines() if l.strip()]
    lat = sorted(json.loads(l).get("latency_s", 0.0) for l in pr.read_text().splitlines() if l.strip())
    def acc(key, level):
        sel = [r for r in recs if level == "all" or r["hardness"] == level]
        return 100.0 * sum(r.get(key, 0) for r in sel) / max(1, len(sel))
    p = lambda q: lat[min(len(lat) - 1, int(q * (len(lat) - 1) + 0.5))] if lat else 0.0
    rows.append(f"| {name} | " + " | ".join(f"{acc('exec', l):.1f}" for l in levels) + " | " +
                " | ".join(f"{acc('exact', l):.1f}" for l in levels) + f" | {p(0.5):.2f} | {p(0.95):.2f} |")
    chart.append((name, acc("exec", "all"), acc("exact", "all")))
header = ("| variant | EX easy | EX medium | EX hard | EX extra | EX all | EM easy | EM medium | EM hard | EM extra | EM all | p50 s | p95 s |\n"
          "|---|" + "---|" * 12)
table = header + "\n" + "\n".join(rows) + "\n"
(out / "ablation.md").write_text(table)
print(table)
# SVG: EX and EM (all) per variant, horizontal bars.
h = 30 * len(chart) + 40
svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="640" height="{h}" font-family="sans-serif" font-size="12">']
for i, (name, ex, em) in enumerate(chart):
    y = 20 + 30 * i
    svg.append(f'<text x="5" y="{y + 12}">{name}</text>')
    svg.append(f'<rect x="150" y="{y}" width="{4 * ex:.1f}" height="11" fill="#4c78a8"/><text x="{155 + 4 * ex:.1f}" y="{y + 10}">EX {ex:.1f}</text>')
    svg.append(f'<rect x="150" y="{y + 12}" width="{4 * em:.1f}" height="11" fill="#f58518"/><text x="{155 + 4 * em:.1f}" y="{y + 22}">EM {em:.1f}</text>')
svg.append("</svg>")
(out / "ablation.svg").write_text("\n".join(svg) + "\n")
PY
echo "table: $out/ablation.md, chart: $out/ablation.svg" >&2
