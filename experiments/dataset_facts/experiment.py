"""Dataset facts, taken from the data itself: row counts, sources, split and config inventories.

Online these read the hub (or a hub mirror); offline, the data pack where it holds the
split. A split that neither holds makes the claim UNVERIFIABLE with that split named:
a remembered number is never used.
"""

from __future__ import annotations

from collections import Counter
from functools import cache
from pathlib import Path
from typing import Literal, Self

import yaml
from pydantic import model_validator

from audit.contract import Measurement, Params, RunContext, Unverifiable, experiment
from experiments.toolkit.sources import pack
from experiments.toolkit.sources.hub import Hub


class FactsParams(Params):
    """Which fact of which datasets' data a claim states."""

    check: Literal["row-count", "source", "task-rows", "gold-pairs"]
    datasets: list[str] = []  # row-count, source: catalogue names (datasets.yaml)
    split: str = "train"
    drop_no_gold: bool = False  # row-count: leave out items without a gold label
    expect: list[str] = []  # source: the sources the statement names
    task: str | None = None  # task-rows, gold-pairs: a task of tasks.yaml
    language: str | None = None

    @model_validator(mode="after")
    def _what_the_check_needs(self) -> Self:
        needs = {"row-count": ("datasets",), "source": ("datasets", "expect")}.get(self.check, ("task", "language"))
        if missing := [name for name in needs if not getattr(self, name)]:
            raise ValueError(f"check '{self.check}' needs {' and '.join(missing)}")
        return self


CATALOGUE = Path(__file__).with_name("datasets.yaml")


@cache
def catalogue() -> dict:
    return yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))


def entry(name: str) -> dict:
    try:
        return catalogue()["datasets"][name]
    except KeyError:
        raise Unverifiable(f"dataset '{name}' is not in {CATALOGUE.name}") from None


def load_split(ctx, name: str, split: str):
    """Rows of one split: the pack if it holds the split, else the hub."""
    e = entry(name)
    held = e.get("pack", {}).get(split)
    if held and ctx.data_dir:
        ctx.use(pack.locate(ctx.data_dir, held["path"]))
        return pack.load(ctx.data_dir, held["path"], held["format"])
    hub = e["hub"]
    try:
        return Hub.from_env().load(hub["repo"], hub["config"], hub["splits"].get(split, split))
    except Unverifiable as exc:
        holds = ", ".join(sorted(e.get("pack", {}))) or "nothing"
        raise Unverifiable(f"{name} {split} is not in the data pack (it holds: {holds}); {exc}") from None


def gold_rows(ds, e: dict, drop_no_gold: bool) -> int:
    if not drop_no_gold or "no_gold" not in e:
        return ds.num_rows
    return sum(1 for label in ds["label"] if label != e["no_gold"])


def row_count(ctx) -> list[Measurement]:
    """Rows of ``split`` summed over ``datasets``, optionally without no-gold items."""
    split, drop = ctx.params.split, ctx.params.drop_no_gold
    parts = [
        Measurement(metric="rows", task=n, split=split, value=gold_rows(load_split(ctx, n, split), entry(n), drop))
        for n in ctx.params.datasets
    ]
    return [Measurement(metric=ctx.spec.metric.name, split=split, value=sum(m.value for m in parts)), *parts]


def source_prefixes(ds, field: str) -> Counter:
    """Counts of the source named before '~' in ids like 'activitynet~v_abc'."""
    return Counter(str(v).split("~", 1)[0].casefold() for v in ds[field])


def source_check(ctx, name: str, expect: set[str]) -> list[Measurement]:
    e = entry(name)
    if field := e.get("source_field"):
        seen = source_prefixes(load_split(ctx, name, "train"), field)
        found = [Measurement(metric="source_rows", task=name, language=s, value=n) for s, n in seen.items()]
        return [Measurement(metric="source_ok", task=name, value=float(set(seen) == expect)), *found]
    card = Hub.from_env().card(e["hub"]["repo"]).casefold()
    return [Measurement(metric="source_ok", task=name, value=float(all(t in card for t in expect)))]


def source(ctx) -> list[Measurement]:
    """1 when every dataset's own metadata names exactly the expected sources."""
    expect = {t.casefold() for t in ctx.params.expect}
    parts = [m for n in ctx.params.datasets for m in source_check(ctx, n, expect)]
    ok = all(m.value == 1.0 for m in parts if m.metric == "source_ok")
    return [Measurement(metric=ctx.spec.metric.name, value=float(ok)), *parts]


def _split_count(ctx, count) -> list[Measurement]:
    """``count(records)`` of one task's split in one language, as the experiments load it (pack, else hub)."""
    from experiments.toolkit.tasks import get, load_records

    task, split, lang = ctx.params.task, ctx.params.split, ctx.params.language
    value = count(load_records(get(task), split, lang, ctx))
    return [
        Measurement(metric=ctx.spec.metric.name, task=task, language=lang, split=split, value=value),
        Measurement(metric=ctx.spec.metric.name, split=split, value=value),
    ]


def task_rows(ctx) -> list[Measurement]:
    """Items of one task's split in one language."""
    return _split_count(ctx, len)


def gold_pairs(ctx) -> list[Measurement]:
    """Gold pairs of a parallel task's split in one language (BUCC)."""
    return _split_count(ctx, lambda records: sum(len(r["gold"]) for r in records))


CHECKS = {"row-count": row_count, "source": source, "task-rows": task_rows, "gold-pairs": gold_pairs}


def run(ctx: RunContext) -> list[Measurement]:
    """The ``dataset-facts`` experiment: dispatch on the spec's ``check`` param."""
    return CHECKS[ctx.params.check](ctx)


EXPERIMENT = experiment("dataset-facts", FactsParams, run)
