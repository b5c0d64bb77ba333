"""``audit verify`` and ``audit plan``: the commands that run (or would run) experiments.

verify says what it is about to do before it starts (profile, seeds, workers, stages to run and
cached, and the training time a measured throughput gives), shows progress as bars on a
terminal and as timestamped lines in a log, keeps every finished stage when interrupted
(exit 130), and exits 1 when a run failed.
"""

from __future__ import annotations

from typing import Annotated

import typer

from audit.cli import options as opt
from audit.cli.options import console, settings_of
from audit.profiles import Profile

EXIT_RUN_FAILED = 1  # a run failed (INCOMPLETE, PIPELINE_FAILED); 2 is bad input, as everywhere
EXIT_INTERRUPTED = 130

Jobs = Annotated[
    int,
    typer.Option(
        "--jobs",
        "-j",
        min=0,
        max=64,
        help="Runs side by side in worker processes; 0 (default): one per core, or one per GPU at full. "
        "Values do not depend on it.",
    ),
]
ExecutorKind = Annotated[
    str,
    typer.Option(help="local: worker processes on this host; ray: each stage a Ray task (pip install 'audit\\[ray]')."),
]
Address = Annotated[
    str | None, typer.Option(help="With --executor ray: the cluster ('auto': this node's); unset: a local Ray.")
]
GpusPerStage = Annotated[
    int,
    typer.Option(
        min=1,
        max=16,
        help="GPUs each training stage spreads over (DDP through torchrun); a worker per group. "
        "The count is part of each training stage's key.",
    ),
]


def verify_cmd(
    ctx: typer.Context,
    claim: opt.Claims = None,
    all_claims: opt.AllClaims = False,
    report: opt.Reports = None,
    profile: opt.Fidelity = Profile.MINI,
    seeds: opt.Seeds = opt.DEFAULT_SEEDS,
    jobs: Jobs = 0,
    executor: ExecutorKind = "local",
    address: Address = None,
    gpus_per_stage: GpusPerStage = 1,
    param: opt.Params = None,
    fmt: opt.Output = opt.Format.TABLE,
    store: opt.Store = None,
    claims_dir: opt.ClaimsDir = None,
) -> None:
    """Run claims' experiments, store runs with provenance, and print verdicts."""
    from audit.output.render_plan import preview_line
    from audit.run.plan import preview
    from audit.run.verify import chosen_specs, jobs_of
    from audit.run.workers import default_jobs, executor_of

    settings = settings_of(ctx, store, claims_dir)
    how = executor_of(executor, address, gpus_per_stage)
    workers = jobs or default_jobs(profile, gpus_per_stage)
    specs = chosen_specs(settings, claim or [], report or [], all_claims, profile, opt.parse_params(param))
    json_out = fmt == opt.Format.JSON
    first = preview(specs, profile, seeds, settings, workers, len(jobs_of(specs, seeds)))
    console(stderr=json_out).print(preview_line(first), soft_wrap=True)
    verdicts, cal = _run(settings, specs, profile, seeds, workers, how, json_out)
    _show(verdicts, cal, profile, json_out)


def progress_sink(json_out: bool):
    """Bars on a terminal; timestamped lines where output goes to a file or a CI log."""
    from audit.output.render_progress import LogLines, RunBars

    out = console(stderr=json_out)
    return RunBars(console(stderr=True)) if out.is_terminal else LogLines(lambda t: out.print(t, soft_wrap=True))


def _run(settings, specs, profile, seeds, workers, how, json_out: bool):
    """Verify with progress (``progress_sink``); Ctrl-C keeps every finished stage."""
    from audit.run.verify import select_and_verify, stages_kept

    try:
        with progress_sink(json_out) as bars:
            return select_and_verify(settings, specs, profile, seeds, bars, workers, how)
    except KeyboardInterrupt:
        kept = stages_kept(settings)
        console(stderr=True).print(f"interrupted: {kept} stages kept; re-run the same command to resume")
        raise typer.Exit(EXIT_INTERRUPTED) from None


def _show(verdicts, cal, profile, json_out: bool) -> None:
    from audit.output.render import calibration_table, verdict_table
    from audit.output.render_json import verdicts_json

    if json_out:
        typer.echo(verdicts_json(verdicts, cal))
    else:
        out = console()
        out.print(verdict_table(verdicts, title=f"Verdicts at {profile.value} fidelity"))
        out.print(calibration_table(cal))
    if failed := runs_failed(verdicts):
        console(stderr=True).print(f"[bold red]error:[/] a run failed in {failed}; re-run the same command to resume")
        raise typer.Exit(EXIT_RUN_FAILED)


def runs_failed(verdicts) -> str:
    """The claims with a failed or missing run, named for the one line verify ends with ('' when none)."""
    from audit.judge.verdict import Status

    bad = [v.claim_id for v in verdicts if v.status in {Status.INCOMPLETE, Status.PIPELINE_FAILED}]
    return ", ".join(bad)


def plan_cmd(
    ctx: typer.Context,
    claim: opt.Claims = None,
    all_claims: opt.AllClaims = False,
    report: opt.Reports = None,
    profile: opt.Fidelity = Profile.MINI,
    seeds: opt.Seeds = opt.DEFAULT_SEEDS,
    param: opt.Params = None,
    fmt: opt.Output = opt.Format.TABLE,
    store: opt.Store = None,
    claims_dir: opt.ClaimsDir = None,
) -> None:
    """List the stages verify would compute (key, cached or not, data, schedule) and what they cost; run nothing."""
    from audit.output.render_json import plan_json
    from audit.output.render_plan import cost_view, plan_view
    from audit.run.verify import plan_all

    settings = settings_of(ctx, store, claims_dir)
    params = opt.parse_params(param)
    plans, skipped, cost = plan_all(settings, claim or [], report or [], all_claims, profile, seeds, params)
    if fmt == opt.Format.JSON:
        typer.echo(plan_json(plans, skipped, cost))
        return
    for plan in plans:
        console().print(*plan_view(plan), sep="\n")
    unlisted = [f"{c}: its experiment lists no stages to plan (not in the estimate)" for c in skipped]
    console().print(*unlisted, *cost_view(cost), sep="\n")
