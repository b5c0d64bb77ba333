"""Figures drawn from the store: one PNG per experiment that declares one and fidelity measured.

An experiment names its drawing function in ``experiments.FIGURES``; it gets the
measurements of the newest successful run per claim and seed (``Store.sweep``) and
writes a PNG. ``audit report`` lists the files it wrote, next to the store.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from audit.profiles import Profile
from audit.store import Store


def figure_dir(store_path: Path) -> Path:
    return store_path.parent / "figures"


def draw_all(store_path: Path, profile: str | None = None) -> list[Path]:
    import experiments

    if not store_path.exists():
        return []
    profiles = [profile] if profile else [p.value for p in Profile]
    drawn = []
    with Store.reader(store_path) as store:
        for experiment, target in experiments.FIGURES.items():
            module, _, attr = target.partition(":")
            for prof in profiles:
                rows = store.sweep(experiment, prof)
                path = figure_dir(store_path) / f"{experiment}-{prof}.png"
                if rows and getattr(importlib.import_module(module), attr)(rows, path):
                    drawn.append(path)
    return drawn
