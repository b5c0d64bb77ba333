"""One GPU per process: the HF Trainer would wrap a model seeing several in nn.DataParallel."""

from __future__ import annotations

import os

from audit import gpus
from audit.profiles import Profile
from audit.workers import cores, default_jobs


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
