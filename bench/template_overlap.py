#!/usr/bin/env python3
"""How much of a dev score database-specific augmentation could owe to query shapes it already wrote.

`t2sql data prep --augment-databases unseen` writes templated pairs on the dev databases (their
schemas and values, never their questions; exact repeats of a dev question or query are left out).
A dev gold query can still equal a templated query up to its literal values. This script splits the
dev questions into those whose gold query has the *skeleton* (lower case, literals replaced, spacing
squeezed) of a templated query on the same database and the rest, and prints execution accuracy of
each evaluated prediction file (`t2sql eval --jsonl` output, one line per dev question) on both
groups, so that a gain can be read on the questions no template wrote.

  bench/template_overlap.py --pairs runs/default_model/aug_unseen1000.jsonl \
      --eval build/ablation_soup/greedy.eval.jsonl --eval build/ablation_s19/greedy.eval.jsonl

Standard library only.
"""
import argparse
import json
import re
import sys
from pathlib import Path

LITERAL = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\b\d+(?:\.\d+)?\b")
SPACE = re.compile(r"\s+")
PUNCT = re.compile(r"\s*([(),=<>!*])\s*")


def skeleton(sql: str) -> str:
    text = LITERAL.sub("?", sql.strip().rstrip(";"))
    text = SPACE.sub(" ", text.lower())
    return PUNCT.sub(r"\1", text).strip()


def read_pairs(path: Path) -> set:
    shapes = set()
    with path.open() as stream:
        for number, line in enumerate(stream, 1):
            try:
                record = json.loads(line)
                completion = record["completion"][0]["content"]
            except (ValueError, KeyError, IndexError, TypeError) as error:
                sys.exit(f"error: {path}:{number}: not an SFT record with a completion ({error})")
            # Records are primed with SELECT: the completion is the rest of the query.
            shapes.add((record["db_id"], skeleton("SELECT" + completion)))
    return shapes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=Path, required=True, help="augmented records (t2sql data prep JSONL)")
    parser.add_argument("--dev", type=Path, default=Path(__file__).resolve().parent.parent / "data/spider/dev.json")
    parser.add_argument("--eval", type=Path, action="append", default=[], help="t2sql eval --jsonl output (repeatable)")
    args = parser.parse_args()
    for path in [args.pairs, args.dev, *args.eval]:
        if not path.is_file():
            sys.exit(f"error: file not found: {path}")
    shapes = read_pairs(args.pairs)
    dev = json.loads(args.dev.read_text())
    seen = [(example["db_id"], skeleton(example["query"])) in shapes for example in dev]
    print(f"{sum(seen)} of {len(dev)} dev gold queries have the skeleton of a templated query on their database")
    for path in args.eval:
        results = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        if len(results) != len(dev):
            sys.exit(f"error: {path} has {len(results)} results for {len(dev)} dev questions")
        groups = {True: [0, 0], False: [0, 0]}
        for shaped, result in zip(seen, results):
            groups[shaped][0] += 1
            groups[shaped][1] += 1 if result.get("exec") in (1, True) else 0
        cells = []
        for shaped, label in ((True, "template-shaped"), (False, "other")):
            total, right = groups[shaped]
            cells.append(f"{label} {right}/{total} = {100.0 * right / max(total, 1):.1f}% EX")
        print(f"{path}: " + ", ".join(cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
