"""The smoke profile's own encoder: a tokenizer trained on a few sentences of every pack file, and a
tiny random XLM-R over it (``experiments.toolkit.models.TINY``). Two stages, cached like the rest."""

from __future__ import annotations

from pathlib import Path

from audit.contract import Unverifiable
from experiments.toolkit import models
from experiments.toolkit.tasks import Task, load_records, registry

SMOKE_TOKENIZER = {"corpus": "every-pack-task-v1"}  # the smoke tokenizer stage's spec


def tokenizer(ctx, folder: Path) -> dict:
    corpus = [text for task in registry().values() for text in _sample_text(ctx, task)]
    models.train_tokenizer(corpus, folder)
    return {"sentences": len(corpus)}


def encoder(seed: int, tokenizer_dir: Path, folder: Path) -> dict:
    models.tiny_encoder(models.load_tokenizer(tokenizer_dir), seed, folder)
    return {}


def _sample_text(ctx, task: Task, per_file: int = 24) -> list[str]:
    """A few sentences of every task and language in the pack: the smoke tokenizer's corpus."""
    langs = ["en"] if task.role == "intermediate" else task.languages
    split = "train" if task.role == "intermediate" else "dev"
    out = []
    for lang in langs:
        try:
            rows = load_records(task, split, lang, ctx)
        except Unverifiable:
            continue
        out += [t for r in rows[:per_file] for t in _texts(r)][: per_file * 4]
    return out


def _texts(record: dict) -> list[str]:
    if "source" in record:
        return record["source"][:24] + record["target"][:24]
    if "tokens" in record:
        return [" ".join(record["tokens"])]
    parts = [record.get(k) for k in ("text_a", "text_b", "context", "question")]
    return [p for p in parts if isinstance(p, str)] + list(record.get("choices", []))
