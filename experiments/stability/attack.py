"""A greedy adversarial attack within an edit budget, run against the model under test.

For each sentence, ``budget`` rounds: propose ``candidates`` single typos (one
``perturb.typo_at`` edit at a random letter: swap, drop, insert or replace, script kept),
score every proposal with the objective, and keep the lowest if it beats the current
text; stop early when none does. Each round adds at most one edit, so the attacked text
is within ``budget`` optimal-string-alignment edits of the clean one.

The objective scores a batch of texts (lower is a stronger attack). The experiments pass
the cosine similarity, under the encoder being evaluated, between each candidate and
the English translation of its sentence, so the attack is aimed at exactly the model it
measures. All sentences advance together, so each round is one batched forward pass.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from experiments.stability.perturb import letters, rng_for, typo_at

# objective(texts, owners) -> one score per text; owners[k] is the index of the sentence texts[k] stands for
Objective = Callable[[list[str], list[int]], np.ndarray]


def proposals(text: str, step: int, seed: int, candidates: int) -> list[str]:
    """Distinct single-typo variants of ``text``, seeded by (text, step, seed)."""
    positions = letters(text)
    if not positions:
        return []
    rng = rng_for(f"attack{step}", text, 0.0, seed)
    out = {typo_at(text, rng.choice(positions), rng) for _ in range(candidates)}
    out.discard(text)
    return sorted(out)


def greedy(texts: Sequence[str], objective: Objective, budget: int, seed: int, candidates: int = 16):
    """The attacked texts and their final scores; the clean scores come first for reference."""
    current = list(texts)
    scores = np.asarray(objective(current, list(range(len(current)))), dtype=float)
    clean = scores.copy()
    for step in range(budget):
        pool = [(i, p) for i, t in enumerate(current) for p in proposals(t, step, seed, candidates)]
        if not pool:
            break
        values = np.asarray(objective([p for _, p in pool], [i for i, _ in pool]), dtype=float)
        best: dict[int, int] = {}  # sentence -> its lowest-scoring proposal
        for k, (owner, _) in enumerate(pool):
            if values[k] < scores[owner] and (owner not in best or values[k] < values[best[owner]]):
                best[owner] = k
        if not best:
            break
        for owner, k in best.items():
            current[owner], scores[owner] = pool[k][1], values[k]
    return current, clean, scores
