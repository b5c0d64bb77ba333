"""The placebo of an intermediate task: the same rows with the link between input and label cut.

A placebo arm trains phase 1 on exactly the task's rows, for the same steps, but with labels
that carry no information about their inputs. Whatever it gains over the untouched encoder
(more optimiser steps, the task's text, its label distribution, a head trained and thrown
away) is not transfer of what the task teaches; a gain *over the placebo* is (issue #31).

Each format keeps what a label-free model could still learn from its labels:

- ``pair`` and ``choice``: the labels are permuted across rows (the class shares are kept);
- ``tags``: every token's tag is drawn from the pool of all tags, without replacement, so the
  tag frequencies and each sentence's length are kept;
- ``span``: an answer becomes a span of the same length at a random place in its own context
  (an unanswerable question stays unanswerable: SQuAD v2's share of them is kept).

The shuffle is seeded by the run's seed and the task, so the placebo of a seed is one fixed
stage, like every other.
"""

from __future__ import annotations

import random

from audit.contract import determinism

PLACEBO = "placebo"  # an arm's placebo is named "<arm>~placebo"


def arm_of(arm: str) -> str:
    return f"{arm}~{PLACEBO}"


def shuffled(fmt: str, rows: list[dict], seed: int, task: str) -> list[dict]:
    """``rows`` with their labels made independent of their inputs (see the module docstring)."""
    rng = determinism.rng(f"placebo:{task}:{seed}")  # a str seed is hashed the same in every process
    if fmt in ("pair", "choice"):
        labels = [r["label"] for r in rows]
        rng.shuffle(labels)
        return [{**r, "label": label} for r, label in zip(rows, labels, strict=True)]
    if fmt == "tags":
        return _tags(rows, rng)
    if fmt == "span":
        return [_span(r, rng) for r in rows]
    raise ValueError(f"no placebo for the {fmt!r} format")


def _tags(rows: list[dict], rng: random.Random) -> list[dict]:
    pool = [t for r in rows for t in r["tags"]]
    rng.shuffle(pool)
    out, at = [], 0
    for r in rows:
        n = len(r["tags"])
        out.append({**r, "tags": pool[at : at + n]})
        at += n
    return out


def _span(row: dict, rng: random.Random) -> dict:
    answers, context = row["answers"], row["context"]
    if not answers["text"] or not answers["text"][0]:
        return row  # unanswerable stays unanswerable
    size = min(len(answers["text"][0]), len(context))
    start = rng.randrange(len(context) - size + 1)
    return {**row, "answers": {"text": [context[start : start + size]], "answer_start": [start]}}
