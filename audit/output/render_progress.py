"""``audit verify``'s progress: rich bars on a terminal, timestamped lines in a log.

Fed ``audit.run.progress.Event``s in the main process, from workers too (``audit.run.workers``).
On a terminal (``RunBars``) the first bar counts runs (claim x seed) and estimates the time
left; below it, one bar per process (``main``, ``worker 1``, ...) shows its run and the stage
it computes: a training's steps, a target's languages scored. The bars go when the runs end.
Where output goes to a file or a CI log (``LogLines``), the same events are plain lines with
the time: a stage starting and ending, training every ~10%, languages scored, and the ETA
after each run.
"""

from __future__ import annotations

from audit.run.progress import Event


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


class LogLines:
    """A callable ``Event`` sink writing one timestamped line per thing worth a line (see the module)."""

    def __init__(self, write=None):
        import sys
        import time

        self.write = write or (lambda text: print(text, file=sys.stdout, flush=True))
        self.clock = time.monotonic
        self.started = self.clock()
        self.total: int | None = None
        self.done = 0
        self.work: dict[str, tuple[str, int | None, int, float]] = {}  # source -> (label, total, done, since)

    def __enter__(self) -> LogLines:
        return self

    def __exit__(self, *exc) -> None:
        return None

    def __call__(self, event: Event) -> None:
        handler = getattr(self, "_" + event.kind.replace("-", "_"), None)
        if handler:
            handler(event)

    def _say(self, text: str) -> None:
        from datetime import datetime

        self.write(f"[{datetime.now().strftime('%H:%M:%S')}] {text}")

    def _runs(self, event: Event) -> None:
        self.total = event.total
        self._say(f"{event.total} runs (claim x seed) to do")

    def _run_start(self, event: Event) -> None:
        self._say(f"{event.source}: {event.label} started")

    def _run_end(self, event: Event) -> None:
        self._finish(event.source)
        self.done += 1
        elapsed = self.clock() - self.started
        left = (self.total or self.done) - self.done
        eta = f"; ETA {_clock(elapsed / self.done * left)}" if left else ""
        self._say(f"{event.source}: {event.label} done ({self.done} of {self.total or '?'} runs{eta})")

    def _begin(self, event: Event) -> None:
        self._finish(event.source)
        self.work[event.source] = (event.label, event.total, 0, self.clock())
        self._say(f"{event.source}: {event.label}" + (f" ({event.total})" if event.total else "") + " started")

    def _advance(self, event: Event) -> None:
        if event.source not in self.work:
            return
        label, total, done, since = self.work[event.source]
        now = done + event.advance
        self.work[event.source] = (label, total, now, since)
        # Every ~10% of a long phase (training steps); every step of a short one (languages scored).
        if total and (total < 10 or now * 10 // total > done * 10 // total):
            self._say(f"{event.source}: {label} {now}/{total}")

    def _finish(self, source: str) -> None:
        if source in self.work:
            label, _, _, since = self.work.pop(source)
            self._say(f"{source}: {label} ended after {_clock(self.clock() - since)}")


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}"
