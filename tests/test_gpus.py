"""One GPU per process: the HF Trainer would wrap a model seeing several in nn.DataParallel."""

from __future__ import annotations

import os

import pytest

from audit.profiles import Profile
from audit.run import gpus
from audit.run.workers import cores, default_jobs


def test_visible_follows_cuda_visible_devices(monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2, 5")
    assert gpus.visible() == ["2", "5"]
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    assert gpus.visible() == []


def test_workers_get_one_gpu_each_round_robin():
    assert gpus.assign(3, ["0", "1"]) == ["0", "1", "0"]
    assert gpus.assign(2, []) == [None, None]


def test_pin_leaves_a_process_without_gpus_alone(monkeypatch):
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    gpus.pin(None)
    assert "CUDA_VISIBLE_DEVICES" not in os.environ
    gpus.pin("3")
    assert os.environ["CUDA_VISIBLE_DEVICES"] == "3"


def test_full_runs_one_worker_per_gpu_and_the_others_one_per_core(monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0,1,2,3")
    assert default_jobs(Profile.FULL) == 4
    assert default_jobs(Profile.MINI) == cores()
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    assert default_jobs(Profile.FULL) == cores()  # no GPU: the CPU's cores


def test_a_stage_may_spread_over_a_group_of_gpus(monkeypatch):
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    assert gpus.assign(3, ["0", "1", "2", "3", "4"], per_stage=2) == ["0,1", "2,3", "0,1"]  # GPU 4 fills no group
    assert gpus.assign(1, ["0"], per_stage=2) == [None]
    monkeypatch.delenv(gpus.STAGE_ENV, raising=False)
    gpus.pin("2,3")
    assert os.environ["CUDA_VISIBLE_DEVICES"] == "2"  # the process itself sees one: never DataParallel
    assert gpus.stage_group() == ["2", "3"]  # its training stages launch DDP on both


def test_full_runs_one_worker_per_group_of_gpus(monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0,1,2,3")
    assert default_jobs(Profile.FULL, gpus_per_stage=2) == 2


def test_ddp_processes_follow_the_stage_group(monkeypatch):
    from audit.errors import AuditError
    from experiments.toolkit.training import resolve_processes

    monkeypatch.setenv(gpus.STAGE_ENV, "0,1")
    assert resolve_processes("auto") == 2
    with pytest.raises(AuditError, match="needs 4 GPUs a stage; this process has 2: run with --gpus-per-stage 4"):
        resolve_processes(4)
    monkeypatch.delenv(gpus.STAGE_ENV)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    assert resolve_processes("auto") == 1
    assert resolve_processes(2) == 2  # no GPU: processes share the CPU (gloo)
    with pytest.raises(AuditError, match="not 'auto' or a positive integer"):
        resolve_processes(0)


def test_gpus_per_stage_is_refused_where_it_cannot_run(monkeypatch):
    from audit.errors import AuditError
    from audit.run.workers import executor_of

    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0")
    with pytest.raises(AuditError, match="this machine has 1 GPUs; ask for at most 1"):
        executor_of("local", None, 2)
    with pytest.raises(AuditError, match="local executor only"):
        executor_of("ray", None, 2)
