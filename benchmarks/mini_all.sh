#!/usr/bin/env bash
# The mini profile over every claim, 3 seeds, from an empty store and stage cache (issue #4;
# goal: <= 30 min wall and < 8 GiB RSS on 2 CPU cores). Prints wall time and peak RSS,
# then the training steps executed against what each claim would have run on its own.
# Run from the repo root: bash benchmarks/mini_all.sh [WORKDIR]
set -euo pipefail
work=${1:-$(mktemp -d)}
export AUDIT_STORE="$work/audit.duckdb" HF_HUB_OFFLINE=1 AUDIT_DATA_DIR=${AUDIT_DATA_DIR:-$(cd .. && pwd)/shared/data}
/usr/bin/time -v .venv/bin/audit verify --all --profile mini --seeds 3 > "$work/verify.txt" 2> "$work/time.txt" || true
grep -E "Elapsed|Maximum resident" "$work/time.txt"
.venv/bin/python benchmarks/steps.py "$AUDIT_STORE"
