#!/usr/bin/env python3
"""Execution accuracy per shape of the gold query: where a model's dev score comes from and where it fails.

Spider's hardness levels mix several things; this script counts the gold query's own parts instead
(number of joins, GROUP BY, HAVING, ORDER BY, LIMIT, two conditions, a nested SELECT, a set
operation) and prints, for each evaluated prediction file (`t2sql eval --jsonl` output, one line per
dev question), execution accuracy on the dev questions having each part. A question counts in every
row whose part its gold query has.

  bench/query_shapes.py --eval build/ablation_s19/greedy.eval.jsonl --eval build/ablation_s20/greedy.eval.jsonl

Standard library only.
"""
import argparse
import json
import re
import sys
from pathlib import Path

STRING = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"")


def shapes(sql: str) -> list:
    """The parts of a gold query, lower case and without its string literals."""
    text = " " + re.sub(r"\s+", " ", STRING.sub("?", sql.lower())) + " "
    parts = []
    joins = text.count(" join ")
    parts.append("no join" if joins == 0 else "1 join" if joins == 1 else "2+ joins")
    if re.search(r" (intersect|except|union) ", text):
        parts.append("set operation")
    elif text.count("select ") > 1:
        parts.append("nested select")
    for keyword, label in ((" group by ", "group by"), (" having ", "having"), (" order by ", "order by"), (" limit ", "limit")):
        if keyword in text:
            parts.append(label)
    where = text.split(" where ", 1)[1] if " where " in text else ""
    if re.search(r" (and|or) ", re.sub(r" between \S+ and ", " ", where)):
        parts.append("and/or")
    return parts


ROWS = ["no join", "1 join", "2+ joins", "group by", "having", "order by", "limit", "and/or", "nested select", "set operation"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dev", type=Path, default=Path(__file__).resolve().parent.parent / "data/spider/dev.json")
    parser.add_argument("--eval", type=Path, action="append", default=[], help="t2sql eval --jsonl output (repeatable)")
    args = parser.parse_args()
    if not args.eval:
        sys.exit("error: give at least one --eval file")
    for path in [args.dev, *args.eval]:
        if not path.is_file():
            sys.exit(f"error: file not found: {path}")
    try:
        dev = json.loads(args.dev.read_text())
        parts = [shapes(example["query"]) for example in dev]
    except (ValueError, KeyError, TypeError) as error:
        sys.exit(f"error: {args.dev}: not a Spider split ({error})")
    columns = []
    for path in args.eval:
        try:
            results = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        except ValueError as error:
            sys.exit(f"error: {path}: not JSON lines ({error})")
        if len(results) != len(dev):
            sys.exit(f"error: {path} has {len(results)} results for {len(dev)} dev questions")
        columns.append([1 if result.get("exec") in (1, True) else 0 for result in results])
    print("| gold query has | questions | " + " | ".join(f"EX {path.parent.name}/{path.stem}" for path in args.eval) + " |")
    print("|---|---:|" + "---:|" * len(args.eval))
    for row in ROWS + ["all"]:
        members = [i for i, p in enumerate(parts) if row == "all" or row in p]
        if not members:
            continue
        cells = [f"{100.0 * sum(column[i] for i in members) / len(members):.1f}" for column in columns]
        print(f"| {row} | {len(members)} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
