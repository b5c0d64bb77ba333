"""Progress of a verify run, as events a person can follow, from this process or from workers.

Code that does long work reports through ``current()``: the runner says when a run starts
and ends, the stage cache when it computes a stage, the Trainer at every step, scoring at
every language. The reporter forwards ``Event``s: to a callback in this process, or over a
queue from a worker process to the main one, where one listener draws them (``audit
verify``'s rich bars). With nothing installed, reporting costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Kind = Literal["runs", "run-start", "run-end", "begin", "advance"]


@dataclass(frozen=True)
class Event:
    """One thing that happened in one process (``source``: 'main' or 'worker 2')."""

    kind: Kind
    source: str
    label: str = ""  # run-start: 'claim (seed N)'; begin: what is computing, e.g. 'target xnli: training'
    total: int | None = None  # runs: how many runs in all; begin: how many steps or languages, when known
    advance: int = 0


class Reporter:
    """Reports nothing: the default, and the base of the real ones."""

    source = "main"
    stage_label = ""

    def emit(self, event: Event) -> None:
        return None

    def stage(self, label: str) -> None:
        """A stage starts computing (the stage cache says so); its phases are named after it."""
        self.stage_label = label
        self.begin(label)

    def phase(self, what: str, total: int | None = None) -> None:
        """A phase of the current stage: 'training' (its steps), 'scoring' (its languages)."""
        self.begin(f"{self.stage_label}: {what}" if self.stage_label else what, total)

    def run_started(self, label: str) -> None:
        self.emit(Event("run-start", self.source, label))

    def run_ended(self, label: str) -> None:
        self.emit(Event("run-end", self.source, label))

    def begin(self, label: str, total: int | None = None) -> None:
        """A new piece of work in this process replaces the one before it on its bar."""
        self.emit(Event("begin", self.source, label, total))

    def advance(self, n: int = 1) -> None:
        self.emit(Event("advance", self.source, advance=n))


class CallbackReporter(Reporter):
    """Hands every event to a function in this process."""

    def __init__(self, sink: Callable[[Event], None], source: str = "main"):
        self.sink, self.source = sink, source

    def emit(self, event: Event) -> None:
        self.sink(event)


class QueueReporter(Reporter):
    """Puts every event on a multiprocessing queue the main process drains."""

    def __init__(self, queue, source: str):
        self.queue, self.source = queue, source

    def emit(self, event: Event) -> None:
        self.queue.put(event)


_current: Reporter = Reporter()


def current() -> Reporter:
    return _current


def install(reporter: Reporter | None) -> Reporter:
    """Make ``reporter`` this process's reporter (None: report nothing); returns the one before."""
    global _current
    before, _current = _current, reporter or Reporter()
    return before
