"""Readers for the data pack's file formats, each producing the records of one format.

Record shapes (hub records are mapped into the same shapes by ``experiments.tasks``):

- pair:     {"text_a", "text_b", "label"}            (label as in the file: str or int)
- choice:   {"context", "choices": [...], "label": int}
- span:     {"id", "context", "question", "answers": {"text": [...], "answer_start": [...]}}
- tags:     {"tokens": [...], "tags": [...]}
- parallel: {"source": [...], "target": [...], "gold": [[i, j], ...]}  (retrieval pairs)
"""

from __future__ import annotations

import bz2
import csv
import json
from pathlib import Path

from audit.errors import Unverifiable

ANLI_LABELS = {"e": "entailment", "n": "neutral", "c": "contradiction"}


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def pair_tsv(path: Path, lang: str = "") -> list[dict]:
    rows = (line.split("\t") for line in _lines(path))
    return [{"text_a": r[0], "text_b": r[1], "label": r[2]} for r in rows if len(r) >= 3]


def nli_jsonl(path: Path, lang: str = "") -> list[dict]:
    rows = (json.loads(line) for line in _lines(path) if line.strip())
    return [{"text_a": r["premise"], "text_b": r["hypothesis"], "label": r["label"]} for r in rows]


def anli_csv(path: Path, lang: str = "") -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [{"text_a": r["context"], "text_b": r["statement"], "label": ANLI_LABELS[r["gold_label"]]} for r in rows]


def squad_json(path: Path, lang: str = "") -> list[dict]:
    """SQuAD v1.1 JSON. A file where no question has an answer text has no gold to score or train with.

    (The pack's TyDiQA-GoldP dev files are such copies: every answer is ``{"text": ""}``.)
    """
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    rows = [
        {
            "id": qa["id"],
            "context": para["context"],
            "question": qa["question"],
            "answers": {
                "text": [a["text"] for a in qa["answers"]],
                "answer_start": [a["answer_start"] for a in qa["answers"]],
            },
        }
        for article in data
        for para in article["paragraphs"]
        for qa in para["qas"]
    ]
    if rows and not any(t for r in rows for t in r["answers"]["text"]):
        raise Unverifiable(f"{path.name}: all {len(rows)} answers are empty, so this copy has no gold answers")
    return rows


def hellaswag_text(path: Path, lang: str = "") -> list[dict]:
    """klosax's format: 6 lines per item (context, gold index, four endings)."""
    with bz2.open(path, "rt", encoding="utf-8") as fh:
        lines = fh.read().split("\n")
    items = [lines[i : i + 6] for i in range(0, len(lines) - 5, 6)]
    return [{"context": it[0], "choices": it[2:6], "label": int(it[1])} for it in items]


def cosmosqa_record(r: dict) -> dict:
    """One CosmosQA item (the pack's CSV row or the hub's row: the same field names)."""
    choices = [r[f"answer{i}"] for i in range(4)]
    return {"context": f"{r['context']} {r['question']}", "choices": choices, "label": int(r["label"])}


def csqa_record(r: dict) -> dict:
    """One CommonsenseQA item (the pack's JSON line or the hub's row: the same schema)."""
    return {
        "context": r["question"],
        "choices": r["choices"]["text"],
        "label": r["choices"]["label"].index(r["answerKey"]),
    }


def cosmosqa_csv(path: Path, lang: str = "") -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [cosmosqa_record(r) for r in csv.DictReader(fh)]


def csqa_jsonl(path: Path, lang: str = "") -> list[dict]:
    return [csqa_record(json.loads(line)) for line in _lines(path) if line.strip()]


def sentence_pairs(rows: list[dict]) -> list[dict]:
    """The hub's retrieval rows (one aligned pair each) as one record whose gold is the diagonal."""
    src, tgt = [r["source_sentence"] for r in rows], [r["target_sentence"] for r in rows]
    return [{"source": src, "target": tgt, "gold": [[i, i] for i in range(len(src))]}] if rows else []


def _sentences(lines, parse) -> list[dict]:
    out, tokens, tags = [], [], []
    for line in lines:
        cells = parse(line)
        if cells is None:
            if tokens:
                out.append({"tokens": tokens, "tags": tags})
            tokens, tags = [], []
        elif cells:
            tokens.append(cells[0])
            tags.append(cells[1])
    if tokens:
        out.append({"tokens": tokens, "tags": tags})
    return out


def _token_tsv_line(line: str):
    # None ends a sentence; an empty tuple skips a line.
    if not line.strip():
        return None
    parts = line.split("\t")
    return (parts[0], parts[1]) if len(parts) >= 2 else ()


def token_tsv(path: Path, lang: str = "") -> list[dict]:
    return _sentences(_lines(path), _token_tsv_line)


def _conllu_line(line: str):
    if not line.strip():
        return None
    cols = line.split("\t")
    # Comments, multi-word ranges (3-4) and empty nodes (5.1) are not tokens.
    if line.startswith("#") or len(cols) < 4 or not cols[0].isdigit():
        return ()
    return cols[1], cols[3]


def conllu(path: Path, lang: str = "") -> list[dict]:
    return _sentences(_lines(path), _conllu_line)


def tatoeba(base: Path, lang: str) -> list[dict]:
    src = _lines(base.with_name(f"{base.name}.{lang}"))
    tgt = _lines(base.with_name(f"{base.name}.eng"))
    return [{"source": src, "target": tgt, "gold": [[i, i] for i in range(len(src))]}]


def _id_lines(path: Path) -> tuple[list[str], list[str]]:
    pairs = [line.split("\t", 1) for line in _lines(path) if "\t" in line]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def bucc(base: Path, lang: str) -> list[dict]:
    src_ids, src = _id_lines(base.with_name(f"{base.name}.{lang}"))
    tgt_ids, tgt = _id_lines(base.with_name(f"{base.name}.en"))
    s_index, t_index = {k: i for i, k in enumerate(src_ids)}, {k: i for i, k in enumerate(tgt_ids)}
    gold_ids, gold_tgt = _id_lines(base.with_name(f"{base.name}.gold"))
    gold = [[s_index[s], t_index[t]] for s, t in zip(gold_ids, gold_tgt, strict=True)]
    return [{"source": src, "target": tgt, "gold": gold}]


# How the hub's rows of a task become records, where renaming fields is not enough (``shape:``).
HUB_SHAPES = {
    "cosmosqa": lambda rows: [cosmosqa_record(r) for r in rows],
    "csqa": lambda rows: [csqa_record(r) for r in rows],
    "sentence-pairs": sentence_pairs,
}

READERS = {
    "pair-tsv": pair_tsv, "nli-jsonl": nli_jsonl, "anli-csv": anli_csv, "squad-json": squad_json,
    "hellaswag-text": hellaswag_text, "cosmosqa-csv": cosmosqa_csv, "csqa-jsonl": csqa_jsonl,
    "token-tsv": token_tsv, "conllu": conllu, "tatoeba": tatoeba, "bucc": bucc,
}  # fmt: skip
