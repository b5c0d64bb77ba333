"""Training steps a set of runs executed, against running each claim without the shared cache.

Each xtreme-transfer run records ``train_steps`` (executed) and ``training_stages`` (stages
it needed, cached or not); without sharing, every needed stage would train ``max_steps``.
Usage: python benchmarks/steps.py STORE
"""

import json
import sys

import duckdb

con = duckdb.connect(sys.argv[1], read_only=True)
rows = con.execute(
    """SELECT r.claim_id, r.seed, c.spec,
              max(CASE WHEN m.metric = 'train_steps' THEN m.value END) AS executed,
              max(CASE WHEN m.metric = 'training_stages' THEN m.value END) AS stages
       FROM runs r JOIN measurements m ON m.run_id = r.id JOIN claims c ON c.id = r.claim_id
       WHERE r.profile = 'mini' GROUP BY r.claim_id, r.seed, c.spec"""
).fetchall()
executed = sum(r[3] or 0 for r in rows)
alone = sum((r[4] or 0) * json.loads(r[2])["experiment"]["profiles"]["mini"]["params"]["max_steps"] for r in rows)
print(f"runs {len(rows)}; training steps executed {executed:.0f}; without the shared cache {alone:.0f}")
