#!/usr/bin/env python3
"""Peer for bench/prompt_bench.cpp: the same work in Python (json + sqlite3 from the standard
library): load train_spider.json + train_others.json, read each database once (CREATE TABLE text
and 3 rows per table), build the 8,659 reference prompts and targets. Also times loading the
files `t2sql data stats` reads. Usage: python3 tools/data/prompt_peer.py [SPIDER_DIR]"""
import json
import sqlite3
import sys
import time

SYSTEM = ("You are a helpful assistant who answers questions about database tables by responding with SQL queries.\n"
          "Users will provide you with a set of tables represented as CREATE TABLE statements followed by INSERT statements "
          "containing information about the data types contained in each of the tables.\n"
          "Then users will ask a question.\n"
          "Answer the user question by writing a SQL statement with the help of the provided SQL tables.")
USER = "Here is the schema of the tables you will be working with:\n{schema}\n\n-- {question} \nSELECT"


def literal(value):
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return "'" + value[:100].replace("'", "''") + ("..." if len(value) > 100 else "") + "'"
    if isinstance(value, bytes):
        return "X'" + value.hex() + "'"
    return repr(value)


def schema_text(spider, db_id):
    con = sqlite3.connect(f"file:{spider}/database/{db_id}/{db_id}.sqlite?mode=ro&immutable=1", uri=True)
    con.text_factory = lambda b: b.decode(errors="replace")
    tables = con.execute("SELECT name, sql FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid").fetchall()
    lines = [sql.replace("\r", "").rstrip() + ("" if sql.rstrip().endswith(";") else ";") for _, sql in tables]
    for name, _ in tables:
        for row in con.execute(f'SELECT * FROM "{name}" LIMIT 3'):
            lines.append(f"INSERT INTO {name} VALUES(" + ",".join(literal(v) for v in row) + ");")
    con.close()
    return "\n".join(lines)


def build_prompts(spider):
    examples = json.load(open(f"{spider}/train_spider.json")) + json.load(open(f"{spider}/train_others.json"))
    cache = {}
    total = 0
    for ex in examples:
        if ex["db_id"] not in cache:
            cache[ex["db_id"]] = schema_text(spider, ex["db_id"])
        user = USER.format(schema=cache[ex["db_id"]], question=ex["question"])
        query = ex["query"]
        target = query[query.lower().find("select") + 6:]
        messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}, {"role": "assistant", "content": target}]
        total += len(messages[1]["content"]) + len(target)
    return len(examples), total


def main():
    spider = sys.argv[1] if len(sys.argv) > 1 else "data/spider"
    runs = [timed(build_prompts, spider) for _ in range(5)]
    print("python prompts (8,659, 3 rows): mean of 5 wall {:.0f} ms, cpu {:.0f} ms".format(
        sum(r[0] for r in runs) / 5 * 1000, sum(r[1] for r in runs) / 5 * 1000))
    files = ["train_spider.json", "train_others.json", "dev.json", "tables.json"]
    runs = [timed(lambda: [json.load(open(f"{spider}/{f}")) for f in files]) for _ in range(5)]
    print("python json.load of the stats files: mean of 5 wall {:.0f} ms, cpu {:.0f} ms".format(
        sum(r[0] for r in runs) / 5 * 1000, sum(r[1] for r in runs) / 5 * 1000))


def timed(function, *args):
    """(wall seconds, CPU seconds of this process) of one call."""
    start, start_cpu = time.perf_counter(), time.process_time()
    function(*args)
    return time.perf_counter() - start, time.process_time() - start_cpu


if __name__ == "__main__":
    main()
