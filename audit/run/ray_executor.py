"""Scale-out on Ray: every missing stage of every run is a Ray task; this process alone writes the store.

The unit of work stays the content-addressed stage (``experiments.toolkit.stages``), and
what to compute comes from each run's resolved plan (``audit.run.plan.RunPlan``), computing
nothing to find it:

1. the driver resolves every (claim, seed) run's plan and submits each of its stages that the
   stage cache does not hold as one Ray task, once however many runs need it (tasks are keyed
   by stage key). A task gets the ObjectRefs of the stages its run lists before it as
   arguments, so Ray orders it after them and no task ever waits on another with ``ray.get``;
2. a task computes its stage in a worker (``runner.compute_stage``: the run's code reads its
   earlier stages back from the shared cache and computes this one);
3. once the stages a run planned are done, the driver runs it once, reading every stage
   back, exactly as a local run would, and writes its record. A run whose pass still meets a
   missing stage (its plan and its run disagree) has that stage submitted as in step 1.

So a stage already cached is never submitted (a resumed run re-runs nothing that finished),
and the driver passes each run once, not once per stage. A worker that dies mid-stage is
retried (``max_retries``), and the stage resumes from its last Trainer checkpoint in the
shared stage folder; a stage that still fails leaves the runs that need it FAILED with one
line that names it, and every other run goes on.

Requirements: the stage cache (beside the store) must be on storage every node sees, at the
same path, and each node needs this package and the data (``AUDIT_DATA_DIR``). At full
fidelity on a cluster with GPUs every stage asks Ray for one GPU, so Ray places one stage per
GPU (it sets ``CUDA_VISIBLE_DEVICES`` for the task), and each GPU task's worker process exits
after it (``max_calls=1``: the GPU's memory goes back with it); otherwise a stage asks for one
CPU. Before planning, one task with the stages' resources resolves each claim's 'auto'
settings (precision, attention, threads) on a worker, and the driver plans and reads back
under those (``audit.run.plan.resolved_on``): a CPU-only head would otherwise key every stage
as fp32 while its GPU workers compute bf16. The workers are taken to be of one kind.
Progress: the overall bar of runs, and one line saying which stages are on the cluster;
the steps inside a stage are not streamed back.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from audit.errors import AuditError
from audit.profiles import Profile
from audit.run import progress as reporting
from audit.run.scheduling import StageNeeded, only
from audit.settings import Settings
from audit.synthesis.spec import ClaimSpec

MAX_RETRIES = 3  # a worker that dies (a node lost, killed for memory) reruns the stage this often
RETRY_EXCEPTIONS = [OSError]  # transient storage errors on the shared stage cache
ENV = ("AUDIT_DATA_DIR", "AUDIT_HUB_MIRROR", "HF_HUB_OFFLINE", "HF_HOME", "HF_DATASETS_OFFLINE")
SOURCE = "cluster"


@dataclass
class Outcome:
    """What one executor call did: stages it ran on the cluster, and runs recorded."""

    stages_run: list[str] = field(default_factory=list)
    records: int = 0
    failed_stages: dict[str, str] = field(default_factory=dict)


def connect(address: str | None):
    """The Ray cluster at ``address`` ('auto': the one this node belongs to), else a local one."""
    try:
        import ray
    except ImportError:
        raise AuditError("--executor ray needs Ray: pip install 'audit[ray]'") from None
    if not ray.is_initialized():
        env = {k: os.environ[k] for k in ENV if k in os.environ}
        kwargs = {"address": address} if address else {"include_dashboard": False}
        ray.init(**kwargs, runtime_env={"env_vars": env}, log_to_driver=False, configure_logging=False)
    return ray


def _stage_task(spec: dict, profile: Profile, seed: int, settings: Settings, entry: str, key: str, stages, *after):
    """In a Ray worker: compute one stage (the stages it consumes, ``after``, are done and cached).

    ``stages``: the run's planned stages, so the stage is computed from its entry alone; None to walk the run.
    """
    from audit.run.runner import compute_stage

    compute_stage(ClaimSpec.model_validate(spec), profile, seed, settings, entry, key, stages)
    return key


def _numerics_task(spec: dict, profile: Profile, entry: str) -> dict:
    """In a Ray worker: the claim's 'auto' settings as this worker resolves them."""
    from audit import registry

    exp = registry.load(entry)
    return exp.Params.for_spec(ClaimSpec.model_validate(spec), profile).resolved().numerics()


def remote(ray, function, resources: dict[str, float], **options):
    """``function`` as a Ray task with ``resources``; a GPU task's worker exits after it.

    ``max_calls`` can only be set where the task is declared (``.options`` refuses it), and
    Ray's default of one call per GPU worker applies only to ``num_gpus`` declared there too.
    """
    calls = {"max_calls": 1} if resources.get("num_gpus") else {}
    return ray.remote(**resources, **calls, **options)(function)


def run_all(
    jobs: list[tuple[ClaimSpec, int]], profile: Profile, settings: Settings, address: str | None, progress=None
):
    """Run every (spec, seed) with its stages on Ray; each run's record is written here."""
    ray = connect(address)
    return _Driver(ray, jobs, profile, settings, progress or (lambda _e: None)).run()


class _Driver:
    def __init__(self, ray, jobs, profile: Profile, settings: Settings, progress):
        from audit.run.runner import entry_of

        self.ray, self.jobs, self.profile, self.settings, self.progress = ray, jobs, profile, settings, progress
        self.entries = [entry_of(spec) for spec, _ in jobs]
        self.consumed: dict[int, list] = {i: [] for i in range(len(jobs))}  # each run's stages' ObjectRefs
        self.inflight: dict[str, Any] = {}  # stage key -> ObjectRef
        self.labels: dict[str, str] = {}
        self.waiting: dict[str, list[int]] = {}  # stage key -> the runs waiting on it
        self.attempted: set[str] = set()  # stages a task ran; one it did not keep is the driver's to meet
        self.pending: dict[int, set[str]] = {}  # run -> its planned stages still on Ray
        self.failed_runs: set[int] = set()  # runs recorded as failed (a stage they needed failed)
        self.outcome = Outcome()
        self.resources = _resources(ray, profile)
        retries = {"max_retries": MAX_RETRIES, "retry_exceptions": RETRY_EXCEPTIONS}
        self.remote = remote(ray, _stage_task, self.resources, **retries)
        self.numerics: dict[str, dict] = {}

    def run(self) -> Outcome:
        from audit.run.plan import resolved_on

        self.numerics = self.probe()
        with resolved_on(self.numerics):
            self.progress(reporting.Event("runs", "main", total=len(self.jobs)))
            ready = [i for i in range(len(self.jobs)) if not self.submit_plan(i)]
            while ready or self.inflight:
                for i in ready:
                    self.advance(i)
                ready = self.collect() if self.inflight else []
        return self.outcome

    def probe(self) -> dict[str, dict]:
        """Each claim's 'auto' settings as a worker with the stages' resources resolves them (claim id -> values)."""
        task = remote(self.ray, _numerics_task, self.resources)
        firsts = {spec.id: (spec, self.entries[i]) for i, (spec, _) in enumerate(self.jobs)}
        refs = {
            cid: task.remote(spec.model_dump(mode="json"), self.profile, entry) for cid, (spec, entry) in firsts.items()
        }
        found = {}
        for cid, ref in refs.items():
            try:
                found[cid] = self.ray.get(ref)
            except self.ray.exceptions.RayError:  # a spec a worker cannot resolve: its run says why
                continue
        return found

    def submit_plan(self, i: int) -> bool:
        """Submit every stage of run ``i``'s plan that the cache lacks; whether the run waits on any."""
        from audit.run.plan import done, resolve_run

        spec, seed = self.jobs[i]
        try:
            plan = resolve_run(spec, self.profile, seed, self.settings)
        except Exception:  # a plan that cannot be resolved: the run's own pass says why, and records it
            return False
        rows = [s.model_dump(mode="json") for s in plan.stages]
        for stage in plan.stages:
            for key in stage.keys:
                if key not in self.inflight and done(self.settings, key):
                    continue
                if key not in self.inflight:  # after the stages it consumes, where Ray still computes them
                    after = [self.inflight[k] for k in stage.inputs if k in self.inflight]
                    self.submit(i, key, f"{stage.stage} {stage.task}", after, rows)
                self.waiting.setdefault(key, []).append(i)
                self.pending.setdefault(i, set()).add(key)
        return bool(self.pending.get(i))

    def submit(self, i: int, key: str, label: str, after: list, stages: list | None = None) -> None:
        spec, seed = self.jobs[i]
        args = (spec.model_dump(mode="json"), self.profile, seed, self.settings, self.entries[i], key, stages)
        self.inflight[key] = self.remote.remote(*args, *after)
        self.labels[key] = label
        self.outcome.stages_run.append(key)
        self.show()

    def advance(self, i: int, failed: str | None = None) -> None:
        """Take run ``i`` as far as the cache holds; submit (or join) the stage it stops at."""
        need = self.step(i, failed)
        if need is None:
            return
        if why := self.outcome.failed_stages.get(need.key):  # it failed for another run already
            self.advance(i, failed=why)
            return
        if need.key not in self.inflight:
            self.submit(i, need.key, need.label, self.consumed[i])
        self.waiting.setdefault(need.key, []).append(i)
        self.pending.setdefault(i, set()).add(need.key)

    def step(self, i: int, failed: str | None) -> StageNeeded | None:
        """One pass of run ``i`` here (computing only stages a task ran without keeping): its record, or its stop."""
        from audit.run.runner import run_once

        spec, seed = self.jobs[i]
        before = reporting.install(None)  # a pass that stops at a missing stage is not a run ending
        try:
            # A stage a task ran but did not keep raised an outcome there (a language without data,
            # say): this pass meets it itself, as a local run would, instead of submitting it again.
            with only(self.attempted):
                run_once(spec, self.profile, seed, self.settings, self.entries[i], failed=failed)
        except StageNeeded as need:
            return need
        finally:
            reporting.install(before)
        self.outcome.records += 1
        self.progress(reporting.Event("run-end", "main", f"{spec.id} (seed {seed})"))
        return None

    def collect(self) -> list[int]:
        """Wait for one stage; the runs that waited on it are ready to advance (or are recorded as failed)."""
        refs = list(self.inflight.values())
        [done], _ = self.ray.wait(refs, num_returns=1)
        key = next(k for k, ref in self.inflight.items() if ref == done)
        del self.inflight[key]
        self.attempted.add(key)
        runs = self.waiting.pop(key, [])
        self.show()
        try:
            self.ray.get(done)
        except self.ray.exceptions.RayError as exc:
            why = f"stage {self.labels[key]} ({key[:12]}) failed on Ray: {_one_line(exc)}"
            self.outcome.failed_stages[key] = why
            for i in dict.fromkeys(runs):
                if i not in self.failed_runs:
                    self.failed_runs.add(i)
                    self.advance(i, failed=why)
            return []
        for i in runs:
            self.consumed[i].append(done)
            self.pending[i].discard(key)
        # A run goes on once none of its stages is still on Ray (a failed one stops it above).
        return [i for i in dict.fromkeys(runs) if not self.pending[i] and i not in self.failed_runs]

    def show(self) -> None:
        names = sorted({self.labels[k] for k in self.inflight})
        what = f"{len(self.inflight)} stage(s) on Ray: {', '.join(names)}" if names else "waiting for Ray"
        self.progress(reporting.Event("begin", SOURCE, what))


def _resources(ray, profile: Profile) -> dict[str, float]:
    """One GPU a stage at full fidelity where the cluster has GPUs; else one CPU (never a wait for no GPU)."""
    if profile == Profile.FULL and ray.cluster_resources().get("GPU", 0) > 0:
        return {"num_gpus": 1}
    return {"num_cpus": 1}


def _one_line(exc: BaseException) -> str:
    """The task's own exception (not Ray's traceback around it), on one line."""
    cause = getattr(exc, "cause", None) or exc
    text = " / ".join(ln.strip() for ln in str(cause).splitlines() if ln.strip())
    return f"{type(cause).__name__}: {text}"[:300]
