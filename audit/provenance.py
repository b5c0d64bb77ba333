"""Provenance of a run: code revision, packages, interpreter, hardware, data, spec.

Collected once per run and stored beside its measurements, so any number in the
store can be traced to the exact code, data and machine that produced it.
"""

from __future__ import annotations

import hashlib
import os
import platform
import subprocess
import sys
from functools import cache
from importlib import metadata
from pathlib import Path

from audit.records import Provenance
from audit.settings import REPO_ROOT

TRACKED_PACKAGES = (
    "audit", "torch", "transformers", "datasets", "duckdb", "pydantic",
    "typer", "numpy", "scipy", "safetensors",
)  # fmt: skip


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(["git", "-C", str(REPO_ROOT), *args], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


@cache
def git_state() -> tuple[str | None, bool | None]:
    commit = _git("rev-parse", "HEAD")
    if commit is None:
        return None, None
    return commit, bool(_git("status", "--porcelain", "--untracked-files=no"))


def package_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in TRACKED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def gpu_name() -> str | None:
    # Only ask torch if the experiment already imported it: provenance must not pay
    # torch's import cost for runs that never touched it.
    torch = sys.modules.get("torch")
    if torch is None or not torch.cuda.is_available():
        return None
    return torch.cuda.get_device_name(0)


def hardware() -> dict[str, str | int | None]:
    pages, page_size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    return {
        "machine": platform.machine(),
        "processor": platform.processor() or None,
        "cpus": os.cpu_count(),
        "memory_bytes": pages * page_size,
        "system": platform.system(),
    }


def file_fingerprint(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def code_hash(paths: list[Path]) -> str | None:
    """Hash of the experiment's source files, so a code change invalidates results."""
    if not paths:
        return None
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def fingerprints(data_files: list[Path]) -> dict[str, str]:
    return {str(p): file_fingerprint(p) for p in data_files}


def collect(spec_hash: str, code_files: list[Path], data_files: list[Path]) -> Provenance:
    commit, dirty = git_state()
    return Provenance(
        git_commit=commit,
        git_dirty=dirty,
        packages=package_versions(),
        python=sys.version.split()[0],
        hardware=hardware(),
        gpu=gpu_name(),
        data_fingerprints=fingerprints(data_files),
        spec_hash=spec_hash,
        code_hash=code_hash(code_files),
    )
