#!/usr/bin/env python3
"""Compares rapport's language identification with lingua, in one run, on the same texts.

    cargo build --release -p rapport
    python3 scripts/lang_compare.py [--rapport target/release/rapport] [--posts 20000]

Texts: the multilingual sample shipped with rapport-nlp (crates/rapport-nlp/tests/data/
lang_sample.tsv: spaCy's example sentences and Django's translations) and the first
`--posts` posts of the simulator (seed 11), whose ground truth carries the language.

rapport: `rapport analyze`, one text at a time (no author or stream memory: the per-text
detector, which answers null when it cannot tell). Its time covers the whole analysis
(VADER, intent, fingerprint and language), so its texts/s is a lower bound for language
alone. lingua (the Python package lingua-language-detector, whose engine is lingua-rs,
installed here from PyPI when missing) is run with all its languages and preloaded models,
in high- and low-accuracy mode, and with a minimum relative distance of 0.25, its own way
of declining to answer, to compare precision at a similar coverage.

Only texts in a language lingua knows are scored; one that rapport's detector cannot name
counts against rapport. "answered" is the share given an answer, "precision" the share right
among those, "accuracy" the share right among all.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def ensure_lingua():
    try:
        import lingua  # noqa: F401
    except ImportError:
        subprocess.check_call(
            [sys.executable, "-m", "pip", "install", "--quiet", "lingua-language-detector==2.1.1"]
        )


def sample_rows():
    path = os.path.join(ROOT, "crates/rapport-nlp/tests/data/lang_sample.tsv")
    rows = []
    with open(path, encoding="utf-8") as f:
        next(f)
        for line in f:
            parts = line.rstrip("\n").split("\t", 2)
            if len(parts) == 3:
                rows.append((parts[1], parts[2]))
    return rows


def simulated_rows(rapport, posts):
    out = subprocess.run(
        [rapport, "simulate", "--seed", "11", "--days", "30", "--rate", "20000",
         "--start", "2026-03-02T00:00:00Z", "--posts", str(posts), "--out", "-"],
        check=True, capture_output=True, text=True,
    ).stdout
    rows = []
    for line in out.splitlines():
        record = json.loads(line)
        rows.append((record["truth"]["lang"], record["post"]["text"]))
    return rows


def run_rapport(rapport, rows):
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as f:
        for i, (_, text) in enumerate(rows):
            f.write(json.dumps({"id": str(i), "text": text}) + "\n")
        path = f.name
    try:
        started = time.perf_counter()
        out = subprocess.run(
            [rapport, "analyze", path, "--format", "jsonl"],
            check=True, capture_output=True, text=True,
        ).stdout
        seconds = time.perf_counter() - started
    finally:
        os.unlink(path)
    answers = [json.loads(line)["lang"] for line in out.splitlines()]
    return answers, seconds


def run_lingua(detector, rows):
    started = time.perf_counter()
    answers = []
    for _, text in rows:
        lang = detector.detect_language_of(text)
        answers.append(lang.iso_code_639_1.name.lower() if lang is not None else None)
    return answers, time.perf_counter() - started


def score(rows, answers, known):
    scored = answered = correct = 0
    for (code, _), answer in zip(rows, answers):
        if code not in known:
            continue
        scored += 1
        if answer is not None:
            answered += 1
            correct += answer == code
    return scored, answered, correct


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rapport", default=os.path.join(
        os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release/rapport"))
    parser.add_argument("--posts", type=int, default=20000)
    args = parser.parse_args()
    ensure_lingua()
    from lingua import Language, LanguageDetectorBuilder

    known = {lang.iso_code_639_1.name.lower() for lang in Language.all()}

    detectors = {
        "lingua (high accuracy)": LanguageDetectorBuilder.from_all_languages()
        .with_preloaded_language_models().build(),
        "lingua (low accuracy)": LanguageDetectorBuilder.from_all_languages()
        .with_low_accuracy_mode().with_preloaded_language_models().build(),
        "lingua (min distance 0.25)": LanguageDetectorBuilder.from_all_languages()
        .with_minimum_relative_distance(0.25).with_preloaded_language_models().build(),
    }
    datasets = {
        "multilingual sample": sample_rows(),
        f"simulated posts ({args.posts})": simulated_rows(args.rapport, args.posts),
    }
    print(f"texts scored: those in one of lingua's {len(known)} languages")
    for name, rows in datasets.items():
        print(f"\n{name}: {len(rows)} texts")
        results = {"rapport analyze (per text)": run_rapport(args.rapport, rows)}
        for label, detector in detectors.items():
            results[label] = run_lingua(detector, rows)
        for label, (answers, seconds) in results.items():
            scored, answered, correct = score(rows, answers, known)
            print(
                f"  {label:<28} answered {100 * answered / max(scored, 1):5.1f}%  "
                f"precision {correct / max(answered, 1):.3f}  accuracy {correct / max(scored, 1):.3f}  "
                f"{len(rows) / seconds:>9.0f} texts/s"
            )


if __name__ == "__main__":
    main()
