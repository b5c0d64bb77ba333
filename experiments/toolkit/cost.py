"""What training costs: model FLOPs per token, and the tokens of the full grid, for GPU-hour projections.

Model FLOPs follow the convention of the PaLM paper (Chowdhery et al. 2022, appendix B): a
training token costs ``6 N + 12 L d S`` FLOPs, forward and backward, for ``N`` non-embedding
parameters, ``L`` layers, hidden size ``d`` and sequence length ``S``. Recomputed activations
(checkpointing) are not counted, so model FLOP utilisation (MFU) compares settings fairly.

The full grid is the issue's definition of the paper's protocol: each intermediate task with a
training set (and their mix) trained in every seed, and each trained XTREME target fine-tuned
from every arm (no intermediate phase, each task, the mix) in every seed, at the full profile's
schedules (``experiments/toolkit/tasks.yaml``), every sequence padded to its task's length as jiant pads.
A multiple-choice question is one sequence per choice; QA counts examples, not the (slightly
more) windows a long context is cut into.

Standalone on PyYAML (no pydantic): ``benchmarks/device_check.py`` runs it on a bare GPU image.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

THROUGHPUT_FILE = Path(__file__).with_name("throughput.yaml")
XLMR_LARGE = {"layers": 24, "hidden": 1024, "intermediate": 4096}  # xlm-roberta-large's config.json


def non_embedding_params(layers: int, hidden: int, intermediate: int) -> int:
    """Weights and biases of the transformer layers: attention (4 d x d), feed-forward, two layer norms."""
    attention = 4 * hidden * hidden + 4 * hidden
    feed_forward = 2 * hidden * intermediate + hidden + intermediate
    return layers * (attention + feed_forward + 4 * hidden)


def flops_per_token(length: int, layers: int, hidden: int, intermediate: int) -> float:
    """Model FLOPs of one training token (forward and backward) at sequence length ``length``."""
    return 6.0 * non_embedding_params(layers, hidden, intermediate) + 12.0 * layers * hidden * length


@dataclass(frozen=True)
class Training:
    """Trainings alike in the grid: ``copies`` of ``epochs`` over ``examples`` at ``length``."""

    what: str
    examples: int
    epochs: float
    length: int
    copies: int

    @property
    def tokens(self) -> float:
        return float(self.examples) * self.epochs * self.length * self.copies


def full_grid(seeds: int = 3) -> list[Training]:
    """Every training of the paper's grid at the full profile's schedules (see the module docstring)."""
    from experiments.toolkit.tasks import registry, schedule

    tasks = registry().values()
    role = schedule("full", "intermediate")
    middle = [t for t in tasks if t.role == "intermediate" and t.train_examples]
    targets = [t for t in tasks if t.role == "target" and t.head != "retrieval" and t.train_examples]
    arms = 1 + len(middle) + 1  # no intermediate phase, each task, their mix

    def length(task) -> int:
        return task.profiles.get("full", {}).get("max_length", role.get("max_length", 256))

    def training(what: str, task, epochs: float, copies: int) -> Training:
        return Training(f"{what} {task.name}", task.train_examples * task.choices, epochs, length(task), copies)

    grid = [training("intermediate", t, role["epochs"], seeds) for t in middle]
    grid += [training("mix part", t, role["epochs"], seeds) for t in middle]
    return grid + [training("target", t, t.profiles["full"]["epochs"], arms * seeds) for t in targets]


def gpu_hours(grid: list[Training], achieved_flops: float, shape: dict | None = None) -> float:
    """Hours of one GPU sustaining ``achieved_flops`` model FLOP/s on every training of ``grid``."""
    shape = shape or XLMR_LARGE
    flops = sum(t.tokens * flops_per_token(t.length, **shape) for t in grid)
    return flops / achieved_flops / 3600


@dataclass(frozen=True)
class Throughput:
    """A measured training speed: padded tokens a second of one stage, on one device kind."""

    model: str
    max_length: int
    device: str
    tokens_per_second: float
    measured: str


@cache
def throughputs() -> tuple[Throughput, ...]:
    """The throughput table (``throughput.yaml``), filled from benchmark runs."""
    from audit.contract import load_yaml as load

    rows = (load(THROUGHPUT_FILE) or {}).get("rows") or []
    return tuple(Throughput(**row) for row in rows)
