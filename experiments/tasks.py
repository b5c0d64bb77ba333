"""The task registry (``tasks.yaml``): what each task is and where its data lives.

``load_records`` serves one task/split/language from the data pack when the pack holds
it, else from the hub (or a hub mirror), mapping hub fields onto the reader's record
shape. Data that neither source has raises ``Unverifiable`` naming it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from audit.errors import Unverifiable
from audit.sources.hub import Hub
from experiments.readers import READERS

REGISTRY_FILE = Path(__file__).with_name("tasks.yaml")
PARALLEL = {"tatoeba", "bucc"}  # readers whose path is a base name, completed by ".<lang>"


@dataclass(frozen=True)
class Task:
    name: str
    role: str
    format: str
    head: str
    metric: str
    hub: dict | None
    pack: dict
    labels: list[str] | None = None
    languages: list[str] = field(default_factory=lambda: ["en"])
    unavailable: str | None = None
    no_answer: bool = False
    parts: list[str] = field(default_factory=list)
    # Per-profile training settings that override a claim's at that profile: jiant's at
    # full fidelity; at mini, what keeps one step's work alike across formats.
    profiles: dict[str, dict] = field(default_factory=dict)
    # Per-profile positive-control floors (0-100) a reference arm must reach on this target.
    floor: dict[str, float] = field(default_factory=dict)
    aliases: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class GatePolicy:
    """How far above "learned nothing" a model must score (``gates:`` in tasks.yaml)."""

    sigmas: float = 3.0
    max_class_share: float = 0.95
    heldout: int = 200


PROFILE_KEYS = ("smoke", "mini", "full")


def _task(name: str, role: str, spec: dict) -> Task:
    settings = {key: spec[key] for key in PROFILE_KEYS if key in spec}
    rest = {k: v for k, v in spec.items() if k not in PROFILE_KEYS}
    return Task(name=name, role=role, profiles=settings, **rest)


@cache
def _raw() -> dict:
    return yaml.safe_load(REGISTRY_FILE.read_text(encoding="utf-8"))


@cache
def registry() -> dict[str, Task]:
    raw = _raw()
    return {name: _task(name, role, spec) for role in ("intermediate", "target") for name, spec in raw[role].items()}


@cache
def gate_policy() -> GatePolicy:
    return GatePolicy(**_raw().get("gates", {}))


def get(name: str) -> Task:
    try:
        return registry()[name]
    except KeyError:
        raise Unverifiable(f"task '{name}' is not in {REGISTRY_FILE.name}") from None


def _entries(task: Task, split: str) -> list[dict]:
    held = task.pack.get(split) or []
    return held if isinstance(held, list) else [held]


def _exists(path: Path, reader: str, lang: str) -> bool:
    return Path(f"{path}.{lang}").is_file() if reader in PARALLEL else path.is_file()


def pack_file(task: Task, split: str, lang: str, data_dir: Path | None) -> tuple[Path, dict] | None:
    """The pack file (and its entry) serving this split and language, if the pack has it."""
    if data_dir is None:
        return None
    for entry in _entries(task, split):
        pattern = entry["path"].format(lang=lang)
        paths = sorted(data_dir.glob(pattern)) if "*" in pattern else [data_dir / pattern]
        for path in paths:
            if _exists(path, entry["reader"], lang):
                return path, entry
    return None


def map_hub(record: dict, fields: dict[str, str]) -> dict:
    return {ours: record[theirs] for ours, theirs in fields.items()} if fields else dict(record)


def from_hub(task: Task, split: str, lang: str) -> list[dict]:
    if not task.hub:
        raise Unverifiable(f"{task.name} has no hub source: {task.unavailable or 'none is known'}")
    hub = task.hub
    ds = Hub.from_env().load(hub["repo"], hub["config"].format(lang=lang), hub["splits"].get(split, split))
    return [map_hub(r, hub.get("fields", {})) for r in ds]


def load_records(task: Task, split: str, lang: str, ctx: Any) -> list[dict]:
    """Records of one task/split/language; the pack first, then the hub."""
    if task.unavailable:
        raise Unverifiable(f"{task.name}: {task.unavailable}")
    found, problem = pack_file(task, split, lang, ctx.data_dir), "is not in the data pack"
    if found:
        path, entry = found
        ctx.use(Path(f"{path}.{lang}") if entry["reader"] in PARALLEL else path)
        try:
            return READERS[entry["reader"]](path, lang)
        except Unverifiable as exc:  # a pack copy without gold: the hub's may have it
            problem = f"has no usable pack copy ({exc})"
    try:
        return from_hub(task, split, lang)
    except Unverifiable as exc:
        raise Unverifiable(f"{task.name} {split} [{lang}] {problem}; {exc}") from None


def inventory(data_dir: Path | None) -> list[dict]:
    """Per task and split: which languages the pack serves, and the hub source."""
    rows = []
    for task in registry().values():
        # Retrieval tasks train nothing, so only their evaluation split is listed.
        wanted = {"dev"} if task.format == "parallel" else {"train", "dev"} if task.role == "target" else {"train"}
        splits = sorted(set(task.pack) | wanted)
        for split in splits:
            langs = task.languages if split != "train" else ["en"]
            local = [lang for lang in langs if pack_file(task, split, lang, data_dir)]
            stand_in = next((e.get("stand_in") for e in _entries(task, split) if e.get("stand_in")), None)
            rows.append({"task": task.name, "role": task.role, "split": split, "local": local,
                         "languages": langs, "hub": _hub_name(task), "stand_in": stand_in,
                         "unavailable": task.unavailable})  # fmt: skip
    return rows


def _splits_wanted(task: Task) -> set[str]:
    if task.format == "parallel":  # retrieval trains nothing: only its evaluation split
        return {"dev"}
    return {"train", "dev"} if task.role == "target" else {"train"}


def _hub_name(task: Task) -> str:
    return f"{task.hub['repo']} {task.hub['config']}" if task.hub else "-"
