"""Sentence retrieval without training: BUCC and Tatoeba, as XTREME scores them.

Sentences are the mean of one layer's hidden states over their tokens (layer 14 of
XLM-R Large's 24, the same relative depth for other encoders). Tatoeba: nearest
neighbour by cosine, top-1 accuracy. BUCC: ratio-margin scores over k=4 neighbours
(Artetxe & Schwenk 2019), each source's best target kept if its score clears a threshold.
Only the dev split is local, so the threshold is cross-fitted (issue #29): the source
sentences are split in two halves (even and odd positions), and each half is mined with the
threshold that maximises F1 on the other half's gold pairs. No pair is scored under a
threshold tuned on it, so neither F1 nor a paired gain is flattered by the tuning.
"""

from __future__ import annotations

import numpy as np

from audit.contract import Item
from experiments.toolkit import metrics
from experiments.toolkit.models import retrieval_layer
from experiments.toolkit.training import autocast


def embed(model, tok, sentences: list[str], max_length: int = 64, batch_size: int = 32, precision: str = "fp32"):
    """Unit vectors, one per sentence; ``models.with_head(..., 'retrieval')`` stops at the pooled layer."""
    import torch

    layer = getattr(model.config, "retrieval_layer", None) or retrieval_layer(model.config.num_hidden_layers)
    device = next(model.parameters()).device
    model.eval()
    out = []
    with torch.inference_mode(), autocast(precision, device.type):
        for i in range(0, len(sentences), batch_size):
            enc = tok(
                sentences[i : i + batch_size], padding=True, truncation=True, max_length=max_length, return_tensors="pt"
            ).to(device)
            hidden = model(**enc, output_hidden_states=True).hidden_states[layer]
            mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            out.append(((hidden * mask).sum(1) / mask.sum(1)).float().cpu().numpy())
    vecs = np.concatenate(out) if out else np.zeros((0, model.config.hidden_size))
    return vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)


def tatoeba(src: np.ndarray, tgt: np.ndarray, gold: list[list[int]]) -> list[Item]:
    """Per gold pair: 1 when the source's nearest target is its translation."""
    nearest = (src @ tgt.T).argmax(axis=1) if len(tgt) else np.zeros(len(src), dtype=int)
    return [Item(id=str(i), num=float(int(nearest[i]) == j)) for i, j in gold]


def margin_scores(src: np.ndarray, tgt: np.ndarray, k: int = 4) -> np.ndarray:
    sims = src @ tgt.T
    k = max(1, min(k, sims.shape[0], sims.shape[1]))
    fwd = np.sort(sims, axis=1)[:, -k:].mean(axis=1)
    bwd = np.sort(sims, axis=0)[-k:, :].mean(axis=0)
    return sims / ((fwd[:, None] + bwd[None, :]) / 2)


def bucc(src: np.ndarray, tgt: np.ndarray, gold: list[list[int]]) -> list[Item]:
    """Per source sentence, under the other half's threshold: (2 x its pair is mined and gold, mined + gold).

    The sums give F1 = 2 hits / (mined + gold).
    """
    mined = cross_fitted(margin_scores(src, tgt), {(i, j) for i, j in gold})
    gold_of, sources = {i: j for i, j in gold}, {i for i, _ in mined}
    return [
        Item(
            id=str(i),
            num=2.0 * float(i in gold_of and (i, gold_of[i]) in mined),
            den=float(i in sources) + float(i in gold_of),
        )
        for i in range(len(src))
    ]


def cross_fitted(scores: np.ndarray, gold_set: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """Each half of the sources mined under the threshold tuned on the other half (see the module docstring)."""
    best = scores.argmax(axis=1)
    top = scores[np.arange(len(best)), best]
    mined: set[tuple[int, int]] = set()
    for half in (0, 1):
        other = [i for i in range(len(best)) if i % 2 != half]
        cut = threshold([(top[i], i, int(best[i])) for i in other], {(i, j) for i, j in gold_set if i % 2 != half})
        mined |= {(i, int(best[i])) for i in range(half, len(best), 2) if top[i] >= cut}
    return mined


def threshold(candidates: list[tuple[float, int, int]], gold_set: set[tuple[int, int]]) -> float:
    """The score threshold that maximises F1 of these candidates against this gold (inf: mine nothing).

    It lies halfway between the last candidate it keeps and the first it drops (-inf when it keeps
    them all), so a pair of the other half is not cut for scoring a hair below this half's lowest.
    """
    ranked = sorted(candidates, reverse=True)
    best_f1, best, mined = 0.0, -1, set()
    for k, (_, i, j) in enumerate(ranked):  # lowering the threshold one candidate at a time
        mined.add((i, j))
        f1 = metrics.bucc_f1(mined, gold_set)["f1"]
        if f1 > best_f1:
            best_f1, best = f1, k
    if best < 0:
        return np.inf
    return (ranked[best][0] + ranked[best + 1][0]) / 2 if best + 1 < len(ranked) else -np.inf


def subsample(record: dict, n: int | None) -> dict:
    """The first ``n`` gold pairs plus ``n`` unpaired sentences a side, re-indexed."""
    if n is None:
        return record
    gold = record["gold"][:n]
    src = [i for i, _ in gold] + [i for i in range(len(record["source"])) if i not in {g[0] for g in gold}][:n]
    tgt = [j for _, j in gold] + [j for j in range(len(record["target"])) if j not in {g[1] for g in gold}][:n]
    s_pos, t_pos = {i: k for k, i in enumerate(src)}, {j: k for k, j in enumerate(tgt)}
    return {
        "source": [record["source"][i] for i in src],
        "target": [record["target"][j] for j in tgt],
        "gold": [[s_pos[i], t_pos[j]] for i, j in gold],
    }


def outcomes(task_name: str, src: np.ndarray, tgt: np.ndarray, gold: list[list[int]]) -> list[Item]:
    """The task's own per-item outcomes of embedded sentences: Tatoeba hits or BUCC pair counts."""
    return tatoeba(src, tgt, gold) if task_name == "tatoeba" else bucc(src, tgt, gold)


def metric(task_name: str, src: np.ndarray, tgt: np.ndarray, gold: list[list[int]]) -> float:
    """The task's own score of embedded sentences: Tatoeba accuracy or BUCC F1 (0-100)."""
    found = outcomes(task_name, src, tgt, gold)
    den = sum(i.den for i in found)
    return 100.0 * sum(i.num for i in found) / den if den else 0.0


def chance(task_name: str, record: dict) -> float:
    """What an encoder that aligns nothing scores: one target in N for Tatoeba, about 0 F1 for BUCC."""
    return 100.0 / len(record["target"]) if task_name == "tatoeba" and record["target"] else 0.0


def scored(task_name: str, model, tok, record: dict, max_length: int, precision: str = "fp32") -> list[Item]:
    src, tgt = (embed(model, tok, record[side], max_length, precision=precision) for side in ("source", "target"))
    return outcomes(task_name, src, tgt, record["gold"])


def score(task_name: str, model, tok, record: dict, max_length: int, precision: str = "fp32") -> float:
    src, tgt = (embed(model, tok, record[side], max_length, precision=precision) for side in ("source", "target"))
    return metric(task_name, src, tgt, record["gold"])


def alignment_margin(src: np.ndarray, tgt: np.ndarray, gold: list[list[int]]) -> float:
    """Mean cosine of translation pairs minus the mean cosine of each source with the non-translations."""
    rows, cols = [i for i, _ in gold], [j for _, j in gold]
    sims = src[rows] @ tgt.T
    paired = sims[np.arange(len(rows)), cols]
    others = np.ones_like(sims, dtype=bool)
    others[np.arange(len(rows)), cols] = False
    return float(paired.mean() - sims[others].mean()) if others.any() else float(paired.mean())
