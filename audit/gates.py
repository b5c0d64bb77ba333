"""Validity gates: did the experiment pass its own controls before its numbers are read?

Applied to the item-level cells of a claim's runs (``audit.records.Cell``) before the
verdict engine judges the headline. Each cell is reduced per seed, arm and task to its
mean score over languages, the mean trivial baseline, and the mean item standard error
(a mean of per-language errors, not a pooled one: translated dev sets repeat the same
items, so languages are not independent). A unit *beats trivial* when

    score >= trivial + sigmas x SE      (and >= the task's declared floor, where one is)

with ``sigmas`` and floors declared per task and profile in ``experiments/tasks.yaml``.

- positive-control: every reference arm (what gains are measured against) beats trivial
  on every target, in every seed.
- manipulation: every intermediate checkpoint beats trivial on held-out items of its own
  task, and does not give one class to ``max_class_share`` of them.
- trainability: every trained arm x seed x target beats trivial and does not predict a
  single class (retrieval targets train nothing and are exempt).

A failed gate makes the verdict INVALID (``audit.verdict``), naming the gate, the arms and
how many seeds failed. A run that recorded no cells has no gates: the verdict says so.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict

from pydantic import BaseModel, Field

from audit.records import Cell
from audit.stats import item_se


class Gate(BaseModel):
    name: str
    passed: bool | None  # None: not applicable to this claim's runs
    detail: str = ""
    failures: list[str] = Field(default_factory=list)
    figures: dict[str, float] = Field(default_factory=dict)


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
    need: float
    sigmas: float
    floor: float | None
    class_share: float | None
    max_class_share: float

    @property
    def beats_trivial(self) -> bool:
        return self.score >= self.need

    @property
    def one_class(self) -> bool:
        return self.class_share is not None and self.class_share >= self.max_class_share


def units(cells_by_seed: dict[int, list[Cell]]) -> list[Unit]:
    out = []
    for seed, cells in sorted(cells_by_seed.items()):
        groups: dict[tuple[str, str, str], list[Cell]] = defaultdict(list)
        for c in cells:
            groups[(c.arm, c.role, c.task)].append(c)
        out += [_unit(seed, group) for group in groups.values()]
    return out


def _unit(seed: int, cells: list[Cell]) -> Unit:
    first = cells[0]
    score = statistics.fmean(c.score for c in cells)
    trivial = statistics.fmean(c.trivial for c in cells)
    se = statistics.fmean(item_se(c.items) for c in cells)
    need = max(trivial + first.sigmas * se, first.floor if first.floor is not None else float("-inf"))
    preds = [i.pred for c in cells for i in c.items if i.pred is not None]
    share = Counter(preds).most_common(1)[0][1] / len(preds) if preds else None
    return Unit(
        seed=seed,
        arm=first.arm,
        role=first.role,
        task=first.task,
        trained=first.trained,
        score=score,
        trivial=trivial,
        se=se,
        need=need,
        sigmas=first.sigmas,
        floor=first.floor,
        class_share=share,
        max_class_share=first.max_class_share,
    )


def _why(u: Unit) -> str:
    if u.one_class and u.beats_trivial:
        return f"seed {u.seed}: {u.class_share:.0%} of items in one class"
    if u.floor is not None and u.need == u.floor:
        base = f"seed {u.seed}: {u.score:.1f} < floor {u.floor:g}"
    else:
        base = f"seed {u.seed}: {u.score:.1f} < {u.need:.1f} = trivial {u.trivial:.1f} + {u.sigmas:g} x {u.se:.1f} SE"
    return base + (f", {u.class_share:.0%} in one class" if u.one_class else "")


def _gate(name: str, checked: list[Unit], failed: list[Unit], what: str, seeds: int) -> Gate:
    if not checked:
        return Gate(name=name, passed=None, detail=f"no {what} in these runs")
    by_arm: dict[tuple[str, str], list[Unit]] = defaultdict(list)
    for u in failed:
        by_arm[(u.task, u.arm)].append(u)
    failures = [
        f"{task} [{arm}] in {len(us)} of {seeds} seeds ({'; '.join(_why(u) for u in us)})"
        for (task, arm), us in sorted(by_arm.items())
    ]
    detail = f"{len(checked) - len(failed)} of {len(checked)} {what} passed"
    return Gate(
        name=name,
        passed=not failed,
        detail=detail,
        failures=failures,
        figures={"checked": len(checked), "failed": len(failed)},
    )


def evaluate(cells_by_seed: dict[int, list[Cell]]) -> list[Gate]:
    """The three control gates over a claim's runs (one list of cells per seed)."""
    us, seeds = units(cells_by_seed), len(cells_by_seed)
    refs = [u for u in us if u.role == "reference"]
    checks = [u for u in us if u.role == "intermediate"]
    trained = [u for u in us if u.role in {"reference", "treated"} and u.trained]
    return [
        _gate(
            "positive-control", refs, [u for u in refs if not u.beats_trivial], "reference arm x target x seed", seeds
        ),
        _gate(
            "manipulation",
            checks,
            [u for u in checks if not u.beats_trivial or u.one_class],
            "intermediate checkpoint x seed",
            seeds,
        ),
        _gate(
            "trainability",
            trained,
            [u for u in trained if not u.beats_trivial or u.one_class],
            "trained arm x target x seed",
            seeds,
        ),
    ]


def failed(gates: list[Gate]) -> list[Gate]:
    return [g for g in gates if g.passed is False]


def reason(gates: list[Gate]) -> str:
    """One line naming each failed gate and where it failed."""
    return "; ".join(f"{g.name} failed: {', '.join(g.failures) or g.detail}" for g in failed(gates))
