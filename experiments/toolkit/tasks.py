"""The task registry (``tasks.yaml``): what each task is and where its data lives.

``load_records`` serves one task/split/language from the data pack when the pack holds
it, else from the hub (or a hub mirror), mapping hub rows onto the reader's record
shape. Data that neither source has raises ``Unverifiable`` naming it.

The pack's stand-ins (another split serving this one, e.g. XNLI English dev for MNLI
train) serve smoke and mini only: at full the paper's own data comes from the hub, so a
full run never trains on a substitute without saying so; it trains on the real thing or
is Unverifiable.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from audit.contract import Profile, Unverifiable
from experiments.toolkit.readers import HUB_SHAPES, READERS
from experiments.toolkit.sources.hub import Hub

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
    # Rows of the training split at full (the hub's card): what GPU-hour projections count.
    train_examples: int | None = None
    choices: int = 1  # sequences an example makes (a multiple-choice question: one per choice)
    # Per profile: why a run there cannot learn this task, as measured (the run leaves it out).
    unlearnable: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class GatePolicy:
    """What "learned" means, per task kind, and when a seed collapsed (``gates:`` in tasks.yaml)."""

    margin: dict = field(default_factory=dict)  # points above trivial, by task format
    collapse_share: float = 0.8
    heldout: dict = field(default_factory=lambda: {"smoke": 200, "mini": 1000, "full": 1000})  # by profile

    def margin_for(self, fmt: str) -> float:
        return float(self.margin.get(fmt, self.margin.get("default", 5.0)))


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


@cache
def schedule(profile: str, role: str) -> dict:
    """The training settings every task of ``role`` takes at ``profile`` (``schedules:``)."""
    return dict(_raw().get("schedules", {}).get(profile, {}).get(role, {}))


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


def pack_file(task: Task, split: str, lang: str, data_dir: Path | None, profile: str | None = None):
    """The pack file (and its entry) serving this split and language at ``profile``, if any.

    A stand-in never serves the full profile (see the module docstring).
    """
    if data_dir is None:
        return None
    for entry in _entries(task, split):
        if (entry.get("stand_in") and profile == Profile.FULL) or entry.get("no_gold"):
            continue  # a stand-in never serves full; a copy without gold answers serves nothing
        pattern = entry["path"].format(lang=lang)
        paths = sorted(data_dir.glob(pattern)) if "*" in pattern else [data_dir / pattern]
        for path in paths:
            if _exists(path, entry["reader"], lang):
                return path, entry
    return None


def _without_gold(task: Task, split: str, lang: str, data_dir: Path | None) -> str | None:
    """Why the pack's copy of this split serves nothing, where it has one without gold (tasks.yaml ``no_gold``)."""
    for entry in _entries(task, split) if data_dir is not None else []:
        if entry.get("no_gold") and _exists(data_dir / entry["path"].format(lang=lang), entry["reader"], lang):
            return entry["no_gold"]
    return None


def map_hub(record: dict, fields: dict[str, str]) -> dict:
    return {ours: record[theirs] for ours, theirs in fields.items()} if fields else dict(record)


@dataclass(frozen=True)
class HubSource:
    """One hub split a task's split is read from (tasks.yaml ``hub:``, templates filled in)."""

    repo: str
    config: str
    split: str
    fields: dict = field(default_factory=dict)
    where: dict = field(default_factory=dict)  # field -> value (or glob) a row of this language has
    no_gold: Any = None  # the label value of items without gold
    shape: str | None = None
    refuse: str | None = None

    @property
    def name(self) -> str:
        return f"{self.repo} {self.config}/{self.split}"

    def keeps(self, row: dict) -> bool:
        return all(fnmatchcase(str(row.get(k, "")).lower(), v.lower()) for k, v in self.where.items())

    def has_gold(self, row: dict) -> bool:
        return self.no_gold is None or row.get(self.fields.get("label", "label")) != self.no_gold


class _Names(dict):
    def __missing__(self, key: str):
        raise Unverifiable(f"tasks.yaml has no {key} for this language; add it to language_names")


def hub_sources(task: Task, split: str, lang: str) -> list[HubSource]:
    """The hub splits serving ``split`` in ``lang``, in the order their rows are read."""
    hub, names = task.hub, _Names(lang=lang)
    if lang in (known := _raw().get("language_names", {})):
        names["language"] = known[lang]
    entry = hub["splits"].get(split, split)
    sources = [
        _source(hub, e if isinstance(e, dict) else {"split": e}, names)
        for e in (entry if isinstance(entry, list) else [entry])
    ]
    if why := hub.get("missing", {}).get(split, {}).get(lang):  # the hub has no such split for it
        sources = [replace(s, refuse=why) for s in sources]
    return sources


def _source(hub: dict, entry: dict, names: dict) -> HubSource:
    def pick(key: str, default=None):
        return entry.get(key, hub.get(key, default))

    where = {k: v.format_map(names) for k, v in pick("where", {}).items()}
    return HubSource(
        repo=pick("repo"),
        config=pick("config").format_map(names),
        split=entry["split"],
        fields=pick("fields", {}),
        where=where,
        no_gold=pick("no_gold"),
        shape=pick("shape"),
        refuse=pick("refuse"),
    )


def named(dataset) -> list[dict]:
    """The rows, with every sequence of ClassLabel integers (the hub's UD-POS ``pos_tags``) as its names.

    The pack writes tags as names ('NOUN'); rows whose tags came as integers scored 0 of 0 tokens.
    A single ClassLabel (XNLI's label) stays an integer: label lists index it in the same order.
    """
    import datasets

    features = getattr(dataset, "features", None) or {}
    coded = {k: _inner(f).names for k, f in features.items() if isinstance(_inner(f), datasets.ClassLabel)}
    if not coded:
        return list(dataset)
    return [{**r, **{k: [coded[k][i] for i in r[k]] for k in coded}} for r in dataset]


def _inner(feature):
    """The element feature of a sequence feature (None for a scalar one)."""
    if hasattr(feature, "feature"):
        return feature.feature
    return feature[0] if isinstance(feature, list) and feature else None


def from_hub(task: Task, split: str, lang: str, notes: list[str] | None = None) -> list[dict]:
    """A split's records from its hub sources; items without gold are left out, and counted in ``notes``."""
    if not task.hub:
        raise Unverifiable(f"{task.name} has no hub source: {task.unavailable or 'none is known'}")
    records = []
    for source in hub_sources(task, split, lang):
        if source.refuse:
            raise Unverifiable(f"{source.name} cannot serve {task.name}: {source.refuse}")
        rows = [r for r in named(Hub.from_env().load(source.repo, source.config, source.split)) if source.keeps(r)]
        kept = [r for r in rows if source.has_gold(r)]
        if len(kept) < len(rows) and notes is not None:
            notes.append(
                f"{task.name} {split} [{lang}]: {len(rows) - len(kept)} of {len(rows)} rows of "
                f"{source.name} have no gold label and were left out"
            )
        records += HUB_SHAPES[source.shape](kept) if source.shape else [map_hub(r, source.fields) for r in kept]
    if not records:  # a language filter that keeps nothing (TyDiQA has no Finnish dev in a mirror)
        raise Unverifiable(f"{task.name} {split} [{lang}]: the hub's copy holds no rows for it")
    return records


def sources_of(task: Task, split: str, lang: str, data_dir: Path | None, profile: str | None):
    """Where a split would be read from at ``profile``, reading nothing: (pack file, hub sources, why neither).

    The pack file wins when there is one; else the hub sources, unless a reason rules them out.
    """
    if task.unavailable:
        return None, [], task.unavailable
    if found := pack_file(task, split, lang, data_dir, profile):
        return found, [], None
    if not task.hub:
        return None, [], "no hub source"
    try:
        sources = hub_sources(task, split, lang)
    except Unverifiable as exc:
        return None, [], str(exc)
    return None, sources, next((s.refuse for s in sources if s.refuse), None)


def unservable(task: Task, split: str, lang: str, ctx: Any) -> str | None:
    """Why no source serves this split at the run's profile (None: one does), reading no rows."""
    found, sources, why = sources_of(task, split, lang, ctx.data_dir, getattr(ctx, "profile", None))
    if found:
        return None
    if not why:
        hub = Hub.from_env()
        why = next((w for s in sources if (w := hub.reachable(s.repo, s.config, s.split))), None)
    return why and f"{task.name} {split} [{lang}]: {why}"


def load_records(task: Task, split: str, lang: str, ctx: Any) -> list[dict]:
    """Records of one task/split/language; the pack first, then the hub."""
    if task.unavailable:
        raise Unverifiable(f"{task.name}: {task.unavailable}")
    profile = getattr(ctx, "profile", None)
    found, problem = pack_file(task, split, lang, ctx.data_dir, profile), "is not in the data pack"
    if profile == Profile.FULL and not found and pack_file(task, split, lang, ctx.data_dir):
        problem = "is in the data pack only as a stand-in, which never serves the full profile"
    if not found and (why := _without_gold(task, split, lang, ctx.data_dir)):
        problem = f"has no usable pack copy ({why}: no gold answers)"
    if found:
        path, entry = found
        ctx.use(Path(f"{path}.{lang}") if entry["reader"] in PARALLEL else path)
        try:
            return _noted(READERS[entry["reader"]](path, lang), path, ctx)
        except Unverifiable as exc:  # a pack copy without gold: the hub's may have it
            problem = f"has no usable pack copy ({exc})"
    try:
        return from_hub(task, split, lang, getattr(ctx, "notes", None))
    except Unverifiable as exc:
        raise Unverifiable(f"{task.name} {split} [{lang}] {problem}; {exc}") from None


def _noted(rows: list[dict], path: Path, ctx: Any) -> list[dict]:
    """The rows; the lines the reader skipped go into the run's notes, counted by reason."""
    skipped = getattr(rows, "skipped", {})
    notes = getattr(ctx, "notes", None)
    for reason, n in sorted(skipped.items()):
        note = f"{path.name}: {n} {reason} skipped by the reader"
        if notes is not None and note not in notes:
            notes.append(note)
    return rows


def inventory(data_dir: Path | None, profile: str | None = None) -> list[dict]:
    """Per task and split: which languages the pack serves at ``profile``, and the hub source.

    At full a stand-in serves nothing (see the module docstring), so it is not listed either.
    """
    rows = []
    for task in registry().values():
        # Retrieval tasks train nothing, so only their evaluation split is listed.
        # The full profile chooses a target's checkpoint on its training task's English dev items ("select").
        wanted = {"dev"} if task.format == "parallel" else {"train", "dev"} if task.role == "target" else {"train"}
        if profile == Profile.FULL and task.role == "target" and task.format != "parallel":
            wanted.add("select")
        splits = sorted((set(task.pack) - {"select"}) | wanted)
        for split in splits:
            langs = task.languages if split == "dev" else ["en"]
            local = [lang for lang in langs if pack_file(task, split, lang, data_dir, profile)]
            stand_in = next((e.get("stand_in") for e in _entries(task, split) if e.get("stand_in")), None)
            stand_in = None if profile == Profile.FULL else stand_in
            rows.append(
                {
                    "task": task.name,
                    "role": task.role,
                    "split": split,
                    "local": local,
                    "languages": langs,
                    "hub": _hub_name(task),
                    "stand_in": stand_in,
                    "unavailable": task.unavailable,
                }
            )
    return rows


def _hub_name(task: Task) -> str:
    return f"{task.hub['repo']} {task.hub['config']}" if task.hub else "-"
