"""The ``audit`` command line: each command parses, calls one library function, renders.

Library modules are imported inside the commands so that ``audit --help`` stays fast
and never imports torch. Every ``AuditError`` becomes one line on stderr and exit 2.
"""

from __future__ import annotations

import functools
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from audit.profiles import Profile

app = typer.Typer(
    help="Reproduce the claims of a paper or a machine-written synthesis, and judge them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class Format(StrEnum):
    TABLE = "table"
    MD = "md"
    JSON = "json"
    HTML = "html"


class ReportFormat(StrEnum):
    TEXT = "text"
    MD = "md"
    JSON = "json"


EXIT_RUN_FAILED = 1  # verify: a run failed (INCOMPLETE, PIPELINE_FAILED); 2 is bad input, as everywhere


def runs_failed(verdicts) -> str:
    """The claims with a failed or missing run, named for the one line verify ends with ('' when none)."""
    from audit.verdict import Status

    bad = [v.claim_id for v in verdicts if v.status in {Status.INCOMPLETE, Status.PIPELINE_FAILED}]
    return ", ".join(bad)


PIPE_WIDTH = 120  # columns when writing to a file or a CI log, where rich would assume 80


def _console(stderr: bool = False):
    import os
    import sys

    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() or "COLUMNS" in os.environ else PIPE_WIDTH
    return Console(stderr=stderr, highlight=False, width=width)


def handled(fn):
    """Turn user-facing errors into one line and a non-zero exit, never a traceback.

    An ``OSError`` here comes from a path the user gave (a store under a file, a
    read-only folder); it is theirs to fix, so it is a one-line error too.
    """

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from audit.errors import AuditError, one_line

        try:
            return fn(*args, **kwargs)
        except (AuditError, OSError) as exc:
            message = str(exc) if isinstance(exc, AuditError) else _os_message(exc)
            _console(stderr=True).print(f"[bold red]error:[/] {one_line(message)}", soft_wrap=True)
            raise typer.Exit(getattr(exc, "exit_code", 2)) from None

    return wrapper


def _os_message(exc: OSError) -> str:
    where = f": {exc.filename}" if exc.filename else ""
    return f"{exc.strerror or exc}{where}; check the path and its permissions"


def _settings(ctx: typer.Context):
    from audit.settings import resolve

    return resolve(**ctx.obj)


@app.callback()
def main_options(
    ctx: typer.Context,
    store: Annotated[
        Path | None, typer.Option(help="DuckDB store file (env AUDIT_STORE; default .audit/audit.duckdb).")
    ] = None,
    claims_dir: Annotated[
        Path | None, typer.Option(help="Claim specs folder (env AUDIT_CLAIMS_DIR; default ./claims).")
    ] = None,
) -> None:
    ctx.obj = {"store": store, "claims_dir": claims_dir}


@app.command("claims")
@handled
def claims_cmd(ctx: typer.Context) -> None:
    """List every claim spec: id, kind, the synthesis's mark and what it claims."""
    from audit.claims import load_all
    from audit.render import claims_table

    _console().print(claims_table(list(load_all(_settings(ctx).claims_dir).values())))


@app.command("show")
@handled
def show_cmd(
    ctx: typer.Context,
    claim_id: str = typer.Argument(..., help="Claim id, e.g. squad-gain."),
    profile: Annotated[
        Profile | None, typer.Option(help="Also print the params a run at this profile takes, resolved here.")
    ] = None,
) -> None:
    """Show one claim spec in full, with its newest stored verdict and its newest run's machine and numerics."""
    from audit.claims import find, load_all
    from audit.render_show import params_tables, provenance_table, spec_view
    from audit.report import newest_provenance, stored_verdicts

    settings = _settings(ctx)
    spec = find(load_all(settings.claims_dir), claim_id)
    _console().print(*spec_view(spec, stored_verdicts(settings.store, None).get(spec.id, [])))
    if prov := newest_provenance(settings.store, spec.id):
        _console().print(provenance_table(prov))
    if profile is not None:
        _console().print(*params_tables(spec, profile))


@app.command("verify")
@handled
def verify_cmd(
    ctx: typer.Context,
    claim: Annotated[list[str] | None, typer.Option("--claim", "-c", help="Claim id; repeat for several.")] = None,
    all_claims: Annotated[bool, typer.Option("--all", help="Verify every claim.")] = False,
    report: Annotated[
        list[str] | None, typer.Option("--report", "-r", help="Every claim of this report id; repeat for several.")
    ] = None,
    profile: Annotated[Profile, typer.Option(help="Fidelity: smoke, mini or full.")] = Profile.MINI,
    seeds: Annotated[int, typer.Option(min=1, max=100, help="Seeds per claim (0..N-1).")] = 3,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            "-j",
            min=0,
            max=64,
            help="Runs side by side in worker processes; 0 (default): one per core, or one per GPU at full. "
            "Values do not depend on it.",
        ),
    ] = 0,
    executor: Annotated[
        str,
        typer.Option(
            help="local: worker processes on this host; ray: each stage a Ray task (pip install 'audit[ray]')."
        ),
    ] = "local",
    address: Annotated[
        str | None, typer.Option(help="With --executor ray: the cluster ('auto': this node's); unset: a local Ray.")
    ] = None,
    gpus_per_stage: Annotated[
        int,
        typer.Option(
            min=1,
            max=16,
            help="GPUs each training stage spreads over (DDP through torchrun); a worker per group. "
            "The count is part of each training stage's key.",
        ),
    ] = 1,
) -> None:
    """Run claims' experiments, store runs with provenance, and print verdicts."""
    from audit.render import calibration_table, verdict_table
    from audit.render_progress import RunBars
    from audit.verify import select_and_verify
    from audit.workers import default_jobs, executor_of

    settings = _settings(ctx)
    how = executor_of(executor, address, gpus_per_stage)
    workers = jobs or default_jobs(profile, gpus_per_stage)
    with RunBars(_console(stderr=True)) as bars:
        verdicts, cal = select_and_verify(
            settings, claim or [], all_claims, profile, seeds, bars, workers, report or [], how
        )
    out = _console()
    out.print(verdict_table(verdicts, title=f"Verdicts at {profile.value} fidelity"))
    out.print(calibration_table(cal))
    if failed := runs_failed(verdicts):
        _console(stderr=True).print(f"[bold red]error:[/] a run failed in {failed}; re-run the same command to resume")
        raise typer.Exit(EXIT_RUN_FAILED)


@app.command("plan")
@handled
def plan_cmd(
    ctx: typer.Context,
    claim: Annotated[list[str] | None, typer.Option("--claim", "-c", help="Claim id; repeat for several.")] = None,
    all_claims: Annotated[bool, typer.Option("--all", help="Plan every claim.")] = False,
    report: Annotated[
        list[str] | None, typer.Option("--report", "-r", help="Every claim of this report id; repeat for several.")
    ] = None,
    profile: Annotated[Profile, typer.Option(help="Fidelity: smoke, mini or full.")] = Profile.MINI,
    seeds: Annotated[int, typer.Option(min=1, max=100, help="Seeds per claim (0..N-1).")] = 3,
) -> None:
    """List the stages verify would compute (key, cached or not, data, schedule) and what they cost; run nothing."""
    from audit.plan import plan_all
    from audit.render import cost_view, plan_view

    plans, skipped, cost = plan_all(_settings(ctx), claim or [], report or [], all_claims, profile, seeds)
    for plan in plans:
        _console().print(*plan_view(plan), sep="\n")
    unlisted = [f"{c}: its experiment lists no stages to plan (not in the estimate)" for c in skipped]
    _console().print(*unlisted, *cost_view(cost), sep="\n")


@app.command("report")
@handled
def report_cmd(
    ctx: typer.Context,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table, md, json or html.")] = Format.TABLE,
    profile: Annotated[Profile | None, typer.Option(help="Only verdicts of this fidelity.")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file, not stdout.")] = None,
    title: Annotated[str, typer.Option(help="The HTML page's title.")] = "Audit report",
) -> None:
    """Every claim with its newest verdict, and how well the synthesis was calibrated."""
    from audit import render
    from audit.report import build

    # The HTML page draws its own inline SVG and links no PNG: drawing them would only cost time.
    report = build(_settings(ctx), profile, figures=fmt != Format.HTML)
    if fmt == Format.TABLE and output is None:
        table = render.verdict_table([r.verdict for r in report.rows], "Report")
        _console().print(table, render.calibration_table(report.calibration), *render.figure_lines(report))
        return
    text = render.formatted(report, fmt.value, title, profile and profile.value)
    if output is None:
        typer.echo(text, nl=False)
        return
    from rich.markup import escape

    from audit.render import write_file

    write_file(output, text)
    _console().print(f"wrote {escape(str(output))} ({output.stat().st_size:,} bytes)")


@app.command("ingest")
@handled
def ingest_cmd(
    ctx: typer.Context,
    report: Annotated[Path, typer.Argument(help="A synthesis report in the seed's text format.")],
    drafts: Annotated[bool, typer.Option(help="Write drafts for claims not yet in claims/.")] = True,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show how new claims would bind; write nothing.")] = False,
    fmt: Annotated[ReportFormat | None, typer.Option("--format", help="text, md or json; detected if omitted.")] = None,
) -> None:
    """Parse a report, check its stated counts, store it, and bind its new claims to experiments."""
    from audit.ingest import ingest
    from audit.render import bindings_table, ingest_view

    result = ingest(_settings(ctx), report, drafts, dry_run, fmt and fmt.value)
    _console().print(*ingest_view(result), bindings_table(result.planned))


@app.command("ci")
@handled
def ci_cmd(
    ctx: typer.Context,
    baseline: Annotated[Path, typer.Option(help="Committed baseline of values and verdicts.")] = Path(
        ".ci/baseline.yaml"
    ),
    junit: Annotated[Path | None, typer.Option(help="Also write the outcome as JUnit XML to this file.")] = None,
) -> None:
    """Re-run the baseline's claims; exit 1 if a value or verdict moved beyond tolerance."""
    from audit.ci import run_ci
    from audit.render import ci_table, write_file

    outcomes = run_ci(_settings(ctx), baseline)
    _console().print(ci_table(outcomes))
    if junit is not None:
        from audit.junit import junit_xml

        write_file(junit, junit_xml(outcomes))
    raise typer.Exit(0 if all(o.ok for o in outcomes) else 1)


@app.command("data")
@handled
def data_cmd(
    ctx: typer.Context,
    profile: Annotated[Profile, typer.Option(help="At full, stand-ins serve nothing: the hub must.")] = Profile.MINI,
) -> None:
    """Which task, split and language the data pack serves locally at a profile, and which only the hub."""
    from audit.data import inventory
    from audit.render import data_table

    settings = _settings(ctx)
    _console().print(data_table(inventory(settings, profile), settings.data_dir))


@app.command("cite")
@handled
def cite_cmd(
    ctx: typer.Context,
    claim: Annotated[str, typer.Option("--claim", "-c", help="Claim id, e.g. mnli-size.")],
    source: Annotated[list[Path], typer.Option(help="PDF, HTML or text document; repeat for several.")],
) -> None:
    """Find passages in source documents that support or contradict a claim (documented, not reproduced)."""
    from audit.cite import cite
    from audit.render import findings_table, verdict_table

    findings, verdict = cite(_settings(ctx), claim, source)
    _console().print(findings_table(findings), verdict_table([verdict], title="Documented verdict"))


def _warn_one_line(message, category, *_args, **_kwargs) -> None:
    """Library warnings (a quarantined record, ...) as one terminal-safe line, not Python's two."""
    from audit.errors import one_line

    _console(stderr=True).print(f"[yellow]warning:[/] {one_line(str(message))}", soft_wrap=True)


def run(argv: list[str] | None = None) -> int:
    """The command line as a function: usage errors are one line (exit 2), as every input error is."""
    import sys
    import warnings

    from typer.exceptions import TyperException  # typer's own click: its usage errors derive from this

    from audit.errors import one_line

    warnings.showwarning = _warn_one_line
    if not (sys.argv[1:] if argv is None else argv):
        argv = ["--help"]  # bare `audit` shows its help (click would raise it as a usage error)
    try:
        return app(args=argv, prog_name="audit", standalone_mode=False) or 0
    except typer.Abort:
        _console(stderr=True).print("aborted")
        return 130
    except TyperException as exc:
        ctx = getattr(exc, "ctx", None)
        where = ctx.command_path if ctx else "audit"
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        _console(stderr=True).print(f"[bold red]error:[/] {one_line(message)} (try '{where} --help')", soft_wrap=True)
        return getattr(exc, "exit_code", 2)


def main() -> None:
    import sys

    sys.exit(run())


if __name__ == "__main__":
    main()
