"""Things that wait for the window's first painted frame: deferred work and the start-up probe."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

ENV_VAR = "BRIEFING_EXIT_AFTER_FIRST_PAINT"


class _AfterPaint(QObject):
    def __init__(self, widget: QWidget, callback: Callable[[], None], fallback_ms: int) -> None:
        super().__init__(widget)
        self._callback, self._done = callback, False
        widget.installEventFilter(self)
        QTimer.singleShot(fallback_ms, self._fire)  # a window that is never painted (hidden) still gets it

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Paint:
            obj.removeEventFilter(self)
            QTimer.singleShot(0, self._fire)
        return False

    def _fire(self) -> None:
        if not self._done:
            self._done = True
            self._callback()


def after_first_paint(widget: QWidget, callback: Callable[[], None], fallback_ms: int = 1000) -> None:
    """Run `callback` on the GUI thread once `widget` has painted its first frame."""
    _AfterPaint(widget, callback, fallback_ms)


class FirstPaintProbe(QObject):
    """Prints `first-paint <unix time>` when the watchlist viewport is painted with rows, then quits.

    The time is taken as the paint event is delivered (bench/startup.py's bare window does the
    same), so work queued behind that paint is not counted against it.
    """

    def __init__(self, window) -> None:
        super().__init__(window)
        self._window = window
        window.watchlist.view.viewport().installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Paint and self._window.watchlist.model.rowCount() > 0:
            obj.removeEventFilter(self)
            print(f"first-paint {time.time():.6f}", flush=True)
            QTimer.singleShot(0, lambda: QApplication.instance().exit(0))
        return False
