"""Build small hub mirrors in the hub's own schema (field names, label codes, config names).

Row counts here are chosen by the tests, so each test knows the right answer without
trusting the code under test.
"""

from __future__ import annotations

import json
from pathlib import Path


def write_split(root: Path, repo: str, config: str, split: str, rows: list[dict]) -> None:
    folder = root / repo.replace("/", "__") / config
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{split}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))


# The hub's own schema of google/xtreme udpos.<Language> (the parquet copy's features): pos_tags
# is a sequence of ClassLabel integers over the 17 UPOS tags, not names as the pack's files hold
# them (issue #32's reading of the hub; the order is UD's own listing).
UPOS = ["ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON", "PROPN", "PUNCT",
        "SCONJ", "SYM", "VERB", "X"]  # fmt: skip
UDPOS_FEATURES = {
    "tokens": {"feature": {"dtype": "string", "_type": "Value"}, "_type": "List"},
    "pos_tags": {"feature": {"names": UPOS, "_type": "ClassLabel"}, "_type": "List"},
}


def write_features(root: Path, repo: str, config: str, features: dict) -> None:
    """The config's features, as the hub declares them (the mirror's loader casts its rows to them)."""
    folder = root / repo.replace("/", "__") / config
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "features.json").write_text(json.dumps(features))


def udpos_rows(rows: list[dict]) -> list[dict]:
    """UD-POS rows as the hub gives them: tags as ClassLabel integers."""
    return [{"tokens": r["tokens"], "pos_tags": [UPOS.index(t) for t in r["pos_tags"]]} for r in rows]


def write_card(root: Path, repo: str, text: str) -> None:
    folder = root / repo.replace("/", "__")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "README.md").write_text(text)


def nli(n: int, labels=(0, 1, 2)) -> list[dict]:
    return [{"premise": f"p{i}", "hypothesis": f"h{i}", "label": labels[i % len(labels)], "idx": i} for i in range(n)]


def english(root: Path) -> None:
    """MNLI 5 rows; SNLI 6 rows of which 2 have no gold label (-1); ANLI 3 + 2 + 4 rows."""
    write_split(root, "nyu-mll/glue", "mnli", "train", nli(5))
    write_split(root, "stanfordnlp/snli", "plain_text", "train", nli(6, labels=(0, -1, 2)))
    for split, n in (("train_r1", 3), ("train_r2", 2), ("train_r3", 4)):
        write_split(root, "facebook/anli", "plain_text", split, nli(n))
    write_card(root, "nyu-mll/glue", "QQP: question pairs from the community Q&A website Quora.")
    write_card(root, "rajpurkar/squad", "Questions posed by crowdworkers on a set of Wikipedia articles.")
    write_card(root, "rajpurkar/squad_v2", "SQuAD 2.0 adds unanswerable questions on Wikipedia articles.")
    sources = ["activitynet~v_abc", "wikihow~12", "wikihow~13", "activitynet~v_def"]
    rows = [
        {
            "ind": i,
            "activity_label": "x",
            "ctx": "c",
            "endings": ["a", "b", "c", "d"],
            "source_id": s,
            "split": "train",
            "split_type": "indomain",
            "label": "0",
        }
        for i, s in enumerate(sources)
    ]
    write_split(root, "Rowan/hellaswag", "default", "train", rows)


XTREME_CONFIGS = {
    "XNLI": ["validation", "test"], "PAWS-X.de": ["validation", "test", "train"],
    "udpos.Afrikaans": ["validation", "test"], "udpos.German": ["validation", "test", "train"],
    "PAN-X.de": ["validation", "test", "train"], "PAN-X.en": ["validation", "test", "train"],
    "PAN-X.fr": ["validation", "test", "train"], "PAN-X.sw": ["validation", "test", "train"],
    "XQuAD.ar": ["validation"], "MLQA.ar.de": ["validation", "test"], "tydiqa": ["validation", "train"],
    "bucc18.de": ["validation", "test"], "bucc18.zh": ["validation", "test"],
    "tatoeba.afr": ["validation"], "tatoeba.deu": ["validation"], "SQuAD": ["train", "validation"],
}  # fmt: skip


def xtreme(root: Path, configs: dict[str, list[str]] = XTREME_CONFIGS) -> None:
    """Nine task families (+ SQuAD, English training data); PAN-X has the most languages (4)."""
    for config, splits in configs.items():
        for split in splits:
            rows = [{"language": lang, "sentence1": "s"} for lang in ("en", "de", "fr")]
            write_split(root, "google/xtreme", config, split, rows)


def squad(n: int, prefix: str = "q") -> list[dict]:
    """SQuAD-schema rows: the answer is the context's second word."""
    return [
        {
            "id": f"{prefix}{i}",
            "title": "t",
            "context": f"Paris is the capital number {i}.",
            "question": f"What is capital {i}?",
            "answers": {"text": ["is"], "answer_start": [6]},
        }
        for i in range(n)
    ]


FULL_TRAIN_ROWS = {"mnli": 5, "pawsx": 6, "udpos": 7, "squad": 3}


def full_path(root: Path) -> None:
    """The splits a full run of the nine targets needs beyond the pack, each with a count of its own.

    MNLI train (XNLI's training set and the MNLI intermediate task), PAWS-X and UD-POS English
    train, SQuAD v1.1 train (XQuAD's and MLQA's), TyDiQA dev for Arabic and Bengali (the
    pack's copies carry no answers), and the English dev items checkpoints are chosen on.
    """
    english(root)
    n = FULL_TRAIN_ROWS
    write_split(root, "nyu-mll/glue", "mnli", "train", nli(n["mnli"]))
    pairs = [{"id": i, "sentence1": f"a{i}", "sentence2": f"b{i}", "label": i % 2} for i in range(n["pawsx"])]
    write_split(root, "google/xtreme", "PAWS-X.en", "train", pairs)
    tags = [{"tokens": ["The", "cat", f"n{i}"], "pos_tags": ["DET", "NOUN", "NUM"]} for i in range(n["udpos"])]
    write_features(root, "google/xtreme", "udpos.English", UDPOS_FEATURES)
    write_split(root, "google/xtreme", "udpos.English", "train", udpos_rows(tags))
    write_split(root, "rajpurkar/squad", "plain_text", "train", squad(n["squad"]))
    tydi = squad(2, "arabic-") + squad(2, "bengali-") + squad(2, "english-")
    write_split(root, "google/xtreme", "tydiqa", "validation", tydi)
    # The English dev items each target's checkpoint is chosen on (its `select` split)
    write_split(root, "nyu-mll/glue", "mnli", "validation_matched", nli(4))
    write_split(root, "google/xtreme", "PAWS-X.en", "validation", pairs[:4])
    write_split(root, "google/xtreme", "udpos.English", "validation", udpos_rows(tags[:4]))
    write_split(root, "rajpurkar/squad", "plain_text", "validation", squad(4, "v"))
