"""Tables of the store's history: ``audit runs`` and ``audit compare``."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table


def runs_table(rows) -> Table:
    table = Table(title=f"{len(rows)} runs, newest first")
    for column in ("run", "claim", "profile", "seed", "commit", "ended", "status", "verdict"):
        table.add_column(column, overflow="fold")
    for r in rows:
        commit = (r.commit or "-")[:10] + ("+dirty" if r.dirty else "")
        table.add_row(
            r.id, r.claim_id, r.profile, str(r.seed), commit, r.ended_at[:19], r.status, escape(r.verdict or "-")
        )
    return table


def _num(x: float | None) -> str:
    return "-" if x is None else f"{x:.6g}"


def compare_table(title: str, changes) -> Table:
    moved = sum(1 for c in changes if c.delta not in (None, 0.0))
    table = Table(title=f"{escape(title)}: {len(changes)} measurements, {moved} moved")
    for column in ("claim", "seed", "metric", "task", "language", "A", "B", "B - A"):
        table.add_column(column, overflow="fold")
    for c in changes:
        table.add_row(
            c.claim_id, str(c.seed), escape(c.metric), c.task, c.language, _num(c.a), _num(c.b), _num(c.delta)
        )
    return table
