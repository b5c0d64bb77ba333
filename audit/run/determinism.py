"""Determinism: the one place that seeds and fixes the numeric regime of a run and a stage.

Root cause of the batch-vs-alone differences found at d995d10 (2026-12-03, 2-core AMD
EPYC): torch's CPU kernels (oneDNN and ATen reductions, fp32 and bf16 alike) split their
work by the intra-op thread count, so the same training step gives different bits on 1
and on 2 threads. ``audit verify --jobs 2`` ran each worker on one thread, a lone run
used every core, and whichever process first computed a stage that claims share (a
baseline arm) fixed that stage's value for every claim after it.

So the thread count is part of the numeric regime, like the precision: a param
(``threads``, ``auto`` = 1 on every machine, whatever its core count), set at the start
of every stage and part of every stage key. Each stage also starts from a seed derived
from its own identity (name and spec, which holds the run's seed), so no RNG state
carries over from whatever the process computed before.

Every random draw of a run comes from here, derived from the run's seed:
``seed_all`` (Python, NumPy, torch and the Trainer's ``set_seed``) once per run, at
every stage (``enter_stage``), and before a new head is drawn or a tiny encoder built;
``rng`` and ``derived_rng`` give private Python generators (shuffles, perturbations,
attack proposals) and ``numpy_rng`` the item bootstrap's, so none of them reads a
global state that something else moved. The Trainer gets the run's seed as its
``seed``/``data_seed``.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import sys
from typing import Any

from audit.errors import AuditError

DEFAULT_THREADS = 1  # portable: any machine has one core; two one-thread workers beat one two-thread run


def resolve_threads(requested: int | str = "auto") -> int:
    """The intra-op thread count every stage runs with; 'auto' is the same on every machine."""
    if requested == "auto":
        return DEFAULT_THREADS
    if isinstance(requested, int) and not isinstance(requested, bool) and requested >= 1:
        return requested
    raise AuditError(f"threads '{requested}' is not 'auto' or a positive integer; fix the claim's params")


def stage_seed(name: str, spec: dict[str, Any]) -> int:
    """A stage's seed from its identity (not the code version, so a refactor keeps the draws)."""
    blob = json.dumps({"name": name, "spec": spec}, sort_keys=True, default=str)
    return int(hashlib.sha256(blob.encode()).hexdigest()[:8], 16)


def rng(seed: int | str) -> random.Random:
    """A private Python generator seeded with ``seed`` (a shuffle that must not move the global state).

    A str seed is hashed by ``random`` itself (SHA-512), the same in every process."""
    return random.Random(seed)


def derived_rng(*parts: object) -> random.Random:
    """A private Python generator from a seed and what it is for: the same parts give the same draws.

    The parts are joined with NUL bytes and hashed (SHA-256, first 8 bytes), so a
    perturbation of one sentence does not depend on which sentences were perturbed before.
    """
    digest = hashlib.sha256("\0".join(map(str, parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def numpy_rng(seed: int):
    """A private NumPy generator (the item bootstrap's)."""
    import numpy as np

    return np.random.default_rng(seed)


def seed_all(seed: int) -> None:
    """Seed Python, NumPy, and torch (with the Trainer's helper) when the run has imported it."""
    random.seed(seed)
    import numpy as np

    np.random.seed(seed % 2**32)
    if "torch" in sys.modules:
        from transformers import set_seed

        set_seed(seed)


def enter_stage(name: str, spec: dict[str, Any], threads: int) -> None:
    """Fix everything a stage's numbers depend on besides its inputs, before it computes.

    torch is imported here even when the process has not imported it yet: a stage that
    imports it itself would otherwise compute on torch's default thread count.
    """
    deterministic(threads)
    seed_all(stage_seed(name, spec))


def deterministic(threads: int) -> None:
    """The numeric regime every process computing a stage runs under, a DDP rank's too.

    ``use_deterministic_algorithms(warn_only=True)`` only warns where a kernel has no
    deterministic form, and on CUDA the flash and memory-efficient attention backwards have
    none (they accumulate with atomics): so on a GPU attention runs the math kernel, whose
    backward is matrix products, deterministic under cuBLAS's fixed workspace.
    """
    import torch

    torch.set_num_threads(threads)
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # deterministic cuBLAS
    torch.use_deterministic_algorithms(True, warn_only=True)
    if torch.cuda.is_available():
        for kernel in ("flash", "mem_efficient", "cudnn"):
            switch = getattr(torch.backends.cuda, f"enable_{kernel}_sdp", None)
            if switch is not None:
                switch(False)


def regime() -> dict[str, Any]:
    """What the numbers of this process depended on: for a run's provenance."""
    torch = sys.modules.get("torch")
    if torch is None:
        return {}
    lines = [line.strip(" -") for line in torch.__config__.show().splitlines()]
    return {
        "threads": torch.get_num_threads(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "deterministic": torch.are_deterministic_algorithms_enabled(),
        "sdpa_kernels": [k for k in ("flash", "mem_efficient", "cudnn", "math") if _sdp_on(torch, k)],
        # oneDNN (printed as MKL-DNN), MKL and OpenMP as torch reports them: their kernels set the bits.
        "libraries": [line for line in lines if line.startswith(("Intel(R)", "OpenMP"))],
    }


def _sdp_on(torch, kernel: str) -> bool:
    enabled = getattr(torch.backends.cuda, f"{kernel}_sdp_enabled", None)
    return bool(enabled and enabled())
