"""Benchmark inventory from the benchmark's own dataset configurations (google/xtreme).

XTREME's hub configs are named ``<family>.<language>[.<language>]`` (``PAN-X.de``,
``MLQA.ar.de``, ``tatoeba.afr``); a family with one config (``XNLI``) carries a
``language`` column instead. Task and language counts are read from these names and
columns, so they change if the benchmark does.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Literal

from audit.contract import Measurement, Params, RunContext, experiment
from experiments.toolkit.sources.hub import Hub


class InventoryParams(Params):
    """Which count of the benchmark's own configurations a claim states."""

    count: Literal["tasks", "languages-per-task", "no-train-split", "task-languages"]
    benchmark: str = "google/xtreme"  # the hub repo the counts are read from (only XTREME is catalogued)
    datasets: list[str] = []  # no-train-split: the task families checked
    task: str | None = None  # task-languages: the target whose languages are counted


def xtreme() -> dict:
    from experiments.dataset_facts.experiment import catalogue

    return catalogue()["benchmarks"]["xtreme"]


def families(configs: list[str]) -> dict[str, list[str]]:
    """Config names grouped by family, English-training-only families left out."""
    skip, grouped = set(xtreme()["training_only"]), defaultdict(list)
    for config in configs:
        family = config.split(".", 1)[0]
        if family not in skip:
            grouped[family].append(config)
    return dict(grouped)


def languages(hub: Hub, repo: str, family: str, configs: list[str]) -> set[str]:
    named = {part for c in configs for part in c.split(".")[1:]}
    if named:
        return named
    ds = hub.load(repo, configs[0], "validation")
    return set(ds["language"]) if "language" in ds.column_names else set()


def task_count(ctx) -> list[Measurement]:
    hub, repo = Hub.from_env(), xtreme()["repo"]
    found = families(hub.configs(repo))
    parts = [Measurement(metric="configs", task=f, value=len(c)) for f, c in sorted(found.items())]
    return [Measurement(metric=ctx.spec.metric.name, value=len(found)), *parts]


def languages_per_task(ctx) -> list[Measurement]:
    hub, repo = Hub.from_env(), xtreme()["repo"]
    counts = {f: len(languages(hub, repo, f, c)) for f, c in families(hub.configs(repo)).items()}
    parts = [Measurement(metric="languages", task=f, value=n) for f, n in sorted(counts.items())]
    return [Measurement(metric=ctx.spec.metric.name, value=max(counts.values())), *parts]


def no_train_split(ctx) -> list[Measurement]:
    """1 when no config of the retrieval families has a train split."""
    hub, repo, parts = Hub.from_env(), xtreme()["repo"], []
    grouped = families(hub.configs(repo))
    for name in ctx.params.datasets:
        family = xtreme()["families"][name]
        with_train = sum("train" in hub.splits(repo, c) for c in grouped.get(family, []))
        parts.append(Measurement(metric="configs_with_train", task=name, value=with_train))
        parts.append(Measurement(metric="configs", task=name, value=len(grouped.get(family, []))))
    ok = all(m.value == 0 for m in parts if m.metric == "configs_with_train")
    ok = ok and all(m.value > 0 for m in parts if m.metric == "configs")
    return [Measurement(metric=ctx.spec.metric.name, value=float(ok)), *parts]


def task_languages(ctx) -> list[Measurement]:
    """Distinct languages of one task's family (its config names, or its language column) on the hub;
    offline, from the data pack's files (``pack_languages``). The run's notes say which answered."""
    hub, repo, task = Hub.from_env(), xtreme()["repo"], ctx.params.task
    if not hub.serves(repo) and ctx.data_dir is not None:  # the hub is out of reach: the pack answers
        return pack_languages(ctx, task)
    family = xtreme()["families"][task]
    configs = families(hub.configs(repo)).get(family, [])
    found = languages(hub, repo, family, configs) if configs else set()
    ctx.notes.append(f"answered by the hub: {len(configs)} {family} configurations of {repo}")
    return [
        Measurement(metric=ctx.spec.metric.name, value=len(found)),
        Measurement(metric="configs", task=task, value=len(configs)),
    ]


def pack_languages(ctx, name: str) -> list[Measurement]:
    """The task's XTREME languages (tasks.yaml, from XTREME's configurations) the pack holds a dev file for.

    Each language counts only where its file is there, so the count is the pack's, not the list's;
    a language the pack lacks leaves the count unknown (UNVERIFIABLE, naming it), never short.
    """
    from audit.contract import Unverifiable
    from experiments.toolkit.tasks import get, pack_file

    task = get(name)
    served = [lang for lang in task.languages if pack_file(task, "dev", lang, ctx.data_dir, ctx.profile.value)]
    if missing := sorted(set(task.languages) - set(served)):
        raise Unverifiable(
            f"{name}: the data pack holds {len(served)} of XTREME's {len(task.languages)} languages "
            f"(not {', '.join(missing)}); the hub's configurations would answer"
        )
    ctx.notes.append(f"answered by the data pack: a {name} dev file for each of its {len(served)} XTREME languages")
    return [
        Measurement(metric=ctx.spec.metric.name, value=len(served)),
        Measurement(metric="pack_languages", task=name, value=len(served)),
    ]


CHECKS = {"tasks": task_count, "languages-per-task": languages_per_task, "no-train-split": no_train_split,
          "task-languages": task_languages}  # fmt: skip


def run(ctx: RunContext) -> list[Measurement]:
    """The ``benchmark-inventory`` experiment: dispatch on the spec's ``count`` param."""
    return CHECKS[ctx.params.count](ctx)


EXPERIMENT = experiment("benchmark-inventory", InventoryParams, run)
