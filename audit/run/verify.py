"""``audit verify``: run claims' experiments, store the runs, and judge them.

Run every claim's experiment once per seed, in this process or in worker processes
(``audit.run.workers``; each run writes a JSON record), ingest the records into the store
(the single writer), then per claim read back the newest run per seed made with this
exact spec, and turn its values into a verdict.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace

from audit import registry
from audit.judge import gain_table
from audit.judge.gates import evaluate as evaluate_gates
from audit.judge.paired import by_cluster
from audit.judge.stats import Interval, crossed, from_paired, summarise
from audit.judge.verdict import Status, Verdict, adjust, decide, how_to_settle, route_of
from audit.output.audit_report import from_row, newest_family
from audit.run.plan import ClaimPlan, Cost, params_of, plan_specs, seeds_for
from audit.run.records import RunStatus, now
from audit.run.workers import Executor, Progress, execute
from audit.settings import Settings
from audit.store import Store
from audit.synthesis.spec import ClaimSpec, Profile

# A run that could not measure makes the claim so, whatever its other seeds did.
NOT_MEASURED = ((RunStatus.UNVERIFIABLE, Status.UNVERIFIABLE), (RunStatus.NOT_APPLICABLE, Status.NOT_APPLICABLE))


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


def documented(store: Store, spec: ClaimSpec, profile: Profile) -> Verdict:
    """Documented claims are settled by ``audit cite``; verify shows what it found."""
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
    wanted = seeds_for(spec, seeds)
    runs = store.latest_runs(spec.id, profile.value, list(range(wanted)), spec.content_hash())
    ids = [r["id"] for r in runs]
    if not runs:
        return decide(spec, profile, None, reason="no run with the current spec")
    for status, verdict in NOT_MEASURED:
        if bad := [r for r in runs if r["status"] == status.value]:
            base = decide(spec, profile, None, run_ids=ids, reason=bad[0]["error"] or status.value)
            return base.model_copy(update={"status": verdict})
    ok = [r for r in runs if r["status"] == RunStatus.OK.value]
    if len(ok) < wanted:
        return incomplete(store, spec, profile, runs, ok, wanted)
    return judge_runs(store, spec, profile, runs)


def judge_runs(store: Store, spec: ClaimSpec, profile: Profile, runs: list[dict]) -> Verdict:
    """The verdict from runs that all finished: their headline values, item outcomes and gates."""
    ids = [r["id"] for r in runs]
    values = store.headline_values(ids, spec.metric.name)
    if len(values) < len(ids):
        reason = f"a run recorded no aggregate '{spec.metric.name}' measurement"
        return decide(spec, profile, None, run_ids=ids, reason=reason)
    cells = store.cells(ids)
    by_seed = {r["seed"]: cells[r["id"]] for r in runs}
    gating = evaluate_gates(by_seed)
    # Every seed collapsed: a gate failed, so the verdict is INVALID; its figures show every seed.
    kept = [r for r in runs if r["seed"] in gating.kept] or runs
    kept_cells = {r["seed"]: by_seed[r["seed"]] for r in kept}
    iv = interval_of(kept_cells, [values[r["id"]] for r in kept], spec.metric.deterministic, _params(runs[0]))
    verdict = decide(spec, profile, iv, gates=gating.gates, run_ids=ids)
    notes = [n for n in (gating.note(), iv.note) if n] + seed_notes(runs)
    return verdict.model_copy(update={"reason": "; ".join([verdict.reason, *notes])}) if notes else verdict


def interval_of(by_seed: dict[int, list], values: list[float], deterministic: bool, params: dict) -> Interval:
    """The crossed seeds x items interval where the runs recorded a paired gain item by item, else seeds only."""
    if not gain_table.pairable(by_seed):
        return summarise(values, deterministic)
    found = gain_table.table(by_seed, params.get("select"))
    if not found.clusters:  # no item scored in every seed (no language in common): seeds only, and said
        iv = summarise(values, deterministic)
        return iv and replace(iv, note="no evaluation item in common to every seed; item noise not measured")
    grouped, strata = by_cluster(found.values, found.clusters, found.strata)
    return from_paired(crossed(grouped, strata=strata), "item clusters", found.note)


def _params(run: dict) -> dict:
    value = run.get("params") or {}
    return json.loads(value) if isinstance(value, str) else value


def incomplete(store: Store, spec: ClaimSpec, profile: Profile, runs: list[dict], ok: list[dict], wanted: int):
    """Some seeds failed or have no run: INCOMPLETE (k of n seeds), never a verdict, never NOT_RUN.

    At smoke a failed run is a failed pipeline. Otherwise the seeds that ran are judged for
    the reader's information (their figures, no p-value: an incomplete claim enters no
    multiplicity family), and the reason names what is missing and how to fill it in.
    """
    failed = [r for r in runs if r["status"] == RunStatus.FAILED.value]
    if profile == Profile.SMOKE and failed:
        base = decide(spec, profile, None, run_ids=[r["id"] for r in runs], reason=failed[0]["error"] or "failed")
        return base.model_copy(update={"status": Status.PIPELINE_FAILED})
    ran = {r["seed"] for r in runs}
    missing = [f"seed {s}: no run" for s in range(wanted) if s not in ran]
    errors = [f"seed {r['seed']}: {r['error'] or 'failed'}" for r in failed]
    why = f"{len(ok)} of {wanted} seeds ran ({'; '.join(errors + missing)}); re-run the same command to compute them"
    partial = judge_runs(store, spec, profile, ok) if ok else decide(spec, profile, None)
    if ok:
        why += f"; on the {len(ok)} that ran: {partial.status.value} ({partial.reason})"
    update = {"status": Status.INCOMPLETE, "reason": why, "p_value": None, "p_adjusted": None}
    return partial.model_copy(update={**update, "run_ids": [r["id"] for r in runs]})


def seed_notes(runs: list[dict]) -> list[str]:
    """Each distinct note of the runs once; a note that not every seed's run made says how many did."""
    counts = Counter(n for r in runs for n in set(json.loads(r["notes"] or "[]")))
    return [n if k == len(runs) else f"{n} (in {k} of {len(runs)} seeds)" for n, k in sorted(counts.items())]


def save_verdict(store: Store, v: Verdict) -> None:
    """The verdict as judged alone: multiplicity is applied whenever verdicts are read (``newest_family``)."""
    raw = v.model_dump(exclude={"family_size"}) | {"p_adjusted": None}
    store.upsert("verdicts", {"id": f"{v.claim_id}:{v.profile}:{v.created_at}", **raw})


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
    runs = jobs_of(specs, seeds)
    for spec in {spec.id: spec for spec, _ in runs}.values():
        # A bad param, or one the design schedule fixes otherwise, is one line before anything runs,
        # not a failed run per seed (``Params.for_spec`` checks both).
        params_of(spec, profile)
    # The store is held only before and after the runs, never during them: readers and
    # other writers wait seconds for its lock, not the length of an audit.
    with Store(settings.store) as store:
        sync_claims(store, specs)
    execute(runs, profile, settings, jobs, progress, executor or Executor())
    with Store(settings.store) as store:
        store.ingest_records(settings.records_dir)
        fresh = [judge_stored(store, spec, profile, seeds) for spec in specs]
        for spec, verdict in zip(specs, fresh, strict=True):
            # cite owns documented verdicts, which are never UNVERIFIABLE: an UNVERIFIABLE
            # documented verdict means nothing was cited, and saving it overwrites nothing.
            if route_of(spec) != "documented" or verdict.status == Status.UNVERIFIABLE:
                save_verdict(store, verdict)
        return adjust(fresh, newest_family(store, profile.value))


def choose(specs: dict[str, ClaimSpec], ids: list[str], reports: list[str], all_claims: bool) -> list[ClaimSpec]:
    """The claims named by id, or every claim of the named reports, or all: exactly one way."""
    from audit.errors import AuditError
    from audit.synthesis.claims import find

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


def chosen_specs(
    settings: Settings, ids: list[str], reports: list[str], all_claims: bool, profile: Profile, params: dict
) -> list[ClaimSpec]:
    """The claims a command names, with its ``--param`` overrides laid over their params at ``profile``."""
    from audit.synthesis.claims import load_all

    check_data_dir(settings)
    return [s.with_params(profile, params) for s in choose(load_all(settings.claims_dir), ids, reports, all_claims)]


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

    specs = chosen_specs(settings, ids, reports, all_claims, profile, params or {})
    return plan_specs(specs, profile, seeds, settings, strict=bool(ids))


def check_data_dir(settings: Settings) -> None:
    """A data pack named but absent is one line that says so, not a run per split that 'needs the hub'."""
    from audit.errors import AuditError

    if settings.data_dir is not None and not settings.data_dir.is_dir():
        raise AuditError(
            f"no data pack at {settings.data_dir} (AUDIT_DATA_DIR); point it at the pack's folder "
            "(../shared/data beside this checkout), or unset it to read every split from the Hugging Face hub"
        )


def jobs_of(specs: list[ClaimSpec], seeds: int) -> list[tuple[ClaimSpec, int]]:
    """The (claim, seed) runs ``verify`` makes of these claims: each seed of each claim with an experiment."""
    return [
        (spec, seed)
        for spec in specs
        if registry.is_registered(spec.experiment.name)
        for seed in range(seeds_for(spec, seeds))
    ]


def stages_kept(settings: Settings) -> int:
    """Finished stages in this store's stage cache: what an interrupted verify keeps for the next one."""
    from audit.settings import STAGE_DONE

    root = settings.stages_dir
    return sum(1 for _ in root.glob(f"*/{STAGE_DONE}")) if root.is_dir() else 0


def select_and_verify(
    settings: Settings,
    specs: list[ClaimSpec],
    profile: Profile,
    seeds: int,
    progress: Progress | None = None,
    jobs: int = 1,
    executor: Executor | None = None,
):
    """What ``audit verify`` does with the chosen claims: verify them, calibrate the result."""
    from audit.judge.calibration import calibrate

    verdicts = verify(specs, profile, seeds, settings, progress, jobs, executor)
    return verdicts, calibrate(verdicts)
