"""Figures drawn from the store: one PNG per experiment that declares one and fidelity measured.

An experiment names its drawing function in ``experiments.FIGURES``; it gets the
measurements of the newest successful run per claim and seed (``Store.sweep``) and
writes a PNG. ``audit report`` lists the files it wrote, next to the store.
"""

from __future__ import annotations

from pathlib import Path

from audit import registry
from audit.profiles import Profile
from audit.store import Store


def figure_dir(store_path: Path) -> Path:
    from audit.settings import store_home

    return store_home(store_path) / "figures"


def fresh(path: Path, store_path: Path, drawer: str) -> bool:
    """A figure newer than the store (and its write-ahead log) and than its drawing code needs no redraw.

    Drawing the stability sweep took 8 of the 11 s of ``audit report --format html``, for a
    PNG that had not changed since the last report.
    """
    if not path.is_file():
        return False
    sources = [store_path, store_path.with_name(store_path.name + ".wal"), Path(drawer)]
    return all(path.stat().st_mtime > s.stat().st_mtime for s in sources if s.is_file())


def draw_all(store_path: Path, profile: str | None = None) -> list[Path]:
    from audit.registry import catalogue

    if not store_path.exists():
        return []
    # Smoke proves the pipeline: its values are never drawn as evidence.
    profiles = [p for p in ([profile] if profile else [p.value for p in Profile]) if p != Profile.SMOKE.value]
    drawn = []
    with Store.reader(store_path) as store:
        for experiment, target in catalogue("figures").entries.items():
            for prof in profiles:
                path = figure_dir(store_path) / f"{experiment}-{prof}.png"
                if fresh(path, store_path, str(registry.source_file(target))):
                    drawn.append(path)
                    continue
                rows = store.sweep(experiment, prof)
                if rows and registry.load(target)(rows, path):
                    drawn.append(path)
    return drawn
