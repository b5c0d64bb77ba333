"""Every command's output as JSON (``--format json``), in one envelope a machine can check.

The envelope names the tool and its version, the commit it ran at (with ``dirty``), the store's
schema version and the command; the command's own payload follows. Verdicts and reports also
carry a structured summary: the count of each verdict word.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from audit.judge.verdict import Verdict

ENVELOPE_VERSION = 1


def envelope(command: str, **payload: Any) -> str:
    """The JSON text of ``payload`` under the envelope (see the module docstring)."""
    from importlib import metadata

    from audit.run.provenance import git_state
    from audit.store.migrations import LATEST

    commit, dirty = git_state()
    head = {
        "tool": {"name": "audit", "version": metadata.version("audit")},
        "envelope_version": ENVELOPE_VERSION,
        "schema_version": LATEST,
        "git": {"commit": commit, "dirty": dirty},
        "command": command,
    }
    return json.dumps({**head, **payload}, indent=2, default=str)


def summary(verdicts: list[Verdict]) -> dict[str, Any]:
    counts = Counter(v.status.value for v in verdicts)
    return {"verdicts": len(verdicts), "by_status": dict(sorted(counts.items()))}


def verdicts_json(verdicts: list[Verdict], calibration, command: str = "verify") -> str:
    return envelope(
        command,
        summary=summary(verdicts),
        verdicts=[v.model_dump(mode="json") for v in verdicts],
        calibration={"status": calibration.status_line, "labelled": calibration.decided},
    )


def claims_json(specs) -> str:
    return envelope("claims", claims=[s.model_dump(mode="json") for s in specs])


def show_json(spec, verdicts: list[Verdict], provenance: dict | None, plan) -> str:
    """``plan``: the resolved run (``audit.run.plan.RunPlan``), why there is none (a string), or None."""
    return envelope(
        "show",
        spec=spec.model_dump(mode="json"),
        verdicts=[v.model_dump(mode="json") for v in verdicts],
        provenance=provenance,
        run_plan=plan.model_dump(mode="json") if hasattr(plan, "model_dump") else None,
        no_run_plan=plan if isinstance(plan, str) else None,
    )


def plan_json(plans, skipped: list[str], cost) -> str:
    return envelope(
        "plan",
        plans=[p.model_dump(mode="json") for p in plans],
        not_planned=skipped,
        cost=cost.model_dump(mode="json"),
    )


def data_json(rows: list[dict], data_dir) -> str:
    return envelope("data", data_dir=str(data_dir) if data_dir else None, splits=rows)


def runs_json(rows) -> str:
    return envelope("runs", runs=[r.model_dump(mode="json") for r in rows])


def compare_json(title: str, changes) -> str:
    rows = [{**c.model_dump(mode="json"), "delta": c.delta} for c in changes]
    return envelope("compare", title=title, changes=rows)


def as_json(report) -> str:
    """The report under the JSON envelope (tool version, commit, schema version; ``audit.output.render_json``)."""
    from audit.output.words import summary_line

    cal = report.calibration
    verdicts = [r.verdict for r in report.rows]
    return envelope(
        "report",
        store=str(report.store),
        summary={**summary(verdicts), "line": summary_line(verdicts)},
        claims=[_row_json(r) for r in report.rows],
        figures=[str(p) for p in report.figures],
        calibration={
            "labelled": cal.decided,
            "agree": cal.agree,
            "estimable": cal.estimable,
            "need": cal.need,
            "status": cal.status_line,
            "brier": cal.brier,
            "synthesis": cal.synthesis and cal.synthesis.__dict__,
            "base_rate": cal.base_rate and cal.base_rate.__dict__,
            "always_yes": cal.always_yes and cal.always_yes.__dict__,
            "reliability": cal.reliability,
            "resolution": cal.resolution,
            "uncertainty": cal.uncertainty,
            "agreement_ci": cal.agreement_ci,
            "auc": cal.auc,
            "bins": [b.__dict__ for b in cal.bins if b.n],
        },
    )


def _row_json(r) -> dict:
    return {
        "kind": r.spec.kind.value,
        "statement": r.spec.statement,
        **r.verdict.model_dump(mode="json"),
    }
