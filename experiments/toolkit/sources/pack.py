"""The offline data pack (``AUDIT_DATA_DIR``), laid out as its ``MANIFEST.md`` describes."""

from __future__ import annotations

from pathlib import Path

from audit.contract import Unverifiable

# datasets' packaged builders for the plain formats; the pack's own formats need readers.
BUILDERS = {"json": "json", "csv": "csv"}


def locate(data_dir: Path | None, rel: str) -> Path:
    if data_dir is None:
        raise Unverifiable(f"{rel} needs the data pack; set AUDIT_DATA_DIR (e.g. ../shared/data)")
    path = data_dir / rel
    if not path.is_file():
        raise Unverifiable(f"{rel} is not in the data pack at {data_dir}")
    return path


def load(data_dir: Path | None, rel: str, fmt: str):
    """One pack file as a ``datasets.Dataset``."""
    path = locate(data_dir, rel)
    if fmt not in BUILDERS:
        raise Unverifiable(f"{rel}: no reader for the pack format '{fmt}' yet")
    import datasets

    return datasets.load_dataset(BUILDERS[fmt], data_files=str(path), split="train")
