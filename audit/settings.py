"""Where things live: the store, the claim specs, the data pack, the run records.

Each location comes from a CLI option, else an ``AUDIT_*`` environment variable,
else a default, so tests and CI can point every command somewhere else.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_STORE = Path(".audit") / "audit.duckdb"
STAGE_DONE = "stage.json"  # written last into a stage's folder of the stage cache: the stage finished


def store_home(store: Path) -> Path:
    """The store's own folder, beside it: two stores in one folder never share records, stages or figures."""
    return store.parent / f"{store.stem}-files"


@dataclass(frozen=True)
class Settings:
    store: Path
    claims_dir: Path
    data_dir: Path | None

    @property
    def home(self) -> Path:
        return store_home(self.store)

    @property
    def records_dir(self) -> Path:
        """Workers drop their JSON run records here; one writer ingests them."""
        return self.home / "records"

    @property
    def stages_dir(self) -> Path:
        """The stage cache (content-hashed results) of this store's runs."""
        return self.home / "stages"

    @property
    def work_dir(self) -> Path:
        return self.home / "work"


def _claims_default() -> Path:
    local = Path("claims")
    return local if local.is_dir() else REPO_ROOT / "claims"


def drafts_dir(claims_dir: Path) -> Path:
    """Where ``audit ingest`` writes drafts: the claims folder, unless that is the installed package's
    own while the user works elsewhere; then ``./claims`` (an install is never written into)."""
    target, here = claims_dir.resolve(), Path.cwd().resolve()
    in_package = target == REPO_ROOT / "claims" or REPO_ROOT in target.parents
    return Path("claims") if in_package and REPO_ROOT not in (here, *here.parents) else claims_dir


def resolve(store: Path | None = None, claims_dir: Path | None = None) -> Settings:
    env = os.environ
    data = env.get("AUDIT_DATA_DIR")
    return Settings(
        store=Path(store or env.get("AUDIT_STORE") or DEFAULT_STORE),
        claims_dir=Path(claims_dir or env.get("AUDIT_CLAIMS_DIR") or _claims_default()),
        data_dir=Path(data) if data else None,
    )
