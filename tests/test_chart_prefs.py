"""The chart follows the time-zone display and price-colour preferences."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta

import pytest
from PySide6.QtGui import QColor

from briefing.domain.bar_time import day_ts, zone
from briefing.domain.models import Bar
from briefing.domain.preferences import TIMEZONE_DISPLAY, UP_COLOURS, Preferences
from briefing.store import changes as topics
from briefing.store.changes import Change
from briefing.ui.chart_items import DOWN, UP
from chart_helpers import ReloadCounter

HK = "Asia/Hong_Kong"
DAYS = [date(2025, 3, 3) + timedelta(days=i) for i in range(12) if (date(2025, 3, 3) + timedelta(days=i)).weekday() < 5]


def hk_session(day: date, base: float) -> list[Bar]:
    bars = []
    for start, end in ((9 * 60 + 30, 12 * 60), (13 * 60, 16 * 60)):
        for m in range(start, end, 5):
            t = datetime(day.year, day.month, day.day, m // 60, m % 60, tzinfo=zone(HK))
            bars.append(Bar(int(t.timestamp()), base, base + 0.5, base - 0.5, base + 0.1, None, 1000))
    return bars


@pytest.fixture
def london(monkeypatch):
    """The machine's zone is London (GMT until 30 March 2025): 09:30 HKT is 01:30 there."""
    monkeypatch.setenv("TZ", "Europe/London")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def set_pref(qtbot, chart, store, key, value):
    """Store the preference, as the settings dialog does; the store's change batch reaches the
    chart through `StoreSignals`, as the window connects every panel."""
    from briefing.ui.store_signals import StoreSignals

    signals = StoreSignals(store)
    signals.changed.connect(chart.on_store_changed)
    try:
        with qtbot.waitSignal(chart.refreshed, timeout=5000):
            Preferences.of(store).set(key, value)
    finally:
        signals.detach()


def test_intraday_times_follow_the_time_zone_preference(qtbot, chart, store, london):
    store.prices.upsert_bars("9988.HK", "5m", [b for i, d in enumerate(DAYS) for b in hk_session(d, 80 + i)], "t")
    chart.range = "5D"
    with qtbot.waitSignal(chart.refreshed, timeout=5000):
        chart.set_symbols(["9988.HK"])
    first = DAYS[-5].isoformat()
    hk_open, london_open = DAYS[-5].strftime("%d %b 09:30"), DAYS[-5].strftime("%d %b 01:30")
    assert chart.axis.tickStrings([0], 1, 10) == [hk_open]  # the default: the exchange's zone
    assert chart.show_readout_at(0).startswith(f"{first} 09:30 HKT")
    set_pref(qtbot, chart, store, TIMEZONE_DISPLAY, "local")
    assert chart.axis.tickStrings([0], 1, 10) == [london_open]
    assert chart.show_readout_at(0).startswith(f"{first} 01:30 GMT")
    set_pref(qtbot, chart, store, TIMEZONE_DISPLAY, "both")
    assert chart.axis.tickStrings([0], 1, 10) == [hk_open]  # the axis keeps one zone, the exchange's
    assert chart.show_readout_at(0).startswith(f"{first} 09:30 HKT | {first} 01:30 GMT")
    set_pref(qtbot, chart, store, TIMEZONE_DISPLAY, "exchange")
    assert chart.axis.tickStrings([0], 1, 10) == [hk_open]


def test_daily_bars_keep_their_session_dates_in_any_zone(qtbot, chart, store, london):
    store.prices.upsert_bars("9988.HK", "1d", [Bar(day_ts(d, HK), 1, 2, 0.5, 80 + i) for i, d in enumerate(DAYS)], "t")
    Preferences.of(store).set(TIMEZONE_DISPLAY, "local")
    with qtbot.waitSignal(chart.refreshed, timeout=5000):
        chart.set_symbols(["9988.HK"])
    # midnight HKT is the evening before in London: the bar still stands for its HK session
    assert chart.show_readout_at(day_ts(DAYS[2], HK)).startswith(DAYS[2].isoformat())


def colour_count(image, colour: str) -> int:
    want = QColor(colour)
    return sum(1 for x in range(0, image.width(), 2) for y in range(0, image.height(), 2)
               if abs(QColor(image.pixel(x, y)).red() - want.red()) < 12
               and abs(QColor(image.pixel(x, y)).green() - want.green()) < 12
               and abs(QColor(image.pixel(x, y)).blue() - want.blue()) < 12)


def test_candles_follow_the_price_colour_preference(qtbot, chart, store):
    rising = [Bar(day_ts(d, HK), 80 + i, 82 + i, 79 + i, 81 + i, None, 1000) for i, d in enumerate(DAYS)]
    store.prices.upsert_bars("0700.HK", "1d", rising, "t")
    with qtbot.waitSignal(chart.refreshed, timeout=5000):
        chart.set_symbols(["0700.HK"])
    chart.set_candles(True)
    assert chart.candle_item.colours == (UP, DOWN)
    green_up = chart.plot.grab().toImage()
    assert colour_count(green_up, UP) > 20 and colour_count(green_up, DOWN) == 0
    set_pref(qtbot, chart, store, UP_COLOURS, "red-up")
    assert chart.candle_item.colours == (DOWN, UP)  # rising bars drawn red, as Chinese markets show them
    red_up = chart.plot.grab().toImage()
    assert colour_count(red_up, DOWN) > 20 and colour_count(red_up, UP) == 0


def test_only_the_chart_preferences_reload_it(qtbot):
    panel = ReloadCounter()
    qtbot.addWidget(panel)
    panel.on_store_changed(frozenset({Change(topics.SETTINGS, "ui.theme")}))
    assert panel.reloads == 0
    panel.on_store_changed(frozenset({Change(topics.SETTINGS, TIMEZONE_DISPLAY)}))
    panel.on_store_changed(frozenset({Change(topics.SETTINGS, UP_COLOURS)}))
    assert panel.reloads == 2
