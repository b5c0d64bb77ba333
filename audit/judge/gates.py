"""Validity gates: did the experiment pass its own controls before its numbers are read?

Applied to the item-level cells of a claim's runs (``audit.run.records.Cell``) before the verdict
engine judges the headline. The policy is pre-registered as data (``gates:`` in
``experiments/toolkit/tasks.yaml``, carried on every cell) and has known error rates
(``tests/test_gates.py`` draws scores with a known truth and counts outcomes):

1. **Collapse, per seed.** A unit (seed x arm x task, its languages pooled) has collapsed when
   it gives one class to ``collapse_share`` of its items or more, or scores within
   ``COLLAPSE_SE`` item standard errors of its trivial score. A seed with any collapsed unit
   is dropped from the claim, by this rule alone, and the verdict says k of n seeds were kept.
2. **Learned, over every seed.** Each unit's mean over all its seeds (collapsed ones too: judging
   only the kept ones would select on the outcome, and passed 1.5% of units at trivial in a
   simulation) is bounded one-sided at ``LEVEL`` over its items (these trained models are what
   the gate asks about, so the items are the sample), against what "learned" means: trivial +
   the task kind's ``margin`` (and the task's ``floor`` where one is declared, at full).
   Trivial is the majority class, the most frequent tag, or 0 F1.

   - PASS: the lower bound clears the bar;
   - FAIL: the upper bound is below it (a score at trivial always fails, whatever its SE), or
     the unit collapsed in every seed;
   - INDETERMINATE: neither. The claim is then UNDERPOWERED, never INVALID.

The gates: positive-control (every reference arm on every target), manipulation (every
intermediate checkpoint on held-out items of its own task) and trainability (every trained
arm on every target; retrieval trains nothing and is exempt). A failed gate makes the verdict
INVALID (``audit.judge.verdict``), naming the gate, the arm and the figures.

3. **Plateau**, where the design has one (mini's ``control: placebo``, issue #31): the
   reference's target trained twice as long (role 'plateau') against the reference itself, per
   target, as the headline's crossed seeds x items interval (``audit.judge.paired``):

   - PASS: the whole two-sided 95% interval of the shift lies within +-``PLATEAU_BOUND`` points,
     so "more target training" cannot explain a gain of more than that;
   - FAIL: the whole interval lies beyond it (the reference was still learning);
   - INDETERMINATE: neither (UNDERPOWERED). As an equivalence test it passes a shift of exactly
     ``PLATEAU_BOUND`` at most 2.5% of the time (``tests/test_plateau.py`` counts it).
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from pydantic import BaseModel, Field

from audit.judge.stats import item_se
from audit.run.records import Cell

LEVEL = 0.99  # one-sided: P(PASS | a unit at trivial) <= 1%
COLLAPSE_SE = 1.0
PLATEAU_BOUND = 1.0  # points: the largest shift from twice the target steps that counts as a plateau
PLATEAU_LEVEL = 0.95  # two-sided interval of the shift


class Gate(BaseModel):
    name: str
    passed: bool | None  # None: not applicable, or indeterminate
    indeterminate: bool = False
    detail: str = ""
    failures: list[str] = Field(default_factory=list)
    figures: dict[str, float] = Field(default_factory=dict)

    @property
    def outcome(self) -> str:
        if self.indeterminate:
            return "INDETERMINATE"
        return {True: "PASS", False: "FAIL", None: "N/A"}[self.passed]


class Unit(BaseModel):
    """One seed x arm x task, reduced over its languages."""

    seed: int
    arm: str
    role: str
    task: str
    trained: bool
    score: float
    trivial: float
    se: float
    margin: float
    floor: float | None
    class_share: float | None
    collapse_share: float

    @property
    def need(self) -> float:
        return max(self.trivial + self.margin, self.floor if self.floor is not None else -math.inf)

    @property
    def collapsed(self) -> str:
        """Why this unit collapsed in its seed ('' when it did not)."""
        if self.class_share is not None and self.class_share >= self.collapse_share:
            return f"{self.task} [{self.arm}]: {self.class_share:.0%} of items in one class"
        if self.score <= self.trivial + COLLAPSE_SE * self.se:
            return f"{self.task} [{self.arm}]: {self.score:.1f} within {COLLAPSE_SE:g} SE of trivial {self.trivial:.1f}"
        return ""


@dataclass(frozen=True)
class Gating:
    """The gates, and which seeds the collapse rule kept (``dropped``: seed -> why)."""

    gates: list[Gate]
    kept: list[int]
    dropped: dict[int, str] = field(default_factory=dict)

    def note(self) -> str:
        if not self.dropped:
            return ""
        n = len(self.kept) + len(self.dropped)
        why = "; ".join(f"seed {s}: {r}" for s, r in sorted(self.dropped.items()))
        return f"{len(self.kept)} of {n} seeds kept by the pre-registered collapse rule ({why})"


def units(cells_by_seed: dict[int, list[Cell]]) -> list[Unit]:
    out = []
    for seed, cells in sorted(cells_by_seed.items()):
        out += [_unit(seed, group) for group in _groups(cells).values()]
    return out


def _groups(cells: list[Cell]) -> dict[tuple[str, str, str], list[Cell]]:
    groups: dict[tuple[str, str, str], list[Cell]] = defaultdict(list)
    for c in cells:
        groups[(c.arm, c.role, c.task)].append(c)
    return groups


def _unit(seed: int, cells: list[Cell]) -> Unit:
    first = cells[0]
    preds = [i.pred for c in cells for i in c.items if i.pred is not None]
    return Unit(
        seed=seed,
        arm=first.arm,
        role=first.role,
        task=first.task,
        trained=first.trained,
        score=statistics.fmean(c.score for c in cells),
        trivial=statistics.fmean(c.trivial for c in cells),
        se=statistics.fmean(item_se(c.items) for c in cells),
        margin=first.margin,
        floor=first.floor,
        class_share=Counter(preds).most_common(1)[0][1] / len(preds) if preds else None,
        collapse_share=first.collapse_share,
    )


def bounds(per_seed: list[list[Cell]], level: float = LEVEL) -> tuple[float, float, float]:
    """A unit's mean over its seeds and one-sided ``level`` bounds over the items.

    The gate asks whether *these* trained models learned, so the models are fixed and the items
    are the sample: the bounds are a t over the items' seed-averaged outcomes (m - 1 df).
    """
    import numpy as np  # here, not at the top: verdicts (and the CLI's cold start) import this module
    from scipy import stats

    tables = [_item_means(cells) for cells in per_seed]
    common = sorted(set.intersection(*(set(t) for t in tables)))
    averaged = np.array([[t[j] for j in common] for t in tables]).mean(axis=0)
    mean, m = float(averaged.mean()), len(common)
    se = float(np.std(averaged, ddof=1) / math.sqrt(m)) if m > 1 else 0.0
    half = float(stats.t.ppf(level, max(m - 1, 1))) * se
    return mean, mean - half, mean + half


def _item_means(cells: list[Cell]) -> dict[str, float]:
    """Each item's pseudo-value averaged over the unit's languages (translations of one item together)."""
    from audit.judge.gain_table import pseudo_values  # numpy: not at the top, where verdicts import this module

    out: dict[str, float] = defaultdict(float)
    for c in cells:
        for item, z in pseudo_values(c).items():
            out[item] += z / len(cells)
    return out


def _judge_unit(us: list[Unit], per_seed: list[list[Cell]]) -> tuple[str, str]:
    """(PASS | FAIL | INDETERMINATE, why) for one arm x task over its seeds."""
    u = us[0]
    mean, low, high = bounds(per_seed)
    bar = f"trivial {u.trivial:.1f} + margin {u.margin:g}" + (f", floor {u.floor:g}" if u.floor is not None else "")
    figures = f"mean {mean:.1f} over {len(us)} seeds, one-sided {LEVEL:.0%} bounds [{low:.1f}, {high:.1f}]"
    outcome = "PASS" if low >= u.need else "FAIL" if high < u.need else "INDETERMINATE"
    return outcome, f"{u.task} [{u.arm}]: {figures} against {u.need:.1f} ({bar})"


def _gate(name: str, what: str, checked: list[Unit], cells: dict) -> Gate:
    if not checked:
        return Gate(name=name, passed=None, detail=f"no {what} in these runs")
    by_unit: dict[tuple[str, str], list[Unit]] = defaultdict(list)
    for u in checked:
        by_unit[(u.arm, u.task)].append(u)
    found = {"PASS": [], "FAIL": [], "INDETERMINATE": []}
    for (arm, task), us in sorted(by_unit.items()):
        if all(u.collapsed for u in us):
            found["FAIL"].append(f"{task} [{arm}]: collapsed in all {len(us)} seeds ({us[0].collapsed})")
            continue
        per_seed = [[c for c in cells[u.seed] if (c.arm, c.task) == (arm, task)] for u in us]
        outcome, why = _judge_unit(us, per_seed)
        found[outcome].append(why)
    return _gate_of(name, what, found, len(by_unit))


def _gate_of(name: str, what: str, found: dict[str, list[str]], total: int, passing: str = "") -> Gate:
    failed, unsure = found["FAIL"], found["INDETERMINATE"]
    passing = passing or f"learned (one-sided {LEVEL:.0%} bound above the bar)"
    detail = f"{len(found['PASS'])} of {total} {what} {passing}"
    detail += "".join(f"; {line}" for line in found["PASS"])  # what passed, with its figures
    figures = {"checked": total, "failed": len(failed), "indeterminate": len(unsure)}
    if failed:
        return Gate(name=name, passed=False, detail=detail, failures=failed + unsure, figures=figures)
    if unsure:
        return Gate(name=name, passed=None, indeterminate=True, detail=detail, failures=unsure, figures=figures)
    return Gate(name=name, passed=True, detail=detail, figures=figures)


def evaluate(cells_by_seed: dict[int, list[Cell]]) -> Gating:
    """The collapse rule over every seed (which seeds the claim keeps), and the three control gates."""
    us = units(cells_by_seed)
    gated = [u for u in us if u.role == "intermediate" or (u.role in {"reference", "treated"} and u.trained)]
    dropped: dict[int, list[str]] = defaultdict(list)
    for u in gated:
        if why := u.collapsed:
            dropped[u.seed].append(why)
    kept = [s for s in sorted(cells_by_seed) if s not in dropped]
    checks = (
        ("positive-control", "reference arm x target", [u for u in us if u.role == "reference"]),
        ("manipulation", "intermediate checkpoint", [u for u in us if u.role == "intermediate"]),
        ("trainability", "trained arm x target", [u for u in us if u.role in {"reference", "treated"} and u.trained]),
    )
    gates = [_gate(name, what, checked, cells_by_seed) for name, what, checked in checks]
    if any(c.role == "plateau" for cells in cells_by_seed.values() for c in cells):
        gates.append(plateau(cells_by_seed))
    return Gating(gates, kept, {s: "; ".join(w) for s, w in dropped.items()})


def plateau(cells_by_seed: dict[int, list[Cell]], bound: float = PLATEAU_BOUND) -> Gate:
    """Per target, the shift from twice the reference's target steps, against +-``bound`` (module docstring)."""
    tasks = sorted({c.task for cells in cells_by_seed.values() for c in cells if c.role == "plateau"})
    found = {"PASS": [], "FAIL": [], "INDETERMINATE": []}
    for task in tasks:
        outcome, why = _plateau_of(
            task, {s: [c for c in cs if c.task == task] for s, cs in cells_by_seed.items()}, bound
        )
        found[outcome].append(why)
    return _gate_of(
        "plateau", "reference target", found, len(tasks), f"at its plateau (95% interval within +-{bound:g})"
    )


def _plateau_of(task: str, cells_by_seed: dict[int, list[Cell]], bound: float) -> tuple[str, str]:
    from audit.judge.gain_table import table  # numpy: not at the top, where verdicts import this module
    from audit.judge.paired import by_cluster, crossed

    found = table(cells_by_seed, role="plateau")
    if not found.clusters:
        return "INDETERMINATE", f"{task}: no item scored in every seed by both schedules"
    grouped, strata = by_cluster(found.values, found.clusters, found.strata)
    g = crossed(grouped, PLATEAU_LEVEL, strata=strata)
    figures = (
        f"twice the steps moved it {g.mean:+.2f} points, 95% interval [{g.low:.2f}, {g.high:.2f}], {g.n_seeds} seeds"
    )
    if not g.se > 0:
        return "INDETERMINATE", f"{task}: {figures} (no interval)"
    return _within(g.low, g.high, bound), f"{task}: {figures}, against +-{bound:g}"


def _within(low: float, high: float, bound: float) -> str:
    """An equivalence test by interval: inside +-bound PASS, wholly outside FAIL, else INDETERMINATE."""
    if -bound < low and high < bound:
        return "PASS"
    return "FAIL" if low >= bound or high <= -bound else "INDETERMINATE"


def failed(gates: list[Gate]) -> list[Gate]:
    return [g for g in gates if g.passed is False]


def indeterminate(gates: list[Gate]) -> list[Gate]:
    return [g for g in gates if g.indeterminate]


def reason(gates: list[Gate], word: str = "failed") -> str:
    """One line naming each failed (or indeterminate) gate and where."""
    chosen = failed(gates) if word == "failed" else indeterminate(gates)
    return "; ".join(f"{g.name} {word}: {', '.join(g.failures) or g.detail}" for g in chosen)
