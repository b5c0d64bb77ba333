"""Run one claim's experiment for one seed and hand the result over as a run record.

The one place a run starts: it resolves the experiment (by its ``"module:object"`` entry,
so a worker needs no registry), builds the params that run (``audit.contract.Params``),
seeds everything once (``audit.determinism.seed_all``), and records the outcome with the
params and provenance.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from audit import determinism, progress, provenance, registry, scheduling
from audit.contract import Experiment, Params, RunContext
from audit.records import OUTCOMES, RunRecord, RunStatus, now, outcome_of, write_atomic
from audit.settings import Settings
from audit.spec import ClaimSpec, Profile


def params_of(spec: ClaimSpec, profile: Profile) -> Params:
    """The params a run of this spec takes at ``profile``, validated; ``.resolved()`` decides 'auto'."""
    return registry.experiments().get(spec.experiment.name).Params.for_spec(spec, profile)


@dataclass(frozen=True)
class ParamsView:
    """The params a run takes at a profile, as this machine would run them, and where each came from."""

    profile: Profile
    params: Params
    origins: dict[str, str]
    per_task: dict[str, dict[str, Any]]


def params_view(spec: ClaimSpec, profile: Profile) -> ParamsView:
    """What ``audit show ID --profile P`` prints: every field, resolved, with its origin."""
    asked = params_of(spec, profile)
    resolved = asked.resolved()
    origins = asked.origins(spec, profile)
    for name in origins:
        if getattr(resolved, name) != getattr(asked, name):
            origins[name] += f"; '{getattr(asked, name)}' decided on this machine"
    return ParamsView(profile, resolved, origins, resolved.per_task(profile))


def context(spec: ClaimSpec, profile: Profile, seed: int, settings: Settings, exp: Experiment) -> RunContext:
    """The run context for one seed, with the params resolved on this machine."""
    params = exp.Params.for_spec(spec, profile).resolved()
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
    # The code and git state as the run starts: edits made while it runs must not be credited to it.
    before = provenance.collect(spec.content_hash(), registry.source_file(entry).parent, [])
    determinism.seed_all(seed)
    started, status, error, measured = now(), RunStatus.OK, None, []
    label = f"{spec.id} (seed {seed})"
    progress.current().run_started(label)
    try:
        if failed is not None:
            status, error = RunStatus.FAILED, failed
        else:
            ctx, measured = run_retrying(exp, ctx, settings)
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
        provenance=before.model_copy(
            update={
                "data_fingerprints": provenance.fingerprints(ctx.data_files, ctx.data_dir),
                "numerics": {**ctx.numerics, **determinism.regime()},
            }
        ),
    )
    write_atomic(record, settings.records_dir)
    return record


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


def compute_stage(spec: ClaimSpec, profile: Profile, seed: int, settings: Settings, entry: str, key: str) -> None:
    """Run the experiment just far enough to compute stage ``key`` (an executor's task); record nothing.

    The stages before it are cached; the next missing one stops the run (``audit.scheduling``).
    An outcome such as UNVERIFIABLE met on the way is left to the driver's own pass to record.
    """
    exp: Experiment = registry.load(entry)
    ctx = context(spec, profile, seed, settings, exp)
    determinism.seed_all(seed)
    with scheduling.only({key}):
        try:
            exp.run(ctx)
        except (scheduling.StageNeeded, *OUTCOMES):
            pass
