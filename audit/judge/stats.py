"""Intervals that count both noise sources once: which seeds ran, and which items were scored.

A claim's headline is measured once per seed, on a fixed set of evaluation items, so its
uncertainty has two parts: seed noise, and item noise, which the spread across seeds cannot
show because every seed scores the same items. Where the runs recorded their item outcomes
as a paired gain (``audit.judge.gain_table``), the judge's interval is ``paired_gain`` /
``audit.judge.paired.crossed``: a crossed seeds x items design, variance components with a
Satterthwaite df, whose coverage ``tests/test_paired.py`` checks by simulation.

``summarise`` is the interval for experiments that recorded no item outcomes: Student's t
over the seeds (n - 1 df), labelled "item noise not measured". Until issue #29 it widened
that interval by the mean per-seed item variance, undivided by n; the seeds already carry the
item-by-seed part of it, so item noise was counted about twice (it covered a simulated gain in
100% of replications, not 95%, and its MDE could not fall below about 3.1 points).

Seeds that agree exactly give no interval at all, never a zero-width one. Exact measurements
(a dataset's row count) have no sampling noise: their interval is the value itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from audit.judge.paired import PairedGain, crossed, paired_gain

__all__ = ["Interval", "PairedGain", "crossed", "from_paired", "holm", "paired_gain", "summarise"]
LAZY = {"PairedGain", "crossed", "paired_gain"}  # audit.judge.paired loads numpy; the CLI's cold start must not


def __getattr__(name: str):
    """``audit.judge.stats.paired_gain`` (the public path) and its kin, loaded from ``paired`` when first used."""
    if name in LAZY:
        from audit.judge import paired

        return getattr(paired, name)
    raise AttributeError(f"module 'audit.judge.stats' has no attribute {name!r}")


LEVEL = 0.95
EQUIVALENCE_LEVEL = 0.90  # two one-sided tests at alpha 0.05 = a 90% interval inside the band
POWER = 0.80


@dataclass(frozen=True)
class Interval:
    n: int
    mean: float
    low: float | None
    high: float | None
    exact: bool = False
    se: float | None = None
    method: str = ""
    dof: float | None = None  # the t's degrees of freedom where not n - 1 (Satterthwaite's)
    note: str = ""  # how the estimate was formed, where a reader needs to know (a selection, say)

    @property
    def has_ci(self) -> bool:
        return self.low is not None and self.high is not None

    @property
    def df(self) -> float:
        return self.dof if self.dof is not None else self.n - 1

    def bounds(self, level: float) -> tuple[float, float]:
        """The interval at another level (the equivalence test's 90%)."""
        if self.exact or not self.se:
            return self.low, self.high
        from scipy import stats

        low, high = stats.t.interval(level, self.df, loc=self.mean, scale=self.se)
        return float(low), float(high)

    @property
    def p_value(self) -> float | None:
        """Two-sided p for 'the effect is zero' (t on n - 1 df); None without a standard error."""
        if self.exact or not self.se or self.n < 2:
            return None
        from scipy import stats

        return float(2 * stats.t.sf(abs(self.mean) / self.se, self.df))

    def mde(self, level: float = LEVEL, power: float = POWER) -> float | None:
        """The smallest true effect this design detects with ``power`` at ``level`` (two-sided)."""
        if self.exact or not self.se or self.n < 2:
            return None
        from scipy import stats

        return float((stats.t.ppf(1 - (1 - level) / 2, self.df) + stats.t.ppf(power, self.df)) * self.se)


def _same(values: list[float]) -> bool:
    return all(math.isclose(v, values[0], rel_tol=0, abs_tol=1e-12) for v in values)


def summarise(values: list[float], deterministic: bool = False) -> Interval | None:
    """Mean and 95% interval over seeds (t on n - 1 df), for runs without item outcomes; None without values."""
    if not values:
        return None
    n, mean = len(values), math.fsum(values) / len(values)
    if deterministic and _same(values):
        return Interval(n, mean, mean, mean, exact=True, method="exact measurement")
    if n == 1:
        return Interval(1, mean, None, None, method="one seed: seed noise cannot be estimated")
    se = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1) / n)
    if se == 0:
        return Interval(n, mean, None, None, method="seeds agree exactly and item noise was not measured")
    from scipy import stats

    low, high = stats.t.interval(LEVEL, n - 1, loc=mean, scale=se)
    method = f"t over {n} seeds (df {n - 1}); item noise not measured by this experiment"
    return Interval(n, mean, float(low), float(high), se=se, method=method)


def from_paired(g: PairedGain, units: str = "items", note: str = "") -> Interval:
    """The judge's interval from a crossed seeds x items estimate."""
    if g.n_seeds == 1:
        return Interval(1, g.mean, None, None, method="one seed: seed noise cannot be estimated")
    if not g.se > 0:
        return Interval(g.n_seeds, g.mean, None, None, method="every outcome identical across seeds and items")
    method = (
        f"crossed seeds x {units} ({g.n_seeds} seeds x {g.n_items:,} {units}), variance components, "
        f"Satterthwaite df {g.df:.1f}"
    )
    return Interval(g.n_seeds, g.mean, g.low, g.high, se=g.se, method=method, dof=g.df, note=note)


def item_se(items: list) -> float:
    """The standard error (0-100 scale) of one cell's ratio score over its items (delta method).

    For accuracy it is the binomial standard error with the sample correction, sqrt(p (1 - p) / (n - 1)).
    """
    n = len(items)
    den = math.fsum(i.den for i in items)
    if n < 2 or den == 0:
        return 0.0
    ratio = math.fsum(i.num for i in items) / den
    resid = [(i.num - ratio * i.den) for i in items]
    mean_den = den / n
    return 100.0 * math.sqrt(math.fsum(r * r for r in resid) / (n * (n - 1))) / mean_den


def holm(p_values: list[float]) -> list[float]:
    """Holm-adjusted p-values (statsmodels), in the order given."""
    if not p_values:
        return []
    from statsmodels.stats.multitest import multipletests

    return [float(p) for p in multipletests(p_values, method="holm")[1]]
