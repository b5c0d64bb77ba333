"""The score on which dev-based checkpoint selection keeps a model: the task's own metric.

jiant's XTREME runs keep the checkpoint with the best score of the training task's metric on
500 dev items (``docs/full.md``). The Trainer hands ``compute_metrics`` the head's logits and
labels, so each metric is computed from those:

- accuracy (XNLI, PAWS-X): the share of items whose class is right;
- seqeval F1 (PAN-X): entity F1 over the BIO tags of each sentence's first sub-words, the tag
  names from the head's config (``id2label``), through seqeval as evaluation does;
- tag F1 (UD-POS): micro F1 over tokens, which with one tag a token equals token accuracy;
- span F1 (SQuAD for XQuAD and MLQA, TyDiQA): the overlap F1 of the predicted and gold answer
  spans, counted in the feature's sub-word positions. Evaluation counts normalised words over
  whole contexts; selection scores features, so it ranks checkpoints by the same quantity on a
  finer grain. A feature whose window holds no answer (gold at position 0) scores 1 when the
  model points there too, else 0.

Every function returns ``{"selection": score}``, a share from 0 to 1: the Trainer's ``metric_for_best_model``.
"""

from __future__ import annotations

from collections.abc import Callable

KEY = "selection"


def metric(name: str, id2label: dict | None = None) -> Callable:
    """The ``compute_metrics`` function for a task metric's name (``tasks.yaml``: ``metric``)."""
    if name == "seqeval-f1":
        return lambda pred: {KEY: entity_f1(pred.predictions, pred.label_ids, id2label or {})}
    if name in ("squad", "mlqa"):
        return lambda pred: {KEY: span_f1(pred.predictions, pred.label_ids)}
    return lambda pred: {KEY: accuracy(pred.predictions, pred.label_ids)}


def accuracy(logits, labels) -> float:
    """Right classes (or tags: padding and later sub-words, labelled -100, left out)."""
    import numpy as np

    guess, mask = np.argmax(logits, axis=-1), labels != -100
    return float((guess == labels)[mask].mean())


def entity_f1(logits, labels, id2label: dict) -> float:
    """seqeval F1 over each sentence's labelled positions."""
    import numpy as np

    from experiments.toolkit.metrics import seqeval_f1

    names = {int(k): v for k, v in id2label.items()}
    guess = np.argmax(logits, axis=-1)
    predicted, gold = [], []
    for row_guess, row_gold in zip(guess, labels, strict=True):
        kept = row_gold != -100
        predicted.append([names[int(i)] for i in row_guess[kept]])
        gold.append([names[int(i)] for i in row_gold[kept]])
    return seqeval_f1(predicted, gold) / 100  # a share, like the others


def span_f1(logits: tuple, positions: tuple) -> float:
    """Mean overlap F1 of predicted (argmax start, argmax end) and gold spans, over features."""
    import numpy as np

    starts, ends = (np.argmax(x, axis=-1) for x in logits)
    gold_starts, gold_ends = positions
    scores = [_overlap_f1(*span) for span in zip(starts, ends, gold_starts, gold_ends, strict=True)]
    return float(np.mean(scores))


def _overlap_f1(start: int, end: int, gold_start: int, gold_end: int) -> float:
    if gold_start == gold_end == 0:  # no answer in this window: the head should point at <s>
        return float(start == end == 0)
    if end < start:
        return 0.0
    common = min(end, gold_end) - max(start, gold_start) + 1
    if common <= 0:
        return 0.0
    precision, recall = common / (end - start + 1), common / (gold_end - gold_start + 1)
    return 2 * precision * recall / (precision + recall)
