"""``audit claims``: the claim list, light enough for the CLI's cold start (no verdict, store or numpy)."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

SYMBOLS = {"approx": "≈", "at-least": "≥", "at-most": "≤"}


def num(x: float | None) -> str:
    if x is None or (isinstance(x, float) and x != x):  # nan
        return "-"
    return f"{x:,.0f}" if abs(x) >= 1000 and float(x).is_integer() else f"{x:.3g}"


def claimed_text(v) -> str:
    """What a claim (or a verdict, which carries the same fields) asserts: '> 0', '≈ 8.2 ± 0.55'."""
    return comparison_text(v.comparison or "", v.claimed, v.tolerance)


def comparison_text(comp: str, value: float | None, tolerance: float | None) -> str:
    if comp in {"positive", "negative"}:
        return "> 0" if comp == "positive" else "< 0"
    if comp == "no-effect":
        return f"0 ± {num(tolerance)}"
    return f"{SYMBOLS.get(comp, comp)} {num(value)} ± {num(tolerance)}"


def synthesis_mark(verified: bool | None, confidence: float | None) -> str:
    """The synthesis's ✓/× and confidence; '-' for a hypothesis of our own."""
    return "-" if confidence is None else f"{'✓' if verified else '×'} {confidence:.2f}"


def claimed_of(spec) -> str:
    c = spec.claimed
    unit = f" {c.unit}" if c.unit and c.unit != "bool" else ""
    return comparison_text(c.comparison.value, c.value, c.tolerance) + unit


def claims_table(specs) -> Table:
    table = Table(title=f"{len(specs)} claims")
    table.add_column("claim", no_wrap=True)
    for col in ("kind", "synthesis", "claimed", "experiment", "statement"):
        table.add_column(col, overflow="fold")
    for s in specs:
        mark = synthesis_mark(s.synthesis.verified, s.synthesis.confidence) if s.synthesis else "-"
        name = s.experiment.name + (" (draft)" if s.status == "draft" else "")
        table.add_row(s.id, s.kind.value, mark, escape(claimed_of(s)), name, escape(s.statement))
    return table
