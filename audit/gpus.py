"""Which GPUs a run may use: each process sees exactly one.

The HF Trainer wraps a model in ``nn.DataParallel`` whenever its process sees several
GPUs, and multiplies the batch by their number: a different experiment from the one the
params say (the paper's batch is per optimiser step of one process). So a worker is
pinned to its own GPU, and a run in the main process to the first one, through
``CUDA_VISIBLE_DEVICES`` set before CUDA starts in that process. At full fidelity
``--jobs`` defaults to one worker per GPU.

Counting GPUs goes through NVML (torch's ``device_count`` does), which starts no CUDA
context, so the main process can still be pinned after counting.
"""

from __future__ import annotations

import os

ENV = "CUDA_VISIBLE_DEVICES"


def visible() -> list[str]:
    """The GPUs this process may use: ``CUDA_VISIBLE_DEVICES`` if set, else every one torch counts."""
    if (env := os.environ.get(ENV)) is not None:
        return [d.strip() for d in env.split(",") if d.strip()]
    try:
        import torch
    except ImportError:
        return []
    return [str(i) for i in range(torch.cuda.device_count())]


def assign(workers: int, gpus: list[str]) -> list[str | None]:
    """One GPU per worker, round robin when there are more workers than GPUs (None: no GPU)."""
    return [gpus[i % len(gpus)] if gpus else None for i in range(workers)]


def pin(gpu: str | None) -> None:
    """Let this process see one GPU (a no-op without one); call it before CUDA starts here."""
    if gpu is not None:
        os.environ[ENV] = gpu
