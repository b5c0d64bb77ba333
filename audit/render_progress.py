"""``audit verify``'s progress bars: every run with its ETA, and what each process computes now.

Fed ``audit.progress.Event``s in the main process, from workers too (``audit.workers``).
The first bar counts runs (claim x seed) and estimates the time left; below it, one bar
per process (``main``, ``worker 1``, ...) shows its run and the stage it computes: a
training's steps, a target's languages scored. The bars go when the runs end.
"""

from __future__ import annotations

from audit.progress import Event


class RunBars:
    """A callable ``Event`` sink drawing rich bars; use it as a context manager."""

    def __init__(self, console):
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
        clocks = (TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn())
        self.bars = Progress(*columns, *clocks, console=console, transient=True)
        self.lines: dict[str, int] = {}  # process -> its bar
        self.runs: dict[str, str] = {}  # process -> the run it computes
        self.overall = self.bars.add_task("runs", total=None)

    def __enter__(self) -> RunBars:
        self.bars.start()
        return self

    def __exit__(self, *exc) -> None:
        self.bars.stop()

    def __call__(self, event: Event) -> None:
        if event.kind == "runs":
            self.bars.update(self.overall, total=event.total, description="runs (claim x seed)")
        elif event.kind == "run-end":
            self.bars.advance(self.overall)
        elif event.kind == "run-start":
            self.runs[event.source] = event.label
            self._line(event.source, f"{event.source}: {event.label}", None)
        elif event.kind == "begin":
            run = self.runs.get(event.source, "")
            self._line(event.source, f"{event.source}: {run} · {event.label}", event.total)
        elif event.kind == "advance" and event.source in self.lines:
            self.bars.advance(self.lines[event.source], event.advance)

    def _line(self, source: str, text: str, total: int | None) -> None:
        if source not in self.lines:
            self.lines[source] = self.bars.add_task(text, total=total)
        else:
            self.bars.reset(self.lines[source], total=total, completed=0, description=text)
