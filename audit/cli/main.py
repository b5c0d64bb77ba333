"""The ``audit`` command line: each command parses, calls one library function, renders.

Library modules are imported inside the commands so that ``audit --help`` stays fast
and never imports torch. Every ``AuditError`` becomes one line on stderr and exit 2.
Options several commands share live in ``audit.cli.options``; the commands that run
experiments in ``audit.cli.verify``, the history in ``audit.cli.history``.
"""

from __future__ import annotations

import os

# The CLI's cold start (benchmarks/cold_start.py): pydantic looks for plugins through entry points
# (importlib.metadata, about 16 ms) before the first model is built. audit uses none; a user who
# does can still set PYDANTIC_DISABLE_PLUGINS themselves.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

from enum import StrEnum  # noqa: E402
from pathlib import Path
from typing import Annotated

import typer

from audit.cli import history as cli_history
from audit.cli import options as opt
from audit.cli import verify as cli_verify
from audit.cli.options import console, handled, settings_of
from audit.profiles import Profile

app = typer.Typer(
    help="Reproduce the claims of a paper or a machine-written synthesis, and judge them.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
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


def _version(value: bool) -> None:
    if value:
        from importlib import metadata

        typer.echo(f"audit {metadata.version('audit')}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    store: opt.Store = None,
    claims_dir: opt.ClaimsDir = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    ctx.obj = {"store": store, "claims_dir": claims_dir}


@app.command("claims")
@handled
def claims_cmd(ctx: typer.Context, fmt: opt.Output = opt.Format.TABLE, claims_dir: opt.ClaimsDir = None) -> None:
    """List every claim spec: id, kind, the synthesis's mark and what it claims."""
    from audit.synthesis.claims import load_all

    specs = list(load_all(settings_of(ctx, claims_dir=claims_dir).claims_dir).values())
    if fmt == opt.Format.JSON:
        from audit.output.render_json import claims_json

        typer.echo(claims_json(specs))
        return
    from audit.output.render_claims import claims_table

    console().print(claims_table(specs))


@app.command("show")
@handled
def show_cmd(
    ctx: typer.Context,
    claim_id: str = typer.Argument(..., help="Claim id, e.g. squad-gain."),
    profile: Annotated[
        Profile | None,
        typer.Option(help="Also print the run at this profile, resolved here: params, stages and every value."),
    ] = None,
    seed: Annotated[int, typer.Option(help="Which seed's run --profile resolves.", min=0)] = 0,
    param: opt.Params = None,
    fmt: opt.Output = opt.Format.TABLE,
    store: opt.Store = None,
    claims_dir: opt.ClaimsDir = None,
) -> None:
    """Show one claim spec in full, with its newest stored verdict and its newest run's machine and numerics."""
    from audit.output.audit_report import newest_provenance, stored_verdicts
    from audit.synthesis.claims import find, load_all

    settings = settings_of(ctx, store, claims_dir)
    spec = find(load_all(settings.claims_dir), claim_id)
    if profile is not None:
        spec = spec.with_params(profile, opt.parse_params(param))
    verdicts, prov = stored_verdicts(settings.store, None).get(spec.id, []), newest_provenance(settings.store, spec.id)
    plan = run_plan(spec, profile, seed, settings) if profile is not None else None
    if fmt == opt.Format.JSON:
        from audit.output.render_json import show_json

        typer.echo(show_json(spec, verdicts, prov, plan))
        return
    from audit.output.render_show import plan_tables, provenance_table, spec_view

    console().print(*spec_view(spec, verdicts))
    if prov:
        console().print(provenance_table(prov))
    if isinstance(plan, str):
        console().print(plan)
    elif plan is not None:
        console().print(*plan_tables(plan))


def run_plan(spec, profile: Profile, seed: int, settings):
    """The run ``audit show --profile`` prints (``audit.run.plan.resolve_run``), or why the claim has none."""
    from audit.registry import is_registered, missing_reason
    from audit.run.plan import resolve_run

    if not is_registered(spec.experiment.name):
        return f"{spec.id}: {missing_reason(spec.experiment.name)}; it has no run to plan"
    return resolve_run(spec, profile, seed, settings)


app.command("verify")(handled(cli_verify.verify_cmd))
app.command("plan")(handled(cli_verify.plan_cmd))
app.command("runs")(handled(cli_history.runs_cmd))
app.command("compare")(handled(cli_history.compare_cmd))


@app.command("report")
@handled
def report_cmd(
    ctx: typer.Context,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table, md, json or html.")] = Format.TABLE,
    profile: Annotated[Profile | None, typer.Option(help="Only verdicts of this fidelity.")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file, not stdout.")] = None,
    title: Annotated[str, typer.Option(help="The HTML page's title.")] = "Audit report",
    store: opt.Store = None,
    claims_dir: opt.ClaimsDir = None,
) -> None:
    """Every claim with its newest verdict, and how well the synthesis was calibrated."""
    from audit.output import render
    from audit.output.audit_report import build

    settings = settings_of(ctx, store, claims_dir)
    _must_exist(settings.store)
    if output is not None:
        render.check_parent(output)
    # The HTML page draws its own inline SVG and links no PNG: drawing them would only cost time.
    report = build(settings, profile, figures=fmt != Format.HTML)
    if fmt == Format.TABLE and output is None:
        table = render.verdict_table([r.verdict for r in report.rows], "Report")
        console().print(table, render.calibration_table(report.calibration), *render.figure_lines(report))
        return
    text = render.formatted(report, fmt.value, title, profile and profile.value)
    if output is None:
        typer.echo(text, nl=False)
        return
    from rich.markup import escape

    render.write_file(output, text)
    console().print(f"wrote {escape(str(output))} ({output.stat().st_size:,} bytes)")


def _must_exist(store: Path) -> None:
    """A read command on a store that is not there: one line, not a report of NOT_RUN claims."""
    from audit.errors import AuditError

    if not store.exists():
        raise AuditError(f"no store at {store}; run 'audit verify' first, or pass --store with an existing store")


@app.command("ingest")
@handled
def ingest_cmd(
    ctx: typer.Context,
    report: Annotated[Path, typer.Argument(help="A synthesis report: the seed's text format, markdown or JSON.")],
    drafts: Annotated[bool, typer.Option(help="Write drafts for claims not yet in claims/.")] = True,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show how new claims would bind; write nothing.")] = False,
    fmt: Annotated[ReportFormat | None, typer.Option("--format", help="text, md or json; detected if omitted.")] = None,
    store: opt.Store = None,
    claims_dir: opt.ClaimsDir = None,
) -> None:
    """Parse a report, check its stated counts, store it, and bind its new claims to experiments."""
    from audit.output.render import bindings_table, ingest_view
    from audit.synthesis.ingest import ingest

    result = ingest(settings_of(ctx, store, claims_dir), report, drafts, dry_run, fmt and fmt.value)
    console().print(*ingest_view(result), bindings_table(result.planned))


@app.command("ci")
@handled
def ci_cmd(
    ctx: typer.Context,
    baseline: Annotated[Path, typer.Option(help="Committed baseline of values and verdicts.")] = Path(
        ".ci/baseline.yaml"
    ),
    junit: Annotated[Path | None, typer.Option(help="Also write the outcome as JUnit XML to this file.")] = None,
    store: opt.Store = None,
    claims_dir: opt.ClaimsDir = None,
) -> None:
    """Re-run the baseline's claims; exit 1 if a value or verdict moved beyond tolerance."""
    from audit.cli.verify import progress_sink
    from audit.judge.ci import run_ci
    from audit.output.render import ci_table, write_file

    with progress_sink(json_out=False) as progress:  # a CI log gets timestamped lines, as verify's
        outcomes = run_ci(settings_of(ctx, store, claims_dir), baseline, progress)
    console().print(ci_table(outcomes))
    if junit is not None:
        from audit.output.junit import junit_xml

        write_file(junit, junit_xml(outcomes))
    raise typer.Exit(0 if all(o.ok for o in outcomes) else 1)


@app.command("data")
@handled
def data_cmd(
    ctx: typer.Context,
    profile: Annotated[Profile, typer.Option(help="At full, stand-ins serve nothing: the hub must.")] = Profile.MINI,
    fmt: opt.Output = opt.Format.TABLE,
) -> None:
    """Which task, split and language the data pack serves locally at a profile, and which only the hub."""
    from audit.run.data import inventory
    from audit.run.verify import check_data_dir

    settings = settings_of(ctx)
    check_data_dir(settings)
    rows = inventory(settings, profile)
    if fmt == opt.Format.JSON:
        from audit.output.render_json import data_json

        typer.echo(data_json(rows, settings.data_dir))
        return
    from audit.output.render import data_table

    console().print(data_table(rows, settings.data_dir))


@app.command("cite")
@handled
def cite_cmd(
    ctx: typer.Context,
    claim: Annotated[str, typer.Option("--claim", "-c", help="Claim id, e.g. mnli-size.")],
    source: Annotated[list[Path], typer.Option(help="PDF, HTML or text document; repeat for several.")],
    store: opt.Store = None,
    claims_dir: opt.ClaimsDir = None,
) -> None:
    """Find passages in source documents that support or contradict a claim (documented, not reproduced)."""
    from audit.output.render import findings_table, verdict_table
    from audit.synthesis.cite import cite

    findings, verdict = cite(settings_of(ctx, store, claims_dir), claim, source)
    console().print(findings_table(findings), verdict_table([verdict], title="Documented verdict"))


def _warn_one_line(message, category, *_args, **_kwargs) -> None:
    """Library warnings (a quarantined record, ...) as one terminal-safe line, not Python's two."""
    from audit.errors import one_line

    console(stderr=True).print(f"[yellow]warning:[/] {one_line(str(message))}", soft_wrap=True)


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
        console(stderr=True).print("aborted")
        return 130
    except TyperException as exc:
        ctx = getattr(exc, "ctx", None)
        where = ctx.command_path if ctx else "audit"
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        console(stderr=True).print(f"[bold red]error:[/] {one_line(message)} (try '{where} --help')", soft_wrap=True)
        return getattr(exc, "exit_code", 2)


def main() -> None:
    import sys

    sys.exit(run())


if __name__ == "__main__":
    main()
