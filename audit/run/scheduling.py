"""Which stages this process may compute: every one (a local run), or only those an executor handed it.

A local run computes each stage it misses in the stage cache as it meets it. A distributed
executor (``audit.run.ray_executor``) instead runs a claim's experiment in two ways:

- on the driver, computing nothing (``only(set())``): the run goes as far as the cache holds
  and stops at its first missing stage with ``StageNeeded``, which names the stage, so the
  executor can schedule it as a task of its own;
- in a task, computing only the stage it was handed (``only({key})``): the stages before it
  are cached, and the next missing one stops the run there.

A run that meets no missing stage finishes as a local run would, so its record is the same.
``StageNeeded`` is a ``BaseException``: the runner's ``except Exception`` (a failed run is
recorded, not raised) must not swallow it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_allowed: ContextVar[frozenset[str] | None] = ContextVar("audit_allowed_stages", default=None)


class StageNeeded(BaseException):
    """The run needs a stage the cache does not hold and this process may not compute."""

    def __init__(self, key: str, label: str):
        super().__init__(f"stage {label} ({key}) is not cached")
        self.key, self.label = key, label


def may_compute(key: str) -> bool:
    allowed = _allowed.get()
    return allowed is None or key in allowed


@contextmanager
def only(keys: set[str] | frozenset[str]) -> Iterator[None]:
    """Within this block, a missing stage outside ``keys`` raises ``StageNeeded`` instead of computing."""
    token = _allowed.set(frozenset(keys))
    try:
        yield
    finally:
        _allowed.reset(token)
