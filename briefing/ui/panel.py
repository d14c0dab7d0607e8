"""What the four panels share: reading from the store off the GUI thread and reloading on change."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QWidget

from briefing.process_tuning import python_lane
from briefing.services.tasks import TaskRunner
from briefing.store import Store
from briefing.store.changes import Change


class Panel(QWidget):
    """A dockable panel. Subclasses say which store topics concern them, how to read (worker
    thread) and how to show what was read (GUI thread)."""

    loaded = Signal()  # the first read has been shown
    refreshed = Signal()  # a read has been shown (every time)
    topics: tuple[str, ...] = ()
    # Store changes start a read at most once per this many ms (0: every change). A feed refresh
    # writes each feed's news as it comes, so a panel over news would otherwise read and redraw
    # back to back for the whole refresh, a worker's Python competing with the GUI all along.
    change_reload_ms = 0

    def __init__(self, store: Store, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.runner = runner
        self.is_loaded = False
        self._reading = False
        self._again = False
        self._read_started = float("-inf")  # time.monotonic()
        self._change_timer = QTimer(self)
        self._change_timer.setSingleShot(True)
        self._change_timer.timeout.connect(self.reload)

    def reload(self) -> None:
        """Read again now (the user asked: a filter, a setting); a reload asked for while one is
        running runs once after it."""
        if self._reading:
            self._again = True
            return
        self._reading = True
        self._read_started = time.monotonic()
        self._change_timer.stop()  # this read sees every change so far
        self.runner.run(self._read_in_lane, self._on_read, self._on_read_failed, name=f"{type(self).__name__} read")

    def on_store_changed(self, batch: frozenset[Change]) -> None:
        if any(c.topic in self.topics for c in batch):
            self.reload_for_change()

    def reload_for_change(self) -> None:
        """Read again because the store changed: now, or when `change_reload_ms` have passed
        since the last read began (one read then covers every change in between)."""
        if self._change_timer.isActive():
            return
        wait_ms = (self._read_started - time.monotonic()) * 1000 + self.change_reload_ms
        if wait_ms <= 0 and not self._reading:
            self.reload()
        else:
            self._change_timer.start(max(1, int(wait_ms)))

    @property
    def settled(self) -> bool:
        """No read running, and none waiting for its turn (`change_reload_ms`)."""
        return not (self._reading or self._change_timer.isActive())

    def _read_in_lane(self) -> Any:
        with python_lane():  # one panel read (or feed parse, event study) at a time: process_tuning
            return self.read()

    def read(self) -> Any:  # worker thread: store reads only, no widgets
        raise NotImplementedError

    def show_data(self, data: Any) -> None:  # GUI thread
        raise NotImplementedError

    def _on_read(self, data: Any) -> None:
        self._reading = False
        self.show_data(data)
        self.refreshed.emit()
        if not self.is_loaded:
            self.is_loaded = True
            self.loaded.emit()
        if self._again:
            self._again = False
            self.reload()

    def _on_read_failed(self, error: BaseException) -> None:
        self._reading = False
        self.runner.failed.emit(f"{type(self).__name__}", f"could not read the cache: {error}")
        if not self.is_loaded:  # the window still counts it as loaded: it shows what it has
            self.is_loaded = True
            self.loaded.emit()
