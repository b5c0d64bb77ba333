"""Zero-shot evaluation of a fine-tuned model on one language's records, per format."""

from __future__ import annotations

import numpy as np

from experiments import features, metrics, qa
from experiments.tasks import Task
from experiments.training import predict


def _classes(task: Task, model, tok, records: list[dict], params: dict) -> float:
    if task.format == "pair":
        ds = features.encode_pair(tok, records, task.labels, params["max_length"])
    else:
        ds = features.encode_choice(tok, records, params["max_length"])
    logits = predict(model, tok, ds, features.collator(task.head, tok), params)
    return metrics.accuracy(list(np.argmax(logits, axis=-1)), ds["labels"])


def _tags(task: Task, model, tok, records: list[dict], params: dict) -> float:
    id2tag = {int(k): v for k, v in model.config.id2label.items()}
    tag2id = {v: k for k, v in id2tag.items()}
    ds = features.encode_tags(tok, records, tag2id, params["max_length"])
    logits = predict(model, tok, ds, features.collator(task.head, tok), params)
    preds, refs = [], []
    for row, labels in zip(np.argmax(logits, axis=-1), ds["labels"], strict=True):
        kept = [(p, gold) for p, gold in zip(row, labels, strict=False) if gold != features.IGNORE]
        preds.append([id2tag[int(p)] for p, _ in kept])
        refs.append([id2tag[int(g)] for _, g in kept])
    scorer = metrics.seqeval_f1 if task.metric == "seqeval-f1" else metrics.tag_f1
    return scorer(preds, refs)


def _spans(task: Task, model, tok, records: list[dict], params: dict, lang: str) -> float:
    feats = qa.eval_features(tok, records, params["max_length"], params.get("doc_stride", 32))
    inputs = feats.remove_columns(["example_id", "offset_mapping"])
    start, end = predict(model, tok, inputs, features.collator(task.head, tok), params)
    answers = qa.best_spans(records, feats, start, end, no_answer=task.no_answer)
    gold = {r["id"]: r["answers"]["text"] for r in records}
    scorer = metrics.mlqa if task.metric == "mlqa" else metrics.squad
    return scorer(answers, gold, lang)["f1"]


def evaluate(task: Task, model, tok, records: list[dict], params: dict, lang: str) -> float:
    """The task's XTREME score (accuracy or F1, 0-100) on these records."""
    if task.format in {"pair", "choice"}:
        return _classes(task, model, tok, records, params)
    if task.format == "tags":
        return _tags(task, model, tok, records, params)
    return _spans(task, model, tok, records, params, lang)


def trivial(task: Task, records: list[dict]) -> float:
    """What a model that learned nothing scores: the majority class's share, or 0 for F1 metrics."""
    from collections import Counter

    if task.format not in {"pair", "choice"} or not records:
        return 0.0
    return 100 * Counter(str(r["label"]) for r in records).most_common(1)[0][1] / len(records)
