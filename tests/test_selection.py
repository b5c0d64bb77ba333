"""Checkpoint selection scores the task's own metric (``experiments.toolkit.selection``), as jiant selects."""

from __future__ import annotations

import numpy as np
import pytest

from experiments.toolkit import selection

TAGS = {0: "O", 1: "B-PER", 2: "I-PER", 3: "B-LOC"}


def _logits(choices: list[list[int]], classes: int = 4) -> np.ndarray:
    """One-hot logits whose argmax is each given class."""
    return np.eye(classes)[np.array(choices)]


def test_panx_is_chosen_on_entity_f1_not_on_token_accuracy():
    gold = np.array([[0, 1, 2, 0, 0, 0, 0, 0, -100], [3, 0, 0, 0, 0, 0, 0, 0, 0]])
    # Every O right, both entities wrong: 15 of 17 labelled tokens (88%), and not one entity.
    guess = _logits([[0, 1, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0, 0]])
    assert selection.accuracy(guess, gold) == pytest.approx(15 / 17)
    assert selection.entity_f1(guess, gold, TAGS) == 0.0
    right = _logits([[0, 1, 2, 0, 0, 0, 0, 0, 3], [3, 0, 0, 0, 0, 0, 0, 0, 0]])  # the padded position ignored
    as_in_a_config = {str(k): v for k, v in TAGS.items()}
    assert selection.metric("seqeval-f1", as_in_a_config)(_Pred(right, gold)) == {"selection": 1.0}


def test_qa_is_chosen_on_span_overlap():
    gold = (np.array([3, 0]), np.array([6, 0]))  # a 4-position answer, and a window without one
    # Predicted 5..8 (overlap 5..6: precision 2/4, recall 2/4, F1 0.5), and <s> for the empty window.
    logits = (_logits([5, 0], 10), _logits([8, 0], 10))
    assert selection.span_f1(logits, gold) == pytest.approx((0.5 + 1.0) / 2)
    backwards = (_logits([6, 2], 10), _logits([3, 0], 10))  # end before start; a span where none is
    assert selection.metric("squad")(_Pred(backwards, gold)) == {"selection": 0.0}


def test_classification_is_chosen_on_accuracy():
    gold = np.array([0, 1, 2, 1])
    assert selection.metric("accuracy")(_Pred(_logits([0, 1, 1, 1], 3), gold)) == {"selection": 0.75}


class _Pred:
    """The two fields of the Trainer's EvalPrediction that scoring reads."""

    def __init__(self, predictions, label_ids):
        self.predictions, self.label_ids = predictions, label_ids
