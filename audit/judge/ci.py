"""``audit ci``: a reproducibility gate. Re-run claims and compare with a committed baseline.

The baseline (``.ci/baseline.yaml``) names, per check, a claim, a profile, seeds and any
param overrides that make it small enough for CI, plus the headline value measured when
the baseline was written, a tolerance that reflects measured seed-to-seed noise, and the
verdict. A check fails when its value moves beyond the tolerance or its verdict changes.
Exit codes: 0 consistent, 1 a value or verdict moved, 2 a usage error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from audit import safe_yaml
from audit.errors import AuditError, pydantic_message
from audit.judge.verdict import Status, Verdict
from audit.profiles import Profile
from audit.run.processes import cores
from audit.run.verify import verify
from audit.settings import Settings
from audit.synthesis.claims import find, load_all
from audit.synthesis.spec import ClaimSpec


class Check(BaseModel):
    model_config = ConfigDict(extra="forbid")
    claim: str
    profile: Profile
    seeds: int = Field(ge=1)
    params: dict[str, Any] = Field(default_factory=dict)
    value: float
    tolerance: float = Field(ge=0)
    verdict: Status
    # Per seed, in seed order: the gate's real check, since a seed's value is bit-identical
    # on one CPU kind; seed_tolerance covers what differs across kinds (see the baseline).
    seed_values: list[float] = Field(default_factory=list)
    seed_tolerance: float = Field(default=0.0, ge=0)
    why: str = ""

    @model_validator(mode="after")
    def _one_value_per_seed(self) -> Check:
        if self.seed_values and len(self.seed_values) != self.seeds:
            raise ValueError(f"seed_values has {len(self.seed_values)} values for {self.seeds} seeds")
        return self


class Baseline(BaseModel):
    model_config = ConfigDict(extra="forbid")
    schema_version: int = 1
    # The machine the values were measured on (CPU model, ISA flags, threads): values are
    # bit-identical per seed on one CPU kind, not across kinds (README, "Same seed, same numbers").
    measured_on: str = ""
    checks: list[Check]


@dataclass(frozen=True)
class Outcome:
    check: Check
    verdict: Verdict
    seeds: list[float] = field(default_factory=list)  # measured, per seed in seed order

    @property
    def seeds_moved(self) -> list[int]:
        """Seeds whose value left the baseline's per-seed tolerance (or was not measured)."""
        base, tol = self.check.seed_values, self.check.seed_tolerance
        if not base:
            return []
        if len(self.seeds) != len(base):
            return list(range(len(base)))
        return [i for i, (b, m) in enumerate(zip(base, self.seeds, strict=True)) if abs(m - b) > tol]

    @property
    def value_ok(self) -> bool:
        mean_ok = self.verdict.mean is not None and abs(self.verdict.mean - self.check.value) <= self.check.tolerance
        return mean_ok and not self.seeds_moved

    @property
    def ok(self) -> bool:
        return self.value_ok and self.verdict.status == self.check.verdict


def load_baseline(path: Path) -> Baseline:
    if not path.is_file():
        raise AuditError(f"{path}: no such baseline file; pass --baseline PATH")
    try:
        return Baseline.model_validate(safe_yaml.load(path))
    except safe_yaml.YamlError as exc:
        raise AuditError(f"{path}: {exc}") from None
    except ValidationError as exc:
        raise AuditError(f"{path}: {pydantic_message(exc)}") from None


def with_params(spec: ClaimSpec, profile: Profile, params: dict[str, Any]) -> ClaimSpec:
    """The spec with extra params for one profile (a CI-sized run of the same claim)."""
    return spec.with_params(profile, params)


def checked_spec(baseline_path: Path, specs: dict[str, ClaimSpec], check: Check) -> ClaimSpec:
    """The spec a check re-runs, or one line naming the baseline when the check cannot be run at all."""
    from audit.judge.verdict import route_of
    from audit.run.plan import params_of

    spec = find(specs, check.claim)
    if route_of(spec) == "documented":
        raise AuditError(
            f"{baseline_path}: check {check.claim}: a documented claim is settled by 'audit cite', not re-run; "
            "remove it from the baseline"
        )
    try:
        spec = with_params(spec, check.profile, check.params)
        params_of(spec, check.profile)
    except (AuditError, ValidationError) as exc:
        why = str(exc) if isinstance(exc, AuditError) else pydantic_message(exc)
        raise AuditError(f"{baseline_path}: check {check.claim}: its params do not make a valid run: {why}") from None
    return spec


def run_ci(settings: Settings, baseline_path: Path, progress=None) -> list[Outcome]:
    """Each check re-run and compared; ``progress`` gets verify's events (``audit.run.progress``)."""
    baseline = load_baseline(baseline_path)
    specs = load_all(settings.claims_dir)
    outcomes = []
    checked = [checked_spec(baseline_path, specs, check) for check in baseline.checks]  # all, before any runs
    for check, spec in zip(baseline.checks, checked, strict=True):
        [verdict] = verify([spec], check.profile, check.seeds, settings, progress, jobs=cores())
        outcomes.append(Outcome(check, verdict, _seed_values(settings, verdict, spec)))
    return outcomes


def _seed_values(settings: Settings, verdict: Verdict, spec: ClaimSpec) -> list[float]:
    from audit.store import Store

    if not verdict.run_ids or not settings.store.exists():
        return []
    with Store.reader(settings.store) as store:
        return [value for _, value in store.seed_values(verdict.run_ids, spec.metric.name)]
