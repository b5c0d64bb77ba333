"""Which GPUs a run may use: each process sees exactly one.

The HF Trainer wraps a model in ``nn.DataParallel`` whenever its process sees several
GPUs, and multiplies the batch by their number: a different experiment from the one the
params say (the paper's batch is per optimiser step of one process). So a worker is
pinned to its own GPU, and a run in the main process to the first one, through
``CUDA_VISIBLE_DEVICES`` set before CUDA starts in that process. At full fidelity
``--jobs`` defaults to one worker per GPU.

A stage may train on a group of GPUs (``--gpus-per-stage N``): the worker still sees only
the group's first GPU, and ``AUDIT_STAGE_GPUS`` names the whole group, on which its
training stages launch one DDP process per GPU (``experiments.toolkit.distributed``).

Counting GPUs goes through NVML (torch's ``device_count`` does), which starts no CUDA
context, so the main process can still be pinned after counting.
"""

from __future__ import annotations

import os

ENV = "CUDA_VISIBLE_DEVICES"
STAGE_ENV = "AUDIT_STAGE_GPUS"


def visible() -> list[str]:
    """The GPUs this process may use: ``CUDA_VISIBLE_DEVICES`` if set, else every one torch counts."""
    if (env := os.environ.get(ENV)) is not None:
        return [d.strip() for d in env.split(",") if d.strip()]
    try:
        import torch
    except ImportError:
        return []
    return [str(i) for i in range(torch.cuda.device_count())]


def assign(workers: int, gpus: list[str], per_stage: int = 1) -> list[str | None]:
    """A group of ``per_stage`` GPUs per worker ('0,1'), round robin when there are more workers
    than groups (None: no GPU). GPUs that do not fill a group are left out."""
    groups = [",".join(gpus[i : i + per_stage]) for i in range(0, len(gpus) - per_stage + 1, per_stage)]
    return [groups[i % len(groups)] if groups else None for i in range(workers)]


def pin(group: str | None) -> None:
    """Let this process see one GPU, its group's first (a no-op without one); call it before CUDA starts here.

    The whole group (one GPU or several) is kept in ``AUDIT_STAGE_GPUS`` for the stages' DDP launches.
    """
    if group is not None:
        os.environ[ENV] = group.split(",")[0]
        os.environ[STAGE_ENV] = group


def stage_group() -> list[str]:
    """The GPUs this process's training stages may spread over (empty without GPUs)."""
    if found := os.environ.get(STAGE_ENV):
        return [d.strip() for d in found.split(",") if d.strip()]
    return visible()[:1]


def groups(per_stage: int) -> int:
    """How many groups of ``per_stage`` GPUs this machine has (0 without GPUs)."""
    return len(visible()) // per_stage
