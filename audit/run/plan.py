"""The resolved run plan: one object that says everything a run of a claim will do.

``resolve_run`` turns a spec, a profile and a seed into a frozen ``RunPlan``: the claim's
params as this machine runs them (and where each came from), the settings the judge will
read the run with, and the DAG of the run's content-addressed stages, each with its key, the
keys it consumes and every value it computes with (what its key hashes). It is the one
object that ``audit plan`` and ``audit show ID --profile P`` print, that a run record stores
as what ran (beside the stage keys the run consumed), and that the executors schedule: Ray
submits each missing stage of it as a task (``audit.run.ray_executor``).

An experiment that computes in stages registers a planner (the "planners" catalogue,
``audit.registry``). The planner gets the same run context a run would and lists each stage,
with the data each split would be read from at this profile; nothing is trained, read or
downloaded, so a full-profile plan can be checked on a laptop before GPU hours are spent. An
experiment without a planner runs in one step: its plan has params and no stages.

Precedence, the one rule (``audit.run.experiment.Params``): a spec's profile block over the
spec over the experiment's sizing for the profile over its defaults; per stage, a task's
fixed design schedule (``experiments/toolkit/tasks.yaml``) over what the spec left unset. A
value the spec sets that a schedule sets differently is an error naming both, never a
silent override.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, computed_field

from audit import registry
from audit.errors import AuditError
from audit.profiles import Profile
from audit.run.experiment import Experiment, Params, RunContext
from audit.run.records import OUTCOMES, RunStatus, outcome_of
from audit.settings import STAGE_DONE, Settings
from audit.synthesis.spec import ClaimSpec

SCHEMA_VERSION = 1


class StagePlan(BaseModel):
    """One stage of a run (or one row of per-language scoring stages): its keys, inputs and values."""

    model_config = ConfigDict(frozen=True)

    stage: str  # smoke-tokenizer, smoke-encoder, intermediate, intermediate-mix, target, score
    arm: str
    task: str
    keys: list[str]  # its stage key, or one per language for a row of scoring stages
    inputs: list[str] = []  # the keys of the stages it consumes (its edges in the run's DAG)
    values: dict[str, Any] = {}  # every value it computes with: what its key hashes
    schedule: str = "-"
    train: str = "-"
    evaluate: str = "-"
    tokens: float | None = None  # training tokens (padded), where the stage trains and the data's size is known
    model: str | None = None
    length: int | None = None

    @computed_field
    @property
    def key(self) -> str:
        return self.keys[0] if len(self.keys) == 1 else f"{len(self.keys)} stages"

    @computed_field
    @property
    def count(self) -> int:
        return len(self.keys)


class RunPlan(BaseModel):
    """One seed's run of one claim, resolved: every value it takes and every stage it computes."""

    model_config = ConfigDict(frozen=True)

    schema_version: int = SCHEMA_VERSION
    claim_id: str
    experiment: str
    profile: str
    seed: int
    params: dict[str, Any]  # the claim's params, resolved on this machine ('auto' decided)
    origins: dict[str, str] = {}  # where each param came from (spec, profile block, sizing, default)
    judge: dict[str, Any] = {}  # what the verdict reads the run with: levels, power, gates' thresholds
    stages: list[StagePlan] = []  # in the run's order; inputs always come earlier
    notes: list[str] = []  # what the run would skip, and why
    stopped: RunStatus | None = None  # known before anything runs: how the run would end without measuring
    why: str | None = None

    def keys(self) -> list[str]:
        return [k for s in self.stages for k in s.keys]

    def dag(self) -> dict[str, list[str]]:
        """Each stage key -> the keys it consumes."""
        return {k: list(s.inputs) for s in self.stages for k in s.keys}


class PlannedStage(StagePlan):
    """A stage as ``audit plan`` shows it: for which seed, and whether the stage cache holds it."""

    seed: int
    cached: int = 0  # how many of its keys the stage cache already holds

    @property
    def tokens_to_run(self) -> float:
        return (self.tokens or 0.0) * (self.count - self.cached) / self.count


class ClaimPlan(BaseModel):
    claim_id: str
    profile: str
    params: dict  # the claim's params at this profile as set (spec, sizing, defaults), before 'auto' is decided
    runs: list[RunPlan] = []
    stages: list[PlannedStage] = []
    notes: list[str] = []  # what the run would skip, and why (an intermediate task without data)
    stopped: RunStatus | None = None
    why: str | None = None

    @property
    def unverifiable(self) -> str | None:
        return self.why if self.stopped == RunStatus.UNVERIFIABLE else None

    @property
    def to_run(self) -> int:
        return sum(s.count - s.cached for s in self.stages)


def params_of(spec: ClaimSpec, profile: Profile) -> Params:
    """The params a run of this spec takes at ``profile``, validated; ``.resolved()`` decides 'auto'."""
    return registry.experiments().get(spec.experiment.name).Params.for_spec(spec, profile)


@dataclass(frozen=True)
class ParamsView:
    """The params a run takes at a profile, as this machine would run them, and where each came from."""

    profile: Profile
    params: Params
    origins: dict[str, str]


def params_view(spec: ClaimSpec, profile: Profile, exp: Experiment | None = None) -> ParamsView:
    """What ``audit show ID --profile P`` prints: every field, resolved, with its origin."""
    asked = exp.Params.for_spec(spec, profile) if exp else params_of(spec, profile)
    resolved = _resolved(spec, asked)
    origins = asked.origins(spec, profile)
    where = "by the executor's workers" if (_ELSEWHERE.get() or {}).get(spec.id) else "on this machine"
    for name in origins:
        if getattr(resolved, name) != getattr(asked, name):
            origins[name] += f"; '{getattr(asked, name)}' decided {where}"
    return ParamsView(profile, resolved, origins)


# Claim id -> its 'auto' settings as the machines that compute its stages resolved them (``resolved_on``).
_ELSEWHERE: ContextVar[dict[str, dict] | None] = ContextVar("resolved_elsewhere", default=None)


@contextmanager
def resolved_on(numerics: dict[str, dict[str, Any]]) -> Iterator[None]:
    """Resolve each named claim's 'auto' settings (precision, attention, threads, ...) as given, not here.

    An executor whose stages compute on other machines (Ray's GPU workers under a CPU-only head)
    plans and reads back its runs under the numerics those workers resolve: every stage key
    hashes them, so resolved here the head would plan (and look for) other stages.
    """
    token = _ELSEWHERE.set({**(_ELSEWHERE.get() or {}), **numerics})
    try:
        yield
    finally:
        _ELSEWHERE.reset(token)


def _resolved(spec: ClaimSpec, asked: Params) -> Params:
    """'auto' decided on this machine, or as the machines computing the claim's stages decided it."""
    params = asked.resolved()
    elsewhere = (_ELSEWHERE.get() or {}).get(spec.id)
    return params.model_copy(update=elsewhere) if elsewhere else params


def context(spec: ClaimSpec, profile: Profile, seed: int, settings: Settings, exp: Experiment) -> RunContext:
    """The run context for one seed, with the params resolved on this machine (or where ``resolved_on`` says)."""
    params = _resolved(spec, exp.Params.for_spec(spec, profile))
    ctx = RunContext(
        spec=spec,
        profile=profile,
        seed=seed,
        params=params,
        data_dir=settings.data_dir,
        work_dir=settings.work_dir / spec.id,
        cache_dir=settings.stages_dir,
    )
    ctx.numerics.update(params.numerics())
    return ctx


def planner(name: str):
    from audit.registry import catalogue

    if name not in catalogue("planners"):
        raise AuditError(f"experiment '{name}' lists no stages to plan (it runs in one step); use audit verify")
    return catalogue("planners").get(name)


def resolve_run(spec: ClaimSpec, profile: Profile, seed: int, settings: Settings, exp=None) -> RunPlan:
    """The run of ``spec`` at ``profile`` for ``seed``, resolved on this machine; computes nothing.

    ``exp``: the experiment object that will run (the spec's registered one unless given).
    """
    from audit.registry import catalogue, experiments

    exp = exp or experiments().get(spec.experiment.name)
    view = params_view(spec, profile, exp)
    found: dict[str, Any] = {"stages": [], "notes": []}
    if exp.name in catalogue("planners"):
        try:
            found = catalogue("planners").get(exp.name)(context(spec, profile, seed, settings, exp))
        except OUTCOMES as exc:  # known before any stage (test labels, no translation model)
            found = {"stages": [], "notes": [], "stopped": outcome_of(exc), "why": str(exc)}
    stages = [StagePlan(**row) for row in found["stages"]]
    params = view.params.model_dump(mode="json")
    return RunPlan(
        claim_id=spec.id,
        experiment=spec.experiment.name,
        profile=profile.value,
        seed=seed,
        params=params,
        origins={k: where + _laid_over(k, params[k], stages) for k, where in view.origins.items()},
        judge={**judge_settings(spec, profile), "gates": found.get("gates", {})},
        stages=stages,
        notes=found["notes"],
        stopped=found.get("stopped"),
        why=found.get("why"),
    )


def _laid_over(name: str, value: Any, stages: list[StagePlan]) -> str:
    """Where no stage computes with the claim-level value (a schedule sets its own), what they use instead."""
    used = {json.dumps(s.values[name]) for s in stages if name in s.values}
    if not used or json.dumps(value) in used:
        return ""
    return f"; the stages run {', '.join(sorted(used))} (their schedule; see each stage's values)"


def judge_settings(spec: ClaimSpec, profile: Profile) -> dict[str, Any]:
    from audit.judge.verdict import settings_for

    return settings_for(spec, profile)


def seeds_for(spec: ClaimSpec, seeds: int) -> int:
    """A deterministic measurement (a row count) gives the same value for every seed."""
    return 1 if spec.metric.deterministic else seeds


def done(settings: Settings, key: str) -> bool:
    """Whether the stage cache holds the stage of this key, finished."""
    return (settings.stages_dir / key / STAGE_DONE).is_file()


def plan_claim(spec: ClaimSpec, profile: Profile, seeds: int, settings: Settings) -> ClaimPlan:
    """Each seed's resolved run of one claim at ``profile``, and its stages as ``audit plan`` shows them."""
    planner(spec.experiment.name)  # one line when the experiment plans nothing
    exp_params = _given(spec, profile)
    out = ClaimPlan(claim_id=spec.id, profile=profile.value, params=exp_params)
    for seed in range(seeds_for(spec, seeds)):
        run = resolve_run(spec, profile, seed, settings)
        out.runs.append(run)
        out.stages += [
            PlannedStage(**s.model_dump(), seed=seed, cached=sum(done(settings, k) for k in s.keys)) for s in run.stages
        ]
        out.notes += [n for n in run.notes if n not in out.notes]
        if run.stopped:
            out.stopped, out.why = run.stopped, run.why
            break
    return out


def _given(spec: ClaimSpec, profile: Profile) -> dict:
    from audit.registry import experiments

    return experiments().get(spec.experiment.name).Params.for_spec(spec, profile).given()


class Estimate(BaseModel):
    """What the stages to run would take on one device kind, at its measured throughput."""

    device: str
    hours: float
    measured: str  # where the throughput figures come from


class Cost(BaseModel):
    """The training tokens a set of plans would run (each shared stage once), and their time where measured."""

    tokens: float
    estimates: list[Estimate]
    unmeasured: list[str]  # 'model at length N': a training no device kind has a measured throughput for


def cost(plans: list[ClaimPlan]) -> Cost:
    """Tokens by (model, length), each stage counted once across claims, over the throughput table."""
    from audit.registry import catalogue

    needed: dict[tuple[str, int], float] = {}
    seen: set[str] = set()
    for stage in (s for p in plans for s in p.stages if s.tokens and s.count == 1):
        if stage.key not in seen and stage.tokens_to_run:
            seen.add(stage.key)
            needed[(stage.model, stage.length)] = needed.get((stage.model, stage.length), 0.0) + stage.tokens_to_run
    rows = catalogue("throughputs")()
    estimates = []
    for device in sorted({r.device for r in rows}):
        have = {(r.model, r.max_length): r for r in rows if r.device == device}
        if needed and all(k in have for k in needed):
            hours = sum(t / have[k].tokens_per_second / 3600 for k, t in needed.items())
            measured = "; ".join(sorted({have[k].measured for k in needed}))
            estimates.append(Estimate(device=device, hours=hours, measured=measured))
    known = {(r.model, r.max_length) for r in rows}
    unmeasured = [f"{m} at length {n}" for m, n in sorted(needed) if (m, n) not in known]
    return Cost(tokens=sum(needed.values()), estimates=estimates, unmeasured=unmeasured)


def plan_specs(specs: list[ClaimSpec], profile: Profile, seeds: int, settings: Settings, strict: bool = False):
    """The plans of these specs, the ids whose experiments plan nothing, and the cost of it all."""
    from audit.registry import catalogue

    plans, skipped = [], []
    for spec in specs:
        if spec.experiment.name not in catalogue("planners") and not strict:
            skipped.append(spec.id)
            continue
        plans.append(plan_claim(spec, profile, seeds, settings))
    return plans, skipped, cost(plans)


class Preview(BaseModel):
    """What ``audit verify`` says before it starts: how much work, and about how long."""

    profile: str
    seeds: int
    workers: int
    runs: int
    to_run: int  # stages the runs would compute
    cached: int  # stages the cache already holds
    minutes: float | None  # training only, on the measured throughput of this machine's kind
    device: str | None


def preview(specs: list[ClaimSpec], profile: Profile, seeds: int, settings: Settings, workers: int, runs: int):
    """The stages to run and cached, and the training time a measured throughput gives for them."""
    plans, _, found = plan_specs(specs, profile, seeds, settings)
    to_run = sum(p.to_run for p in plans)
    cached = sum(s.cached for p in plans for s in p.stages)
    first = found.estimates[0] if found.estimates else None
    minutes = first.hours * 60 / max(1, min(workers, runs)) if first else None
    return Preview(
        profile=profile.value,
        seeds=seeds,
        workers=workers,
        runs=runs,
        to_run=to_run,
        cached=cached,
        minutes=minutes,
        device=first.device if first else None,
    )
