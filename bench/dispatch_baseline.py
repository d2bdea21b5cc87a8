#!/usr/bin/env python3
"""The peer baselines for `sanfu eval dispatch`, on the same fixed split of the Teddy Cup 2020
messages (../shared/data/README.md), with scikit-learn's LinearSVC:

  char   character 1-3-gram TF-IDF, trained on the other raw rows;
  word   word 1-2-gram TF-IDF, trained on the token file without the test rows, the test text
         segmented with Python's jieba.

Each prints one line in the format of `sanfu eval dispatch`. Classification speed is measured
on one core, vectorising (and, for `word`, segmenting) included.

    python3 -m venv bench/.venv && bench/.venv/bin/pip install -r bench/requirements.txt
    bench/.venv/bin/python bench/dispatch_baseline.py --data ../shared/data/teddy2020c
"""

import argparse
import csv
import gzip
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.metrics import accuracy_score, f1_score  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402

csv.field_size_limit(sys.maxsize)


def rows(path):
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def timed_predict(model, vec, texts, prep=lambda t: t):
    start = time.perf_counter()
    runs = 0
    while runs == 0 or time.perf_counter() - start < 1.0:
        pred = model.predict(vec.transform([prep(t) for t in texts]))
        runs += 1
    return pred, runs * len(texts) / (time.perf_counter() - start)


def report(name, truth, pred, speed, train_s):
    print(
        f"{name} macro_f1={f1_score(truth, pred, average='macro'):.4f} "
        f"accuracy={accuracy_score(truth, pred):.4f} msgs_per_s={speed:.0f} train_s={train_s:.2f}",
        flush=True,
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="../shared/data/teddy2020c")
    args = ap.parse_args()
    raw = rows(os.path.join(args.data, "fj2_raw_labeled.csv.gz"))
    test = [r for r in raw if r["source"] == "marsw20_test"]
    test_texts = [r["text"] for r in test]
    truth = [r["label"] for r in test]
    held_out = {r["full_row"] for r in test if r["full_row"]}

    # char: the other raw rows.
    train = [r for r in raw if r["source"] != "marsw20_test"]
    start = time.perf_counter()
    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3))
    model = LinearSVC(C=1.0).fit(vec.fit_transform([r["text"] for r in train]), [r["label"] for r in train])
    train_s = time.perf_counter() - start
    pred, speed = timed_predict(model, vec, test_texts)
    report("baseline_char", truth, pred, speed, train_s)

    # word: the token file without the test rows; the test text segmented by jieba.
    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()
    tokens = [r for r in rows(os.path.join(args.data, "fj2_full_tokens.csv.gz")) if r["full_row"] not in held_out]
    start = time.perf_counter()
    vec = TfidfVectorizer(tokenizer=str.split, token_pattern=None, lowercase=False, ngram_range=(1, 2))
    model = LinearSVC(C=1.0).fit(vec.fit_transform([r["tokens"] for r in tokens]), [r["label"] for r in tokens])
    train_s = time.perf_counter() - start
    pred, speed = timed_predict(model, vec, test_texts, prep=lambda t: " ".join(jieba.lcut(t)))
    report("baseline_word", truth, pred, speed, train_s)


if __name__ == "__main__":
    main()
