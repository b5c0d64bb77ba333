"""``benchmarks/device_check.py`` runs on a bare GPU image: torch, transformers and PyYAML alone.

Here it runs with ``--tiny`` on the CPU, with pydantic, duckdb, typer, rich and datasets made
unimportable, as the device machine's image lacks (or may lack) them.
"""

import json
import subprocess
import sys
from pathlib import Path

from experiments.toolkit import cost

ROOT = Path(__file__).resolve().parents[1]
BARE = """
import runpy, sys
for absent in ("pydantic", "duckdb", "typer", "rich", "datasets"):
    sys.modules[absent] = None  # import fails and find_spec says None, as for a package not installed
sys.argv = ["device_check.py", "--tiny", "--out", sys.argv[1]]
runpy.run_path("benchmarks/device_check.py", run_name="__main__")
"""


def test_the_device_check_runs_without_the_projects_other_dependencies(tmp_path):
    out = tmp_path / "check.json"
    done = subprocess.run([sys.executable, "-c", BARE, str(out)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(out.read_text())
    assert report["control_learned"] and report["same_seed_same_logits"]
    speed = report["speed"]
    assert speed["mfu"] is None  # a CPU has no bf16 tensor-core peak to divide by
    assert speed["speedup_over_hf_defaults"] > 0 and speed["grid_gpu_hours"] > 0
    ours = report["runs"]["xnli"]
    assert ours["tokens_per_second"] > 0 and ours["model_tflops"] > 0


def test_model_flops_follow_the_palm_count_for_xlmr_large():
    # xlm-roberta-large: 24 layers of 12.6M weights (the embeddings, 256M, are not matrix work)
    assert 300e6 < cost.non_embedding_params(**cost.XLMR_LARGE) < 305e6
    per_token = cost.flops_per_token(256, **cost.XLMR_LARGE)
    assert per_token == 6 * cost.non_embedding_params(**cost.XLMR_LARGE) + 12 * 24 * 1024 * 256


def test_the_grid_trains_every_target_from_every_arm_in_every_seed():
    grid = cost.full_grid(seeds=3)
    targets = [t for t in grid if t.what.startswith("target ")]
    middle = [t for t in grid if t.what.startswith("intermediate ")]
    assert {t.copies for t in targets} == {3 * (len(middle) + 2)}  # no intermediate phase, each task, the mix
    assert {t.what for t in targets} >= {"target xnli", "target panx", "target xquad"}
    assert not any("bucc" in t.what or "tatoeba" in t.what for t in grid)  # retrieval trains nothing
