"""Price-move notifications: listens to quote changes in the store and notifies through the tray."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from briefing.domain import preferences as prefs
from briefing.domain.price_alerts import PriceMove, message, parse_thresholds, price_moves
from briefing.store import changes as topics


class PriceAlertWatcher(QObject):
    """Checks changed quotes against the thresholds (off the GUI thread) and notifies new moves."""

    alerted = Signal(object)  # list[PriceMove], after the notification

    def __init__(self, window, notifier=None) -> None:
        super().__init__(window)
        self.window, self.store, self.runner = window, window.store, window.runner
        self._notifier = notifier
        self.seen: set[tuple[str, str, str]] = set()
        self._busy = False
        self._pending: set[str] = set()
        window.signals.changed.connect(self.on_store_changed)

    @property
    def notifier(self):
        return self._notifier or self.window.news_service.notifier  # one tray icon for all alerts

    def on_store_changed(self, batch) -> None:
        symbols = {c.key for c in batch if c.topic == topics.QUOTES}
        if symbols:
            self._pending |= symbols
            self._check()

    def _check(self) -> None:
        if self._busy or not self._pending:
            return
        symbols, self._pending = set(self._pending), set()
        self._busy = True
        seen = set(self.seen)
        store = self.store

        def work() -> list[PriceMove]:  # worker thread: reads only
            p = prefs.Preferences.of(store)
            if not p.get(prefs.TRAY_NOTIFICATIONS):
                return []
            return price_moves(store.prices.quotes(symbols).values(), p.get(prefs.PRICE_MOVE_PCT),
                               parse_thresholds(p.get(prefs.PRICE_MOVE_SYMBOLS)), seen)

        self.runner.run(work, self._done, self._failed, name="price alerts")

    def _done(self, moves: list[PriceMove]) -> None:
        self._busy = False
        fresh = [m for m in moves if m.key not in self.seen]
        self.seen.update(m.key for m in fresh)
        if fresh:
            self.notifier.show(*message(fresh))
            self.alerted.emit(fresh)
        self._check()

    def _failed(self, error: BaseException) -> None:
        self._busy = False
        raise error  # a bug here is logged and shown once (ErrorReporter), not swallowed
