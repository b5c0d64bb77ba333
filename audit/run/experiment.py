"""What an experiment is: its params (``Params``), the context a run hands it (``RunContext``),
and the three things it declares (``Experiment``, ``experiment``).

Experiments reach these through ``audit.contract`` (their one door into ``audit``); the
core imports them from here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, Self

from pydantic import BaseModel, ConfigDict, PrivateAttr, ValidationError

from audit.errors import AuditError, pydantic_message
from audit.profiles import Profile
from audit.run.records import Cell, Measurement

if TYPE_CHECKING:
    from audit.synthesis.spec import ClaimSpec


class Params(BaseModel):
    """An experiment's params. Subclasses declare fields with their defaults, and ``SIZING``.

    ``SIZING`` maps a profile to the values that profile takes when the spec is silent
    (the model each fidelity runs, say). Fields the spec, the sizing or the defaults never
    set stay *unset*: ``given()`` leaves them out, so stage specs built from it hash what
    was asked for, not every field of the model.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    _from_spec: frozenset[str] = PrivateAttr(default=frozenset())
    _claim: str = PrivateAttr(default="")
    SIZING: ClassVar[dict[Profile, dict[str, Any]]] = {}
    # Defaults that count as given (they enter stage specs even when nobody set them).
    GIVEN: ClassVar[dict[str, Any]] = {}

    @classmethod
    def for_spec(cls, spec: ClaimSpec, profile: Profile) -> Self:
        """The spec's params at ``profile`` over the sizing and defaults, validated; not yet resolved."""
        asked = spec.params_for(profile)
        merged = {**cls.GIVEN, **cls.SIZING.get(profile, {}), **asked}
        try:
            params = cls.model_validate(merged)
        except ValidationError as exc:
            where = f"experiment.params (at {profile.value})"
            raise AuditError(f"{spec.id}: {where}: {pydantic_message(exc)}; fix the claim spec") from None
        params._from_spec = frozenset(asked)
        params._claim = spec.id
        params.check_design(profile)
        return params

    def check_design(self, profile: Profile) -> None:
        """Raise ``AuditError`` where a value the spec set clashes with the experiment's fixed design."""

    def from_spec(self) -> frozenset[str]:
        """The fields the claim spec itself set: what no schedule may silently override."""
        return self._from_spec

    def resolved(self) -> Self:
        """The params as this machine runs them ('auto' settings decided); the default changes nothing."""
        return self

    def given(self) -> dict[str, Any]:
        """The params that were set (by the spec, the sizing or ``GIVEN``), as plain data."""
        return self.model_dump(mode="json", exclude_unset=True)

    def numerics(self) -> dict[str, Any]:
        """The resolved numeric settings (precision, threads, ...) a run's provenance records."""
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
    stage_keys: list[str] = field(default_factory=list)  # the stages the run consumed (its stage cache adds them)

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
