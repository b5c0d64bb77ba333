"""Shared fixtures: the repo's claims, an isolated store, the seed report."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# Before anything imports huggingface_hub, which reads it once: tests never wait on the network.
os.environ["HF_HUB_OFFLINE"] = "1"

from audit.settings import REPO_ROOT, Settings  # noqa: E402

CLAIMS = REPO_ROOT / "claims"
SHARED = Path(os.environ.get("AUDIT_SHARED_DIR", REPO_ROOT.parent / "shared"))
SEED_REPORT = SHARED / "reports" / "000_adfd80519d6416c1.txt"


@pytest.fixture
def seed_report() -> Path:
    if not SEED_REPORT.is_file():
        pytest.skip(f"seed report not found at {SEED_REPORT}; set AUDIT_SHARED_DIR")
    return SEED_REPORT


@pytest.fixture
def claims_copy(tmp_path: Path) -> Path:
    """A writable copy of the curated claims, for tests that add or break specs."""
    dest = tmp_path / "claims"
    shutil.copytree(CLAIMS, dest)
    return dest


@pytest.fixture
def settings(tmp_path: Path, claims_copy: Path) -> Settings:
    return Settings(store=tmp_path / "store" / "audit.duckdb", claims_dir=claims_copy, data_dir=None)


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # No test may touch the developer's own ./.audit store.
    monkeypatch.setenv("AUDIT_STORE", str(tmp_path / "env-store" / "audit.duckdb"))
    monkeypatch.delenv("AUDIT_CLAIMS_DIR", raising=False)
    monkeypatch.delenv("AUDIT_HUB_MIRROR", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # tests never wait on the network


@pytest.fixture
def data_pack() -> Path:
    pack = SHARED / "data"
    if not (pack / "MANIFEST.md").is_file():
        pytest.skip(f"data pack not found at {pack}; set AUDIT_SHARED_DIR")
    return pack


@pytest.fixture(scope="session")
def e5_source() -> str:
    """The converted offline multilingual-e5-small (converted once into the user cache)."""
    from experiments.toolkit import models

    return models.source_of("offline:multilingual-e5-small")
