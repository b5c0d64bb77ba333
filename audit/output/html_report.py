"""``audit report --format html``: one self-contained page a reviewer can read offline.

No CDN and no network fetch: CSS is inline, the figures are inline SVG drawn by
matplotlib (Agg), and the only script is a few lines of plain JS that filter the claim
sections by verdict. Every string from a report, a spec or a store is HTML-escaped.

The page holds a header (title, store, date, fidelity, counts per verdict word), a forest
plot with one row per claim (``id="forest-row-<claim>"`` on each row's artists, so a
browser test can count them), a section per claim (statement, spec, synthesis, gates with
their figures, per-seed values, provenance, the command that reproduces it) and the
calibration section, whose reliability diagram is drawn only when calibration is estimable.
"""

from __future__ import annotations

import html
import io
import math
from collections import Counter

from audit.judge.calibration import Calibration
from audit.judge.verdict import Verdict
from audit.output.audit_report import Report, Row, run_details
from audit.output.words import gate_word
from audit.run.records import now

COLOURS = {  # verdict word -> plot colour (the terminal's palette, in hex)
    "SUPPORTED": "#1a7f37", "CONSISTENT (proxy)": "#2da44e", "PARTIAL": "#bf8700", "PARTIAL (proxy)": "#d4a72c",
    "REFUTED": "#cf222e", "NOT REPLICATED (proxy)": "#e5534b", "INVALID": "#a40e26", "UNDERPOWERED": "#8250df",
    "INCONCLUSIVE": "#8250df", "PIPELINE_OK": "#1b7c83", "PIPELINE_FAILED": "#cf222e",
    "INCOMPLETE": "#cf222e",
}  # fmt: skip
GREY = "#6e7781"
CSS = """
body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;padding:0 1em;color:#1f2328}
h1{font-size:1.6em}h2{border-bottom:1px solid #d0d7de;padding-bottom:.2em}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #d0d7de;padding:.25em .5em;text-align:left;
vertical-align:top}th{background:#f6f8fa}.pass{color:#1a7f37}.fail{color:#cf222e;font-weight:600}.na{color:#6e7781}
.verdict{font-weight:700}code,pre{background:#f6f8fa;padding:.1em .3em}section.claim{margin:1.5em 0}
.counts span{margin-right:1em}
"""
SCRIPT = """
document.getElementById('filter').addEventListener('change', function (e) {
  for (const s of document.querySelectorAll('section.claim')) {
    s.style.display = (!e.target.value || s.dataset.status === e.target.value) ? '' : 'none';
  }
});
"""


def esc(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _fmt(x: float | None) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"{x:,.0f}" if abs(x) >= 1000 and float(x).is_integer() else f"{x:.3g}"


def _svg(fig) -> str:
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg") :]  # drop the XML prolog and doctype: the SVG sits inside HTML


def _plotted(v: Verdict) -> bool:
    """On the shared points axis: measured, noisy values (an exact count would flatten every gain).

    Smoke values are never plotted: a tiny random model's numbers are no evidence.
    """
    exact = v.ci_low is not None and v.ci_low == v.ci_high and v.n == 1
    return v.mean is not None and not exact and v.fidelity != "pipeline"


def forest(rows: list[Row]) -> str:
    """One row per claim: estimate and interval, the claimed band, the zero line, coloured by verdict."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9.5, 0.34 * len(rows) + 1.2))
    spans = [
        x
        for r in rows
        if _plotted(r.verdict)
        for x in (r.verdict.ci_low, r.verdict.ci_high, r.verdict.mean)
        if x is not None
    ]
    low, high = (min(spans + [0.0]), max(spans + [0.0])) if spans else (-1.0, 1.0)
    pad = (high - low) * 0.08 or 1.0
    low, high = low - pad, high + pad
    for y, r in enumerate(reversed(rows)):
        _forest_row(ax, y, r.verdict, low, high)
    ax.axvline(0, color="#1f2328", lw=0.8)
    ax.set_yticks(range(len(rows)), [r.verdict.claim_id for r in reversed(rows)], fontsize=8)
    ax.set_xlim(low, high)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.set_xlabel("measured value, points (gains: treated minus reference); bars: 95% interval over seeds and items")
    ax.grid(axis="x", color="#eaeef2")
    return _svg(fig)


def _forest_row(ax, y: int, v: Verdict, low: float, high: float) -> None:
    gid = f"forest-row-{v.claim_id}"
    band = _band(v)
    if band and _plotted(v):
        a, b = max(band[0], low), min(band[1], high)
        if a < b:
            ax.fill_betweenx([y - 0.3, y + 0.3], a, b, color="#ddf4ff", zorder=0).set_gid(gid + "-band")
    if _plotted(v):
        colour = COLOURS.get(str(v.status), GREY)
        lo, hi = v.ci_low if v.ci_low is not None else v.mean, v.ci_high if v.ci_high is not None else v.mean
        ax.plot([lo, hi], [y, y], color=colour, lw=2.2, solid_capstyle="butt", gid=gid)
        ax.plot([v.mean], [y], "o", color=colour, ms=5)
        return
    why = v.reason if len(v.reason) <= 80 else v.reason[:77] + "..."
    label = f"{v.route}: {v.status}" + (f" = {_fmt(v.mean)}" if v.mean is not None else f" ({why})" if why else "")
    ax.text(low + (high - low) * 0.01, y, label, va="center", fontsize=7, color=GREY, gid=gid)


def _band(v: Verdict) -> tuple[float, float] | None:
    tol, value = v.tolerance or 0.0, v.claimed
    bands = {
        "approx": (value, tol, tol),
        "no-effect": (value or 0.0, tol, tol),
        "at-least": (value, tol, None),
        "at-most": (value, None, tol),
    }
    if v.comparison == "positive":
        return (0.0, math.inf)
    if v.comparison == "negative":
        return (-math.inf, 0.0)
    if v.comparison not in bands or bands[v.comparison][0] is None:
        return None
    centre, below, above = bands[v.comparison]
    return (centre - below if below is not None else -math.inf, centre + above if above is not None else math.inf)


def reliability(cal: Calibration) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    filled = [b for b in cal.bins if b.n]
    ax.plot([0, 1], [0, 1], color=GREY, lw=0.8, ls="--", label="perfect calibration")
    ax.plot([b.mean_confidence for b in filled], [b.observed for b in filled], "o-", color="#0969da", label="synthesis")
    if cal.uncertainty is not None:
        rate = sum(b.n * b.observed for b in filled) / sum(b.n for b in filled)
        ax.axhline(rate, color="#bf8700", lw=0.8, label=f"base rate {rate:.2f}")
    ax.set_xlabel("synthesis confidence")
    ax.set_ylabel("share of claims that hold")
    ax.legend(fontsize=8)
    return _svg(fig)


def _gates(v: Verdict) -> str:
    if not v.gates:
        return "<p class='na'>No gates: this experiment recorded no item-level outcomes.</p>"
    rows = []
    for g in v.gates:
        word = gate_word(g, v)
        cls = {"PASS": "pass", "FAIL": "fail"}.get(g.outcome if v.fidelity != "pipeline" else "", "na")
        rows.append(
            f"<tr><td>{esc(g.name)}</td><td class='{cls}'>{word}</td><td>{esc(g.detail)}</td>"
            f"<td>{'<br>'.join(esc(f) for f in g.failures)}</td></tr>"
        )
    return (
        "<table><tr><th>gate</th><th>result</th><th>checked</th><th>where it failed</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _provenance(prov: dict | None) -> str:
    if not prov:
        return "<p class='na'>No run stored.</p>"
    keys = (
        "git_commit",
        "git_dirty",
        "spec_hash",
        "code_hash",
        "python",
        "hardware",
        "numerics",
        "packages",
        "data_fingerprints",
    )
    cells = "".join(f"<tr><th>{esc(k)}</th><td><code>{esc(prov.get(k))}</code></td></tr>" for k in keys if k in prov)
    return f"<table>{cells}</table>"


def _table(pairs: list[tuple[str, str]]) -> str:
    """A two-column table of already-escaped values."""
    return "<table>" + "".join(f"<tr><th>{esc(k)}</th><td>{v}</td></tr>" for k, v in pairs) + "</table>"


def _facts(r: Row, details: dict) -> list[tuple[str, str]]:
    v, spec = r.verdict, r.spec
    conf = v.synthesis_confidence
    synth = "-" if conf is None else f"{'✓' if v.synthesis_verified else '×'} {conf:.2f}"
    interval = "-" if v.ci_low is None else f"[{_fmt(v.ci_low)}, {_fmt(v.ci_high)}]"
    holm = "-" if v.p_adjusted is None else f"{_fmt(v.p_adjusted)} over m = {v.family_size}"
    p = "-" if v.p_value is None else f"{v.p_value:.3g} (Holm: {holm})"
    claimed = f"{spec.claimed.comparison.value} {_fmt(v.claimed)} ± {_fmt(v.tolerance)} {spec.claimed.unit or ''}"
    profile = v.profile if v.profile in {"smoke", "mini", "full"} else "mini"
    command = f"audit verify --claim {spec.id} --profile {profile} --seeds {max(len(v.run_ids), 1)}"
    return [
        ("claimed", esc(f"{claimed} (judged at this profile as: {v.comparison})")),
        ("synthesis", esc(synth)),
        ("experiment", esc(f"{spec.experiment.name} · fidelity {v.fidelity} · model {v.model or '-'} · {v.profile}")),
        ("measured", esc(f"{_fmt(v.mean)} {interval} over n={v.n}; {v.interval_method or ''}")),
        ("p (paired effect)", esc(f"{p}; minimum detectable effect {_fmt(v.mde)}")),
        ("per-seed values", esc(", ".join(f"seed {s}: {_fmt(x)}" for s, x in details["seeds"]) or "-")),
        ("why", esc(f"{v.reason} {v.note}")),
        ("reproduce", f"<code>{esc(command)}</code>"),
    ]


def _section(r: Row, details: dict) -> str:
    v = r.verdict
    colour = COLOURS.get(str(v.status), GREY)
    return (
        f'<section class="claim" id="claim-{esc(v.claim_id)}" data-status="{esc(v.status)}">'
        f'<h3>{esc(v.claim_id)} — <span class="verdict" style="color:{colour}">{esc(v.status)}</span></h3>'
        f"<blockquote>{esc(r.spec.statement)}</blockquote>{_table(_facts(r, details))}"
        f"<h4>Gates</h4>{_gates(v)}"
        f"<details><summary>Provenance of the newest run</summary>{_provenance(details['provenance'])}</details>"
        "</section>"
    )


def _calibration(cal: Calibration) -> str:
    text = f"<p>{esc(cal.status_line)}. Only verdicts about the claim itself count; proxies never do.</p>"
    return text + (reliability(cal) if cal.estimable else "")


def _header(report: Report, title: str, profile: str | None) -> str:
    verdicts = [r.verdict for r in report.rows]
    counts = Counter(str(v.status) for v in verdicts)
    stamp = now().strftime("%Y-%m-%d %H:%M UTC")
    where = (
        f"Store <code>{esc(report.store)}</code> · generated {esc(stamp)} · fidelity {esc(profile or 'every profile')}"
    )
    spans = "".join(f"<span>{esc(k)}: <b>{n}</b></span>" for k, n in sorted(counts.items()))
    return f"<h1>{esc(title)}</h1><p>{where} · {len(verdicts)} claims</p><p class='counts'>{spans}</p>"


def page(report: Report, title: str = "Audit report", profile: str | None = None) -> str:
    """The whole HTML page for a built report."""
    options = "".join(f"<option>{esc(k)}</option>" for k in sorted({str(r.verdict.status) for r in report.rows}))
    sections = "\n".join(_section(r, run_details(report.store, r.verdict, r.spec)) for r in report.rows)
    plot = forest(report.rows) if report.rows else "<p>No claims.</p>"
    return "\n".join(
        [
            "<!DOCTYPE html>",
            f'<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title><style>{CSS}</style></head><body>',
            _header(report, title, profile),
            f'<h2>Forest plot</h2><div id="forest">{plot}</div>',
            f'<h2>Claims</h2><label>Show <select id="filter"><option value="">every verdict</option>{options}</select>'
            f"</label>{sections}",
            f"<h2>Calibration of the synthesis</h2>{_calibration(report.calibration)}",
            f"<script>{SCRIPT}</script></body></html>",
        ]
    )
