"""Zero-shot evaluation of a fine-tuned model on one language's records, item by item.

Every format yields per-item outcomes (``audit.run.records.Item``: the item's share of the
score's numerator and denominator), so the score is 100 * sum(num) / sum(den) and the
verdict engine can resample items and gate on them without knowing the metric:

- accuracy: (correct, 1), with the predicted class;
- entity F1 (seqeval, PAN-X): per sentence (2 x entities matched, entities predicted + gold),
  whose ratio of sums is exactly seqeval's micro F1;
- tag F1 (UD-POS, one tag per token, so token accuracy): (tokens right, tokens);
- SQuAD / MLQA F1: (the question's F1, 1).
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from audit.contract import Item
from experiments.toolkit import features, metrics, qa
from experiments.toolkit.tasks import Task
from experiments.toolkit.training import predict


def _classes(task: Task, model, tok, records: list[dict], params: dict) -> list[Item]:
    if task.format == "pair":
        ds = features.encode_pair(tok, records, task.labels, params["max_length"])
    else:
        ds = features.encode_choice(tok, records, params["max_length"])
    logits = predict(model, tok, ds, features.collator(task.head, tok), params)
    preds = [int(p) for p in np.argmax(logits, axis=-1)]
    return [
        Item(id=_id(r, i), num=float(p == gold), pred=str(p))
        for i, (r, p, gold) in enumerate(zip(records, preds, ds["labels"], strict=True))
    ]


def _tags(task: Task, model, tok, records: list[dict], params: dict) -> list[Item]:
    id2tag = {int(k): v for k, v in model.config.id2label.items()}
    tag2id = {v: k for k, v in id2tag.items()}
    ds = features.encode_tags(tok, records, tag2id, params["max_length"])
    logits = predict(model, tok, ds, features.collator(task.head, tok), params)
    items = []
    for i, (r, row, labels) in enumerate(zip(records, np.argmax(logits, axis=-1), ds["labels"], strict=True)):
        kept = [(id2tag[int(p)], id2tag[int(g)]) for p, g in zip(row, labels, strict=False) if g != features.IGNORE]
        preds, refs = [p for p, _ in kept], [g for _, g in kept]
        num, den = _entity_counts(preds, refs) if task.metric == "seqeval-f1" else (_same(preds, refs), len(refs))
        items.append(Item(id=_id(r, i), num=num, den=den))
    return items


def _entity_counts(preds: list[str], refs: list[str]) -> tuple[float, float]:
    """(2 x entities found exactly, entities predicted + gold), as seqeval extracts entities."""
    from seqeval.metrics.sequence_labeling import get_entities

    found, gold = set(get_entities(preds)), set(get_entities(refs))
    return 2.0 * len(found & gold), float(len(found) + len(gold))


def _same(preds: list[str], refs: list[str]) -> float:
    return float(sum(p == g for p, g in zip(preds, refs, strict=True)))


def _spans(task: Task, model, tok, records: list[dict], params: dict, lang: str) -> list[Item]:
    feats = qa.eval_features(tok, records, params["max_length"], params.get("qa_window"))
    inputs = feats.remove_columns(["example_id", "offset_mapping"])
    start, end = predict(model, tok, inputs, features.collator(task.head, tok), params)
    answers = qa.best_spans(records, feats, start, end, no_answer=params.get("no_answer", task.no_answer))
    gold = {r["id"]: r["answers"]["text"] for r in records}
    normalise = metrics.mlqa_normaliser(lang) if task.metric == "mlqa" else metrics.squad_normalise
    f1 = metrics.span_f1s(answers, gold, normalise)
    return [Item(id=qid, num=f1[qid] / 100.0) for qid in gold]


def items(task: Task, model, tok, records: list[dict], params: dict, lang: str) -> list[Item]:
    """Each record's outcome under the task's XTREME metric."""
    if task.format in {"pair", "choice"}:
        return _classes(task, model, tok, records, params)
    if task.format == "tags":
        return _tags(task, model, tok, records, params)
    return _spans(task, model, tok, records, params, lang)


def score(outcomes: list[Item]) -> float:
    """The task's XTREME score (0-100) from its items' outcomes."""
    den = sum(i.den for i in outcomes)
    return 100.0 * sum(i.num for i in outcomes) / den if den else 0.0


def evaluate(task: Task, model, tok, records: list[dict], params: dict, lang: str) -> float:
    """The task's XTREME score (accuracy or F1, 0-100) on these records."""
    return score(items(task, model, tok, records, params, lang))


def trivial(task: Task, records: list[dict]) -> float:
    """What a model that learned nothing scores: the majority class's share, the most frequent tag's
    share of tokens (UD-POS, scored per token), or 0 for entity and span F1 (tagging every token O,
    or answering nothing)."""
    if not records:
        return 0.0
    if task.format in {"pair", "choice"}:
        return 100 * Counter(str(r["label"]) for r in records).most_common(1)[0][1] / len(records)
    if task.format == "tags" and task.metric == "tag-f1":
        tags = Counter(str(t) for r in records for t in r["tags"])
        return 100 * tags.most_common(1)[0][1] / sum(tags.values()) if tags else 0.0
    return 0.0


def _id(record: dict, position: int) -> str:
    # Translated dev sets keep their items' order, so a position pairs the same item across arms.
    return str(record.get("id") or position)
