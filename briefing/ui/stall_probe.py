"""How late the GUI thread runs a 10 ms timer, written to a file for tools that watch the app from outside.

`BRIEFING_STALL_LOG=path` makes app.py install `StallProbe` once the window is shown (bench/soak.py
uses it). A precise timer beats every 10 ms; any lateness beyond that is time the event loop could
not run (a stall). Every second and at quit, `path` is replaced (atomically) with a small JSON:
the worst lateness, how many beats were more than 50 ms late, the number of beats, percentiles,
the 20 worst stalls with when they started (seconds since the probe started; `started_unix`
converts them to wall-clock time), and the worst lateness of each of the last 10 seconds (so a
reader polling the file can tell the worst stall of any stretch of the run, not just the whole).
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer

log = logging.getLogger(__name__)
ENV_VAR = "BRIEFING_STALL_LOG"
STALL_MS = 50.0
KEEP_WORST = 20
_BUCKETS = 1001  # lateness in whole ms; the last bucket is >= 1000 ms


class StallProbe(QObject):
    """Measures the lateness of each beat with a monotonic clock; writes the summary to `path`."""

    def __init__(self, path: str | os.PathLike, parent: QObject | None = None, *, beat_ms: int = 10,
                 write_every_ms: int = 1000) -> None:
        app = QCoreApplication.instance()
        super().__init__(parent or app)
        self.path = Path(path)
        self.beat_ms = beat_ms
        self.started = time.monotonic()
        self.started_unix = time.time()
        self.last: float | None = None  # monotonic time of the last beat
        self.beats = 0
        self.max_ms = 0.0
        self.over = 0
        self.worst: list[tuple[float, float]] = []  # (ms late, started at s)
        self.hist = [0] * _BUCKETS
        self.recent: deque[list] = deque(maxlen=10)  # [second since start, worst ms in it]
        self.final = False
        self._failed = False
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stall-log")
        self._beat = QTimer(self)
        self._beat.setTimerType(Qt.TimerType.PreciseTimer)
        self._beat.setInterval(beat_ms)
        self._beat.timeout.connect(self._on_beat)
        self._tick = QTimer(self)
        self._tick.setInterval(write_every_ms)
        self._tick.timeout.connect(self.write)
        app.aboutToQuit.connect(self._on_quit)
        self._beat.start()
        self._tick.start()

    def _on_beat(self) -> None:
        now = time.monotonic()
        if self.last is not None:
            late = max(0.0, (now - self.last) * 1000 - self.beat_ms)
            self.beats += 1
            self.hist[min(_BUCKETS - 1, int(late))] += 1
            self.max_ms = max(self.max_ms, late)
            second = int(self.last - self.started)  # the second the stall began in, as in `worst`
            if self.recent and self.recent[-1][0] == second:
                self.recent[-1][1] = max(self.recent[-1][1], late)
            else:
                self.recent.append([second, late])
            if late > STALL_MS:
                self.over += 1
                if len(self.worst) < KEEP_WORST or late > self.worst[-1][0]:
                    self.worst.append((late, self.last - self.started))
                    self.worst.sort(key=lambda w: -w[0])
                    del self.worst[KEEP_WORST:]
        self.last = now

    def _on_quit(self) -> None:
        if self.final:
            return
        self.final = True
        self._beat.stop()
        self._tick.stop()
        self.write()

    def percentile(self, q: float) -> float:
        total = sum(self.hist)
        seen = 0
        for ms, n in enumerate(self.hist):
            seen += n
            if total and seen >= q * total:
                return float(ms)
        return 0.0

    def summary(self) -> dict:
        return {"pid": os.getpid(), "started_unix": round(self.started_unix, 3),
                "seconds": round(time.monotonic() - self.started, 3), "final": self.final,
                "beat_ms": self.beat_ms, "beats": self.beats, "max_ms": round(self.max_ms, 1),
                "stall_ms": STALL_MS, "over_stall": self.over,
                "p50_ms": self.percentile(0.5), "p99_ms": self.percentile(0.99), "p999_ms": self.percentile(0.999),
                "worst": [{"at_s": round(at, 3), "ms": round(ms, 1)} for ms, at in self.worst],
                "per_second_max_ms": [[sec, round(ms, 1)] for sec, ms in self.recent]}

    def write(self) -> None:
        """The summary is taken here; the file is written by a thread (a slow disk would otherwise
        stall the thread this measures), except at quit, after the thread's last write."""
        text = json.dumps(self.summary())
        if not self.final:
            self._writer.submit(self._replace, text)
            return
        self._writer.shutdown(wait=True)
        self._replace(text)

    def _replace(self, text: str) -> None:
        """Replace the file in one step: a reader never sees half a JSON."""
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            tmp.write_text(text)
            os.replace(tmp, self.path)
        except OSError as exc:
            if not self._failed:  # once: a bad path must not flood the log every second
                self._failed = True
                log.warning("stall log %s not written: %s", self.path, exc)
