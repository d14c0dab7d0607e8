"""The chart panel: ranges, candles, volume, crosshair readout, compare mode, markers, export."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from textwrap import shorten

import pandas as pd
import pytest
from PySide6.QtGui import QImage

from briefing.domain import ranges
from briefing.domain.bar_time import day_ts, zone
from briefing.domain.models import Bar
from briefing.ui.chart_panel import event_ts
from chart_helpers import ReloadCounter

HK = "Asia/Hong_Kong"


def hk_5m_session(day: date, base: float) -> list[Bar]:
    """5-minute bars of one HKEX session: 09:30-12:00 and 13:00-16:00."""
    bars = []
    for start, end in ((9 * 60 + 30, 12 * 60), (13 * 60, 16 * 60)):
        for m in range(start, end, 5):
            t = datetime(day.year, day.month, day.day, m // 60, m % 60, tzinfo=zone(HK))
            p = base + m / 1000
            bars.append(Bar(int(t.timestamp()), p, p + 0.5, p - 0.5, p + 0.1, None, 1000))
    return bars


SESSIONS = [date(2025, 3, 3) + timedelta(days=i) for i in range(12) if (date(2025, 3, 3) + timedelta(days=i)).weekday() < 5]


def show(qtbot, chart, symbols, code="1Y"):
    chart.range = code
    chart.symbols = []
    with qtbot.waitSignal(chart.refreshed, timeout=5000):
        chart.set_symbols(symbols)


def daily(n: int, end: date, tz: str, start_price: float = 100.0) -> list[Bar]:
    days = [end - timedelta(days=i) for i in range(n * 2) if (end - timedelta(days=i)).weekday() < 5][:n][::-1]
    return [Bar(day_ts(d, tz), start_price + i, start_price + i + 2, start_price + i - 2, start_price + i + 1, None,
                10_000 + i) for i, d in enumerate(days)]


def test_intraday_cut_counts_sessions_and_finds_previous_close():
    bars = [b for i, d in enumerate(SESSIONS) for b in hk_5m_session(d, 100 + i)]
    ts, close = [b.ts for b in bars], [b.close for b in bars]
    one = ranges.intraday_cut(ts, close, 1, HK)
    assert ranges.session_date(ts[one.start], HK) == SESSIONS[-1]
    assert one.previous_close == close[one.start - 1]
    five = ranges.intraday_cut(ts, close, 5, HK)
    assert ranges.session_date(ts[five.start], HK) == SESSIONS[-5]
    assert ranges.intraday_cut(ts[:10], close[:10], 5, HK).previous_close is None


def test_daily_start_of_each_range():
    last = day_ts(date(2025, 6, 18), HK)
    assert ranges.session_date(ranges.daily_start("YTD", last, HK), HK) == date(2025, 1, 1)
    assert ranges.session_date(ranges.daily_start("1M", last, HK), HK) == date(2025, 5, 18)
    assert ranges.daily_start("Max", last, HK) is None
    assert ranges.interval_for("1D") == "5m" and ranges.interval_for("5Y") == "1d"


def test_range_switch_gives_the_right_first_and_last_bars(qtbot, chart, store):
    bars = daily(1500, date(2025, 6, 18), "America/New_York")
    store.prices.upsert_bars("BIDU", "1d", bars, "test")
    show(qtbot, chart, ["BIDU"], "1Y")
    s = chart._data.series[0]
    assert s.ts[-1] == bars[-1].ts
    assert ranges.session_date(s.ts[0], "America/New_York") >= date(2024, 6, 17)
    assert ranges.session_date(s.ts[0], "America/New_York") <= date(2024, 6, 21)
    for code, first in (("YTD", date(2025, 1, 1)), ("1M", date(2025, 5, 18))):
        with qtbot.waitSignal(chart.refreshed, timeout=5000):
            chart.set_range(code)
        s = chart._data.series[0]
        assert ranges.session_date(s.ts[0], "America/New_York") >= first
        assert ranges.session_date(s.ts[0], "America/New_York") <= first + timedelta(days=4)
        assert s.ts[-1] == bars[-1].ts
        assert chart.range_buttons[code].isChecked()
    with qtbot.waitSignal(chart.refreshed, timeout=5000):
        chart.set_range("Max")
    assert chart._data.series[0].ts[0] == bars[0].ts
    assert list(chart._curves[0].getData()[0]) == [b.ts for b in bars]


def test_intraday_is_gap_free_with_previous_close_and_exchange_zone_labels(qtbot, chart, store):
    bars = [b for i, d in enumerate(SESSIONS) for b in hk_5m_session(d, 100 + i)]
    store.prices.upsert_bars("9988.HK", "5m", bars, "test")
    show(qtbot, chart, ["9988.HK"], "5D")
    s = chart._data.series[0]
    assert len(s.ts) == 5 * 66  # 5 sessions of 66 five-minute bars: no nights, weekends or lunch
    xs = list(chart._curves[0].getData()[0])
    assert xs == list(range(len(s.ts)))
    assert chart.prev_close_line.isVisible()
    assert chart.prev_close_line.value() == pytest.approx(bars[-5 * 66 - 1].close)
    labels = chart.axis.tickStrings([0, 30, 66], 1, 10)  # in Hong Kong time, whatever the machine's zone
    assert labels == [SESSIONS[-5].strftime("%d %b 09:30"), "13:00",  # bar 30 is the first after lunch
                      SESSIONS[-4].strftime("%d %b 09:30")]
    opens, hours = chart.axis.index_marks()  # ticks at session opens, and at each new hour between
    assert opens == [0, 66, 132, 198, 264]
    assert [s.ts[i] % 3600 for i in hours] == [0] * len(hours) and len(hours) == 5 * 5
    with qtbot.waitSignal(chart.refreshed, timeout=5000):
        chart.set_range("1D")
    assert len(chart._data.series[0].ts) == 66
    assert chart.prev_close_line.value() == pytest.approx(bars[-67].close)


def test_candles_volume_and_crosshair_readout(qtbot, chart, store):
    bars = daily(60, date(2025, 6, 18), HK)
    store.prices.upsert_bars("0700.HK", "1d", bars, "test")
    show(qtbot, chart, ["0700.HK"], "1Y")
    chart.set_candles(True)
    assert chart.candle_item.isVisible() and chart.candle_item.count == 60
    assert not chart._curves[0].isVisible()
    assert chart.volume_plot.isVisible()
    assert list(chart.volume_bars.opts["height"]) == [b.volume for b in bars]
    text = chart.show_readout_at(bars[10].ts + 3600)
    assert text.startswith(ranges.session_date(bars[10].ts, HK).isoformat())
    assert f"C {bars[10].close:,.2f}" in text and f"O {bars[10].open:,.2f}" in text
    assert f"{(bars[10].close / bars[0].close - 1) * 100:+.2f}%" in text
    assert chart.cross_v.value() == bars[10].ts
    chart.set_candles(False)
    assert chart._curves[0].isVisible() and not chart.candle_item.isVisible()


def test_compare_mode_matches_pandas(qtbot, chart, store):
    end = date(2025, 6, 18)
    store.prices.upsert_bars("BABA", "1d", daily(300, end, "America/New_York", 80), "test")
    store.prices.upsert_bars("BIDU", "1d", daily(300, end, "America/New_York", 120), "test")
    show(qtbot, chart, ["BABA", "BIDU"], "6M")
    assert chart._data.normalised
    for i, sym in enumerate(["BABA", "BIDU"]):
        cols = store.prices.columns(sym, "1d", start=chart._data.series[i].ts[0])
        close = pd.Series(cols["close"])
        expected = (close / close.iloc[0] - 1) * 100
        got = chart._curves[i].getData()[1]
        assert list(got) == pytest.approx(list(expected))
    assert [chart.legend.items[i][1].text for i in range(2)] == ["BABA", "BIDU"]
    assert not chart.volume_plot.isVisible()
    assert "BABA" in chart.show_readout_at(chart._data.series[0].ts[5])


def test_no_data_and_single_bar_say_so(qtbot, chart, store):
    show(qtbot, chart, ["0020.HK"], "1Y")
    assert "no data" in chart.title.text()
    store.prices.upsert_bars("0020.HK", "1d", daily(1, date(2025, 6, 18), HK), "test")
    show(qtbot, chart, ["0020.HK"], "1Y")
    assert "one bar only" in chart.title.text()
    show(qtbot, chart, ["0020.HK"], "1D")
    assert "no data" in chart.title.text() and "5-minute" in chart.title.text()


def test_markers_at_event_dates_and_export(qtbot, chart, store, tmp_path):
    from briefing.ui.chart_panel import event_ts

    store.prices.upsert_bars("BIDU", "1d", daily(3000, date.today(), "America/New_York"), "test")
    show(qtbot, chart, ["BIDU"], "Max")
    assert chart.marker_count() >= 1
    wanted = {event_ts(e) for e in chart._data.events if e.key_date}
    assert set(chart.marker_positions()) <= wanted
    png, svg = tmp_path / "chart.png", tmp_path / "chart.svg"
    chart.export_image(str(png))
    chart.export_image(str(svg))
    img = QImage(str(png))
    assert not img.isNull() and img.width() > 100
    colours = {img.pixel(x, y) for x in range(0, img.width(), 7) for y in range(0, img.height(), 7)}
    assert len(colours) > 3  # not blank
    assert "<svg" in svg.read_text()


def test_event_lines_name_the_event_under_the_mouse(qtbot, chart, store):
    from PySide6.QtCore import QPointF

    class Hover:  # what pyqtgraph's scene hands an item under the mouse
        def __init__(self, x):
            self.x = x

        def isExit(self):
            return False

        def pos(self):
            return QPointF(self.x, 0)

    store.prices.upsert_bars("BIDU", "1d", daily(3000, date.today(), "America/New_York"), "test")
    show(qtbot, chart, ["BIDU"], "Max")
    x = chart.marker_positions()[0]
    event = next(e for e in chart._data.events if e.key_date and event_ts(e) == x)
    chart.event_lines.hoverEvent(Hover(x + chart.event_lines.pixelWidth()))
    assert chart.event_lines.toolTip().startswith(f"{event.key_date.isoformat()} · {event.body}")
    chart.event_lines.hoverEvent(Hover(x + 40 * 86400 * 365))  # far from any line: no tooltip
    assert chart.event_lines.toolTip() == ""
    count = chart.marker_count()
    chart.highlight_event(event.id)  # its own red, labelled line instead of a dashed one
    assert chart.hot_line.isVisible() and chart.hot_line.value() == x
    assert chart.hot_line.label.textItem.toPlainText() == shorten(event.title_en, width=36, placeholder="…")
    assert x not in chart.event_lines.positions() and chart.marker_count() == count


def test_switching_from_daily_compare_to_intraday_shows_the_bars(qtbot, chart, store):
    store.prices.upsert_bars("BABA", "1d", daily(300, date(2025, 6, 18), "America/New_York", 80), "test")
    store.prices.upsert_bars("BIDU", "1d", daily(300, date(2025, 6, 18), "America/New_York", 120), "test")
    store.prices.upsert_bars("9988.HK", "5m", [b for i, d in enumerate(SESSIONS) for b in hk_5m_session(d, 100 + i)], "t")
    show(qtbot, chart, ["BABA", "BIDU"], "1Y")
    show(qtbot, chart, ["9988.HK"], "5D")
    (x0, x1), (y0, y1) = chart.plot.getViewBox().viewRange()
    assert x0 <= 0 and x1 >= 5 * 66 - 1 and x1 < 400
    assert y0 < 100 + 9 * 60 / 1000 + 100 and y1 > 105  # the 9988.HK prices, not the compare %


def test_previous_close_falls_back_to_the_daily_bar_before_the_range(qtbot, chart, store):
    store.prices.upsert_bars("9988.HK", "5m", [b for d in SESSIONS[-5:] for b in hk_5m_session(d, 100)], "t")
    store.prices.upsert_bars("9988.HK", "1d", [Bar(day_ts(SESSIONS[-6], HK), 1, 2, 0.5, 98.7)], "t")
    show(qtbot, chart, ["9988.HK"], "5D")
    assert chart.prev_close_line.isVisible() and chart.prev_close_line.value() == pytest.approx(98.7)
    assert chart.volume_plot.getAxis("left").tickStrings([3_000_000], 1, 1) == ["3M"]


def test_last_point_follows_a_live_quote_on_the_same_curve(qtbot, chart, store):
    import time as _time

    from briefing.domain.models import Quote
    from briefing.store.changes import Change

    now = int(_time.time())
    today = ranges.session_date(now, "America/New_York")
    bars = daily(30, today, "America/New_York")
    if ranges.session_date(bars[-1].ts, "America/New_York") != today:  # a weekend: add today's bar
        bars.append(Bar(day_ts(today, "America/New_York"), 1, 2, 0.5, 150.0, None, 5))
    store.prices.upsert_bars("BIDU", "1d", bars, "test")
    show(qtbot, chart, ["BIDU"], "1M")
    curve = chart._curves[0]
    store.prices.upsert_quote(Quote("BIDU", 777.0, now, "test"))
    with qtbot.waitSignal(chart.refreshed, timeout=5000):
        chart.on_store_changed(frozenset({Change("quotes", "BIDU")}))
    assert chart._curves[0] is curve
    assert curve.getData()[1][-1] == pytest.approx(777.0)
    assert chart._data.series[0].high[-1] == pytest.approx(777.0)


def test_axes_follow_a_theme_switch(qtbot, chart, store):
    from PySide6.QtGui import QColor, QPalette
    from PySide6.QtWidgets import QApplication

    store.prices.upsert_bars("BIDU", "1d", daily(60, date.today(), "America/New_York"), "test")
    store.prices.upsert_bars("BABA", "1d", daily(60, date.today(), "America/New_York"), "test")
    show(qtbot, chart, ["BIDU", "BABA"])  # compare mode: a legend with two labels
    assert len(chart.legend.items) == 2
    app = QApplication.instance()
    before = app.palette()
    dark = QPalette(before)
    dark.setColor(QPalette.ColorRole.Text, QColor("#eeeeee"))
    dark.setColor(QPalette.ColorRole.Window, QColor("#202020"))
    try:
        app.setPalette(dark)
        qtbot.waitUntil(lambda: chart.plot.getAxis("left").textPen().color() == QColor("#eeeeee"), timeout=2000)
        assert chart.volume_plot.getAxis("left").textPen().color() == QColor("#eeeeee")
        from PySide6.QtGui import QPainter, QPicture

        picture = QPicture()
        painter = QPainter(picture)
        _, ticks, _ = chart.plot.getAxis("left").generateDrawSpecs(painter)
        painter.end()
        grid = {pen.color().name() for pen, _, _ in ticks}
        assert all(pen.color().alpha() == 255 for pen, _, _ in ticks)  # opaque: translucent lines paint slowly
        assert all(QColor(c).lightness() < 128 for c in grid)  # mixed into the dark window colour, not white
        # the plot itself turns dark (its style sheet kept the old palette), and the legend's text light
        image = chart.plot.grab().toImage()
        corner = image.pixelColor(image.width() - 5, 5)
        assert corner.lightness() < 80, corner.name()
        assert chart.volume_plot.backgroundBrush().color() == QColor("#202020")
        assert all("#eeeeee" in label.item.toHtml().lower() for _, label in chart.legend.items)
    finally:
        app.setPalette(before)


def test_bars_of_symbols_not_on_the_chart_do_not_reload_it(qtbot):
    """The poller writes bars for every watched symbol; only the charted ones concern the chart."""
    from briefing.store import changes as topics
    from briefing.store.changes import Change
    panel = ReloadCounter()
    qtbot.addWidget(panel)
    panel.on_store_changed(frozenset({Change(topics.BARS, "0700.HK"), Change(topics.QUOTES, "BABA")}))
    assert panel.reloads == 0
    panel.on_store_changed(frozenset({Change(topics.BARS, "BIDU")}))
    panel.on_store_changed(frozenset({Change(topics.EVENTS, "x")}))
    panel.on_store_changed(frozenset({Change(topics.QUOTES, "BIDU")}))
    assert panel.reloads == 3


def test_a_volume_pane_built_after_the_chart_was_drawn_shows_its_volume(qtbot, store):
    """At start-up the volume pane comes a turn of the event loop after the plot (main window)."""
    from briefing.services.tasks import TaskRunner
    from briefing.ui.chart_panel import ChartPanel

    bars = daily(60, date(2025, 6, 18), HK)
    store.prices.upsert_bars("0700.HK", "1d", bars, "test")
    runner = TaskRunner()
    panel = ChartPanel(store, runner)
    qtbot.addWidget(panel)
    panel.resize(700, 450)
    panel.show()
    try:
        panel.build_plot(volume=False)
        assert panel.volume_plot is None
        show(qtbot, panel, ["0700.HK"], "1Y")  # drawn without a volume pane
        panel.build_volume()
        assert panel.volume_plot.isVisible()
        assert list(panel.volume_bars.opts["height"]) == [b.volume for b in bars]
    finally:
        runner.shutdown()
