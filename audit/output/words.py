"""How verdicts read in words: the summary line and a gate's outcome, the same in every output format."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from audit.judge.verdict import Verdict


def summary_line(verdicts: list[Verdict]) -> str:
    counts = Counter(str(v.status) for v in verdicts)
    return f"{len(verdicts)} verdicts: " + ", ".join(f"{k} {n}" for k, n in sorted(counts.items()))


def gate_word(g, v: Verdict) -> str:
    """A gate's outcome as a reader sees it; at smoke gates are not applied, so none reads 'failed'."""
    if v.fidelity == "pipeline":
        return "not applied (smoke proves the pipeline)"
    return {"PASS": "passed", "FAIL": "failed", "INDETERMINATE": "indeterminate", "N/A": "not applicable"}[g.outcome]
