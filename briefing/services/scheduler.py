"""Periodic refresh jobs (quotes, bars, feeds) with backoff, run through a `TaskRunner`.

Later issues add jobs; each says how often it runs, when it may run at all (a market is open,
the app is online), and what to do with the result. A failing job backs off exponentially with
jitter, so a dead server is not hammered; one run of a job is in flight at a time.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from briefing.services.tasks import TaskRunner

log = logging.getLogger(__name__)


@dataclass
class Job:
    name: str
    interval_s: float
    fn: Callable[[], Any]
    on_result: Callable[[Any], None] | None = None
    may_run: Callable[[], bool] = lambda: True
    max_backoff_s: float = 3600.0
    # state
    next_due: float = 0.0
    failures: int = 0
    running: bool = False
    last_error: str = ""
    extra: dict = field(default_factory=dict)

    def backoff(self, rng: random.Random) -> float:
        """Seconds to wait after `failures` consecutive failures: doubling, capped, +-20 % jitter."""
        base = min(self.interval_s * (2 ** self.failures), self.max_backoff_s)
        return base * rng.uniform(0.8, 1.2)


class Scheduler(QObject):
    """Checks once per `tick_ms` which jobs are due and starts them off the GUI thread."""

    job_failed = Signal(str, str)
    job_done = Signal(str)

    def __init__(self, runner: TaskRunner, *, clock: Callable[[], float] = time.monotonic,
                 tick_ms: int = 1000, seed: int | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._clock = clock
        self._rng = random.Random(seed)
        self._jobs: dict[str, Job] = {}
        self._timer = QTimer(self)
        self._timer.setInterval(tick_ms)
        self._timer.timeout.connect(self.tick)

    def add(self, job: Job, *, run_now: bool = True) -> None:
        job.next_due = self._clock() if run_now else self._clock() + job.interval_s
        self._jobs[job.name] = job

    def remove(self, name: str) -> None:
        self._jobs.pop(name, None)

    def job(self, name: str) -> Job:
        return self._jobs[name]

    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def run_now(self, name: str) -> None:
        self._jobs[name].next_due = self._clock()
        self.tick()

    def tick(self) -> None:
        now = self._clock()
        for job in list(self._jobs.values()):
            if job.running or now < job.next_due:
                continue
            if not job.may_run():
                job.next_due = now + job.interval_s
                continue
            self._start(job)

    def _start(self, job: Job) -> None:
        job.running = True

        def done(result: Any) -> None:
            job.running, job.failures, job.last_error = False, 0, ""
            job.next_due = self._clock() + job.interval_s
            if job.on_result is not None:
                job.on_result(result)
            self.job_done.emit(job.name)

        def failed(error: BaseException) -> None:
            job.running = False
            job.failures += 1
            job.last_error = str(error)
            job.next_due = self._clock() + job.backoff(self._rng)
            self.job_failed.emit(job.name, job.last_error)

        self._runner.run(job.fn, done, failed, name=job.name)
