#!/usr/bin/python3
"""Writes tests/fixtures/tfidf/expected.json: scikit-learn's TfidfVectorizer (defaults) over the
Spider train questions, queried with the first 100 dev questions (top 5, cosine), plus the analyzer's
tokens for a set of multilingual strings. Needs python3-sklearn (Debian)."""
import json
import pathlib

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

root = pathlib.Path(__file__).resolve().parents[2]
train = json.loads((root / "data/spider/train_spider.json").read_text())
dev = json.loads((root / "data/spider/dev.json").read_text())
corpus = [e["question"] for e in train]
queries = [e["question"] for e in dev[:100]]

vectorizer = TfidfVectorizer()
matrix = vectorizer.fit_transform(corpus)
query_matrix = vectorizer.transform(queries)
similarity = (query_matrix @ matrix.T).toarray()
results = []
for q, row in enumerate(similarity):
    order = np.lexsort((np.arange(len(row)), -row))[:5]  # score desc, then index asc
    results.append({"query": q, "top": [[int(d), float(row[d])] for d in order if row[d] > 0]})

analyzer = vectorizer.build_analyzer()
strings = ["How many HEADS of the departments are older than 56 ?", "Café CRÈME brûlée ÆON", "日本語のテキスト と English",
           "Straße ΣΊΣΥΦΟΣ über", "x_y a1 b 12 3 _ __ a", "emoji 👩‍💻 mixed١٢٣ arabic عربي", "don't it's O'Neil"]
tokens = [{"text": s, "tokens": analyzer(s)} for s in strings]
idf_sample = {t: float(vectorizer.idf_[vectorizer.vocabulary_[t]]) for t in ["the", "department", "students", "how"]}
out = {"corpus": "data/spider/train_spider.json questions", "queries": "data/spider/dev.json questions 0-99",
       "vocabulary_size": len(vectorizer.vocabulary_), "idf": idf_sample, "results": results, "tokens": tokens}
(root / "tests/fixtures/tfidf/expected.json").write_text(json.dumps(out, ensure_ascii=False, indent=0) + "\n")
