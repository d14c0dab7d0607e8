"""Report the first painted frame that shows watchlist rows read from the cache (for bench/)."""

from __future__ import annotations

import sys
import time

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

ENV_VAR = "BRIEFING_EXIT_AFTER_FIRST_PAINT"


class FirstPaintProbe(QObject):
    """Prints `first-paint <unix time>` once the watchlist viewport paints with rows, then quits."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self._window = window
        window.watchlist.view.viewport().installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Paint and self._window.watchlist.model.rowCount() > 0:
            obj.removeEventFilter(self)
            # the paint event is being delivered now: note the time once it has been handled
            QTimer.singleShot(0, self._report)
        return False

    def _report(self) -> None:
        print(f"first-paint {time.time():.6f}", flush=True)
        sys.stdout.flush()
        QApplication.instance().exit(0)
