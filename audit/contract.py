"""The experiment contract: what an experiment receives, declares and returns.

An experiment is an object with a ``name``, a pydantic ``Params`` model and a ``run``
function (``Experiment``; inspect_ai's ``Task(dataset, solver, scorer)`` is the model).
It is registered lazily as ``"module:object"`` (``experiments.EXPERIMENTS``).

- ``Params`` holds the experiment's defaults and its per-profile sizing. The values a run
  used are one object: the spec's params over the sizing over the defaults, validated
  (a misspelt param is an error), then ``resolved`` on the machine that runs it ('auto'
  precision, attention and threads become what this machine does). ``audit show ID
  --profile P`` prints it, and every run record stores it.
- ``RunContext`` is what ``run`` gets: the spec, profile, seed, resolved params and where
  data, work and the stage cache live; ``run`` adds its inputs, notes and item outcomes.
- ``run`` returns ``Measurement``s, or raises ``Unverifiable`` when the data or labels
  it needs do not exist here, or ``NotApplicable`` when its model cannot answer the claim
  at this fidelity (a proxy that lacks the mechanism the claim is about).

Seeding is not the experiment's business: the runner seeds once per run and every stage
re-seeds from its own identity (``audit.run.determinism``).

This module is the experiments' one door into ``audit``: everything they use from it is
imported from here (``__all__``), and a test holds them to that, so the core can move its
modules without touching an experiment. ``audit`` in turn finds experiments only through
the registry's entry points (``audit.registry.catalogue``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# What the door leads to, spelt as imports so that readers, type checkers and the code hash
# (``audit.run.provenance.code_files`` reads every import) see them; at run time each name is
# imported on first use (``__getattr__``), so passing through the door costs nothing: the
# device check imports the training code where neither pydantic nor duckdb is installed.
if TYPE_CHECKING:
    from audit.errors import AuditError, NotApplicable, Unverifiable
    from audit.files import fill_once, write_text_atomic
    from audit.judge.stats import summarise
    from audit.profiles import Profile
    from audit.registry import Registry
    from audit.run import determinism, gpus, processes, progress, scheduling
    from audit.run.determinism import derived_rng, resolve_threads, seed_all
    from audit.run.experiment import Experiment, Params, RunContext, experiment
    from audit.run.provenance import code_hash, file_fingerprint
    from audit.run.records import OUTCOMES, Cell, Item, Measurement, outcome_of
    from audit.safe_yaml import load as load_yaml
    from audit.settings import STAGE_DONE

_DOOR = {  # name -> "module" (a module) or "module:attribute"; the same names as the imports above
    "AuditError": "audit.errors:AuditError",
    "NotApplicable": "audit.errors:NotApplicable",
    "Unverifiable": "audit.errors:Unverifiable",
    "fill_once": "audit.files:fill_once",
    "write_text_atomic": "audit.files:write_text_atomic",
    "summarise": "audit.judge.stats:summarise",
    "Profile": "audit.profiles:Profile",
    "Registry": "audit.registry:Registry",
    "determinism": "audit.run.determinism",
    "gpus": "audit.run.gpus",
    "processes": "audit.run.processes",
    "progress": "audit.run.progress",
    "scheduling": "audit.run.scheduling",
    "derived_rng": "audit.run.determinism:derived_rng",
    "resolve_threads": "audit.run.determinism:resolve_threads",
    "seed_all": "audit.run.determinism:seed_all",
    "Experiment": "audit.run.experiment:Experiment",
    "Params": "audit.run.experiment:Params",
    "RunContext": "audit.run.experiment:RunContext",
    "experiment": "audit.run.experiment:experiment",
    "code_hash": "audit.run.provenance:code_hash",
    "file_fingerprint": "audit.run.provenance:file_fingerprint",
    "OUTCOMES": "audit.run.records:OUTCOMES",
    "Cell": "audit.run.records:Cell",
    "Item": "audit.run.records:Item",
    "Measurement": "audit.run.records:Measurement",
    "outcome_of": "audit.run.records:outcome_of",
    "load_yaml": "audit.safe_yaml:load",
    "STAGE_DONE": "audit.settings:STAGE_DONE",
}

__all__ = [
    "AuditError",
    "Cell",
    "Experiment",
    "Item",
    "Measurement",
    "NotApplicable",
    "OUTCOMES",
    "Params",
    "Profile",
    "Registry",
    "RunContext",
    "STAGE_DONE",
    "Unverifiable",
    "code_hash",
    "derived_rng",
    "determinism",
    "experiment",
    "file_fingerprint",
    "fill_once",
    "gpus",
    "load_yaml",
    "outcome_of",
    "processes",
    "progress",
    "resolve_threads",
    "scheduling",
    "seed_all",
    "summarise",
    "write_text_atomic",
]


def __getattr__(name: str) -> Any:
    if name not in _DOOR:
        raise AttributeError(f"module 'audit.contract' has no attribute '{name}'")
    module, _, attr = _DOOR[name].partition(":")
    found = importlib.import_module(module)
    return getattr(found, attr) if attr else found


def __dir__() -> list[str]:
    return __all__
