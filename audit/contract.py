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
re-seeds from its own identity (``audit.determinism``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, Self

from pydantic import BaseModel, ConfigDict, ValidationError

from audit.errors import AuditError, NotApplicable, Unverifiable, pydantic_message
from audit.profiles import Profile
from audit.records import Cell, Item, Measurement

if TYPE_CHECKING:
    from audit.spec import ClaimSpec

__all__ = [
    "Cell",
    "Experiment",
    "Item",
    "Measurement",
    "NotApplicable",
    "Params",
    "RunContext",
    "Unverifiable",
    "experiment",
]


class Params(BaseModel):
    """An experiment's params. Subclasses declare fields with their defaults, and ``SIZING``.

    ``SIZING`` maps a profile to the values that profile takes when the spec is silent
    (the model each fidelity runs, say). Fields the spec, the sizing or the defaults never
    set stay *unset*: ``given()`` leaves them out, so stage specs built from it hash what
    was asked for, not every field of the model.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    SIZING: ClassVar[dict[Profile, dict[str, Any]]] = {}
    # Defaults that count as given (they enter stage specs even when nobody set them).
    GIVEN: ClassVar[dict[str, Any]] = {}

    @classmethod
    def for_spec(cls, spec: ClaimSpec, profile: Profile) -> Self:
        """The spec's params at ``profile`` over the sizing and defaults, validated; not yet resolved."""
        merged = {**cls.GIVEN, **cls.SIZING.get(profile, {}), **spec.params_for(profile)}
        try:
            return cls.model_validate(merged)
        except ValidationError as exc:
            where = f"experiment.params (at {profile.value})"
            raise AuditError(f"{spec.id}: {where}: {pydantic_message(exc)}; fix the claim spec") from None

    def resolved(self) -> Self:
        """The params as this machine runs them ('auto' settings decided); the default changes nothing."""
        return self

    def given(self) -> dict[str, Any]:
        """The params that were set (by the spec, the sizing or ``GIVEN``), as plain data."""
        return self.model_dump(mode="json", exclude_unset=True)

    def numerics(self) -> dict[str, Any]:
        """The resolved numeric settings (precision, threads, ...) a run's provenance records."""
        return {}

    def per_task(self, profile: Profile) -> dict[str, dict[str, Any]]:
        """Where stages train with settings of their own (a task's schedule), what each runs with."""
        return {}

    def origins(self, spec: ClaimSpec, profile: Profile) -> dict[str, str]:
        """Where each field's value came from: the spec's profile, the spec, the sizing, or the default."""
        override = spec.experiment.profiles.get(profile)
        layers = [
            (f"spec, profiles.{profile.value}", override.params if override else {}),
            ("spec", spec.experiment.params),
            (f"sizing at {profile.value}", self.SIZING.get(profile, {})),
        ]
        out = {}
        for name in type(self).model_fields:
            out[name] = next((where for where, layer in layers if name in layer), "default")
        return out


@dataclass
class RunContext:
    """What an experiment's ``run`` gets: its claim, resolved params, seed, and where things live."""

    spec: ClaimSpec
    profile: Profile
    seed: int
    params: Params
    data_dir: Path | None
    work_dir: Path
    cache_dir: Path
    data_files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    numerics: dict[str, Any] = field(default_factory=dict)  # the resolved precision, attention and threads
    cells: list[Cell] = field(default_factory=list)  # item-level outcomes, each arm x task x language

    def use(self, path: Path) -> Path:
        """Record a data file as an input, so its fingerprint lands in provenance (once)."""
        if path not in self.data_files:  # stages re-read files; each is hashed once
            self.data_files.append(path)
        return path


class Experiment(Protocol):
    name: str
    Params: type[Params]

    def run(self, ctx: RunContext) -> list[Measurement]: ...


@dataclass(frozen=True)
class experiment:  # noqa: N801 - used like a decorator-free constructor: experiment("name", Params, run)
    """A concrete ``Experiment``: the three things the contract asks for, and nothing else."""

    name: str
    Params: type[Params]  # noqa: N815 - the contract's name for it
    run: Callable[[RunContext], list[Measurement]]
