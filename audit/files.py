"""Writing files so that a reader never sees half of one: run records, stage markers, cache entries."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

COMPLETE = ".complete"  # written last into a cache entry: without it, the entry is not there


def write_text_atomic(path: Path, text: str) -> Path:
    """Readers see the old file or the whole new one, never a part, even after a power cut (fsync)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return path


def fill_once(folder: Path, build: Callable[[Path], object]) -> Path:
    """A shared cache folder that ``build(tmp)`` fills once, however many processes ask at once.

    The first process to take the folder's lock builds it in a private temporary folder,
    marks it complete, and renames it into place; the others wait on the lock and then use
    it. A folder without the completion mark (a process killed mid-write by an older
    version, say) is never read: it is built again. Issue #28: two workers converting the
    offline model at the same second lost a seed of the main job.
    """
    if (folder / COMPLETE).is_file():
        return folder
    from filelock import FileLock

    folder.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(folder.parent / f".{folder.name}.lock"):
        if not (folder / COMPLETE).is_file():
            _build(folder, build)
    return folder


def _build(folder: Path, build: Callable[[Path], object]) -> None:
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}-"))
    try:
        build(tmp)
        write_text_atomic(tmp / COMPLETE, "")
        if folder.exists():  # incomplete: no process holds it while we hold the lock
            shutil.rmtree(folder)
        os.replace(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
