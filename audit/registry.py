"""Resolve an experiment name from a spec to its function in ``experiments``."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from pathlib import Path

import experiments


def is_registered(name: str) -> bool:
    return name in experiments.REGISTRY


def missing_reason(name: str) -> str:
    return f"experiment '{name}': no experiment of that name is registered"


def load(entry: str):
    """The object a ``"module:object"`` entry names, imported on first use (lm-eval's registry style)."""
    module, _, attr = entry.partition(":")
    return getattr(importlib.import_module(module), attr)


def source_file(entry: str) -> Path:
    """The file of an entry's module, found without importing it."""
    return Path(importlib.util.find_spec(entry.partition(":")[0]).origin)


def resolve(name: str) -> tuple[Callable, Path]:
    """The experiment function and its package folder, whose code and data files version its results."""
    entry = experiments.REGISTRY[name]
    return load(entry), source_file(entry).parent
