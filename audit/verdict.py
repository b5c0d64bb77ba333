"""The verdict engine: measured values against the claimed value.

Rules (tolerance = printed precision + the spec's margin; "band" = the values the
claim allows within tolerance):

- SUPPORTED: the confidence interval lies inside the band.
- PARTIAL: the interval is significantly in the claimed direction but disjoint from the band.
- REFUTED: significantly in the opposite direction; for a no-effect claim or an upper
  bound, an interval wholly beyond the band; for an exact measurement (a count), any
  value outside the band.
- INCONCLUSIVE: one seed of a noisy measurement, or an interval that straddles zero or
  a band edge.
- UNVERIFIABLE: the experiment could not get the data or labels it needs (with why).
- NOT_RUN: no run, no experiment yet, or a failed run (with why).
- PIPELINE_OK: smoke fidelity; proves the plumbing and never judges the claim.
"""

from __future__ import annotations

import math
from enum import StrEnum

from pydantic import BaseModel, Field

from audit.records import now
from audit.spec import Claimed, ClaimSpec, Comparison, Kind, Profile
from audit.stats import Interval


class Status(StrEnum):
    SUPPORTED = "SUPPORTED"
    PARTIAL = "PARTIAL"
    REFUTED = "REFUTED"
    INCONCLUSIVE = "INCONCLUSIVE"
    UNVERIFIABLE = "UNVERIFIABLE"
    NOT_RUN = "NOT_RUN"
    PIPELINE_OK = "PIPELINE_OK"


DECIDED = {Status.SUPPORTED, Status.PARTIAL, Status.REFUTED}


class Verdict(BaseModel):
    claim_id: str
    profile: str
    status: Status
    route: str = "reproduced"
    n: int = 0
    mean: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    claimed: float | None = None
    comparison: str | None = None
    tolerance: float | None = None
    reason: str = ""
    note: str = ""
    synthesis_verified: bool | None = None  # None: our own hypothesis, not a synthesis's claim
    synthesis_confidence: float | None = None
    run_ids: list[str] = Field(default_factory=list)
    created_at: str = Field(default_factory=lambda: now().isoformat())


def route_of(spec: ClaimSpec) -> str:
    """How a claim is settled: reproduced by training, a dataset fact, or documents."""
    if spec.experiment.name == "documented":
        return "documented"
    return "dataset" if spec.kind in {Kind.DATASET_FACT, Kind.DESIGN} else "reproduced"


def how_to_settle(spec: ClaimSpec) -> str:
    """What a user runs to give this claim its first verdict."""
    if route_of(spec) == "documented":
        return f"settle it from a source: 'audit cite --claim {spec.id} --source PAPER'"
    return f"never verified; run 'audit verify --claim {spec.id}'"


def _le(a: float, b: float) -> bool:
    # Tolerances like 8.2 - 0.55 are not exact in binary; a boundary value must count.
    return a <= b or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def band(c: Claimed) -> tuple[float, float]:
    v, tol = c.value or 0.0, c.tolerance
    return {
        Comparison.APPROX: (v - tol, v + tol),
        Comparison.AT_LEAST: (v - tol, math.inf),
        Comparison.AT_MOST: (-math.inf, v + tol),
        Comparison.POSITIVE: (0.0, math.inf),
        Comparison.NEGATIVE: (-math.inf, 0.0),
        Comparison.NO_EFFECT: (v - tol, v + tol),
    }[c.comparison]


def direction(c: Claimed) -> int:
    """+1 / -1 for the sign the claim asserts; 0 for no effect or a mere upper bound."""
    if c.comparison == Comparison.POSITIVE:
        return 1
    if c.comparison == Comparison.NEGATIVE:
        return -1
    if c.comparison in {Comparison.NO_EFFECT, Comparison.AT_MOST} or not c.value:
        return 0
    return 1 if c.value > 0 else -1


def _inside(c: Claimed, lo: float, hi: float) -> bool:
    # A sign claim needs the interval strictly off zero; a value claim may touch its edges.
    if c.comparison == Comparison.POSITIVE:
        return lo > 0
    if c.comparison == Comparison.NEGATIVE:
        return hi < 0
    a, b = band(c)
    return _le(a, lo) and _le(hi, b)


def judge(c: Claimed, iv: Interval) -> tuple[Status, str]:
    """Apply the rules in the module docstring to one interval."""
    if not iv.has_ci:
        return Status.INCONCLUSIVE, "one seed gives no confidence interval; run --seeds 3 or more"
    lo, hi = iv.low, iv.high
    a, b = band(c)
    if _inside(c, lo, hi):
        return Status.SUPPORTED, "interval inside the claimed band"
    disjoint = hi < a or lo > b
    if iv.exact:
        return Status.REFUTED, "exact measurement outside the claimed band"
    d = direction(c)
    if d == 0:
        if disjoint:
            return Status.REFUTED, "interval lies wholly outside the claimed band"
        return Status.INCONCLUSIVE, "interval straddles the claimed band's edge"
    if (d > 0 and hi < 0) or (d < 0 and lo > 0):
        return Status.REFUTED, "significant in the opposite direction"
    if (d > 0 and lo > 0) or (d < 0 and hi < 0):
        if disjoint:
            return Status.PARTIAL, "right direction, magnitude outside tolerance"
        return Status.INCONCLUSIVE, "right direction; interval too wide to place the magnitude"
    return Status.INCONCLUSIVE, "interval includes zero"


def synthesis_fields(spec: ClaimSpec) -> dict:
    s = spec.synthesis
    return {"synthesis_verified": s.verified if s else None, "synthesis_confidence": s.confidence if s else None}


def decide(spec: ClaimSpec, profile: Profile, iv: Interval | None, **base) -> Verdict:
    """The verdict for measured values (``iv``) of this claim at this profile."""
    c = spec.claimed_for(profile)
    v = Verdict(
        claim_id=spec.id, profile=profile.value, status=Status.NOT_RUN, route=route_of(spec),
        claimed=c.value, comparison=c.comparison.value, tolerance=c.tolerance,
        note=spec.note_for(profile), **synthesis_fields(spec), **base,
    )  # fmt: skip
    if iv is None:
        return v
    status, reason = judge(c, iv)
    if profile == Profile.SMOKE:
        status, reason = Status.PIPELINE_OK, "smoke fidelity proves the pipeline, not the claim"
    return v.model_copy(update={
        "status": status, "reason": reason, "n": iv.n, "mean": iv.mean,
        "ci_low": iv.low, "ci_high": iv.high,
    })  # fmt: skip
