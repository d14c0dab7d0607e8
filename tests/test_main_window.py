"""The main window: four panels over the cache, live updates, remembered layout, screenshots."""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
import time

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QImage

from briefing.domain.models import Quote
from briefing.ui.main_window import MainWindow


@pytest.fixture
def make_window(qtbot, store, tmp_path):
    windows = []

    def make(**kw):
        settings = QSettings(str(tmp_path / "ui-state.ini"), QSettings.Format.IniFormat)
        w = MainWindow(store, settings, **kw)
        qtbot.addWidget(w)
        w.show()
        with qtbot.waitSignal(w.all_loaded, timeout=20000):
            w.start()
        windows.append(w)
        return w

    yield make
    for w in windows:
        w.runner.shutdown()


def test_opens_with_four_loaded_panels(make_window, qtmodeltester):
    w = make_window()
    assert set(w.docks) == {"watchlist", "chart", "news", "timeline"}
    assert all(d.isVisible() for d in w.docks.values())
    assert w.watchlist.model.rowCount() == 4  # Baidu, Alibaba, Tencent (each with two lines), SenseTime
    assert len(w.watchlist.model.rows()) == 7
    assert len(w.timeline.model.entries()) >= 30  # grouped by year and month
    assert w.chart.plot is not None
    for model in (w.watchlist.model, w.news.model, w.timeline.model):
        qtmodeltester.check(model)
    assert [a.text() for a in w.menuBar().actions()] == ["&File", "&View", "&Help"]
    assert w.state_label.text() == "No prices in the cache yet"


def test_deferred_panels_are_built_after_the_rows_are_painted(qtbot, store, tmp_path):
    """The app defers the chart, news and timeline panels to open fast; they still all arrive."""
    from PySide6.QtWidgets import QLabel

    settings = QSettings(str(tmp_path / "ui-state.ini"), QSettings.Format.IniFormat)
    w = MainWindow(store, settings, defer_panels=True)
    qtbot.addWidget(w)
    assert [type(d.widget()) for k, d in w.docks.items() if k != "watchlist"] == [QLabel] * 3
    assert not hasattr(w, "chart") and not hasattr(w, "news_service")
    rows_when_built = []
    built = w.build_panels

    def spy(**kw):
        rows_when_built.append(len(w.watchlist.model.rows()))
        built(**kw)

    w.build_panels = spy
    w.show()
    with qtbot.waitSignal(w.all_loaded, timeout=20000):
        w.start()
    try:
        assert rows_when_built[0] == 7  # built only once the watchlist's rows were on screen
        assert [d.widget() for d in w.docks.values()] == [w.watchlist, w.chart, w.news, w.timeline]
        assert all(p.is_loaded for p in w.panels) and w.chart.plot is not None
        assert w.chart.symbols == w.watchlist.selected_symbols() != []  # the first selection reached it
        assert w.news_service.window is w
    finally:
        w.runner.shutdown()


def test_quote_updates_rows_in_place(qtbot, make_window, store):
    w = make_window()
    assert w.watchlist.select_symbol("9988.HK")
    resets = []
    w.watchlist.model.modelReset.connect(lambda: resets.append(1))
    with qtbot.waitSignal(w.watchlist.model.dataChanged, timeout=5000):
        store.prices.upsert_quote(Quote("9988.HK", 160.5, int(time.time()), "test", previous_close=150.0))
    row = next(r for r in w.watchlist.model.rows() if r.listing.symbol == "9988.HK")
    assert row.quote.last == 160.5
    assert resets == []
    assert w.watchlist.selected_symbols() == ["9988.HK"]
    qtbot.waitUntil(lambda: w.state_label.text().startswith("Live"), timeout=5000)


def test_selection_drives_the_chart_and_events_are_marked(qtbot, make_window, store):
    from briefing.domain.models import Bar

    day = 86400
    start = int(time.time()) - 600 * day
    store.prices.upsert_bars("BIDU", "1d", [Bar(start + i * day, 1, 2, 0.5, 100 + i) for i in range(600)], "test")
    w = make_window()
    assert w.watchlist.select_symbol("BIDU")
    qtbot.waitUntil(lambda: bool(w.chart._data is not None and w.chart._data.series
                                 and w.chart._data.series[0].listing.symbol == "BIDU"
                                 and len(w.chart._data.series[0].ts) > 200), timeout=5000)
    assert "BIDU" in w.chart.title.text()
    assert w.chart._curves[0].getData()[1][-1] == pytest.approx(699)
    events_in_range = w.chart.marker_count()
    assert events_in_range >= 1  # the curated events of the last year that name Baidu
    # selecting an event in the timeline highlights it on the chart
    target = next(r.event for r in w.timeline.model.entries()
                  if r.event is not None and "baidu" in r.event.companies and r.event.key_date
                  and time.mktime(r.event.key_date.timetuple()) > time.time() - 360 * day
                  and r.key != w.timeline.current_key)
    with qtbot.waitSignal(w.timeline.event_selected, timeout=2000):
        w.timeline.select_event(target.id)
    assert w.chart._highlight == target.id


def test_geometry_and_dock_layout_survive_a_restart(qtbot, make_window):
    first = make_window()
    first.resize(760, 560)  # within the offscreen screen (800x600): restore clamps to it
    qtbot.waitUntil(lambda: first.width() == 760)
    first.docks["news"].hide()
    first.close()
    second = make_window()
    assert (second.width(), second.height()) == (760, 560)
    assert not second.docks["news"].isVisible()
    assert second.docks["timeline"].isVisible()


def test_theme_choice_is_remembered(qtbot, make_window):
    from PySide6.QtWidgets import QApplication

    from briefing.ui import theme

    w = make_window()
    w.set_theme("dark")
    assert theme.is_dark() and QApplication.palette().window().color().lightness() < 80
    assert w.settings.value("ui/theme") == "dark"
    w.set_theme("light")
    assert not theme.is_dark() and QApplication.palette().window().color().lightness() > 180
    w.set_theme("system")


def _png_stats(path):
    img = QImage(str(path))
    colours = {img.pixel(x, y) for x in range(0, img.width(), 7) for y in range(0, img.height(), 7)}
    return img.width(), img.height(), len(colours)


def test_screenshot_command_writes_a_non_blank_png(tmp_path):
    out = tmp_path / "shot.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, "-m", "briefing", "--data-dir", str(tmp_path / "d"), "--screenshot", str(out)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(out)
    width, height, colours = _png_stats(out)
    assert (width, height) == (1440, 900)
    assert colours > 20  # text, grid, headers: not a blank or one-colour frame


@pytest.mark.xvfb
@pytest.mark.skipif(shutil.which("Xvfb") is None, reason="Xvfb is not installed")
def test_real_x_window_under_xvfb(tmp_path):
    """The app in a real X window (xcb platform) on a virtual screen."""
    # -displayfd: Xvfb picks a free display and writes its number once it accepts clients.
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", "1", "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        ready, _, _ = select.select([xvfb.stdout], [], [], 20)
        assert ready, "Xvfb did not start"
        display = ":" + xvfb.stdout.readline().strip()
        assert display != ":", "Xvfb exited"
        out = tmp_path / "x11.png"
        env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb")
        proc = subprocess.run(
            [sys.executable, "-c",
             "import sys; from briefing.cli import main; "
             "from briefing.ui import screenshot; sys.exit(main(sys.argv[1:]))",
             "--data-dir", str(tmp_path / "d"), "--screenshot", str(out)],
            capture_output=True, text=True, env=env, timeout=120)
        assert proc.returncode == 0, proc.stderr
        width, height, colours = _png_stats(out)
        assert width > 800 and height > 500 and colours > 20
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=10)


def test_a_system_theme_at_start_keeps_the_fusion_the_app_was_started_with(qtbot):
    """app.py starts Qt with `-style Fusion`; the first "system" (light) theme then changes
    nothing, and later switches still set both palettes."""
    from PySide6.QtWidgets import QApplication

    from briefing.ui import theme

    app = QApplication.instance()
    theme.apply_theme("light")  # a known starting palette
    app.setProperty(theme.STYLE_FROM_ARGS, True)
    app.setProperty("briefing_palette_set", False)
    try:
        before = app.palette().window().color()
        assert theme.apply_theme("system") == "system" and not theme.is_dark()
        assert app.palette().window().color() == before and not app.property("briefing_palette_set")
        theme.apply_theme("dark")
        assert theme.is_dark() and app.palette().window().color().lightness() < 80
        theme.apply_theme("system")
        assert not theme.is_dark() and app.palette().window().color().lightness() > 180
    finally:
        app.setProperty(theme.STYLE_FROM_ARGS, False)
        theme.apply_theme("system")


def test_at_start_up_the_news_and_timeline_read_after_the_charts_first_paint(qtbot, store, tmp_path, monkeypatch):
    """The plot's first paint competed with the news list's worker making its rows."""
    from briefing.ui.news_panel import NewsPanel
    from briefing.ui.timeline_panel import TimelinePanel

    chart_painted_at_read, window = [], []
    for cls in (NewsPanel, TimelinePanel):
        read = cls.read
        monkeypatch.setattr(cls, "read", lambda self, read=read: chart_painted_at_read.append(
            window[0].chart.is_loaded) or read(self))
    settings = QSettings(str(tmp_path / "ui-state.ini"), QSettings.Format.IniFormat)
    w = MainWindow(store, settings, defer_panels=True)
    window.append(w)
    qtbot.addWidget(w)
    w.show()
    with qtbot.waitSignal(w.all_loaded, timeout=20000):
        w.start()
    try:
        assert w.chart.symbols and chart_painted_at_read[:2] == [True, True]
    finally:
        w.runner.shutdown()


def test_deferred_panels_modules_are_imported_off_the_gui_thread(qtbot, store, tmp_path, monkeypatch):
    """Importing them on the GUI thread froze the shown window ~0.8 s; a failed import there still
    leaves the panels built (the GUI thread imports again and would raise the real error)."""
    import threading

    from briefing.ui import main_window

    threads = []

    def failing_import():
        threads.append(threading.current_thread())
        raise ImportError("simulated: the worker could not import")

    monkeypatch.setattr(main_window, "import_deferred_modules", failing_import)
    settings = QSettings(str(tmp_path / "ui-state.ini"), QSettings.Format.IniFormat)
    w = MainWindow(store, settings, defer_panels=True)
    qtbot.addWidget(w)
    w.show()
    with qtbot.waitSignal(w.all_loaded, timeout=20000):
        w.start()
    try:
        assert len(threads) == 1 and threads[0] is not threading.main_thread()
        assert w.chart.plot is not None and all(p.is_loaded for p in w.panels)
    finally:
        w.runner.shutdown()


def test_import_deferred_modules_loads_what_the_panels_need():
    import subprocess
    import sys

    code = ("import sys; from briefing.ui.main_window import import_deferred_modules, DEFERRED_MODULES; "
            "before = set(sys.modules); import_deferred_modules(); "
            "print(all(m in sys.modules for m in DEFERRED_MODULES), 'pyqtgraph' in before)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.stdout.split() == ["True", "False"], out.stderr


def test_calendars_load_once_every_panel_has_loaded(qtbot, store, tmp_path, monkeypatch):
    """Their imports and pandas (~0.5 s) beside the panels' first reads and the plot's build made
    start-up's stalls longer: with deferred panels the window starts them at all_loaded."""
    from briefing.domain import market_hours
    from briefing.ui.watchlist_panel import WatchlistPanel

    events = []
    monkeypatch.setattr(WatchlistPanel, "calendar_wait_ms", 0)  # a lone panel would load them at once
    monkeypatch.setattr(market_hours, "_schedules", {})  # none loaded yet
    monkeypatch.setattr(market_hours, "preload", lambda *a, **k: events.append("calendars"))
    settings = QSettings(str(tmp_path / "ui-state.ini"), QSettings.Format.IniFormat)
    w = MainWindow(store, settings, defer_panels=True)
    qtbot.addWidget(w)
    w.all_loaded.connect(lambda: events.append("all loaded"))
    w.show()
    try:
        with qtbot.waitSignal(w.all_loaded, timeout=20000):
            w.start()
        qtbot.waitUntil(lambda: "calendars" in events, timeout=5000)
        assert events == ["all loaded", "calendars"]
    finally:
        w.runner.shutdown()


def test_a_screenshot_waits_for_a_reload_held_back_by_the_throttle(qtbot, make_window):
    """A panel over news reloads at most every 1.5 s on store changes: a screenshot taken in that
    wait missed the news the demo had just seeded (the timeline without its flagged items)."""
    from briefing.ui import screenshot

    w = make_window()
    qtbot.waitUntil(lambda: not screenshot._busy(w, None), timeout=10000)
    w.timeline._read_started = time.monotonic()  # it has just read: the next waits its turn
    w.timeline.reload_for_change()
    assert w.timeline._change_timer.isActive() and not w.timeline.runner.pending
    assert not w.timeline.settled and screenshot._busy(w, None)
    qtbot.waitUntil(lambda: not screenshot._busy(w, None), timeout=10000)  # read, shown: settled
    assert all(p.settled for p in w.panels)
