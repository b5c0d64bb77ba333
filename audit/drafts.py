"""Claim drafts from an ingested report, for the claims ``claims/`` does not hold yet.

A draft is a valid spec with ``status: draft`` and an unbound experiment, so it lists
and shows like any claim (NOT_RUN) until someone curates it. Existing files are never
overwritten: curation is human work that ingest must not lose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from audit.report_format import ClaimRow, ReportRecord, normalise
from audit.spec import ClaimSpec, numbers_in, printed_precision

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


def draft(row: ClaimRow, record: ReportRecord, claim_id: str) -> ClaimSpec:
    numbers = numbers_in(row.statement)
    value = numbers[-1] if numbers else None
    claimed = (
        {"value": float(value.replace(",", "")), "precision": printed_precision(value),
         "comparison": "approx"} if value else {"comparison": "positive"}
    )  # fmt: skip
    return ClaimSpec.model_validate({
        "id": claim_id, "status": "draft", "statement": row.statement,
        "source": {"report": record.id},
        "synthesis": {"verified": row.verified, "confidence": row.confidence},
        "kind": "quantitative" if value else "directional", "claimed": claimed,
        "metric": {"name": "uncurated", "description": "to be curated", "split": "unknown",
                   "aggregate": "unknown"},
        "experiment": {"name": "unbound"},
        "evidence": [{"note": "drafted by audit ingest",
                      "location": f"{record.source_path}, line {row.line}"}],
    })  # fmt: skip


def write_drafts(record: ReportRecord, matches: list[Match], claims_dir: Path, taken: set[str]) -> list[Path]:
    """Write one YAML per unmatched row; never touch a file that exists."""
    folder, written = claims_dir / record.id, []
    for m in (m for m in matches if m.spec is None):
        claim_id = slug(m.row.statement, taken | {p.stem for p in folder.glob("*.yaml")})
        path = folder / f"{claim_id}.yaml"
        if path.exists():
            continue
        spec = draft(m.row, record, claim_id)
        folder.mkdir(parents=True, exist_ok=True)
        text = yaml.safe_dump(spec.model_dump(mode="json", exclude_defaults=True), sort_keys=False, allow_unicode=True)
        path.write_text(f"schema_version: 1\n{text}", encoding="utf-8")
        taken.add(claim_id)
        written.append(path)
    return written
