"""The share of a run's distinct gated units that pass their controls (issue #12's figure).

A unit is one arm's model on one task in one seed (an intermediate checkpoint on its own
held-out items, or a target model over its languages), however many claims share it. It
passes when it beats its trivial baseline by the policy's standard errors and does not give
one class to nearly every item (``audit.judge.gates``).

Usage: python benchmarks/gate_units.py [STORE]   (default ./.audit/audit.duckdb)
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    from audit.judge.gates import units
    from audit.run.records import read_records
    from audit.settings import Settings

    store = Path(sys.argv[1] if len(sys.argv) > 1 else ".audit/audit.duckdb")
    records = read_records(Settings(store=store, claims_dir=Path("."), data_dir=None).records_dir)
    seen: dict[tuple, object] = {}
    for record in records:
        for unit in units({record.seed: record.cells}):
            if unit.trained or unit.role == "intermediate":
                seen[(unit.seed, unit.arm, unit.role == "intermediate", unit.task)] = unit
    by_task: dict[str, list[bool]] = defaultdict(list)
    for (_, _, checkpoint, task), unit in sorted(seen.items()):
        by_task[f"{'check' if checkpoint else 'target'} {task}"].append(unit.beats_trivial and not unit.one_class)
    passed = sum(sum(v) for v in by_task.values())
    total = sum(len(v) for v in by_task.values())
    for name, results in sorted(by_task.items()):
        print(f"{name}: {sum(results)} of {len(results)}")
    print(f"all: {passed} of {total} pass ({passed / total:.0%})" if total else "no gated units")


if __name__ == "__main__":
    main()
