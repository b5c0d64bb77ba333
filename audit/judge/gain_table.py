"""From a claim's item outcomes to the seeds x items table of its paired gain (``audit.judge.paired``).

An experiment whose headline is a paired gain records, per seed, a cell of item outcomes for
every arm, task and language, and names on each treated cell the reference arm it is measured
against (``Cell.against``). The headline is then one formula of those cells:

    the mean over treated arms of their mean over tasks of their mean over languages of
    (treated score - reference score)

Each cell's score is a ratio, 100 sum(num) / sum(den) over its items, so each item gets its
linearised share of it (its pseudo-value: the cell's score plus the item's influence, which
average to the score exactly). A treated item minus the same item of its reference, weighted
by that formula, is the item's contribution to the headline; the headline is their sum, and a
table of N units times their contribution has the headline as its mean. Translations of one item
(the same id in several languages of a task) form a cluster; tasks are strata.

With ``select: best-per-target`` the headline is a maximum over arms, which chosen and scored on
the same items is biased upwards. So the items are split in two halves by a hash of their cluster:
the arm of each target is chosen on the first half (its mean gain over the seeds), and the
gain is measured on the second.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from audit.run.records import Cell

BEST = "best-per-target"


@dataclass(frozen=True)
class Diff:
    """One treated item's paired difference (treated minus its reference) in one seed."""

    arm: str
    task: str
    lang: str
    item: str
    value: float


@dataclass(frozen=True)
class GainTable:
    values: np.ndarray  # seeds x units: each unit's contribution times the unit count
    clusters: list[tuple[str, str]]  # (task, item id) per unit
    strata: list[str]  # task per unit
    seeds: list[int]
    note: str = ""


def pseudo_values(cell: Cell) -> dict[str, float]:
    """Each item's linearised share of the cell's ratio score; their mean is the score."""
    num = np.array([i.num for i in cell.items], dtype=float)
    den = np.array([i.den for i in cell.items], dtype=float)
    if not len(num) or den.sum() == 0:
        return {i.id: 0.0 for i in cell.items}
    ratio, mean_den = num.sum() / den.sum(), den.mean()
    z = 100.0 * (ratio + (num - ratio * den) / mean_den)
    return dict(zip((i.id for i in cell.items), z.tolist(), strict=True))


def diffs(cells: list[Cell], role: str = "treated") -> list[Diff]:
    """Every item of a ``role`` arm paired with the same item of its reference arm, in the same task and language.

    ``role``: 'treated' for the headline's gains; 'plateau' for the plateau gate's shift
    (``audit.judge.gates``), a longer-trained reference measured against its reference.
    """
    refs = {(c.arm, c.task, c.language): pseudo_values(c) for c in cells if c.role == "reference"}
    out = []
    for c in cells:
        ref = refs.get((c.against, c.task, c.language)) if c.role == role and c.against else None
        if ref is None:
            continue
        out += [Diff(c.arm, c.task, c.language, i, v - ref[i]) for i, v in pseudo_values(c).items() if i in ref]
    return out


def pairable(cells_by_seed: dict[int, list[Cell]]) -> bool:
    """Whether the runs recorded a paired gain (treated cells naming their reference)."""
    return any(c.role == "treated" and c.against for cells in cells_by_seed.values() for c in cells)


def contributions(found: Iterable[Diff]) -> dict[tuple[str, str, str], float]:
    """Each unit's (task, language, item) share of the headline formula; they sum to the headline."""
    found = list(found)
    arms = {d.arm for d in found}
    tasks = {a: {d.task for d in found if d.arm == a} for a in arms}
    langs = {(d.arm, d.task): set() for d in found}
    for d in found:
        langs[(d.arm, d.task)].add(d.lang)
    items = Counter((d.arm, d.task, d.lang) for d in found)
    out: dict[tuple[str, str, str], float] = defaultdict(float)
    for d in found:
        weight = len(arms) * len(tasks[d.arm]) * len(langs[(d.arm, d.task)]) * items[(d.arm, d.task, d.lang)]
        out[(d.task, d.lang, d.item)] += d.value / weight
    return out


def half_of(task: str, item: str) -> int:
    """0 or 1, by a hash of the item's cluster: translations of one item land in the same half."""
    return hashlib.sha256(f"{task}\0{item}".encode()).digest()[0] & 1


def choose_arms(per_seed: dict[int, list[Diff]]) -> dict[str, str]:
    """Per task, the arm with the best mean gain over seeds on the first half of the items."""
    gains: dict[tuple[str, str], list[float]] = defaultdict(list)
    for found in per_seed.values():
        for (arm, task), value in _task_gains([d for d in found if half_of(d.task, d.item) == 0]).items():
            gains[(arm, task)].append(value)
    best: dict[str, tuple[float, str]] = {}
    for (arm, task), values in sorted(gains.items()):
        mean = float(np.mean(values))
        if task not in best or mean > best[task][0]:
            best[task] = (mean, arm)
    return {task: arm for task, (_, arm) in best.items()}


def _task_gains(found: list[Diff]) -> dict[tuple[str, str], float]:
    by_lang: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    for d in found:
        by_lang[(d.arm, d.task, d.lang)].append(d.value)
    per_task: dict[tuple[str, str], list[float]] = defaultdict(list)
    for (arm, task, _), values in by_lang.items():
        per_task[(arm, task)].append(float(np.mean(values)))
    return {key: float(np.mean(v)) for key, v in per_task.items()}


def _second_half(found: list[Diff], chosen: dict[str, str]) -> list[Diff]:
    """The chosen arm's items of the half it was not chosen on, as one arm ('best')."""
    return [
        Diff("best", d.task, d.lang, d.item, d.value)
        for d in found
        if chosen.get(d.task) == d.arm and half_of(d.task, d.item) == 1
    ]


def table(cells_by_seed: dict[int, list[Cell]], select: str | None = None, role: str = "treated") -> GainTable:
    """The seeds x units table whose mean is the headline (see the module docstring); ``role`` as ``diffs``."""
    per_seed = {s: diffs(cells, role) for s, cells in sorted(cells_by_seed.items())}
    note = ""
    if select == BEST:
        chosen = choose_arms(per_seed)
        per_seed = {s: _second_half(found, chosen) for s, found in per_seed.items()}
        picks = ", ".join(f"{t}: {a}" for t, a in sorted(chosen.items()))
        note = f"best arm per target chosen on half the items ({picks}), its gain measured on the other half"
    shares = {s: contributions(found) for s, found in per_seed.items()}
    units = sorted(set.intersection(*(set(c) for c in shares.values()))) if shares else []
    values = np.array([[shares[s][u] for u in units] for s in shares]) * len(units)
    return GainTable(values, [(t, i) for t, _, i in units], [t for t, _, _ in units], list(shares), note)
