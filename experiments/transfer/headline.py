"""The xtreme-transfer headline, computed from per-cell scores by one formula.

The judge rebuilds the same formula item by item from the stored cells (``audit.judge.gain_table``,
whose mean ``tests/test_gain_table.py`` checks against this headline on a real run):

- an arm's gain on a target: its mean score over the target's languages minus its
  reference arm's (paired: same seed, same items);
- the headline: the mean over arms of their mean gain over targets, or, with
  ``select: best-per-target``, the mean over targets of the best arm's gain.
"""

from __future__ import annotations

import numpy as np

from audit.contract import Cell

Score = float | np.ndarray
Scores = dict[tuple[str, str, str], Score]  # (arm, task, language) -> score


def scores_of(cells: list[Cell]) -> Scores:
    """The point score of every target cell (intermediate checkpoints' own-task checks left out)."""
    return {(c.arm, c.task, c.language): c.score for c in cells if c.role != "intermediate"}


def _mean(values: list[Score]) -> Score:
    return np.mean(np.stack(values), axis=0)


def task_mean(scores: Scores, arm: str, task: str) -> Score:
    return _mean([v for (a, t, _), v in scores.items() if a == arm and t == task])


def gains(scores: Scores, plan: dict[str, str], targets: list[str]) -> dict[str, dict[str, Score]]:
    """Per arm and target, the paired gain over the arm's reference (``plan``: arm -> reference arm)."""
    return {
        arm: {t: task_mean(scores, arm, t) - task_mean(scores, ref, t) for t in targets} for arm, ref in plan.items()
    }


def value(by_arm: dict[str, dict[str, Score]], targets: list[str], select: str | None) -> Score:
    if select == "best-per-target":
        return _mean([np.max(np.stack([g[t] for g in by_arm.values()]), axis=0) for t in targets])
    return _mean([_mean(list(g.values())) for g in by_arm.values()])
