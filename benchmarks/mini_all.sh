#!/usr/bin/env bash
# The mini profile, 3 seeds, from an empty store and stage cache: every claim (issue #4;
# goal: <= 30 min wall and < 8 GiB RSS on 2 CPU cores), or only the claims named after
# the work folder (e.g. the research question's). Prints wall time and peak RSS, then
# the training steps executed against what each claim would have run on its own.
# JOBS (default 2) runs that many claim-seeds side by side in worker processes; peak RSS
# is given for the largest process and for the whole process tree.
# Run from the repo root: [JOBS=N] bash benchmarks/mini_all.sh [WORKDIR [CLAIM ...]]
set -euo pipefail
work=${1:-$(mktemp -d)}
shift || true
mkdir -p "$work"
select=(--all)
if [ $# -gt 0 ]; then select=(); for c in "$@"; do select+=(-c "$c"); done; fi
export AUDIT_STORE="$work/audit.duckdb" HF_HUB_OFFLINE=1 AUDIT_DATA_DIR=${AUDIT_DATA_DIR:-$(cd .. && pwd)/shared/data}
/usr/bin/time -v .venv/bin/python benchmarks/peak_rss.py .venv/bin/audit verify "${select[@]}" --profile mini \
  --seeds 3 --jobs "${JOBS:-2}" > "$work/verify.txt" 2> "$work/time.txt" || true
grep -E "Elapsed|Maximum resident|peak summed" "$work/time.txt"
.venv/bin/python benchmarks/steps.py "$AUDIT_STORE"
