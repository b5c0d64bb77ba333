"""Run one claim's experiment for one seed and hand the result over as a run record.

The one place a run starts: it resolves the experiment (by its ``"module:object"`` entry,
so a worker needs no registry), builds the params that run (``audit.contract.Params``),
seeds everything once (``audit.run.determinism.seed_all``), and records the outcome with the
params and provenance.
"""

from __future__ import annotations

import contextlib

from audit import registry
from audit.run import determinism, progress, provenance, scheduling
from audit.run.experiment import Experiment, RunContext
from audit.run.plan import context, resolve_run
from audit.run.records import OUTCOMES, RunRecord, RunStatus, now, outcome_of, write_atomic
from audit.settings import Settings
from audit.synthesis.spec import ClaimSpec, Profile


def entry_of(spec: ClaimSpec) -> str:
    """The experiment's ``"module:object"`` entry: what a worker loads, with no registry of its own."""
    return registry.experiments().entry(spec.experiment.name)


def run_once(
    spec: ClaimSpec,
    profile: Profile,
    seed: int,
    settings: Settings,
    entry: str | None = None,
    failed: str | None = None,
) -> RunRecord:
    """Run, record and return; ``failed``: an executor could not compute one of the run's stages (why)."""
    entry = entry or registry.experiments().entry(spec.experiment.name)
    exp: Experiment = registry.load(entry)
    ctx = context(spec, profile, seed, settings, exp)
    plan = None
    # The code and git state as the run starts: edits made while it runs must not be credited to it.
    before = provenance.collect(spec.content_hash(), registry.package_dir(entry), [])
    determinism.seed_all(seed)
    started, status, error, measured = now(), RunStatus.OK, None, []
    label = f"{spec.id} (seed {seed})"
    progress.current().run_started(label)
    try:
        plan = resolve_run(spec, profile, seed, settings, exp)  # what will run, resolved before it runs
        if failed is not None:
            status, error = RunStatus.FAILED, failed
        else:
            ctx, measured = run_retrying(exp, ctx, settings)
            ctx.notes.extend(disagreements(plan, ctx.stage_keys))
    except OUTCOMES as exc:
        status, error = outcome_of(exc), str(exc)
    except Exception as exc:  # a failed run is recorded, not raised: other claims go on
        status, error = RunStatus.FAILED, f"{type(exc).__name__}: {exc}"
    finally:
        progress.current().run_ended(label)
    record = RunRecord(
        claim_id=spec.id,
        experiment=spec.experiment.name,
        profile=profile.value,
        seed=seed,
        status=status,
        started_at=started,
        ended_at=now(),
        error=error,
        measurements=measured,
        notes=ctx.notes,
        cells=ctx.cells if status == RunStatus.OK else [],
        params=ctx.params.model_dump(mode="json"),
        plan=plan.model_dump(mode="json") if plan else None,
        stage_keys=ctx.stage_keys,
        provenance=before.model_copy(
            update={
                "data_fingerprints": provenance.fingerprints(ctx.data_files, ctx.data_dir),
                "numerics": {**ctx.numerics, **determinism.regime()},
            }
        ),
    )
    write_atomic(record, settings.records_dir)
    return record


def disagreements(plan, used: list[str]) -> list[str]:
    """What the run consumed that its plan did not list, and the reverse: a record must not claim a plan it left."""
    if not plan.stages:
        return []
    planned, ran = set(plan.keys()), set(used)
    out = []
    if extra := sorted(ran - planned):
        out.append(f"the run used {len(extra)} stage(s) its plan did not list: {', '.join(k[:12] for k in extra)}")
    if missing := sorted(planned - ran):
        out.append(f"{len(missing)} planned stage(s) did not run: {', '.join(k[:12] for k in missing)}")
    return out


TRANSIENT = (OSError,)  # a file system or a process that hiccupped: the run is tried once more


def run_retrying(exp: Experiment, ctx: RunContext, settings: Settings) -> tuple[RunContext, list]:
    """The experiment's measurements, trying once more after a transient error (issue #28).

    The second try starts from a fresh context and the same seed; every stage the first try
    finished is read back from the stage cache, so it costs only what the first did not finish.
    The record's notes say that it was retried, and why.
    """
    try:
        return ctx, exp.run(ctx)
    except TRANSIENT as exc:
        first = f"{type(exc).__name__}: {exc}"
    ctx = context(ctx.spec, ctx.profile, ctx.seed, settings, exp)
    determinism.seed_all(ctx.seed)
    ctx.notes.append(f"retried once after a transient error ({first})")
    return ctx, exp.run(ctx)


def compute_stage(
    spec: ClaimSpec, profile: Profile, seed: int, settings: Settings, entry: str, key: str, stages: list | None = None
) -> None:
    """Compute stage ``key`` of one run (an executor's task); record nothing.

    With the run's planned ``stages`` and an experiment that computes a stage from its plan entry
    (the "stages" catalogue), only that stage runs, its inputs read back. Otherwise the run is
    walked just far enough: the stages before it are cached, and the next missing one stops it
    (``audit.run.scheduling``). An outcome such as UNVERIFIABLE is left to the driver's own pass.
    """
    exp: Experiment = registry.load(entry)
    ctx = context(spec, profile, seed, settings, exp)
    determinism.seed_all(seed)
    direct = stages is not None and exp.name in registry.catalogue("stages")
    with contextlib.suppress(scheduling.StageNeeded, *OUTCOMES):
        if direct:
            registry.catalogue("stages").get(exp.name)(ctx, stages, key)
        else:
            with scheduling.only({key}):
                exp.run(ctx)
