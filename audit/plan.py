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
