"""What ``audit plan`` and the first line of ``audit verify`` show: stages, their cost, the work ahead."""

from __future__ import annotations

from rich import box
from rich.markup import escape
from rich.table import Table


def plan_view(plan) -> list:
    """One claim's planned stages (``audit plan``): a table and a line of totals."""
    table = Table(
        title=f"{plan.claim_id} at {plan.profile} fidelity: the stages a run would compute",
        box=box.SIMPLE_HEAD,
        show_lines=False,
    )
    for col in ("seed", "stage", "arm", "task", "key", "state", "schedule", "train on", "evaluate on"):
        table.add_column(col, overflow="fold")
    for s in plan.stages:
        state = "[green]cached[/]" if s.cached == s.count else "to run" if not s.cached else f"{s.cached} cached"
        table.add_row(
            str(s.seed),
            s.stage,
            escape(s.arm),
            escape(s.task),
            s.key[:12],
            state,
            escape(s.schedule),
            escape(s.train),
            escape(s.evaluate),
        )
    stages, trainings = sum(s.count for s in plan.stages), sum(s.schedule != "-" for s in plan.stages)
    total = f"{stages} stages ({trainings} train a model), {stages - plan.to_run} cached, {plan.to_run} to run"
    if plan.stopped:
        total += f"; the run would be {plan.stopped.name}: {escape(plan.why or '')}"
    return [table, *(f"note: {escape(n)}" for n in plan.notes), total]


def cost_view(cost) -> list[str]:
    """What the planned trainings would take (``audit.run.plan.cost``): tokens, and hours where measured."""
    lines = [f"training to run: {cost.tokens:.3g} padded tokens (each shared stage once; scoring not counted)"]
    lines += [
        f"about {e.hours:.3g} hours of {escape(e.device)} (measured: {escape(e.measured)})" for e in cost.estimates
    ]
    if cost.unmeasured:
        lines.append(
            f"no measured throughput for {escape(', '.join(cost.unmeasured))}: run benchmarks/device_check.py "
            "on the card and add its tokens_per_second to experiments/toolkit/throughput.yaml"
        )
    return lines


def preview_line(p) -> str:
    """verify's first line: the work ahead (``audit.run.plan.Preview``) and what it should take here."""
    when = (
        f"about {p.minutes:.0f} min of training with {p.workers} workers at the throughput measured on {p.device}"
        if p.minutes is not None
        else "no measured throughput for this work, so no time estimate"
    )
    return (
        f"verify: {p.profile}, {p.seeds} seeds, {p.workers} workers; {p.runs} runs; "
        f"{p.to_run} stages to run, {p.cached} cached; {escape(when)}"
    )
