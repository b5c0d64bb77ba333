"""Specs for an ingested report's claims that ``claims/`` does not hold yet.

Each such row goes through the claim templates (``audit.synthesis.binding``). A row a template
binds becomes a runnable spec with ``status: drafted``, its experiment and params filled,
and a ``binding`` record of the template and how each slot resolved. A row none binds
becomes a ``status: draft`` spec with an unbound experiment (NOT_RUN until curated) whose
evidence says why: no template matched (and the nearest ones), or a slot was ambiguous
(and its candidates). Existing files are never overwritten: curation is human work that
ingest must not lose. Evidence locations name the report id and line, never a path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from audit.synthesis.binding import Binding, Unbound, bind
from audit.synthesis.report_format import ClaimRow, ReportRecord, normalise
from audit.synthesis.spec import ClaimSpec, numbers_in, printed_precision

STOPWORDS = {"the", "a", "an", "of", "on", "in", "and", "to", "for", "with", "by", "is", "are"}


@dataclass(frozen=True)
class Match:
    row: ClaimRow
    spec: ClaimSpec | None

    @property
    def disagreements(self) -> list[str]:
        """Where the curated spec's synthesis marks differ from the report's row."""
        if self.spec is None:
            return []
        s, out = self.spec.synthesis, []
        if s.verified != self.row.verified:
            out.append(f"{self.spec.id}: verified is {s.verified} in the spec, {self.row.verified} in the report")
        if abs(s.confidence - self.row.confidence) > 1e-9:
            out.append(f"{self.spec.id}: confidence {s.confidence} in the spec, {self.row.confidence} in the report")
        return out


def match(record: ReportRecord, specs: dict[str, ClaimSpec]) -> list[Match]:
    by_statement = {normalise(s.statement): s for s in specs.values()}
    return [Match(row, by_statement.get(normalise(row.statement))) for row in record.rows]


def slug(statement: str, taken: set[str]) -> str:
    words = [w for w in re.findall(r"[a-z0-9]+", statement.lower()) if w not in STOPWORDS]
    base = "-".join(words[:5]) or "claim"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def _base(row: ClaimRow, record: ReportRecord, claim_id: str, status: str) -> dict:
    return {
        "id": claim_id,
        "status": status,
        "statement": row.statement,
        "source": {"report": record.id},
        "synthesis": {"verified": row.verified, "confidence": row.confidence},
    }


def draft(row: ClaimRow, record: ReportRecord, claim_id: str, why: str = "no template matched") -> ClaimSpec:
    """An unbound draft: the statement and its marks, no experiment yet, and why none was bound."""
    numbers = numbers_in(row.statement)
    value = numbers[-1] if numbers else None
    claimed = (
        {"value": float(value.replace(",", "")), "precision": printed_precision(value), "comparison": "approx"}
        if value
        else {"comparison": "positive"}
    )
    return ClaimSpec.model_validate(
        {
            **_base(row, record, claim_id, "draft"),
            "kind": "quantitative" if value else "directional",
            "claimed": claimed,
            "metric": {"name": "uncurated", "description": "to be curated", "split": "unknown", "aggregate": "unknown"},
            "experiment": {"name": "unbound"},
            "evidence": [
                {"note": f"drafted by audit ingest, unbound: {why}", "location": f"report {record.id}, line {row.line}"}
            ],
        }
    )


def bound(row: ClaimRow, record: ReportRecord, claim_id: str, b: Binding) -> ClaimSpec:
    """A drafted spec from a claim template, with how each slot resolved."""
    slots = {k: {"text": v["text"], "value": v["value"], "how": v["how"]} for k, v in b.slots.items()}
    return ClaimSpec.model_validate(
        {
            **_base(row, record, claim_id, "drafted"),
            **b.spec,
            "evidence": [
                {
                    "note": f"bound by claim template '{b.template}' (v{b.version})",
                    "location": f"report {record.id}, line {row.line}",
                }
            ],
            "binding": {"template": b.template, "version": b.version, "slots": slots},
        }
    )


@dataclass(frozen=True)
class Planned:
    row: ClaimRow
    claim_id: str
    spec: ClaimSpec
    binding: Binding | Unbound


def plan(record: ReportRecord, matches: list[Match], claims_dir: Path, taken: set[str]) -> list[Planned]:
    """A spec for every row no curated spec matches: bound by a template where one binds it."""
    out: list[Planned] = []
    taken = set(taken) | {p.stem for p in (claims_dir / record.id).glob("*.yaml")}
    for m in (m for m in matches if m.spec is None):
        claim_id = slug(m.row.statement, taken)
        taken.add(claim_id)
        b = bind(m.row.statement)
        if isinstance(b, Binding):
            spec = bound(m.row, record, claim_id, b)
        else:
            why = b.reason + (f" (nearest templates: {', '.join(b.nearest)})" if b.nearest else "")
            spec = draft(m.row, record, claim_id, why)
        out.append(Planned(m.row, claim_id, spec, b))
    return out


def write_drafts(record: ReportRecord, matches: list[Match], claims_dir: Path, taken: set[str]) -> list[Path]:
    """Write one YAML per unmatched row; never touch a file that exists."""
    folder, written = claims_dir / record.id, []
    for p in plan(record, matches, claims_dir, taken):
        path = folder / f"{p.claim_id}.yaml"
        if path.exists():
            continue
        folder.mkdir(parents=True, exist_ok=True)
        data = p.spec.model_dump(mode="json", exclude_defaults=True)
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
        path.write_text(f"schema_version: 1\n{text}", encoding="utf-8")
        written.append(path)
    return written
