"""What the four panels share: reading from the store off the GUI thread and reloading on change."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from briefing.services.tasks import TaskRunner
from briefing.store import Store
from briefing.store.changes import Change


class Panel(QWidget):
    """A dockable panel. Subclasses say which store topics concern them, how to read (worker
    thread) and how to show what was read (GUI thread)."""

    loaded = Signal()  # the first read has been shown
    refreshed = Signal()  # a read has been shown (every time)
    topics: tuple[str, ...] = ()

    def __init__(self, store: Store, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.runner = runner
        self.is_loaded = False
        self._reading = False
        self._again = False

    def reload(self) -> None:
        """Read again; a reload asked for while one is running runs once after it."""
        if self._reading:
            self._again = True
            return
        self._reading = True
        self.runner.run(self.read, self._on_read, self._on_read_failed, name=f"{type(self).__name__} read")

    def on_store_changed(self, batch: frozenset[Change]) -> None:
        if any(c.topic in self.topics for c in batch):
            self.reload()

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
