"""Golden values, each worked out by hand in the comment beside it."""

import pytest

from experiments.toolkit import metrics


def test_accuracy():
    assert metrics.accuracy([0, 1, 2, 2], [0, 1, 1, 2]) == 75.0  # 3 of 4


def test_seqeval_counts_entities_not_tokens():
    refs = [["B-PER", "I-PER", "O", "B-LOC"]]
    preds = [["B-PER", "O", "O", "B-LOC"]]
    # gold entities: PER(0-1), LOC(3); predicted: PER(0), LOC(3) -> 1 of 2 right each way
    # precision 1/2, recall 1/2, F1 = 50
    assert metrics.seqeval_f1(preds, refs) == pytest.approx(50.0)


def test_tag_f1_is_micro_over_tokens():
    # 5 tokens over two sentences, 4 right -> 80
    assert metrics.tag_f1([["DET", "NOUN"], ["VERB", "ADP", "X"]], [["DET", "NOUN"], ["VERB", "ADP", "NOUN"]]) == 80.0


def test_squad_em_and_f1():
    answers = {"q1": ["the Eiffel Tower", "Eiffel Tower"], "q2": ["in 1889"]}
    preds = {"q1": "Eiffel Tower!", "q2": "1889 exactly"}
    # q1: normalised "eiffel tower" matches -> EM 1, F1 1
    # q2: pred [1889, exactly] vs gold [in, 1889]: 1 common; P 1/2, R 1/2 -> F1 0.5; EM 0
    assert metrics.squad(preds, answers) == {"exact_match": 50.0, "f1": 75.0}


def test_missing_prediction_scores_zero():
    assert metrics.squad({}, {"q": ["x"]}) == {"exact_match": 0.0, "f1": 0.0}


def test_mlqa_removes_the_languages_own_articles_and_unicode_punctuation():
    # German: "die" and "der" are articles; "„" and "“" are Unicode punctuation
    assert metrics.mlqa_normalise("„Die Hauptstadt der Welt“", "de") == "hauptstadt welt"
    # SQuAD's English normalisation keeps both German articles
    assert metrics.squad_normalise("Die Hauptstadt der Welt") == "die hauptstadt der welt"


def test_mlqa_segments_chinese_by_character():
    answers = {"q": ["北京大学"]}
    # pred 北京 vs gold 北京大学: characters 2 common of pred 2, gold 4 -> P 1, R 1/2, F1 2/3
    assert metrics.mlqa({"q": "北京"}, answers, "zh")["f1"] == pytest.approx(200 / 3)
    # without segmentation the two are single, different tokens
    assert metrics.squad({"q": "北京"}, answers)["f1"] == 0.0


def test_bucc_f1():
    gold = {(0, 0), (1, 5), (2, 7)}
    mined = {(0, 0), (1, 5), (3, 3), (4, 4)}
    # 2 hits: P 2/4, R 2/3 -> F1 = 2*0.5*0.667/1.167 = 0.5714
    scores = metrics.bucc_f1(mined, gold)
    assert scores["f1"] == pytest.approx(400 / 7)
    assert metrics.bucc_f1(set(), gold)["f1"] == 0.0


def test_entity_items_sum_to_seqeval_micro_f1():
    from experiments.toolkit.evaluation import _entity_counts

    refs = [["B-PER", "I-PER", "O", "B-LOC"], ["O", "B-ORG", "I-ORG"], ["B-LOC", "O"]]
    preds = [["B-PER", "I-PER", "O", "O"], ["O", "B-ORG", "O"], ["B-LOC", "B-PER"]]
    counts = [_entity_counts(p, r) for p, r in zip(preds, refs, strict=True)]
    f1 = 100 * sum(n for n, _ in counts) / sum(d for _, d in counts)
    assert f1 == pytest.approx(metrics.seqeval_f1(preds, refs))


def _pairs(rng, n: int = 40, true: int = 20, noise: float = 0.3):
    import numpy as np

    src, tgt = rng.normal(size=(n, 8)), rng.normal(size=(n, 8))
    tgt[:true] = src[:true] + noise * rng.normal(size=(true, 8))
    src, tgt = (x / np.linalg.norm(x, axis=1, keepdims=True) for x in (src, tgt))
    return src, tgt, [[i, i] for i in range(true)]


def test_bucc_items_give_the_cross_fitted_f1():
    """Each half is mined under the threshold that maximises F1 on the other half (halfway to the next
    candidate down), written out again here."""
    import numpy as np

    from experiments.toolkit import retrieval

    src, tgt, gold = _pairs(np.random.default_rng(0))
    scores = retrieval.margin_scores(src, tgt)
    best = scores.argmax(axis=1)
    mined = set()
    for half in (0, 1):
        other = sorted(((scores[i, best[i]], i, int(best[i])) for i in range(40) if i % 2 != half), reverse=True)
        cut, sweep, top = np.inf, set(), 0.0
        for k, (score, i, j) in enumerate(other):
            sweep.add((i, j))
            f1 = metrics.bucc_f1(sweep, {(g, g) for g, _ in gold if g % 2 != half})["f1"]
            if f1 > top:
                top, cut = f1, (score + other[k + 1][0]) / 2 if k + 1 < len(other) else -np.inf
        mined |= {(i, int(best[i])) for i in range(half, 40, 2) if scores[i, best[i]] >= cut}
    by_hand = metrics.bucc_f1(mined, {(i, i) for i in range(20)})["f1"]
    assert retrieval.metric("bucc", src, tgt, gold) == pytest.approx(by_hand) and by_hand > 0


def test_bucc_f1_is_not_flattered_by_a_threshold_tuned_on_the_pairs_it_scores():
    """Over noisy draws, tuning on the scored pairs beats the cross-fitted F1 on average; the tuning is the bias."""
    import numpy as np

    from experiments.toolkit import retrieval

    rng, gaps = np.random.default_rng(1), []
    for _ in range(30):
        src, tgt, gold = _pairs(rng, noise=1.2)
        scores, gold_set = retrieval.margin_scores(src, tgt), {(i, i) for i in range(20)}
        best = scores.argmax(axis=1)
        tuned = retrieval.threshold([(scores[i, best[i]], i, int(best[i])) for i in range(40)], gold_set)
        in_sample = {(i, int(best[i])) for i in range(40) if scores[i, best[i]] >= tuned}
        gaps.append(metrics.bucc_f1(in_sample, gold_set)["f1"] - retrieval.metric("bucc", src, tgt, gold))
    assert np.mean(gaps) > 0
