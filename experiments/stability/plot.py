"""The research question's picture: score against perturbation strength, per encoder.

One panel per target (rows) and perturbation kind (columns); one line per encoder.
A point is the mean over seeds of the language-averaged score; the band is the 95%
t-interval across seeds (none with a single seed). Strength 0 is the clean score. The
attack has its own scale (an edit budget), so it is left to the tables.

Imports matplotlib only (Agg backend), never torch: ``audit report`` draws it.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from audit.contract import summarise
from experiments.stability.perturb import parse_condition

Series = dict[tuple[str, str, str], dict[float, list[float]]]  # (task, kind, encoder) -> strength -> per-seed


def series(rows: list[dict]) -> Series:
    """Language-averaged scores from stored measurements, grouped for plotting."""
    swept = [r for r in rows if r["language"] == "*" and r["metric"].startswith("score[")]
    kinds = {parse_condition(r["condition"])[0] for r in swept if "@" in r["condition"]} - {"attack"}
    out: Series = defaultdict(lambda: defaultdict(list))
    for r in swept:
        encoder = r["metric"][len("score[") : -1]
        if r["condition"] == "clean":
            for kind in kinds:
                out[(r["task"], kind, encoder)][0.0].append(r["value"])
        elif "@" in r["condition"] and (point := parse_condition(r["condition"]))[0] in kinds:
            out[(r["task"], point[0], encoder)][point[1]].append(r["value"])
    return out


def draw(rows: list[dict], path: Path) -> Path | None:
    """Write the PNG; None when the rows hold no sweep."""
    data = series(rows)
    if not data:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tasks, kinds = sorted({t for t, _, _ in data}), sorted({k for _, k, _ in data})
    fig, axes = plt.subplots(len(tasks), len(kinds), figsize=(3.2 * len(kinds), 2.8 * len(tasks)), squeeze=False)
    for (task, kind, encoder), points in sorted(data.items()):
        _line(axes[tasks.index(task)][kinds.index(kind)], encoder, points)
    for i, task in enumerate(tasks):
        for j, kind in enumerate(kinds):
            ax = axes[i][j]
            ax.set_title(f"{task}: {kind}", fontsize=9)
            ax.set_xlabel("strength", fontsize=8)
            ax.set_ylabel("score" if j == 0 else "", fontsize=8)
            ax.legend(fontsize=7)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _line(ax, encoder: str, points: dict[float, list[float]]) -> None:
    xs = sorted(points)
    stats = [summarise(points[x]) for x in xs]
    ax.plot(xs, [s.mean for s in stats], marker="o", label=encoder)
    if all(s.has_ci for s in stats):
        ax.fill_between(xs, [s.low for s in stats], [s.high for s in stats], alpha=0.2)
