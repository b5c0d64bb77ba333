"""Run (claim, seed) pairs: in this process, or side by side in worker processes.

Workers never touch the store. Each run writes its JSON record (``audit.run.runner``), and the
caller's single store writer ingests the records once the runs are done. Runs that need the
same stage share it through the stage cache, whose per-stage lock (``experiments.toolkit.stages``) makes
the second worker wait for the first one's result instead of computing it again.

The runs are queued claim by claim and seed by seed. Two workers side by side therefore
mostly hold different seeds of one claim, and stages of different seeds never overlap.
Every stage computes on the run's ``threads`` (``audit.run.determinism``: 1 by default,
whatever the worker count), so the number of workers changes how fast, never the bits.
Small models use two threads poorly (a training step of e5-small took 0.30 s on 2
threads, and 0.45 s on 1 thread with a second process beside it), so one one-thread
worker per core does the most work per second.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Literal

from pydantic import BaseModel

from audit.errors import AuditError
from audit.profiles import Profile
from audit.run.processes import cores, die_with_parent
from audit.run.progress import Event
from audit.run.runner import entry_of
from audit.settings import Settings
from audit.synthesis.spec import ClaimSpec

Progress = Callable[[Event], None]
Job = tuple[ClaimSpec, int]


class Executor(BaseModel):
    """Where runs execute: worker processes on this host (``local``), or stage by stage on Ray."""

    kind: Literal["local", "ray"] = "local"
    address: str | None = None  # ray: a cluster's address ('auto': the one this node belongs to); unset: a local one
    gpus_per_stage: int = 1  # local: a worker's training stages run DDP over this many GPUs


def executor_of(kind: str, address: str | None, gpus_per_stage: int = 1) -> Executor:
    """The CLI's choice as an Executor; a wrong one is one line, before anything runs."""
    if kind not in ("local", "ray"):
        raise AuditError(f"--executor '{kind}' is not one of local, ray")
    if address and kind != "ray":
        raise AuditError("--address names a Ray cluster; pass it with --executor ray")
    if gpus_per_stage > 1 and kind == "ray":
        raise AuditError("--gpus-per-stage runs with the local executor only; on Ray each stage takes one GPU")
    from audit.run import gpus

    if gpus_per_stage > 1 and gpus.groups(gpus_per_stage) == 0:
        found = len(gpus.visible())
        raise AuditError(f"--gpus-per-stage {gpus_per_stage}: this machine has {found} GPUs; ask for at most {found}")
    return Executor(kind=kind, address=address, gpus_per_stage=gpus_per_stage)


def execute(jobs: list[Job], profile: Profile, settings: Settings, workers: int, progress, executor: Executor) -> None:
    """Run every (spec, seed) on ``executor``; every record lands in ``settings.records_dir``."""
    if executor.kind == "ray":
        from audit.run import ray_executor

        ray_executor.run_all(jobs, profile, settings, executor.address, progress)
    else:
        run_all(jobs, profile, settings, workers, progress, executor.gpus_per_stage)


def run_all(
    jobs: list[Job],
    profile: Profile,
    settings: Settings,
    workers: int = 1,
    progress: Progress | None = None,
    gpus_per_stage: int = 1,
):
    """Run every (spec, seed); each run leaves its record in ``settings.records_dir``.

    ``progress`` gets every ``audit.run.progress.Event``, in this process, from the workers too.
    Each process gets a group of ``gpus_per_stage`` GPUs (``audit.run.gpus``).
    """
    from audit.run import gpus
    from audit.run import progress as reporting
    from audit.run.runner import run_once

    if progress:
        progress(reporting.Event("runs", "main", total=len(jobs)))
    if workers <= 1 or len(jobs) <= 1:
        gpus.pin(gpus.assign(1, gpus.visible(), gpus_per_stage)[0])
        before = reporting.install(reporting.CallbackReporter(progress) if progress else None)
        try:
            for spec, seed in jobs:
                run_once(spec, profile, seed, settings, entry_of(spec))
        finally:
            reporting.install(before)
        return
    _pool(jobs, profile, settings, min(workers, len(jobs)), progress, gpus_per_stage)


def _pool(jobs: list[Job], profile: Profile, settings: Settings, workers: int, progress, per_stage: int) -> None:
    import multiprocessing

    from audit.run import gpus

    threads = max(1, cores() // workers)
    # spawn, not fork: a forked child would inherit the parent's torch and DuckDB state.
    context = multiprocessing.get_context("spawn")
    devices, names = context.Queue(), context.Queue()  # each worker takes one GPU and one name as it starts
    for n, gpu in enumerate(gpus.assign(workers, gpus.visible(), per_stage), start=1):
        devices.put(gpu)
        names.put(f"worker {n}")
    events = context.Queue() if progress else None
    start = (threads, os.getpid(), devices, names, events)
    with _listening(events, progress), ProcessPoolExecutor(workers, context, _start, start) as pool:
        pending = [
            pool.submit(_run, spec.model_dump(mode="json"), profile, seed, settings, entry_of(spec))
            for spec, seed in jobs
        ]
        try:
            for future in as_completed(pending):
                future.result()
        except BrokenProcessPool:
            raise AuditError(
                f"a worker process died (killed for memory?); the records of finished runs are kept in "
                f"{settings.records_dir}; run again with fewer --jobs, and finished stages will not re-run"
            ) from None


@contextmanager
def _listening(events, progress: Progress | None):
    """A thread in this process hands the workers' events to ``progress`` until the pool is done."""
    if events is None:
        yield
        return
    import threading

    def drain() -> None:
        while (event := events.get()) is not None:
            progress(event)

    listener = threading.Thread(target=drain, name="audit-progress", daemon=True)
    listener.start()
    try:
        yield
    finally:
        events.put(None)  # after the workers' own events: the queue keeps their order per process
        listener.join(timeout=10)


def _start(threads: int, parent: int, devices, names, events) -> None:
    """A worker's torch threads, its one GPU and its reporter, set before torch is imported; it dies with its parent."""
    from audit.run import gpus, progress

    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    gpus.pin(devices.get())
    name = names.get()
    if events is not None:
        progress.install(progress.QueueReporter(events, name))
    die_with_parent(parent)


def default_jobs(profile: Profile, gpus_per_stage: int = 1) -> int:
    """At full fidelity one worker per group of GPUs (where there are GPUs), else one per core."""
    if profile == Profile.FULL:
        from audit.run import gpus

        if found := gpus.groups(gpus_per_stage):
            return found
    return cores()


def _run(spec: dict, profile: Profile, seed: int, settings: Settings, entry: str) -> tuple[str, int]:
    """One run in a worker: the experiment comes as its entry, so the worker needs no registry."""
    from audit.run.runner import run_once

    record = run_once(ClaimSpec.model_validate(spec), profile, seed, settings, entry)
    return record.claim_id, record.seed
