"""Lazy ``"module:object"`` registries, in the style of lm-evaluation-harness's ``lm_eval/api/registry.py``.

A registry maps a name to an entry string; the object is imported on first ``get``, so
listing or validating claims never imports torch. Registering a second, different entry
under a taken name is an error (two experiments must not silently share a name).
Worker processes and Ray tasks are handed the entry string itself (``entry(name)``), so
they need no copy of the parent's registry.
"""

from __future__ import annotations

import functools
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


def package_dir(entry: str) -> Path:
    """The folder of an entry's top-level package (all of ``experiments``): what its code hash covers."""
    spec = importlib.util.find_spec(entry.partition(":")[0].split(".")[0])
    return Path(next(iter(spec.submodule_search_locations or []), None) or Path(spec.origin).parent)


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


# What ``audit`` asks of the experiments package, each by an entry point of the group
# "audit.catalogues" (pyproject.toml), so another installed package may offer its own. The
# same entries serve a checkout that was never installed. No ``audit`` module imports
# ``experiments``: it is reached only by these strings (a test reads every import).
CATALOGUES = {
    "experiments": "experiments:EXPERIMENTS",  # experiment name -> "module:object"
    "planners": "experiments:PLANS",  # experiment name -> its planner (audit plan)
    "stages": "experiments:STAGES",  # experiment name -> what computes one stage of its plan (Ray tasks)
    "figures": "experiments:FIGURES",  # experiment name -> its figure
    "vocabulary": "experiments.vocabulary:vocabulary",  # what claim templates' slots resolve against
    "inventory": "experiments.toolkit.tasks:inventory",  # audit data: where each split comes from
    "throughputs": "experiments.toolkit.cost:throughputs",  # measured tokens/s: audit plan's time estimates
}


@functools.cache
def _declared() -> dict[str, str]:
    from importlib.metadata import entry_points

    return {ep.name: ep.value for ep in entry_points(group="audit.catalogues")}


def catalogue(name: str) -> Any:
    """The object the experiments package offers as ``name`` (one of ``CATALOGUES``), imported now."""
    return load(_declared().get(name) or CATALOGUES[name])


def experiments() -> Registry:
    return catalogue("experiments")


def is_registered(name: str) -> bool:
    return name in experiments()


def missing_reason(name: str) -> str:
    return experiments().missing_reason(name)
