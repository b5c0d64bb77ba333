"""``audit plan``: what ``audit verify`` would compute for a claim, before anything runs.

An experiment that works in content-addressed stages may register a planner
(``experiments.PLANS``, a lazy ``"module:function"`` registry like the experiments'). The planner gets the
same run context a run would and lists each stage: its key, whether the stage cache
already holds it, the data each split would be read from at this profile, and the
schedule that would train it. Nothing is trained, read or downloaded, so a full-profile
plan can be checked on a laptop before GPU hours are spent.
"""

from __future__ import annotations

from pydantic import BaseModel

from audit.errors import AuditError
from audit.profiles import Profile
from audit.records import OUTCOMES, RunStatus, outcome_of
from audit.settings import Settings
from audit.spec import ClaimSpec


class PlannedStage(BaseModel):
    seed: int
    stage: str
    arm: str
    task: str
    key: str  # the stage's key, or "N stages" for a row of per-language scoring stages
    count: int = 1
    cached: int = 0  # how many of them the stage cache already holds
    schedule: str
    train: str
    evaluate: str
    tokens: float | None = None  # training tokens (padded), where the stage trains and the data's size is known
    model: str | None = None
    length: int | None = None

    @property
    def tokens_to_run(self) -> float:
        return (self.tokens or 0.0) * (self.count - self.cached) / self.count


class ClaimPlan(BaseModel):
    claim_id: str
    profile: str
    params: dict  # the claim's params at this profile as set (spec, sizing, defaults), before 'auto' is decided
    stages: list[PlannedStage] = []
    notes: list[str] = []  # what the run would skip, and why (an intermediate task without data)
    # When it is known before anything runs: how a run would end without measuring (UNVERIFIABLE,
    # NOT_APPLICABLE), and why.
    stopped: RunStatus | None = None
    why: str | None = None

    @property
    def unverifiable(self) -> str | None:
        return self.why if self.stopped == RunStatus.UNVERIFIABLE else None

    @property
    def to_run(self) -> int:
        return sum(s.count - s.cached for s in self.stages)


def planner(name: str):
    import experiments

    if name not in experiments.PLANS:
        raise AuditError(f"experiment '{name}' lists no stages to plan (it runs in one step); use audit verify")
    return experiments.PLANS.get(name)


def plan_claim(spec: ClaimSpec, profile: Profile, seeds: int, settings: Settings) -> ClaimPlan:
    """The stages of each seed's run of one claim at ``profile``."""
    from audit.registry import experiments
    from audit.runner import context
    from audit.verify import seeds_for

    fn, exp = planner(spec.experiment.name), experiments().get(spec.experiment.name)
    out = ClaimPlan(claim_id=spec.id, profile=profile.value, params=exp.Params.for_spec(spec, profile).given())
    for seed in range(seeds_for(spec, seeds)):
        ctx = context(spec, profile, seed, settings, exp)
        try:
            found = fn(ctx)
        except OUTCOMES as exc:  # known before any stage (test labels, no translation model)
            found = {"stages": [], "notes": [], "stopped": outcome_of(exc), "why": str(exc)}
        out.stages += [PlannedStage(**row) for row in found["stages"]]
        out.notes += [n for n in found["notes"] if n not in out.notes]
        if found.get("stopped"):
            out.stopped, out.why = found["stopped"], found["why"]
            break
    return out


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
    from experiments.cost import throughputs

    needed: dict[tuple[str, int], float] = {}
    seen: set[str] = set()
    for stage in (s for p in plans for s in p.stages if s.tokens and s.count == 1):
        if stage.key not in seen and stage.tokens_to_run:
            seen.add(stage.key)
            needed[(stage.model, stage.length)] = needed.get((stage.model, stage.length), 0.0) + stage.tokens_to_run
    rows = throughputs()
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


def plan_all(
    settings: Settings,
    ids: list[str],
    reports: list[str],
    all_claims: bool,
    profile: Profile,
    seeds: int,
    params: dict | None = None,
) -> tuple[list[ClaimPlan], list[str], Cost]:
    """``audit plan``: each chosen claim's plan, the claims that run in one step, and the cost of it all.

    A claim named by id whose experiment has no planner is one line (``planner``); with
    ``--all`` or ``--report`` it is listed as running in one step. ``params``: ``--param`` overrides.
    """
    from audit.verify import chosen_specs

    specs = chosen_specs(settings, ids, reports, all_claims, profile, params or {})
    return plan_specs(specs, profile, seeds, settings, strict=bool(ids))


def plan_specs(specs: list[ClaimSpec], profile: Profile, seeds: int, settings: Settings, strict: bool = False):
    """The plans of these specs, the ids whose experiments plan nothing, and the cost of it all."""
    import experiments

    plans, skipped = [], []
    for spec in specs:
        if spec.experiment.name not in experiments.PLANS and not strict:
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
