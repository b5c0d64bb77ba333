"""What ``audit show`` prints: the spec, the params a run takes at a profile, the newest run's machine."""

from __future__ import annotations

import json

from rich.markup import escape
from rich.table import Table

from audit.profiles import Profile
from audit.render import verdict_table
from audit.spec import ClaimSpec
from audit.verdict import Verdict


def spec_view(spec: ClaimSpec, verdicts: list[Verdict]) -> list:
    import yaml
    from rich.syntax import Syntax

    text = yaml.safe_dump(spec.model_dump(mode="json"), sort_keys=False, allow_unicode=True)
    parts: list = [Syntax(text, "yaml", word_wrap=True)]
    if verdicts:
        parts.append(verdict_table(verdicts, title="Newest stored verdicts (one per route)"))
    return parts


def params_tables(spec: ClaimSpec, profile: Profile) -> list:
    """The params a run of ``spec`` at ``profile`` takes on this machine, each with its origin; then per task."""
    from audit.registry import is_registered, missing_reason
    from audit.runner import params_view

    if not is_registered(spec.experiment.name):
        return [f"{escape(spec.id)}: {escape(missing_reason(spec.experiment.name))}; it has no run params"]
    view = params_view(spec, profile)
    table = Table(title=f"Params of {spec.experiment.name} at {profile.value}, as this machine runs them")
    for col in ("param", "value", "from"):
        table.add_column(col, overflow="fold")
    for name, value in view.params.model_dump(mode="json").items():
        table.add_row(name, escape(json.dumps(value)), escape(view.origins[name]))
    out: list = [table]
    if view.per_task:
        keys = sorted({k for settings in view.per_task.values() for k in settings})
        per = Table(title=f"What each task's training stage runs with at {profile.value} (claim params, tasks.yaml)")
        for col in ("param", *view.per_task):
            per.add_column(col, overflow="fold")
        for key in keys:
            per.add_row(key, *[escape(json.dumps(s[key])) if key in s else "-" for s in view.per_task.values()])
        out.append(per)
    return out


def provenance_table(prov: dict) -> Table:
    """Where and how the newest run computed: enough to explain a difference between machines."""

    def loaded(v):
        return json.loads(v) if isinstance(v, str) else (v or {})

    hw, num = loaded(prov["hardware"]), loaded(prov.get("numerics"))
    table = Table(title=f"Newest run (profile {prov['profile']}, seed {prov['seed']})", show_header=False)
    table.add_column("field")
    table.add_column("value", overflow="fold")
    dirty = " (dirty)" if prov["git_dirty"] else ""
    for field, value in (
        ("code", f"{prov['git_commit'] or '-'}{dirty}"),
        ("cpu", f"{hw.get('processor') or '-'}; {hw.get('cpus')} cpus; isa: {', '.join(hw.get('isa') or []) or '-'}"),
        ("gpu", prov["gpu"] or "-"),
        ("threads", str(num.get("threads", "-"))),
        ("precision / attention", f"{num.get('precision', '-')} / {num.get('attention', '-')}"),
        ("kernels", f"{num.get('cpu_capability', '-')}; deterministic: {num.get('deterministic', '-')}"),
        ("libraries", "; ".join(num.get("libraries", [])) or "-"),
        ("data files", str(len(loaded(prov["data_fingerprints"])))),
    ):
        table.add_row(field, escape(str(value)))
    return table
