"""Run one claim's experiment for one seed and hand the result over as a run record."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from audit import determinism, provenance, registry
from audit.errors import Unverifiable
from audit.records import Cell, RunRecord, RunStatus, now, write_atomic
from audit.settings import Settings
from audit.spec import ClaimSpec, Profile


@dataclass
class RunContext:
    """What an experiment gets: its claim, merged params, seed and where data lives."""

    spec: ClaimSpec
    profile: Profile
    seed: int
    params: dict[str, Any]
    data_dir: Path | None
    work_dir: Path
    cache_dir: Path
    data_files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    numerics: dict[str, Any] = field(default_factory=dict)  # the resolved precision, attention and threads
    cells: list[Cell] = field(default_factory=list)  # item-level outcomes, each arm x task x language

    def use(self, path: Path) -> Path:
        """Record a data file as an input, so its fingerprint lands in provenance (once)."""
        if path not in self.data_files:  # stages re-read files; each is hashed once
            self.data_files.append(path)
        return path


def run_once(spec: ClaimSpec, profile: Profile, seed: int, settings: Settings) -> RunRecord:
    fn, code_dir = registry.resolve(spec.experiment.name)
    ctx = RunContext(
        spec, profile, seed, spec.params_for(profile), settings.data_dir,
        work_dir=settings.work_dir / spec.id, cache_dir=settings.stages_dir,
    )  # fmt: skip
    # The code and git state as the run starts: edits made while it runs must not be credited to it.
    before = provenance.collect(spec.content_hash(), code_dir, [])
    determinism.seed_all(seed)
    started, status, error, measured = now(), RunStatus.OK, None, []
    try:
        measured = fn(ctx)
    except Unverifiable as exc:
        status, error = RunStatus.UNVERIFIABLE, str(exc)
    except Exception as exc:  # a failed run is recorded, not raised: other claims go on
        status, error = RunStatus.FAILED, f"{type(exc).__name__}: {exc}"
    record = RunRecord(
        claim_id=spec.id, experiment=spec.experiment.name, profile=profile.value, seed=seed,
        status=status, started_at=started, ended_at=now(), error=error, measurements=measured,
        notes=ctx.notes, cells=ctx.cells if status == RunStatus.OK else [],
        provenance=before.model_copy(update={
            "data_fingerprints": provenance.fingerprints(ctx.data_files, ctx.data_dir),
            "numerics": {**ctx.numerics, **determinism.regime()},
        }),
    )  # fmt: skip
    write_atomic(record, settings.records_dir)
    return record
