"""What the commands share, declared once (as sqlite-utils shares its decorators): options, the
console, and the rule that a user's error is one line and exit 2.

``--store`` and ``--claims-dir`` are accepted before the subcommand and after it (the one
after wins); ``--param key=value`` overrides a claim's param at the chosen profile, as
lm-eval's ``--model_args`` does, and the override is part of the spec that runs, so it enters
the run's plan, its stage keys and its record.
"""

from __future__ import annotations

import functools
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from audit.profiles import Profile

DEFAULT_SEEDS = 4  # the README's headline run (make audit) uses four


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"


Store = Annotated[
    Path | None, typer.Option("--store", help="DuckDB store file (env AUDIT_STORE; default .audit/audit.duckdb).")
]
ClaimsDir = Annotated[
    Path | None, typer.Option("--claims-dir", help="Claim specs folder (env AUDIT_CLAIMS_DIR; default ./claims).")
]
Claims = Annotated[list[str] | None, typer.Option("--claim", "-c", help="Claim id; repeat for several.")]
Reports = Annotated[
    list[str] | None, typer.Option("--report", "-r", help="Every claim of this report id; repeat for several.")
]
AllClaims = Annotated[bool, typer.Option("--all", help="Every claim.")]
Fidelity = Annotated[Profile, typer.Option(help="Fidelity: smoke, mini or full.")]
Seeds = Annotated[int, typer.Option(min=1, max=100, help="Seeds per claim (0..N-1).")]
Params = Annotated[
    list[str] | None,
    typer.Option("--param", "-p", help="Override a claim param at this profile: key=value (YAML value); repeatable."),
]
Output = Annotated[Format, typer.Option("--format", "-f", help="table or json.")]


def settings_of(ctx: typer.Context, store: Path | None = None, claims_dir: Path | None = None):
    """The locations for a command: its own options win over the ones given before it, then the environment."""
    from audit.settings import resolve

    given = ctx.obj or {}
    return resolve(store or given.get("store"), claims_dir or given.get("claims_dir"))


def parse_params(items: list[str] | None) -> dict:
    """``["steps=300", "targets=[xnli]"]`` -> ``{"steps": 300, "targets": ["xnli"]}`` (values read as YAML)."""
    from audit import safe_yaml
    from audit.errors import AuditError

    out = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise AuditError(f"--param '{item}' is not key=value; for example --param max_steps=300")
        out[key.strip()] = safe_yaml.loads(value) if value.strip() else ""
    return out


PIPE_WIDTH = 120  # columns when writing to a file or a CI log, where rich would assume 80


def console(stderr: bool = False):
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
        except Exception as exc:
            if not isinstance(exc, AuditError | OSError) and not _from_the_store(exc):
                raise
            message = str(exc) if isinstance(exc, AuditError) else _os_message(exc)
            console(stderr=True).print(f"[bold red]error:[/] {one_line(message)}", soft_wrap=True)
            raise typer.Exit(getattr(exc, "exit_code", 2)) from None

    return wrapper


def _from_the_store(exc: Exception) -> bool:
    """DuckDB's own errors after the store opened (a write-ahead log a frozen folder refuses, say)."""
    return type(exc).__module__.split(".")[0] in {"duckdb", "_duckdb"}


def _os_message(exc: Exception) -> str:
    if _from_the_store(exc):
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        return f"the store failed: {first}; check that its folder is writable, or pass --store with another path"
    where = f": {exc.filename}" if exc.filename else ""
    return f"{exc.strerror or exc}{where}; check the path and its permissions"


def emit_json(text: str) -> None:
    typer.echo(text)
