"""Confidence intervals over per-seed values.

A 95% Student-t interval on the mean of paired per-seed values (scipy). Exact
measurements (a dataset's row count) have no sampling noise, so their interval is
the value itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

LEVEL = 0.95


@dataclass(frozen=True)
class Interval:
    n: int
    mean: float
    low: float | None
    high: float | None
    exact: bool = False

    @property
    def has_ci(self) -> bool:
        return self.low is not None and self.high is not None


def summarise(values: list[float], deterministic: bool = False) -> Interval | None:
    """Mean and 95% t-interval; None without values, no interval from one noisy value."""
    if not values:
        return None
    n = len(values)
    mean = math.fsum(values) / n
    same = all(math.isclose(v, values[0], rel_tol=0, abs_tol=1e-12) for v in values)
    if same and (deterministic or n > 1):
        return Interval(n, mean, mean, mean, exact=deterministic)
    if n == 1:
        return Interval(1, mean, None, None)
    from scipy import stats  # scipy is heavy; only verdicts need it

    sem = stats.sem(values)
    low, high = stats.t.interval(LEVEL, n - 1, loc=mean, scale=sem)
    return Interval(n, mean, float(low), float(high))
