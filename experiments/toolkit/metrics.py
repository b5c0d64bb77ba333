"""Metrics as XTREME computes them.

- accuracy: XNLI, PAWS-X, the intermediate classification and multiple-choice tasks.
- seqeval F1: PAN-X (entity spans from BIO tags), via the seqeval library.
- tag F1: UD-POS, micro F1 over tokens (with one tag per token it equals token accuracy).
- SQuAD EM/F1: XQuAD, TyDiQA-GoldP, SQuAD (the official v1.1 evaluation formulas).
- MLQA EM/F1: as SQuAD, with MLQA's language-aware normalisation (per-language articles,
  all Unicode punctuation, and character segmentation of CJK text).
- BUCC F1: mined pairs against gold pairs. Tatoeba: top-1 accuracy.

The ``evaluate`` library fetches these scripts from the hub at run time, which offline
runs cannot do, so the official formulas are written out here and pinned by golden tests.
"""

from __future__ import annotations

import re
import string
import sys
import unicodedata
from collections import Counter
from functools import cache

ARTICLES = {
    "en": r"\b(a|an|the)\b",
    "es": r"\b(un|una|unos|unas|el|la|los|las)\b",
    "vi": r"\b(của|là|cái|chiếc|những)\b",
    "de": r"\b(ein|eine|einer|eines|einem|einen|der|die|das|des|dem|den)\b",
    "ar": r"\sال^|ال",
}
CJK = re.compile(r"([\u4e00-\u9fff\u3400-\u4dbf\u3040-\u30ff\uac00-\ud7af])")


def accuracy(predictions: list, references: list) -> float:
    return 100.0 * sum(p == r for p, r in zip(predictions, references, strict=True)) / len(references)


def seqeval_f1(predictions: list[list[str]], references: list[list[str]]) -> float:
    from seqeval.metrics import f1_score

    return 100.0 * f1_score(references, predictions)


def tag_f1(predictions: list[list[str]], references: list[list[str]]) -> float:
    flat = [(p, r) for ps, rs in zip(predictions, references, strict=True) for p, r in zip(ps, rs, strict=True)]
    return 100.0 * sum(p == r for p, r in flat) / len(flat)


def squad_normalise(text: str) -> str:
    text = "".join(ch for ch in text.lower() if ch not in set(string.punctuation))
    return " ".join(re.sub(ARTICLES["en"], " ", text).split())


@cache
def mlqa_punctuation() -> frozenset[str]:
    """ASCII punctuation plus every Unicode punctuation character (built once, on first use)."""
    unicode_punct = (chr(i) for i in range(sys.maxunicode) if unicodedata.category(chr(i)).startswith("P"))
    return frozenset(string.punctuation) | frozenset(unicode_punct)


def mlqa_normalise(text: str, lang: str) -> str:
    punct = mlqa_punctuation()
    text = "".join(ch for ch in text.lower() if ch not in punct)
    if lang in ARTICLES:
        text = re.sub(ARTICLES[lang], " ", text)
    return " ".join(CJK.sub(r" \1 ", text).split() if lang == "zh" else text.split())


def _f1(prediction: list[str], truth: list[str]) -> float:
    common = Counter(prediction) & Counter(truth)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision, recall = same / len(prediction), same / len(truth)
    return 2 * precision * recall / (precision + recall)


def span_f1s(predictions: dict[str, str], answers: dict[str, list[str]], normalise) -> dict[str, float]:
    """Each question's F1 (0-100), the max over its gold answers."""
    out = {}
    for qid, golds in answers.items():
        pred = normalise(predictions.get(qid, ""))
        golds = [normalise(g) for g in golds] or [""]
        out[qid] = 100.0 * max(_f1(pred.split(), g.split()) if (pred or g) else 1.0 for g in golds)
    return out


def span_scores(predictions: dict[str, str], answers: dict[str, list[str]], normalise) -> dict[str, float]:
    """EM and F1 (0-100), each the max over a question's gold answers, averaged."""
    em = 0.0
    for qid, golds in answers.items():
        pred = normalise(predictions.get(qid, ""))
        em += max(float(pred == normalise(g)) for g in golds or [""])
    f1 = span_f1s(predictions, answers, normalise)
    return {"exact_match": 100.0 * em / len(answers), "f1": sum(f1.values()) / len(answers)}


def squad(predictions: dict[str, str], answers: dict[str, list[str]], lang: str = "en") -> dict[str, float]:
    return span_scores(predictions, answers, squad_normalise)


def mlqa_normaliser(lang: str):
    return lambda t: mlqa_normalise(t, lang)


def mlqa(predictions: dict[str, str], answers: dict[str, list[str]], lang: str = "en") -> dict[str, float]:
    return span_scores(predictions, answers, mlqa_normaliser(lang))


def bucc_f1(mined: set[tuple[int, int]], gold: set[tuple[int, int]]) -> dict[str, float]:
    hits = len(mined & gold)
    precision = hits / len(mined) if mined else 0.0
    recall = hits / len(gold) if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    return {"precision": 100 * precision, "recall": 100 * recall, "f1": 100 * f1}


def top1_accuracy(nearest: list[int], gold: list[int]) -> float:
    return accuracy(nearest, gold)
