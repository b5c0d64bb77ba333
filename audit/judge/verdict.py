"""The verdict engine: measured values against the claimed value, after the validity gates.

One place for every rule. A verdict speaks only for the setting it measured, so the word
it may use depends on its *fidelity* (``fidelity_of``):

- pipeline (smoke): PIPELINE_OK when the runs finished, PIPELINE_FAILED when one failed.
  Gates are reported but not applied: a tiny random model is expected to fail them.
- proxy (mini, a small stand-in encoder on small real data): CONSISTENT (proxy),
  PARTIAL (proxy), NOT REPLICATED (proxy), or one of the words below. A proxy never
  SUPPORTS or REFUTES a claim about the paper's model.
- claim (full fidelity, dataset facts, documented evidence): SUPPORTED, PARTIAL, REFUTED.

The rules, in order (tolerance = printed precision + the spec's margin; the band is the
set of values the claim allows):

1. NOT_RUN: no run, or no experiment yet (with why). INCOMPLETE: some seeds failed or have
   no run (k of n, with each error; figures of the seeds that ran, no p-value). UNVERIFIABLE: the
   experiment could not get the data or labels it needs (with why). NOT_APPLICABLE: the
   fidelity's model cannot answer the claim (a proxy without the mechanism it is about; with why).
2. INVALID: a control gate failed (``audit.judge.gates``: positive control, manipulation check,
   trainability), naming the gate, the arms and the figures. Never judged further. A gate
   that is INDETERMINATE (its bounds straddle the bar) makes the verdict UNDERPOWERED. Seeds
   the gates' collapse rule dropped are left out of the interval (k of n, in the reason).
3. Against the band, on the interval over seeds and items (``audit.judge.stats``):
   - inside: a sign claim needs its 95% interval strictly off zero; a value claim (approx,
     no-effect) needs its 90% interval inside the band (TOST: two one-sided tests at 5%);
     -> SUPPORTED / CONSISTENT (proxy);
   - right sign and significant, but the interval disjoint from the band
     -> PARTIAL / PARTIAL (proxy);
   - significant in the opposite direction; for a no-effect claim or an upper bound, an
     interval wholly beyond the band; for an exact measurement, any value outside the band
     -> REFUTED / NOT REPLICATED (proxy);
   - otherwise INCONCLUSIVE (one seed, or an interval straddling zero or a band edge).
   A magnitude a full reproduction measures (approx, fidelity "claim") is judged against a
   replication prediction interval instead (``replication``).
4. UNDERPOWERED instead of INCONCLUSIVE when the interval includes zero and the design's
   minimum detectable effect (80% power, two-sided 5%) exceeds the claim's smallest effect
   of interest (``claimed.smallest_effect``; 2 points unless the spec says).
5. Multiplicity (``adjust``): the family is the report's reproduced claims at one profile
   that reached a decided test (``in_family``: a p-value, gates passed, not INVALID,
   NOT_APPLICABLE, UNVERIFIABLE, INCOMPLETE or smoke). Their p-values are Holm-corrected
   whenever verdicts are read (verify's output, every report), from the newest stored verdict
   of each claim, so the result does not depend on the order the claims ran in; the store
   keeps each verdict as judged alone. A decision that rests on significance (its interval
   excludes zero) with a corrected p >= 0.05 becomes INCONCLUSIVE; m is printed beside p.
"""

from __future__ import annotations

import math
from enum import StrEnum

from pydantic import BaseModel, Field

from audit.judge.gates import Gate, failed, indeterminate, reason
from audit.judge.stats import EQUIVALENCE_LEVEL, Interval, holm
from audit.run.records import now
from audit.synthesis.spec import Claimed, ClaimSpec, Comparison, Kind, Profile

ALPHA = 0.05
DEFAULT_SMALLEST_EFFECT = 2.0  # points: the gain a mini design must be able to see (issue #12's target)


class Status(StrEnum):
    SUPPORTED = "SUPPORTED"
    PARTIAL = "PARTIAL"
    REFUTED = "REFUTED"
    CONSISTENT = "CONSISTENT (proxy)"
    PARTIAL_PROXY = "PARTIAL (proxy)"
    NOT_REPLICATED = "NOT REPLICATED (proxy)"
    INCONCLUSIVE = "INCONCLUSIVE"
    UNDERPOWERED = "UNDERPOWERED"
    INVALID = "INVALID"
    UNVERIFIABLE = "UNVERIFIABLE"
    NOT_APPLICABLE = "NOT_APPLICABLE"
    NOT_RUN = "NOT_RUN"
    INCOMPLETE = "INCOMPLETE"
    PIPELINE_OK = "PIPELINE_OK"
    PIPELINE_FAILED = "PIPELINE_FAILED"


DECIDED = {Status.SUPPORTED, Status.PARTIAL, Status.REFUTED}  # about the claim itself: calibration counts them
PROXY = {Status.SUPPORTED: Status.CONSISTENT, Status.PARTIAL: Status.PARTIAL_PROXY,
         Status.REFUTED: Status.NOT_REPLICATED}  # fmt: skip
SIGNIFICANT = DECIDED | set(PROXY.values())


class Verdict(BaseModel):
    claim_id: str
    profile: str
    status: Status
    route: str = "reproduced"
    report: str | None = None
    fidelity: str | None = None  # pipeline | proxy | claim
    model: str | None = None
    n: int = 0
    mean: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    claimed: float | None = None
    comparison: str | None = None
    tolerance: float | None = None
    smallest_effect: float | None = None
    interval_method: str | None = None
    p_value: float | None = None
    p_adjusted: float | None = None  # Holm, over the family; computed when read, never stored
    family_size: int | None = None  # m: the claims in that family
    mde: float | None = None
    gates: list[Gate] = Field(default_factory=list)
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


def fidelity_of(route: str, profile: Profile) -> str:
    """What a verdict can speak for: the plumbing, a proxy of the claim, or the claim itself."""
    if route == "documented":
        return "claim"
    if profile == Profile.SMOKE:
        return "pipeline"
    return "proxy" if route == "reproduced" and profile == Profile.MINI else "claim"


def model_of(spec: ClaimSpec, profile: Profile) -> str | None:
    if route_of(spec) != "reproduced":
        return None
    model = spec.params_for(profile).get("model")
    return str(model).removeprefix("offline:") if model else None


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


def _inside(c: Claimed, iv: Interval) -> bool:
    # A sign claim needs the interval strictly off zero; a value claim its 90% interval in the band (TOST).
    if c.comparison == Comparison.POSITIVE:
        return iv.low > 0
    if c.comparison == Comparison.NEGATIVE:
        return iv.high < 0
    lo, hi = (
        iv.bounds(EQUIVALENCE_LEVEL) if c.comparison in {Comparison.APPROX, Comparison.NO_EFFECT} else (iv.low, iv.high)
    )
    a, b = band(c)
    return _le(a, lo) and _le(hi, b)


def judge(c: Claimed, iv: Interval) -> tuple[Status, str]:
    """Rule 3 of the module docstring, on one interval."""
    if not iv.has_ci:
        return Status.INCONCLUSIVE, f"no confidence interval ({iv.method}); run --seeds 3 or more"
    lo, hi = iv.low, iv.high
    a, b = band(c)
    if _inside(c, iv):
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


def replication(c: Claimed, iv: Interval) -> tuple[Status, str]:
    """Rule 3 for a magnitude a full reproduction measures: is it where a faithful replication lands?

    The claimed value is one run of the original; a faithful replication's mean differs from it
    by the original's own seed noise and the replication's standard error. So the band is a
    replication prediction interval (Patil, Peng and Leek 2016, "What should researchers expect
    when they replicate studies?"): claimed +/- t(0.975, df) sqrt(sigma^2 + se^2) + the printed
    precision, with sigma^2, one run's variance, estimated from the replication's own seeds as
    n se^2. A faithful 5-seed replication of a single-run number falls outside it 5% of the time
    (``tests/test_verdict.py`` draws them; 4.3% of 4,000). The old rule, a 90% interval inside
    claimed +/- (precision + 0.5), called 6.0% of the same draws SUPPORTED and 9.5% PARTIAL or REFUTED.
    """
    if not iv.has_ci or not iv.se:
        return Status.INCONCLUSIVE, f"no confidence interval ({iv.method}); run --seeds 3 or more"
    from scipy import stats

    half = float(stats.t.ppf(0.975, iv.df)) * iv.se * math.sqrt(iv.n + 1) + c.precision
    where = f"replication prediction interval {c.value:g} ± {half:.2f} (one run's seed noise from {iv.n} seeds)"
    if abs(iv.mean - c.value) <= half:
        return Status.SUPPORTED, f"inside the {where}"
    d = direction(c)
    if (d > 0 and iv.high < 0) or (d < 0 and iv.low > 0):
        return Status.REFUTED, f"significant in the opposite direction, outside the {where}"
    if (d > 0 and iv.low > 0) or (d < 0 and iv.high < 0):
        return Status.PARTIAL, f"right direction, magnitude outside the {where}"
    return Status.INCONCLUSIVE, f"outside the {where}, but the interval includes zero"


def _power(status: Status, why: str, iv: Interval, smallest: float) -> tuple[Status, str]:
    """Rule 4: an interval that includes zero from a design too weak to see the effect of interest."""
    mde = iv.mde()
    includes_zero = iv.has_ci and iv.low <= 0 <= iv.high
    if status == Status.INCONCLUSIVE and includes_zero and mde is not None and mde > smallest:
        return Status.UNDERPOWERED, (
            f"interval includes zero, and with {iv.n} seeds and these items the "
            f"smallest effect detectable at 80% power is {mde:.2f}, above the "
            f"smallest effect of interest {smallest:g}"
        )
    return status, why


def synthesis_fields(spec: ClaimSpec) -> dict:
    s = spec.synthesis
    return {"synthesis_verified": s.verified if s else None, "synthesis_confidence": s.confidence if s else None}


def base_verdict(spec: ClaimSpec, profile: Profile, **base) -> Verdict:
    """The claim's verdict before anything is measured (NOT_RUN), with everything the spec fixes."""
    c, route = spec.claimed_for(profile), route_of(spec)
    return Verdict(
        claim_id=spec.id,
        profile=profile.value,
        status=Status.NOT_RUN,
        route=route,
        report=spec.source.report,
        fidelity=fidelity_of(route, profile),
        model=model_of(spec, profile),
        claimed=c.value,
        comparison=c.comparison.value,
        tolerance=c.tolerance,
        note=spec.note_for(profile),
        smallest_effect=c.smallest_effect if c.smallest_effect is not None else DEFAULT_SMALLEST_EFFECT,
        **synthesis_fields(spec),
        **base,
    )


def decide(spec: ClaimSpec, profile: Profile, iv: Interval | None, gates: list[Gate] | None = None, **base) -> Verdict:
    """The verdict for measured values (``iv``) of this claim at this profile, after its gates."""
    v = base_verdict(spec, profile, gates=gates or [], **base)
    if iv is None:
        return v
    measured = {
        "n": iv.n,
        "mean": iv.mean,
        "ci_low": iv.low,
        "ci_high": iv.high,
        "interval_method": iv.method,
        "p_value": iv.p_value,
        "mde": iv.mde(),
    }
    status, why = _rules(spec.claimed_for(profile), iv, v, profile)
    if status == Status.INVALID:  # a failed control says nothing about the claim: no p-value to read
        measured["p_value"] = None
    return v.model_copy(update={"status": status, "reason": why, **measured})


def _rules(c: Claimed, iv: Interval, v: Verdict, profile: Profile) -> tuple[Status, str]:
    if profile == Profile.SMOKE:
        return Status.PIPELINE_OK, "smoke fidelity proves the pipeline, not the claim"
    if failed(v.gates):
        return Status.INVALID, reason(v.gates)
    if indeterminate(v.gates):  # a control neither passed nor failed: too few items or seeds to say
        return Status.UNDERPOWERED, reason(v.gates, "indeterminate")
    magnitude = v.route == "reproduced" and v.fidelity == "claim" and c.comparison == Comparison.APPROX
    status, why = _power(*(replication(c, iv) if magnitude else judge(c, iv)), iv, v.smallest_effect)
    if v.fidelity == "proxy" and status in PROXY:
        return PROXY[status], f"{why}, measured on the proxy {v.model or 'model'}"
    return status, why


OUT_OF_FAMILY = {Status.INVALID, Status.NOT_APPLICABLE, Status.UNVERIFIABLE, Status.INCOMPLETE, Status.NOT_RUN,
                 Status.PIPELINE_OK, Status.PIPELINE_FAILED}  # fmt: skip


def in_family(v: Verdict) -> bool:
    """Whether a verdict reached a decided test of a reproduced claim (rule 5's family)."""
    return v.route == "reproduced" and v.p_value is not None and v.status not in OUT_OF_FAMILY


def adjust(verdicts: list[Verdict], family: list[Verdict]) -> list[Verdict]:
    """Rule 5: Holm-correct each verdict's p-value within its report and profile.

    ``family``: the newest verdict of every claim (those outside the family are left out here).
    """
    groups: dict[tuple, list[Verdict]] = {}
    for v in {(v.claim_id, v.profile): v for v in family if in_family(v)}.values():
        groups.setdefault((v.report, v.profile), []).append(v)
    adjusted = {}
    for members in groups.values():
        for v, p in zip(members, holm([m.p_value for m in members]), strict=True):
            adjusted[(v.claim_id, v.profile)] = (p, len(members))
    return [
        _corrected(v, *adjusted[(v.claim_id, v.profile)]) if (v.claim_id, v.profile) in adjusted else v
        for v in verdicts
    ]


def _corrected(v: Verdict, p: float, m: int) -> Verdict:
    if not in_family(v):  # this verdict is not the one in the family (an older one, or INVALID)
        return v
    out = v.model_copy(update={"p_adjusted": p, "family_size": m})
    if v.status in SIGNIFICANT and not (v.ci_low <= 0 <= v.ci_high) and p >= ALPHA:
        why = (
            f"{v.status.value} on its own (p = {v.p_value:.3g}), but not significant after Holm's "
            f"correction over {m} claims of this report (corrected p = {p:.3g})"
        )
        out = out.model_copy(update={"status": Status.INCONCLUSIVE, "reason": why})
    return out


def settings_for(spec: ClaimSpec, profile: Profile) -> dict:
    """What the verdict reads a run of this claim with: every level, power and threshold, as numbers.

    The resolved run plan (``audit.run.plan.RunPlan.judge``) carries them, so a record says
    how its numbers were to be judged, beside what computed them.
    """
    from audit.judge import gates, paired

    c = spec.claimed_for(profile)
    return {
        "alpha": ALPHA,
        "interval_level": paired.LEVEL,
        "equivalence_level": EQUIVALENCE_LEVEL,
        "power": paired.POWER,
        "smallest_effect": c.smallest_effect if c.smallest_effect is not None else DEFAULT_SMALLEST_EFFECT,
        "tolerance": c.tolerance,
        "gate_level": gates.LEVEL,
        "collapse_se": gates.COLLAPSE_SE,
        "plateau_bound": gates.PLATEAU_BOUND,
        "plateau_level": gates.PLATEAU_LEVEL,
        "multiplicity": "holm over the report's decided claims, at read time",
    }
