"""Bridges the store's (Qt-free) change notifications to a Qt signal on the GUI thread.

Writes arrive in bursts (a feed refresh, a batch of quotes); changes are merged and emitted at
most once per `coalesce_ms`, so a panel reloads once per burst, not once per row.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot

from briefing.store import Store
from briefing.store.changes import Change


class StoreSignals(QObject):
    changed = Signal(object)  # frozenset[Change]
    _raw = Signal(object)

    def __init__(self, store: Store, parent: QObject | None = None, coalesce_ms: int = 50) -> None:
        super().__init__(parent)
        self._pending: set[Change] = set()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(coalesce_ms)
        self._timer.timeout.connect(self._flush)
        self._raw.connect(self._collect, Qt.ConnectionType.QueuedConnection)
        self._unsubscribe = store.changes.subscribe(self._on_store_thread)

    def _on_store_thread(self, batch: frozenset[Change]) -> None:
        try:
            self._raw.emit(batch)
        except RuntimeError:  # deleted during shutdown
            pass

    @Slot(object)
    def _collect(self, batch: frozenset[Change]) -> None:
        if getattr(self, "_detached", False):
            return
        self._pending |= batch
        if not self._timer.isActive():
            self._timer.start()

    def _flush(self) -> None:
        batch, self._pending = frozenset(self._pending), set()
        if batch:
            self.changed.emit(batch)

    def detach(self) -> None:
        """Stop listening; changes already queued are dropped (the store may close right after)."""
        self._unsubscribe()
        self._detached = True
        self._timer.stop()
        self._pending.clear()


def touches(batch: frozenset[Change], *topics: str) -> bool:
    return any(c.topic in topics for c in batch)
