"""The greedy attack: within its edit budget, and it lowers the target similarity of a real model."""

from __future__ import annotations

import numpy as np
from rapidfuzz.distance import OSA

from experiments.stability import attack, perturb


def test_a_toy_objective_is_minimised_within_the_budget():
    def objective(texts, _owners):  # fewer letters 'a' is better for the attacker
        return np.array([t.count("a") for t in texts], dtype=float)

    texts = ["banana bandana", "alabama cabana"]
    attacked, clean, final = attack.greedy(texts, objective, budget=2, seed=0, candidates=64)
    assert (final < clean).all()
    assert all(OSA.distance(a, b) <= 2 for a, b in zip(texts, attacked, strict=True))


def test_the_attack_stops_when_nothing_helps():
    attacked, clean, final = attack.greedy(["abc"], lambda t, _o: np.zeros(len(t)), budget=3, seed=0)
    assert attacked == ["abc"] and final[0] == clean[0]


def test_proposals_keep_the_script_and_are_seeded():
    text = "Благодаря ти за всичко"
    first = attack.proposals(text, 0, 5, 12)
    assert first == attack.proposals(text, 0, 5, 12)
    assert all(perturb.scripts(p) <= perturb.scripts(text) for p in first)


def test_the_attack_lowers_translation_similarity_under_the_real_model(e5_source):
    from experiments.toolkit import models, retrieval

    model, tok = models.with_head(e5_source, "retrieval"), models.load_tokenizer(e5_source)
    sources = ["Der Hund schläft im Garten.", "Я загорел на пляже.", "Δεν μπορείς να κάνεις τίποτα."]
    english = retrieval.embed(
        model, tok, ["The dog sleeps in the garden.", "I got a tan at the beach.", "You can't do anything."]
    )

    def objective(texts, owners):
        return (retrieval.embed(model, tok, texts) * english[owners]).sum(axis=1)

    attacked, clean, final = attack.greedy(sources, objective, budget=2, seed=0, candidates=8)
    assert (final < clean - 1e-4).all()
    assert all(OSA.distance(a, b) <= 2 for a, b in zip(sources, attacked, strict=True))
    again = (retrieval.embed(model, tok, attacked) * english).sum(axis=1)
    assert np.allclose(again, final, atol=1e-4)  # the scores are the model's, not a proxy's
