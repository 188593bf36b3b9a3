"""Tokenizer training text for the default model: every record of a `t2sql data prep` JSONL file
rendered with the ChatML template (prompt turns + answer), one record per line (SentencePiece
trains on lines). Usage: python3 chatml_lines.py train.jsonl > lines.txt
"""
import json
import sys

for line in open(sys.argv[1], encoding="utf-8"):
    record = json.loads(line)
    text = "".join("<|im_start|>%s\n%s<|im_end|>\n" % (m["role"], m["content"])
                   for m in record["prompt"] + record["completion"])
    sys.stdout.write(text.replace("\n", " ") + "\n")
