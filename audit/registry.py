"""Resolve an experiment name from a spec to its function in ``experiments``."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

import experiments


def is_registered(name: str) -> bool:
    return name in experiments.REGISTRY


def missing_reason(name: str) -> str:
    why = experiments.PLANNED.get(name, "no experiment of that name is registered")
    return f"experiment '{name}': {why}"


def resolve(name: str) -> tuple[Callable, list[Path]]:
    """The experiment function and the source files whose hash versions its results."""
    module_name, _, attr = experiments.REGISTRY[name].partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attr), [Path(module.__file__), *getattr(module, "DEPENDS", [])]
