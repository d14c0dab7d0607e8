"""Price-move alerts: thresholds per symbol, once per direction and day, notified from quote changes."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QSettings

from briefing.domain import preferences as prefs
from briefing.domain.models import Quote
from briefing.domain.preferences import Preferences
from briefing.domain.price_alerts import parse_thresholds, price_moves

DAY = 1_764_000_000  # 2025-11-24 UTC


def q(symbol, last, prev=100.0, at=DAY):
    return Quote(symbol, last, at, "test", previous_close=prev)


def test_parse_thresholds():
    assert parse_thresholds("9988.HK=3, bidu=4.5%; 0700.HK:0") == {"9988.HK": 3.0, "BIDU": 4.5, "0700.HK": 0.0}
    assert parse_thresholds("") == {}
    with pytest.raises(ValueError):
        parse_thresholds("9988.HK=three")


def test_moves_beyond_threshold_once_per_direction_and_day():
    seen = set()
    quotes = [q("BIDU", 106), q("BABA", 97), q("TCEHY", 90), q("0700.HK", 110), q("NOPREV", 1, prev=None)]
    moves = price_moves(quotes, 5.0, {"BABA": 2.0, "0700.HK": 0}, seen)
    assert [(m.symbol, round(m.change_pct)) for m in moves] == [("TCEHY", -10), ("BIDU", 6), ("BABA", -3)]
    assert price_moves([q("BIDU", 108), q("TCEHY", 85)], 5.0, {}, seen) == []  # already told today
    assert [m.symbol for m in price_moves([q("BIDU", 90)], 5.0, {}, seen)] == ["BIDU"]  # now down
    assert [m.symbol for m in price_moves([q("BIDU", 110, at=DAY + 86400)], 5.0, {}, seen)] == ["BIDU"]
    assert price_moves([q("BABA", 50)], 0, {}, set()) == []  # 0: off


@pytest.fixture
def window(qtbot, store, tmp_path):
    from briefing.ui.main_window import MainWindow

    w = MainWindow(store, QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    yield w
    w.runner.shutdown()
    w.close()


class Recorder:
    def __init__(self):
        self.shown = []

    def show(self, title, body):
        self.shown.append((title, body))


def test_watcher_notifies_on_quote_changes(qtbot, window, store):
    from briefing.ui.price_alerts import PriceAlertWatcher

    Preferences.of(store).update({prefs.PRICE_MOVE_PCT: 4.0, prefs.PRICE_MOVE_SYMBOLS: "BIDU=10"})
    rec = Recorder()
    watcher = PriceAlertWatcher(window, rec)
    now = int(time.time())
    with qtbot.waitSignal(watcher.alerted, timeout=5000) as blocker:
        store.prices.upsert_quotes([Quote("9988.HK", 160.0, now, "test", previous_close=150.0),
                                    Quote("BIDU", 108.0, now, "test", previous_close=100.0)])
    assert [m.symbol for m in blocker.args[0]] == ["9988.HK"]  # BIDU's own threshold is 10 %
    assert rec.shown[0][0] == "Price alert: 9988.HK" and "+6.7%" in rec.shown[0][1]
    with qtbot.waitSignal(watcher.alerted, timeout=5000):
        store.prices.upsert_quote(Quote("9988.HK", 161.0, now, "test", previous_close=150.0))  # no repeat
        store.prices.upsert_quote(Quote("BIDU", 111.0, now, "test", previous_close=100.0))
    assert [t for t, _ in rec.shown] == ["Price alert: 9988.HK", "Price alert: BIDU"]


def test_watcher_is_silent_when_notifications_are_off(qtbot, window, store):
    from briefing.ui.price_alerts import PriceAlertWatcher

    Preferences.of(store).set(prefs.TRAY_NOTIFICATIONS, False)
    rec = Recorder()
    watcher = PriceAlertWatcher(window, rec)
    with qtbot.waitSignal(window.runner.idle, timeout=5000):
        store.prices.upsert_quote(Quote("9988.HK", 200.0, int(time.time()), "test", previous_close=150.0))
    assert rec.shown == [] and watcher.seen == set()


def test_news_and_price_alerts_share_the_tray_notifier(window):
    window.news_service.notifier.show("Price alert: BIDU", "BIDU +6.0%")
    assert window.news_service.notifier.last == ("Price alert: BIDU", "BIDU +6.0%")
