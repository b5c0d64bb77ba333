"""``audit ingest``: read a report, check it, store it, and draft its new claims."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from audit.run.records import now
from audit.settings import Settings, drafts_dir
from audit.store import Store
from audit.synthesis.claims import load_all
from audit.synthesis.drafts import Match, Planned, match, plan, write_drafts
from audit.synthesis.reading import read_report
from audit.synthesis.report_format import ReportRecord


@dataclass(frozen=True)
class IngestResult:
    record: ReportRecord
    matches: list[Match]
    drafts: list[Path]
    planned: list[Planned] = field(default_factory=list)
    version: int | None = None  # None: not stored (a dry run)
    new_version: bool = False

    @property
    def problems(self) -> list[str]:
        return self.record.problems + [d for m in self.matches for d in m.disagreements]


def store_report(store: Store, rec: ReportRecord) -> tuple[int, bool]:
    """Keep this version of the report (by content) and make it the current one.

    Returns (version, new). The same bytes again are the same version; a changed file
    under the same name is a new version, and the earlier ones stay in ``report_versions``.
    """
    rows = store.con.execute(
        "SELECT version, sha256 FROM report_versions WHERE report_id = ? ORDER BY version", [rec.id]
    ).fetchall()
    same = [v for v, sha in rows if sha == rec.sha256]
    if same:
        return same[0], False
    version, stamp, record = len(rows) + 1, now(), rec.model_dump(mode="json")
    store.upsert(
        "report_versions",
        {
            "report_id": rec.id,
            "version": version,
            "sha256": rec.sha256,
            "source_path": rec.source_path,
            "rows_found": len(rec.rows),
            "record": record,
            "ingested_at": stamp,
        },
    )
    store.upsert(
        "reports",
        {
            "id": rec.id,
            "title": rec.title,
            "date": rec.date,
            "research_question": rec.research_question,
            "papers": rec.papers,
            "claims_stated": rec.claims_stated,
            "verified_stated": rec.verified_stated,
            "quality": rec.quality,
            "rows_found": len(rec.rows),
            "verified_found": rec.verified_found,
            "source_path": rec.source_path,
            "sha256": rec.sha256,
            "record": record,
            "ingested_at": stamp,
        },
    )
    return version, True


def ingest(
    settings: Settings, path: Path, drafts: bool = True, dry_run: bool = False, fmt: str | None = None
) -> IngestResult:
    """Read, check and store a report, and write specs for its new claims (``dry_run``: write nothing)."""
    record = read_report(path, fmt)
    specs = load_all(settings.claims_dir) if settings.claims_dir.is_dir() else {}
    matches = match(record, specs)
    planned = plan(record, matches, settings.claims_dir, set(specs))
    if dry_run:
        return IngestResult(record, matches, [], planned)
    written = write_drafts(record, matches, drafts_dir(settings.claims_dir), set(specs)) if drafts else []
    with Store(settings.store) as store:
        version, new = store_report(store, record)
    return IngestResult(record, matches, written, planned, version, new)
