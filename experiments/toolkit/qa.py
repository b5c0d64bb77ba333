"""Extractive QA in the SQuAD style: windows with a doc stride, and n-best span decoding.

Training features mark the answer's token span (or the CLS token when the window does
not hold it, and for SQuAD v2 questions with no answer). Evaluation keeps each
window's offset mapping so the best span over all windows maps back to context text;
with ``no_answer`` the null span wins when it beats the best span's score.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from experiments.toolkit.features import tokenized


def _short(tok, question: str, budget: int) -> str:
    ids = tok(question.lstrip(), add_special_tokens=False, truncation=True, max_length=budget)["input_ids"]
    return tok.decode(ids)


DOC_STRIDE = 32  # tokens two windows of one context share, at most a quarter of the window


def window(max_length: int, doc_stride: int | None = None, max_question_tokens: int | None = None) -> dict[str, int]:
    """How a question and its context are cut into windows at this length (``_tokenize`` cuts them so).

    A task's settings at a profile may fix both (the full profile: XTREME's and jiant's stride of
    128 with questions of at most 64 tokens, at length 384). Unset, a question keeps at most a
    third of a short window and the stride a quarter (at most 32), so every window has room
    for context.
    """
    return {
        "doc_stride": doc_stride if doc_stride is not None else min(DOC_STRIDE, max_length // 4),
        "max_question_tokens": max_question_tokens if max_question_tokens is not None else max_length // 3,
    }


def _tokenize(tok, batch, max_length: int, cut: dict[str, int]):
    # Padding is left to the collator.
    questions = [_short(tok, q, cut["max_question_tokens"]) for q in batch["question"]]
    return tok(
        questions,
        batch["context"],
        truncation="only_second",
        max_length=max_length,
        stride=cut["doc_stride"],
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
    )


def _span(offsets, seq_ids, start_char: int, end_char: int) -> tuple[int, int]:
    ctx = [i for i, s in enumerate(seq_ids) if s == 1]
    if not ctx or offsets[ctx[0]][0] > start_char or offsets[ctx[-1]][1] < end_char:
        return 0, 0  # the answer is not inside this window: point at CLS
    start = next(i for i in ctx if offsets[i][1] > start_char)
    end = next(i for i in reversed(ctx) if offsets[i][0] < end_char)
    return start, end


def train_features(tok, records: list[dict], max_length: int = 128, cut: dict | None = None):
    cut = cut or window(max_length)

    def fn(batch):
        enc = _tokenize(tok, batch, max_length, cut)
        starts, ends = [], []
        for i, offsets in enumerate(enc["offset_mapping"]):
            answers = batch["answers"][enc["overflow_to_sample_mapping"][i]]
            if not answers["text"] or not answers["text"][0]:
                starts.append(0)
                ends.append(0)
                continue
            s = answers["answer_start"][0]
            span = _span(offsets, enc.sequence_ids(i), s, s + len(answers["text"][0]))
            starts.append(span[0])
            ends.append(span[1])
        enc.pop("offset_mapping")
        enc.pop("overflow_to_sample_mapping")
        return {**enc, "start_positions": starts, "end_positions": ends}

    return tokenized(records, fn)


def eval_features(tok, records: list[dict], max_length: int = 128, cut: dict | None = None):
    cut = cut or window(max_length)

    def fn(batch):
        enc = _tokenize(tok, batch, max_length, cut)
        ids, offsets = [], []
        for i in range(len(enc["input_ids"])):
            seq = enc.sequence_ids(i)
            ids.append(batch["id"][enc["overflow_to_sample_mapping"][i]])
            offsets.append([o if seq[k] == 1 else None for k, o in enumerate(enc["offset_mapping"][i])])
        enc.pop("overflow_to_sample_mapping")
        return {**enc, "example_id": ids, "offset_mapping": offsets}

    return tokenized(records, fn)


def best_spans(
    records, features, start_logits, end_logits, n_best: int = 20, max_answer: int = 30, no_answer: bool = False
) -> dict[str, str]:
    """The highest-scoring legal span per question, over all of its windows."""
    by_example = defaultdict(list)
    for i, ex_id in enumerate(features["example_id"]):
        by_example[ex_id].append(i)
    answers = {}
    for rec in records:
        best, null = (-np.inf, ""), np.inf
        for i in by_example[rec["id"]]:
            offsets, s_log, e_log = features[i]["offset_mapping"], start_logits[i], end_logits[i]
            null = min(null, s_log[0] + e_log[0])
            found = _best_in_window(offsets, s_log, e_log, n_best, max_answer)
            if found is not None and found[0] > best[0]:
                best = (found[0], rec["context"][offsets[found[1]][0] : offsets[found[2]][1]])
        answers[rec["id"]] = "" if no_answer and null > best[0] else best[1]
    return answers


def _best_in_window(offsets, s_log, e_log, n_best: int, max_answer: int):
    """(score, start, end) of the best legal span among the top ``n_best`` starts and ends, or None.

    The candidates form an n_best x n_best grid in the order a double loop over the top
    starts and ends would visit them, and argmax takes the first maximum, as that loop's
    strict ``>`` did; the grid only avoids its 400 Python-level steps per window.
    """
    starts, ends = np.argsort(s_log)[-n_best:], np.argsort(e_log)[-n_best:]
    # logits are padded to the batch's longest window: positions past this one are not legal
    legal = np.array([p < len(offsets) and offsets[p] is not None for p in range(max(len(s_log), len(e_log)))])
    s_grid, e_grid = np.meshgrid(starts, ends, indexing="ij")
    ok = legal[s_grid] & legal[e_grid] & (e_grid >= s_grid) & (e_grid - s_grid + 1 <= max_answer)
    if not ok.any():
        return None
    scores = np.where(ok, s_log[s_grid] + e_log[e_grid], -np.inf)
    k = int(np.argmax(scores))
    return scores.flat[k], int(s_grid.flat[k]), int(e_grid.flat[k])
