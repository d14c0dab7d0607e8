"""`--screenshot`: wait until the window has loaded everything, then save it as a PNG."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

TIMEOUT_S = 60.0
QUIET_TICKS = 3  # consecutive 100 ms ticks with nothing in flight before the picture


def _busy(window, seeding) -> bool:
    if seeding is not None and not seeding["done"]:
        return True
    if not window._loaded_emitted or window.runner.pending:
        return True
    if not all(p.settled for p in window.panels):  # a reload held back by `change_reload_ms`
        return True
    return window.signals._timer.isActive() or bool(window.signals._pending)


def take_when_ready(window, path: Path, seeding=None) -> int:
    app = QApplication.instance()
    deadline = time.monotonic() + TIMEOUT_S
    quiet = 0
    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(100)

    def tick():
        nonlocal quiet
        quiet = 0 if _busy(window, seeding) else quiet + 1
        if quiet >= QUIET_TICKS or time.monotonic() > deadline:
            loop.quit()

    timer.timeout.connect(tick)
    timer.start()
    loop.exec()
    timer.stop()
    app.processEvents()
    timed_out = _busy(window, seeding)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(path), "PNG"):
        print(f"briefing: error: could not write {path}", file=sys.stderr)
        return 1
    if timed_out:
        print(f"briefing: error: the window was still loading after {TIMEOUT_S:.0f} s; saved anyway: {path}",
              file=sys.stderr)
        return 1
    if seeding is not None and seeding.get("error") is not None:
        return 1
    print(path)
    return 0
