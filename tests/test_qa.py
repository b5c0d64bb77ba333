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
