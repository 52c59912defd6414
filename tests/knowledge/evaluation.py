"""Precision and recall of the seeded classifier on the labelled messages.

The set is split by position: even rows are the *tuning* half (the phrase table was adjusted while
looking at its errors), odd rows the *held-out* half (never looked at while tuning). Run
``python -m tests.knowledge.evaluation`` to print the figures.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

LABELLED = Path(__file__).with_name("labelled_messages.tsv")
NO_TOPIC = "lainnya"


def labelled_rows() -> list[tuple[str, str]]:
    with LABELLED.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [(row["text"], row["topic"]) for row in reader]


def halves() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    rows = labelled_rows()
    return rows[0::2], rows[1::2]


def seeded_rules():
    from tickets.knowledge.classifier import Rule, normalize_phrase
    from tickets.knowledge.seed_data import ENTRIES, TOPIC_PHRASES

    rules = [
        Rule(normalize_phrase(phrase), spec["topic"], weight, spec["slug"])
        for spec in ENTRIES
        for phrase, weight in spec["phrases"]
    ]
    rules += [
        Rule(normalize_phrase(phrase), topic, weight, None)
        for topic, phrases in TOPIC_PHRASES.items()
        for phrase, weight in phrases
    ]
    primary = {spec["topic"]: spec["slug"] for spec in ENTRIES if spec.get("primary")}
    return rules, primary


@dataclass
class Scores:
    per_topic: dict[str, tuple[float, float, int]]  # precision, recall, support
    macro_precision: float
    macro_recall: float
    accuracy: float
    confident_precision: float  # of the predictions that would be applied automatically
    confident_coverage: float  # share of messages with a topic that were applied automatically
    errors: list[tuple[str, str, str, float]]


def evaluate(rows: list[tuple[str, str]], *, threshold: float = 0.6, prior: float = 1.0) -> Scores:
    from tickets.knowledge.classifier import classify_with

    rules, primary = seeded_rules()
    predicted: list[tuple[str, str, float]] = []
    for text, gold in rows:
        result = classify_with(rules, text, prior=prior, primary=primary)
        predicted.append((gold, result.topic or NO_TOPIC, result.confidence))
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for gold, guess, _ in predicted:
        if gold == guess:
            tp[gold] += 1
        else:
            fp[guess] += 1
            fn[gold] += 1
    topics = sorted({gold for _, gold in rows})
    per_topic = {}
    for topic in topics:
        precision = tp[topic] / (tp[topic] + fp[topic]) if tp[topic] + fp[topic] else 0.0
        recall = tp[topic] / (tp[topic] + fn[topic]) if tp[topic] + fn[topic] else 0.0
        per_topic[topic] = (precision, recall, tp[topic] + fn[topic])
    confident = [(g, p) for g, p, c in predicted if p != NO_TOPIC and c >= threshold]
    with_topic = [g for g, _, _ in predicted if g != NO_TOPIC]
    return Scores(
        per_topic=per_topic,
        macro_precision=sum(p for p, _, _ in per_topic.values()) / len(per_topic),
        macro_recall=sum(r for _, r, _ in per_topic.values()) / len(per_topic),
        accuracy=sum(tp.values()) / len(rows),
        confident_precision=sum(g == p for g, p in confident) / len(confident) if confident else 0.0,
        confident_coverage=sum(g == p for g, p in confident) / len(with_topic) if with_topic else 0.0,
        errors=[
            (text, gold, guess, conf)
            for (text, _), (gold, guess, conf) in zip(rows, predicted, strict=True)
            if gold != guess
        ],
    )


def report(name: str, scores: Scores) -> str:
    out = [
        f"== {name}: accuracy {scores.accuracy:.3f}, macro P {scores.macro_precision:.3f}, macro R {scores.macro_recall:.3f}"
    ]
    out.append(
        f"   auto-applied (conf ≥ threshold): precision {scores.confident_precision:.3f}, coverage {scores.confident_coverage:.3f}"
    )
    for topic, (precision, recall, support) in scores.per_topic.items():
        out.append(f"   {topic:24s} P {precision:.2f}  R {recall:.2f}  n={support}")
    return "\n".join(out)


if __name__ == "__main__":
    import os
    import sys

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "curhat.settings")
    django.setup()
    tuning, held_out = halves()
    for name, rows in (("tuning half", tuning), ("held-out half", held_out), ("all", tuning + held_out)):
        scores = evaluate(rows)
        print(report(name, scores))
        if name == "tuning half" or "-v" in sys.argv:
            for text, gold, guess, conf in scores.errors:
                print(f"      ✗ {gold:>20s} → {guess:20s} {conf:.2f}  {text}")
