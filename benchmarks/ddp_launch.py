"""What a DDP stage pays to launch: the same tiny training in this process and over torchrun.

``experiments.toolkit.distributed`` writes the job (weights, configs, tokenizer, Arrow features),
starts ``torchrun`` and its ranks (each imports torch and transformers and rebuilds the
model), and reads the trained weights back. On a GPU node that fixed cost sits beside
hours of training; this measures it on the machine at hand, with a tiny XLM-R, two ranks
on the CPU (gloo), and training short enough that the launch dominates.

    python benchmarks/ddp_launch.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CORPUS = ["the cat sat on the mat", "der Hund schläft", "le chat dort", "a dog runs fast"] * 10
PARAMS = {"batch_size": 4, "learning_rate": 1e-3, "warmup_ratio": 0.0, "save_steps": 50, "max_steps": 4}


def once(enc: Path, processes: int, folder: Path) -> float:
    from experiments.toolkit import distributed, features, models

    tok = models.load_tokenizer(enc)
    rows = [{"text_a": CORPUS[i], "text_b": CORPUS[i + 1], "label": i % 3} for i in range(16)]
    parts = [distributed.Part(features.encode_pair(tok, rows, None, 16), "sequence-classification")]
    model = models.with_head(enc, "sequence-classification", num_labels=3)
    started = time.perf_counter()
    distributed.train(model, tok, parts, folder, {**PARAMS, "ddp_processes": processes}, seed=0)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    from experiments.toolkit.training import quiet
    from tests.tiny import build

    quiet()
    with tempfile.TemporaryDirectory() as tmp:
        enc = build(Path(tmp) / "tiny", CORPUS)
        seconds = {n: [once(enc, n, Path(tmp) / f"run-{n}-{i}") for i in range(args.repeats)] for n in (1, 2)}
    medians = {n: statistics.median(s) for n, s in seconds.items()}
    print(json.dumps({"seconds": seconds, "median": medians, "launch_overhead_s": medians[2] - medians[1]}, indent=1))


if __name__ == "__main__":
    main()
