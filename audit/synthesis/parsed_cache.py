"""Parsed YAML kept between processes, keyed by each file's path, size and modification time.

``audit claims`` starts in about three times an empty typer program's time (BENCHMARKS.md), and
parsing its specs was the largest piece of it left. As Python keeps bytecode beside a module,
this keeps what each spec parsed to (plain JSON values, never code) in the user's cache; a file
that changed in size or time is parsed again, under ``audit.safe_yaml``'s limits, and every value
is validated as before. A missing or unreadable cache is only slower.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

VERSION = 1


def cache_file() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "audit" / "parsed-yaml.json"


def load_all(paths: list[Path], parse) -> dict[Path, Any]:
    """Each path's parsed content: from the cache where the file is unchanged, else ``parse(path)``.

    The cache holds the files of the last call only (one claims folder), so it never grows.
    """
    cached, now, out = _read(), {}, {}
    for path in paths:
        key, stamp = str(path.resolve()), _stamp(path)
        hit = cached.get(key)
        out[path] = hit[1] if hit is not None and hit[0] == stamp else parse(path)
        now[key] = [stamp, out[path]]
    if now != cached:
        _write(now)
    return out


def _stamp(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns]


def _read() -> dict:
    try:
        data = json.loads(cache_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data.get("entries", {}) if isinstance(data, dict) and data.get("version") == VERSION else {}


def _write(entries: dict) -> None:
    from audit.files import write_text_atomic

    try:
        cache_file().parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(cache_file(), json.dumps({"version": VERSION, "entries": entries}))
    except (OSError, TypeError, ValueError):  # a read-only home, or a value JSON cannot hold: no cache
        return
