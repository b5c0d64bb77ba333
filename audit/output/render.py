"""Rendering verdicts and reports: rich tables for people, markdown and JSON for files."""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING

from rich import box
from rich.markup import escape
from rich.table import Table

from audit.judge.calibration import Calibration
from audit.output.render_claims import claimed_text, num, synthesis_mark
from audit.output.words import gate_word, summary_line

if TYPE_CHECKING:  # the report reads the store (duckdb): commands that render no report must not load it
    from audit.output.audit_report import Report, Row
from audit.judge.verdict import Verdict

COLOURS = {
    "SUPPORTED": "bold green", "PARTIAL": "yellow", "REFUTED": "bold red",
    "CONSISTENT (proxy)": "green", "PARTIAL (proxy)": "yellow", "NOT REPLICATED (proxy)": "red",
    "INCONCLUSIVE": "magenta", "UNDERPOWERED": "magenta", "INVALID": "bold bright_red",
    "UNVERIFIABLE": "blue", "NOT_APPLICABLE": "blue", "NOT_RUN": "dim", "PIPELINE_OK": "cyan",
    "PIPELINE_FAILED": "bold red", "INCOMPLETE": "bold red",
}  # fmt: skip


def measured_text(v: Verdict) -> str:
    if v.mean is None:
        return "-"
    if v.ci_low is None or v.ci_low == v.ci_high:
        return f"{num(v.mean)} (n={v.n})"
    return f"{num(v.mean)} [{num(v.ci_low)}, {num(v.ci_high)}] (n={v.n})"


def synthesis_text(v: Verdict) -> str:
    return synthesis_mark(v.synthesis_verified, v.synthesis_confidence)


def route_text(v: Verdict) -> str:
    """How the verdict was reached and what it speaks for: the model a reproduction measured."""
    if v.route == "documented":
        return "documented"
    if v.route == "dataset":
        return f"dataset · {v.profile}"
    return f"{v.fidelity or v.profile} · {v.model or '-'} ({v.profile})"


def p_text(v: Verdict) -> str:
    """The paired effect's p-value, and Holm's correction across the report's claims."""
    if v.p_value is None:
        return "-"
    return f"{v.p_value:.2g} ({'-' if v.p_adjusted is None else f'{v.p_adjusted:.2g}, m={v.family_size}'})"


def mde_text(v: Verdict) -> str:
    """The design's minimum detectable effect (80% power, two-sided 5%), where it has an interval."""
    return num(v.mde) if v.mde is not None else "-"


def why(v: Verdict) -> str:
    return f"{v.reason}. {v.note}".strip(" .") if v.note else v.reason


def verdict_table(verdicts: list[Verdict], title: str = "Verdicts"):
    """A table narrow enough for a terminal, then each claim's reason on lines of its own.

    Reasons run to a few sentences; in a table column they would squeeze every other
    column to a few letters on an 80-column terminal.
    """
    from rich.console import Group
    from rich.text import Text

    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False, expand=False)
    table.add_column("claim", no_wrap=True)
    table.add_column("synthesis", no_wrap=True)
    table.add_column("claimed", overflow="fold", ratio=1)
    table.add_column("measured (95% CI)", overflow="fold", ratio=2)
    table.add_column("p (Holm)", no_wrap=True)
    table.add_column("MDE", no_wrap=True)
    table.add_column("verdict", no_wrap=True)
    table.add_column("fidelity · model", overflow="fold", ratio=1)
    for v in verdicts:
        status = f"[{COLOURS[v.status]}]{escape(str(v.status))}[/]"
        table.add_row(
            escape(v.claim_id),
            synthesis_text(v),
            claimed_text(v),
            measured_text(v),
            p_text(v),
            mde_text(v),
            status,
            escape(route_text(v)),
        )
    reasons = [Text.assemble((f"{v.claim_id}: ", "bold"), why(v)) for v in verdicts if why(v)]
    head = [Text(summary_line(verdicts), style="bold")]
    return Group(table, *head, *([Text("why:", style="bold underline")] if reasons else []), *reasons)


def calibration_table(cal: Calibration) -> Table:
    agree = "-" if cal.agreement is None else f"{cal.agree}/{cal.decided}"
    caption = (
        "only verdicts about the claim itself count (full fidelity, dataset facts, documents); "
        "proxies, smoke, NOT_RUN and UNVERIFIABLE never do"
    )
    table = Table(title=f"Synthesis vs verdicts: agreement {agree}; calibration {cal.status_line}", caption=caption)
    for col in ("confidence bin", "claims", "mean confidence", "observed supported"):
        table.add_column(col)
    for b in cal.bins:
        if b.n:
            table.add_row(f"{b.low:.1f}-{b.high:.1f}", str(b.n), num(b.mean_confidence), num(b.observed))
    return table


def markdown(report: Report) -> str:
    """A summary table first, then one folded block per claim: fit for a pull-request comment."""
    head = "| claim | kind | synthesis | claimed | measured (95% CI) | p (Holm) | MDE | fidelity / model | verdict |"
    lines = [head, "|" + "---|" * 9]
    for r in report.rows:
        v = r.verdict
        cells = [
            v.claim_id,
            r.spec.kind.value,
            synthesis_text(v),
            claimed_text(v),
            measured_text(v),
            p_text(v),
            mde_text(v),
            route_text(v),
            f"**{v.status}**",
        ]
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    cal = report.calibration
    lines.append(f"\n{summary_line([r.verdict for r in report.rows])}.")
    lines.append("\nMDE: the smallest effect the design detects at 80% power (two-sided 5%), in the claim's unit.")
    lines.append(
        f"\nLabelled claims (about the claim itself): {cal.decided}; synthesis agrees on {cal.agree}; "
        f"calibration: {cal.status_line}.\n"
    )
    lines += [_details(r) for r in report.rows]
    lines += [f"\n![{p.stem}]({p})" for p in report.figures]
    return "\n".join(lines) + "\n"


def _details(r: Row) -> str:
    """One claim folded: its statement, why, and each gate with its figures."""
    v = r.verdict
    gates = [
        f"- {g.name}: {'**failed**' if gate_word(g, v) == 'failed' else gate_word(g, v)}"
        f" ({g.detail}){': ' + '; '.join(g.failures) if g.failures else ''}"
        for g in v.gates
    ]
    body = [f"> {r.spec.statement}", "", f"**Why:** {why(v) or '-'}", "", *(gates or ["- no gates recorded"])]
    return f"<details><summary><b>{v.claim_id}</b>: {v.status}</summary>\n\n" + "\n".join(body) + "\n\n</details>"


def formatted(report: Report, fmt: str, title: str = "Audit report", profile: str | None = None) -> str:
    """The report as text in one of the file formats (the table as plain text)."""
    if fmt == "html":
        from audit.output.html_report import page

        return page(report, title, profile)
    if fmt == "md":
        return markdown(report)
    if fmt == "json":
        from audit.output.render_json import as_json

        return as_json(report)
    from rich.console import Console

    console = Console(record=True, width=120, file=io.StringIO())
    console.print(verdict_table([r.verdict for r in report.rows], "Report"), calibration_table(report.calibration))
    return console.export_text()


def check_parent(path) -> None:
    """A file goes into a folder that exists: a typo in --output must not create folders at any depth."""
    from pathlib import Path

    from audit.errors import AuditError

    parent = Path(path).parent
    if not parent.is_dir():
        raise AuditError(f"cannot write {path}: no folder {parent}; create it first, or pass another path")


def write_file(path, text: str) -> None:
    """Write a report file into an existing folder, or fail with one line that says why."""
    from pathlib import Path

    from audit.errors import AuditError

    check_parent(path)
    path = Path(path)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise AuditError(f"cannot write {path}: {exc.strerror or exc}; pass --output to a writable file") from None


def figure_lines(report: Report) -> list[str]:
    return [f"figure: {escape(str(p))}" for p in report.figures]


def ingest_view(result) -> list:
    rec = result.record
    table = Table(title=rec.title, show_header=False)
    table.add_column("field")
    table.add_column("value", overflow="fold")
    matched = sum(m.spec is not None for m in result.matches)
    for field, value in (
        ("report id", rec.id),
        ("date", rec.date or "-"),
        ("research question", rec.research_question or "-"),
        ("claims extracted", f"{len(rec.rows)} in the table (stated: {rec.claims_stated})"),
        ("verified", f"{rec.verified_found} marked ✓ (stated: {rec.verified_stated})"),
        ("quality score", "-" if rec.quality is None else f"{rec.quality}/10"),
        ("references", str(len(rec.references))),
        ("curated specs matched", f"{matched}/{len(rec.rows)}"),
        ("drafts written", ", ".join(str(p) for p in result.drafts) or "none"),
        ("stored as", _version_text(result)),
    ):
        table.add_row(field, escape(value))
    problems = result.problems
    lines = [f"[yellow]! {escape(p)}[/]" for p in problems] or ["[green]counts match the table[/]"]
    return [table, *lines]


def _version_text(result) -> str:
    if result.version is None:
        return "not stored (dry run)"
    if not result.new_version:
        return f"version {result.version} (unchanged: same content as stored)"
    kept = f"; versions 1-{result.version - 1} are kept" if result.version > 1 else ""
    return f"version {result.version} (sha256 {result.record.sha256[:12]}){kept}"


def bindings_table(planned) -> Table:
    """How each new claim bound: the template and its slots, or why it stayed unbound."""
    table = Table(title=f"New claims: {sum(p.spec.status == 'drafted' for p in planned)} of {len(planned)} bound")
    for col in ("claim", "template", "experiment and params", "slots / why not"):
        table.add_column(col, overflow="fold")
    for p in planned:
        b = p.spec.binding
        if b is None:
            table.add_row(escape(p.claim_id), "-", "unbound", escape(p.spec.evidence[0].note))
            continue
        slots = "; ".join(f"{k}: '{s.text}' -> {s.value}" for k, s in b.slots.items())
        params = json.dumps(p.spec.experiment.params, sort_keys=True)
        table.add_row(
            escape(p.claim_id), escape(b.template), escape(f"{p.spec.experiment.name} {params}"), escape(slots)
        )
    return table


def findings_table(findings) -> Table:
    table = Table(title=f"{len(findings)} relevant passages")
    for col in ("source", "location", "stance", "matched", "passage"):
        table.add_column(col, overflow="fold")
    colour = {"supports": "green", "contradicts": "red", "mentions": "dim"}
    for f in findings:
        name = f.source.rsplit("/", 1)[-1]
        text = f.passage if len(f.passage) < 160 else f.passage[:157] + "..."
        table.add_row(escape(name), f.location, f"[{colour[f.stance]}]{f.stance}[/]", escape(f.matched), escape(text))
    return table


def data_table(rows: list[dict], data_dir) -> Table:
    table = Table(title=f"Data: pack at {data_dir or '(AUDIT_DATA_DIR unset)'}; hub for the rest")
    for col in ("task", "role", "split", "pack languages", "only on the hub", "hub source", "note"):
        table.add_column(col, overflow="fold")
    for r in rows:
        missing = [lang for lang in r["languages"] if lang not in r["local"]]
        local = f"{len(r['local'])}/{len(r['languages'])}"
        only_hub = "-" if r["unavailable"] else (", ".join(missing) or "-")
        note = r["unavailable"] or (f"stand-in: {r['stand_in']}" if r["stand_in"] else "")
        table.add_row(r["task"], r["role"], r["split"], local, only_hub, r["hub"], escape(note))
    return table


def ci_table(outcomes) -> Table:
    moved = sum(not o.ok for o in outcomes)
    table = Table(title=f"Reproducibility: {len(outcomes) - moved} of {len(outcomes)} consistent with the baseline")
    for col in ("claim", "fidelity", "baseline", "measured", "verdict (baseline -> now)", "result"):
        table.add_column(col, overflow="fold")
    for o in outcomes:
        c, v = o.check, o.verdict
        result = "[green]ok[/]" if o.ok else "[bold red]moved[/]"
        if o.seeds_moved:
            result += f" (seeds {', '.join(map(str, o.seeds_moved))} beyond ± {num(c.seed_tolerance)})"
        base = f"{num(c.value)} ± {num(c.tolerance)}"
        if c.seed_values:
            base += f"; per seed {', '.join(num(x) for x in c.seed_values)} ± {num(c.seed_tolerance)}"
        table.add_row(
            c.claim, c.profile.value, base, measured_text(v), f"{c.verdict.value} -> {v.status.value}", result
        )
    # Every seed's value to the last bit: what a re-baseline copies into seed_values.
    table.caption = "\n".join(f"{o.check.claim} per seed: {', '.join(map(repr, o.seeds))}" for o in outcomes if o.seeds)
    return table
