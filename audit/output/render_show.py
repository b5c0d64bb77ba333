"""What ``audit show`` prints: the spec, the params a run takes at a profile, the newest run's machine."""

from __future__ import annotations

import json

from rich.markup import escape
from rich.table import Table

from audit.judge.verdict import Verdict
from audit.output.render import verdict_table
from audit.synthesis.spec import ClaimSpec


def spec_view(spec: ClaimSpec, verdicts: list[Verdict]) -> list:
    import yaml
    from rich.syntax import Syntax

    text = yaml.safe_dump(spec.model_dump(mode="json"), sort_keys=False, allow_unicode=True)
    parts: list = [Syntax(text, "yaml", word_wrap=True)]
    if verdicts:
        parts.append(verdict_table(verdicts, title="Newest stored verdicts (one per route)"))
    return parts


def plan_tables(plan) -> list:
    """A resolved run (``audit.run.plan.RunPlan``): params with their origins, stages, the judge's settings."""
    table = Table(title=f"Params of {plan.experiment} at {plan.profile}, as this machine runs them")
    for col in ("param", "value", "from"):
        table.add_column(col, overflow="fold")
    for name, value in plan.params.items():
        table.add_row(name, escape(json.dumps(value)), escape(plan.origins.get(name, "-")))
    out: list = [table]
    if plan.stages:
        out += [stages_table(plan), values_table(plan)]
    judge = Table(title="What the verdict reads the run with", show_header=False)
    judge.add_column("setting")
    judge.add_column("value", overflow="fold")
    for name, value in plan.judge.items():
        judge.add_row(name, escape(json.dumps(value)))
    out.append(judge)
    out += [f"note: {escape(n)}" for n in plan.notes]
    if plan.stopped:
        out.append(f"the run would be {plan.stopped.name}: {escape(plan.why or '')}")
    return out


def stages_table(plan) -> Table:
    table = Table(title=f"The stages of seed {plan.seed}'s run, in its order (each key hashes the values below)")
    for col in ("#", "stage", "arm", "task", "key", "consumes"):
        table.add_column(col, overflow="fold")
    for n, s in enumerate(plan.stages, 1):
        table.add_row(str(n), s.stage, escape(s.arm), escape(s.task), s.key[:12], ", ".join(k[:12] for k in s.inputs))
    return table


def values_table(plan) -> Table:
    """Every value each stage computes with: one column a stage, one row a value ('-': the stage has none)."""
    table = Table(title="Every value each stage computes with")
    table.add_column("value")
    for n in range(1, len(plan.stages) + 1):
        table.add_column(f"#{n}", overflow="fold")
    names = sorted({k for s in plan.stages for k in s.values})
    for name in names:
        table.add_row(name, *[escape(json.dumps(s.values[name])) if name in s.values else "-" for s in plan.stages])
    return table


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
