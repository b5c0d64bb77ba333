"""``audit runs`` and ``audit compare``: the store's history (``audit.store.history``), as tables or JSON."""

from __future__ import annotations

from typing import Annotated

import typer

from audit.cli import options as opt
from audit.cli.options import console, settings_of


def runs_cmd(
    ctx: typer.Context,
    claim: Annotated[str | None, typer.Option("--claim", "-c", help="Only this claim's runs.")] = None,
    profile: Annotated[opt.Profile | None, typer.Option(help="Only runs at this fidelity.")] = None,
    status: Annotated[str | None, typer.Option(help="Only runs that ended so: ok, failed, unverifiable...")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many, newest first.")] = 50,
    fmt: opt.Output = opt.Format.TABLE,
    store: opt.Store = None,
) -> None:
    """List stored runs, newest first: id, claim, profile, seed, commit, time, status and the verdict that read it."""
    from audit.output.render_history import runs_table
    from audit.output.render_json import runs_json
    from audit.store.history import runs

    found = runs(settings_of(ctx, store).store, claim, profile and profile.value, status, limit)
    if fmt == opt.Format.JSON:
        typer.echo(runs_json(found))
    else:
        console().print(runs_table(found))


def compare_cmd(
    ctx: typer.Context,
    a: Annotated[str, typer.Argument(help="A run id (or a unique prefix), or a commit (prefix).")],
    b: Annotated[str, typer.Argument(help="The same kind as A.")],
    fmt: opt.Output = opt.Format.TABLE,
    store: opt.Store = None,
) -> None:
    """Compare two runs, or the same claims' runs at two commits, measurement by measurement."""
    from audit.output.render_history import compare_table
    from audit.output.render_json import compare_json
    from audit.store.history import compare

    title, changes = compare(settings_of(ctx, store).store, a, b)
    if fmt == opt.Format.JSON:
        typer.echo(compare_json(title, changes))
    else:
        console().print(compare_table(title, changes))
