"""The names a report may use for this project's tasks and datasets, for claim templates.

``vocabulary()`` maps each role ("intermediate", "target") to {lower-cased name or alias:
[task names]}: a name two tasks share ("SQuAD": v1.1 and v2.0) maps to both, and the
binder treats it as ambiguous. ``datasets`` maps an intermediate task to the datasets of
``datasets.yaml`` whose rows it is made of (ANLI+ is its parts); ``sources`` maps the
names a report gives a dataset's origin to the keys the source check expects; ``unroutable``
maps a task no source can serve (CCG) to why, so a claim about it is never bound to a run.
"""

from __future__ import annotations

from experiments.dataset_facts.experiment import catalogue
from experiments.toolkit.tasks import registry


def vocabulary() -> dict[str, dict]:
    out: dict[str, dict] = {"intermediate": {}, "target": {}, "datasets": {}, "sources": {}, "unroutable": {}}
    known = set(catalogue()["datasets"])
    for key, names in catalogue().get("sources", {}).items():
        out["sources"].update({n.casefold(): key for n in [key, *names]})
    for task in registry().values():
        for name in {task.name, task.name.replace("_", " "), *task.aliases}:
            out[task.role].setdefault(name.casefold(), []).append(task.name)
        parts = task.parts or [task.name]
        if all(p in known for p in parts):
            out["datasets"][task.name] = parts
        if task.unavailable or (not task.hub and not task.pack):
            out["unroutable"][task.name] = task.unavailable or "neither the hub nor the data pack serves it"
    return out
