"""The processes a run starts: how many cores one may use, and children that die with their parent."""

from __future__ import annotations

import os


def cores() -> int:
    """The cores this process may use (its affinity where the OS tells it)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def death_signal():
    """The call that has the kernel SIGKILL the calling process when its parent dies (Linux; None elsewhere).

    It is looked up here, ahead of the call, so a ``preexec_fn`` that runs it between fork and
    exec does nothing but the system call.
    """
    import ctypes
    import signal
    import sys

    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    return lambda: prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def die_with_parent(parent: int) -> None:
    """On Linux, the kernel kills this process when its parent dies (kill -9 included).

    Without it a killed ``audit verify --jobs 2`` left its workers training, orphaned,
    for minutes. Elsewhere there is no such call, and orphans finish their run.
    """
    if (arm := death_signal()) is None:
        return
    arm()
    if os.getppid() != parent:  # the parent died before the call above
        os._exit(1)
