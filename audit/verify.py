"""``audit verify``: run claims' experiments, store the runs, and judge them.

Run every claim's experiment once per seed, in this process or in worker processes
(``audit.workers``; each run writes a JSON record), ingest the records into the store
(the single writer), then per claim read back the newest run per seed made with this
exact spec, and turn its values into a verdict.
"""

from __future__ import annotations

import json
from collections import Counter

from audit import registry
from audit.gates import evaluate as evaluate_gates
from audit.records import RunStatus, now
from audit.runner import params_of
from audit.settings import Settings
from audit.spec import ClaimSpec, Profile
from audit.stats import summarise
from audit.store import Store
from audit.verdict import Status, Verdict, adjust, decide, how_to_settle, route_of
from audit.workers import Executor, Progress, execute


def sync_claims(store: Store, specs: list[ClaimSpec]) -> None:
    for spec in specs:
        store.upsert(
            "claims",
            {
                "id": spec.id,
                "report_id": spec.source.report,
                "kind": spec.kind.value,
                "statement": spec.statement,
                "spec_hash": spec.content_hash(),
                "spec": spec.model_dump(mode="json"),
                "updated_at": now(),
            },
        )


def seeds_for(spec: ClaimSpec, seeds: int) -> int:
    """A deterministic measurement (a row count) gives the same value for every seed."""
    return 1 if spec.metric.deterministic else seeds


def documented(store: Store, spec: ClaimSpec, profile: Profile) -> Verdict:
    """Documented claims are settled by ``audit cite``; verify shows what it found."""
    from audit.report import from_row

    rows = [r for r in store.latest_verdicts(claim_id=spec.id) if r["route"] == "documented"]
    if rows:
        return from_row(rows[0])
    verdict = decide(spec, profile, None, reason="no source document cited yet; " + how_to_settle(spec))
    return verdict.model_copy(update={"status": Status.UNVERIFIABLE})


def judge_stored(store: Store, spec: ClaimSpec, profile: Profile, seeds: int) -> Verdict:
    """The verdict from what the store holds for this claim, profile and seeds."""
    if route_of(spec) == "documented":
        return documented(store, spec, profile)
    if not registry.is_registered(spec.experiment.name):
        return decide(spec, profile, None, reason=registry.missing_reason(spec.experiment.name))
    runs = store.latest_runs(spec.id, profile.value, list(range(seeds_for(spec, seeds))), spec.content_hash())
    ids = [r["id"] for r in runs]
    if not runs:
        return decide(spec, profile, None, reason="no run with the current spec")
    outcomes = (
        (RunStatus.UNVERIFIABLE, Status.UNVERIFIABLE),
        (RunStatus.NOT_APPLICABLE, Status.NOT_APPLICABLE),
        (RunStatus.FAILED, _failed(profile)),
    )
    for status, verdict in outcomes:
        bad = [r for r in runs if r["status"] == status.value]
        if bad:
            base = decide(spec, profile, None, run_ids=ids, reason=bad[0]["error"] or status.value)
            return base.model_copy(update={"status": verdict})
    values = store.headline_values(ids, spec.metric.name)
    if len(values) < len(ids):
        reason = f"a run recorded no aggregate '{spec.metric.name}' measurement"
        return decide(spec, profile, None, run_ids=ids, reason=reason)
    item_se = store.headline_values(ids, f"item_se[{spec.metric.name}]")
    iv = summarise([values[i] for i in ids], spec.metric.deterministic, [item_se[i] for i in ids if i in item_se])
    cells = store.cells(ids)
    gates = evaluate_gates({r["seed"]: cells[r["id"]] for r in runs})
    verdict = decide(spec, profile, iv, gates=gates, run_ids=ids)
    notes = seed_notes(runs)
    return verdict.model_copy(update={"reason": "; ".join([verdict.reason, *notes])}) if notes else verdict


def _failed(profile: Profile) -> Status:
    return Status.PIPELINE_FAILED if profile == Profile.SMOKE else Status.NOT_RUN


def seed_notes(runs: list[dict]) -> list[str]:
    """Each distinct note of the runs once; a note that not every seed's run made says how many did."""
    counts = Counter(n for r in runs for n in set(json.loads(r["notes"] or "[]")))
    return [n if k == len(runs) else f"{n} (in {k} of {len(runs)} seeds)" for n, k in sorted(counts.items())]


def save_verdict(store: Store, v: Verdict) -> None:
    store.upsert("verdicts", {"id": f"{v.claim_id}:{v.profile}:{v.created_at}", **v.model_dump()})


def verify(
    specs: list[ClaimSpec],
    profile: Profile,
    seeds: int,
    settings: Settings,
    progress: Progress | None = None,
    jobs: int = 1,
    executor: Executor | None = None,
) -> list[Verdict]:
    """Run every claim's seeds (``jobs`` worker processes side by side, or on Ray), then judge each claim."""
    runs = [
        (spec, seed)
        for spec in specs
        if registry.is_registered(spec.experiment.name)
        for seed in range(seeds_for(spec, seeds))
    ]
    for spec in {spec.id: spec for spec, _ in runs}.values():
        params_of(spec, profile)  # a bad param is one line before anything runs, not a failed run per seed
    # The store is held only before and after the runs, never during them: readers and
    # other writers wait seconds for its lock, not the length of an audit.
    with Store(settings.store) as store:
        sync_claims(store, specs)
    execute(runs, profile, settings, jobs, progress, executor or Executor())
    with Store(settings.store) as store:
        store.ingest_records(settings.records_dir)
        fresh = [judge_stored(store, spec, profile, seeds) for spec in specs]
        verdicts = adjust(fresh, family(store, fresh, profile))
        for spec, verdict in zip(specs, verdicts, strict=True):
            # cite owns documented verdicts, which are never UNVERIFIABLE: an UNVERIFIABLE
            # documented verdict means nothing was cited, and saving it overwrites nothing.
            if route_of(spec) != "documented" or verdict.status == Status.UNVERIFIABLE:
                save_verdict(store, verdict)
        return verdicts


def family(store: Store, fresh: list[Verdict], profile: Profile) -> list[Verdict]:
    """The verdicts a multiplicity correction spans: these, and the stored ones of their reports' other claims."""
    from audit.report import from_row

    judged = {v.claim_id for v in fresh}
    reports = {v.report for v in fresh}
    stored = [from_row(r) for r in store.latest_verdicts(profile.value) if r["claim_id"] not in judged]
    return fresh + [v for v in stored if v.report in reports and v.route == "reproduced"]


def choose(specs: dict[str, ClaimSpec], ids: list[str], reports: list[str], all_claims: bool) -> list[ClaimSpec]:
    """The claims named by id, or every claim of the named reports, or all: exactly one way."""
    from audit.claims import find
    from audit.errors import AuditError

    ways = [name for name, given in (("--claim", ids), ("--report", reports), ("--all", all_claims)) if given]
    if len(ways) != 1:
        what = f"{' and '.join(ways)} given together" if ways else "no claim given"
        raise AuditError(f"{what}: name claims with --claim ID or --report ID (repeatable), or pass --all")
    if all_claims:
        return list(specs.values())
    if ids:
        return [find(specs, i) for i in ids]
    known = sorted({s.source.report for s in specs.values()})
    if unknown := [r for r in reports if r not in known]:
        raise AuditError(f"no claim comes from report '{unknown[0]}'; reports with claims: {', '.join(known)}")
    return [s for s in specs.values() if s.source.report in reports]


def select_and_verify(
    settings: Settings,
    ids: list[str],
    all_claims: bool,
    profile: Profile,
    seeds: int,
    progress: Progress | None = None,
    jobs: int = 1,
    reports: list[str] | None = None,
    executor: Executor | None = None,
):
    """What ``audit verify`` does: pick the claims, verify them, calibrate the result."""
    from audit.calibration import calibrate
    from audit.claims import load_all

    chosen = choose(load_all(settings.claims_dir), ids, reports or [], all_claims)
    verdicts = verify(chosen, profile, seeds, settings, progress, jobs, executor)
    return verdicts, calibrate(verdicts)
