"""experiments.toolkit.qa: the vectorised span search picks exactly what the plain double loop picks."""

import numpy as np
import pytest

from experiments.toolkit.qa import best_spans


def _loop(records, features, start_logits, end_logits, n_best=20, max_answer=30, no_answer=False):
    """The reference: every (start, end) among the top n_best, visited in order, strict '>'."""
    answers = {}
    for rec in records:
        best, null = (-np.inf, ""), np.inf
        for i, ex_id in enumerate(features["example_id"]):
            if ex_id != rec["id"]:
                continue
            offsets, s_log, e_log = features[i]["offset_mapping"], start_logits[i], end_logits[i]
            null = min(null, s_log[0] + e_log[0])
            for s in np.argsort(s_log)[-n_best:]:
                for e in np.argsort(e_log)[-n_best:]:
                    if max(s, e) >= len(offsets) or offsets[s] is None or offsets[e] is None:
                        continue
                    if e < s or e - s + 1 > max_answer:
                        continue
                    if s_log[s] + e_log[e] > best[0]:
                        best = (s_log[s] + e_log[e], rec["context"][offsets[s][0] : offsets[e][1]])
        answers[rec["id"]] = "" if no_answer and null > best[0] else best[1]
    return answers


class Features(list):
    def __getitem__(self, key):
        return [f[key] for f in self] if isinstance(key, str) else super().__getitem__(key)


@pytest.mark.parametrize("seed", range(20))
def test_vectorised_spans_equal_the_double_loop(seed):
    rng = np.random.default_rng(seed)
    context = "".join(rng.choice(list("abcdefgh "), 400))
    records = [{"id": f"q{k}", "context": context} for k in range(3)]
    feats, starts, ends = Features(), [], []
    for k in range(6):  # two windows a question, of different lengths, padded to 64 positions
        n = int(rng.integers(8, 64))
        offsets = [None if rng.random() < 0.3 else (int(p), int(p) + int(rng.integers(1, 5))) for p in range(n)]
        feats.append({"example_id": f"q{k // 2}", "offset_mapping": offsets})
        # logits of 0, 1 or 2 make ties common, so the order of the search matters
        starts.append(rng.integers(0, 3, size=64).astype(np.float32))
        ends.append(rng.integers(0, 3, size=64).astype(np.float32))
    for no_answer in (False, True):
        got = best_spans(records, feats, starts, ends, n_best=8, max_answer=12, no_answer=no_answer)
        assert got == _loop(records, feats, starts, ends, n_best=8, max_answer=12, no_answer=no_answer)


def test_a_window_setting_is_how_contexts_are_cut(tmp_path):
    """Windows of one long context overlap by the stride, and a long question keeps its token budget."""
    from experiments.toolkit import models, qa

    words = [f"w{i}" for i in range(400)]
    tok = models.train_tokenizer([" ".join(words), "why " * 50], tmp_path / "tok", vocab_size=600)
    batch = {"question": [" ".join(["why"] * 50)], "context": [" ".join(words)]}
    cut = qa.window(96, doc_stride=24, max_question_tokens=10)
    enc = qa._tokenize(tok, batch, 96, cut)
    assert len(enc["input_ids"]) > 2
    first, second = ([enc["input_ids"][w][k] for k, s in enumerate(enc.sequence_ids(w)) if s == 1] for w in (0, 1))
    assert first[-24:] == second[:24]  # the stride: the next window starts 24 tokens before this one ends
    assert sum(s == 0 for s in enc.sequence_ids(0)) <= 10
    assert qa.window(384) == {"doc_stride": 32, "max_question_tokens": 128}  # unset: the short-window rule
