"""Lazy ``"module:object"`` registries, in the style of lm-evaluation-harness's ``lm_eval/api/registry.py``.

A registry maps a name to an entry string; the object is imported on first ``get``, so
listing or validating claims never imports torch. Registering a second, different entry
under a taken name is an error (two experiments must not silently share a name).
Worker processes and Ray tasks are handed the entry string itself (``entry(name)``), so
they need no copy of the parent's registry.
"""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from typing import Any


def load(entry: str) -> Any:
    """The object a ``"module:object"`` entry names, imported on first use."""
    module, _, attr = entry.partition(":")
    return getattr(importlib.import_module(module), attr)


def source_file(entry: str) -> Path:
    """The file of an entry's module, found without importing it."""
    return Path(importlib.util.find_spec(entry.partition(":")[0]).origin)


class RegistryError(ValueError):
    """A name registered twice with different entries, or an entry that is not ``module:object``."""


class Registry:
    """Names to lazily imported objects; ``kind`` names them in messages ('experiment', 'figure')."""

    def __init__(self, kind: str, entries: dict[str, str] | None = None):
        self.kind = kind
        self.entries: dict[str, str] = {}
        for name, entry in (entries or {}).items():
            self.register(name, entry)

    def register(self, name: str, entry: str) -> None:
        module, sep, attr = entry.partition(":")
        if not (module and sep and attr):
            raise RegistryError(f"{self.kind} '{name}': entry '{entry}' is not 'module:object'")
        if self.entries.get(name, entry) != entry:
            raise RegistryError(f"{self.kind} '{name}' is already registered as '{self.entries[name]}'")
        self.entries[name] = entry

    def __contains__(self, name: str) -> bool:
        return name in self.entries

    def names(self) -> list[str]:
        return sorted(self.entries)

    def entry(self, name: str) -> str:
        if name not in self.entries:
            raise KeyError(self.missing_reason(name))
        return self.entries[name]

    def get(self, name: str) -> Any:
        return load(self.entry(name))

    def missing_reason(self, name: str) -> str:
        return f"{self.kind} '{name}': no {self.kind} of that name is registered"


def experiments() -> Registry:
    import experiments as package

    return package.EXPERIMENTS


def is_registered(name: str) -> bool:
    return name in experiments()


def missing_reason(name: str) -> str:
    return experiments().missing_reason(name)
