"""Content-addressed stage cache.

A stage (a trained intermediate encoder, a target model, one language's scores) lives in
``<root>/<key>/``, where the key hashes the stage's name, its spec (params), the keys of
the stages it consumed, the experiment code and the content of the local data pack (any
changed file re-runs every stage; data from the hub is versioned by ``datasets`` itself).
The same work asked for by another claim or another run finds the same key and costs nothing.
Every stage computes in one numeric regime (``audit.run.determinism``: its thread count, in
the key, and a seed from its own identity), so its bits do not depend on which process,
worker or claim computed it first.

``stage.json`` is written last, atomically, and marks the stage done. A stage that was
interrupted has its folder but no ``stage.json``: it runs again in the same folder, so
work that keeps checkpoints there (the HF Trainer) resumes from the last one.

An executor may let a process compute only some stages (``audit.run.scheduling``): a stage it may
not compute raises ``StageNeeded`` instead, and the executor runs it elsewhere.

Worker processes share the cache (``audit.run.workers``). A stage is computed under a file
lock in its folder: a second process that needs it meanwhile waits, then reads it back.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from filelock import FileLock

from audit.contract import STAGE_DONE, code_hash, determinism, file_fingerprint, progress, scheduling, write_text_atomic

DONE = STAGE_DONE
LOCK = ".lock"


@dataclass(frozen=True)
class StageResult:
    key: str
    path: Path
    output: dict[str, Any]
    hit: bool


def stage_key(
    name: str, spec: dict[str, Any], inputs: list[str], code: str, threads: int = determinism.DEFAULT_THREADS
) -> str:
    identity = {"name": name, "spec": spec, "inputs": inputs, "code": code, "threads": threads}
    blob = json.dumps(identity, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


@cache
def code_version(folder: Path) -> str:
    """The experiment code's hash (``provenance.code_hash``), read once per process: any change re-runs every stage."""
    return code_hash(folder)


@cache
def data_version(data_dir: Path | None) -> str:
    """Hash of every file in the data pack, read once per process (about 0.5 s for the 135 MB pack)."""
    digest = hashlib.sha256()
    if data_dir is None or not data_dir.is_dir():
        return "no-pack"
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
        digest.update(f"{path.relative_to(data_dir).as_posix()}\0{file_fingerprint(path)}\0".encode())
    return digest.hexdigest()


def versions(experiment_dir: Path, data_dir: Path | None) -> str:
    """What every stage key of an experiment depends on besides its own spec and inputs."""
    return code_version(experiment_dir) + ":" + data_version(data_dir)


@dataclass
class StageCache:
    root: Path
    code: str
    threads: int = determinism.DEFAULT_THREADS  # the numeric regime: every stage computes on this many
    hits: int = 0
    runs: int = 0
    used: list[str] = field(default_factory=list)  # every stage key this run consumed, computed or read back

    def key(self, name: str, spec: dict[str, Any], inputs: list[str] = ()) -> str:
        return stage_key(name, spec, list(inputs), self.code, self.threads)

    def done(self, key: str) -> bool:
        """Whether the stage of this key finished (``audit plan`` asks without computing it)."""
        return (self.root / key / DONE).is_file()

    def run(
        self, name: str, spec: dict[str, Any], fn: Callable[[Path], dict[str, Any]], inputs: list[str] = ()
    ) -> StageResult:
        """The stage's output: read back if done, else computed by ``fn(folder)`` and kept."""
        key = self.key(name, spec, inputs)
        folder = self.root / key
        done = folder / DONE
        if not done.is_file():
            if not scheduling.may_compute(key):  # an executor schedules it (audit.run.scheduling)
                raise scheduling.StageNeeded(key, stage_label(name, spec))
            folder.mkdir(parents=True, exist_ok=True)
            with FileLock(folder / LOCK):
                if not done.is_file():  # no other process finished it while this one waited
                    return self._compute(key, folder, name, spec, fn, list(inputs))
        self.hits += 1
        self._use(key)
        return StageResult(key, folder, json.loads(done.read_text())["output"], hit=True)

    def _use(self, key: str) -> None:
        if key not in self.used:
            self.used.append(key)

    def _compute(self, key: str, folder: Path, name: str, spec: dict, fn, inputs: list[str]) -> StageResult:
        done = folder / DONE
        started = time.perf_counter()
        progress.current().stage(stage_label(name, spec))
        determinism.enter_stage(name, spec, self.threads)  # nothing the process ran before leaks in
        output = fn(folder)
        seconds = round(time.perf_counter() - started, 3)
        _write_json(done, {"name": name, "spec": spec, "inputs": inputs, "output": output, "seconds": seconds})
        self.runs += 1
        self._use(key)
        return StageResult(key, folder, output, hit=False)


def stage_label(name: str, spec: dict[str, Any]) -> str:
    """What a person sees while a stage computes: 'target xnli', 'score tatoeba de'."""
    return " ".join(str(p) for p in (name, spec.get("task") or "", spec.get("lang") or "") if p)


def _write_json(path: Path, data: dict) -> None:
    write_text_atomic(path, json.dumps(data, indent=2, sort_keys=True, default=str))
