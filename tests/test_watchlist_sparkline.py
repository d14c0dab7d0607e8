"""The watchlist's 1-month column: the points read, the sort key and colour, and the drawn line."""

from __future__ import annotations

import math
import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from briefing.domain.models import Bar, Quote
from briefing.ui.colors import GREEN, RED
from briefing.ui.table_model import SORT_ROLE, VALUE_ROLE
from briefing.ui.watchlist_panel import WatchlistModel
from briefing.ui.watchlist_sparkline import TITLE, month_change, month_closes, sparkline_picture
from briefing.ui.watchlist_tree import PICTURE_SIZE
from test_watchlist_tree import make_panel, registry_rows  # noqa: F401 - make_panel: a fixture

DAY = 86400
NOW = 1_764_000_000  # a fixed "now" for the reads (2025-11-24)


def daily(symbol_closes, end=NOW, adj=None):
    """Bars one day apart ending a day before `end`."""
    n = len(symbol_closes)
    return [Bar(end - (n - i) * DAY, c, c, c, c, adj[i] if adj else None, 1000) for i, c in enumerate(symbol_closes)]


def test_points_are_the_months_closes_then_a_newer_quote(store):
    store.prices.upsert_bars("9888.HK", "1d", daily([1.0] * 40) + daily([100, 101, 102, 103]), "test")
    store.prices.upsert_bars("BIDU", "1d", daily([10, 11], adj=[9.5, None]), "test")
    store.prices.upsert_bars("9988.HK", "1d", daily([7.0]), "test")  # one point: no line
    rows = registry_rows(["9888.HK", "BIDU", "9988.HK", "0020.HK"], quotes={
        "9888.HK": Quote("9888.HK", 104.5, NOW + 3600, "test"),  # the next session: appended
        "BIDU": Quote("BIDU", 99.0, NOW - 2 * DAY + 60, "test"),  # within the last bar's day: not appended
    })
    points = month_closes(store, rows, NOW)
    assert points["9888.HK"][-5:] == (100, 101, 102, 103, 104.5)
    assert len(points["9888.HK"]) == 31 + 1  # the month's bars only (the 31 days before now) and the quote
    assert points["BIDU"] == (9.5, 11)  # the adjusted close where there is one
    assert "9988.HK" not in points and "0020.HK" not in points


def test_month_change_and_its_edge_cases():
    assert month_change((100.0, 90.0, 110.0)) == pytest.approx(10.0)
    assert month_change((0.0, 5.0)) is None and month_change((5.0,)) is None and month_change(None) is None


def test_cells_sort_by_the_months_change_and_take_its_colour(qtbot):
    model = WatchlistModel()
    model.show_rows(registry_rows(["9888.HK", "0020.HK", "BABA"]), {}, {},
                    {"9888.HK": (100.0, 120.0), "0020.HK": (2.0, 1.5)})
    col = model.column_index(TITLE)
    up, down, none = (model.index_for(s, col) for s in ("9888.HK", "0020.HK", "BABA"))
    assert up.data(SORT_ROLE) == pytest.approx(20.0) and down.data(SORT_ROLE) == pytest.approx(-25.0)
    assert tuple(up.data(VALUE_ROLE)) == (100.0, 120.0) and none.data(VALUE_ROLE) is None
    assert QColor(up.data(9)) == GREEN and QColor(down.data(9)) == RED  # Qt.ForegroundRole
    assert "+20.00%" in up.data(3) and "no daily prices" in none.data(3)  # Qt.ToolTipRole
    model.set_red_up(True)
    assert QColor(model.index_for("9888.HK", col).data(9)) == RED


def test_new_points_rewrite_only_the_rows_whose_line_changed(qtbot):
    model = WatchlistModel()
    rows = registry_rows(["9888.HK", "0020.HK"])
    model.show_rows(rows, {}, {}, {"9888.HK": (1.0, 2.0), "0020.HK": (3.0, 4.0)})
    seen = []
    model.dataChanged.connect(lambda tl, br, *_: seen.append(tl.row()))
    model.show_rows(rows, {}, {}, {"9888.HK": (1.0, 2.5), "0020.HK": (3.0, 4.0)})
    assert seen == [0]
    assert tuple(model.index_for("9888.HK", model.column_index(TITLE)).data(VALUE_ROLE)) == (1.0, 2.5)


def test_the_panel_draws_the_line_in_the_up_colour(qtbot, store, make_panel):
    store.prices.upsert_bars("0020.HK", "1d", daily([1.0, 1.5, 1.2, 2.0], end=int(time.time())), "test")
    store.watchlists.create("One")
    store.watchlists.add("One", ["0020.HK"])
    store.settings.set("ui.last_watchlist", store.watchlists.get("One").id)
    panel = make_panel()
    panel.view.clearSelection()
    col = panel.model.column_index(TITLE)
    cell = panel.proxy.mapFromSource(panel.model.index_for("0020.HK", col))
    assert cell.data(VALUE_ROLE) is not None
    rect = panel.view.visualRect(cell)
    image = panel.view.viewport().grab().toImage()
    greens = [(x, y) for x in range(rect.left(), rect.right()) for y in range(rect.top(), rect.bottom())
              if _near(QColor(image.pixel(x, y)), GREEN)]
    assert len(greens) > PICTURE_SIZE.width() // 2  # a line across the picture
    with qtbot.waitSignal(panel.refreshed, timeout=10000):  # a lower price makes the month a fall
        store.prices.upsert_quotes([Quote("0020.HK", 0.5, int(time.time()), "test")])
    qtbot.waitUntil(lambda: cell.data(SORT_ROLE) is not None and cell.data(SORT_ROLE) < 0, timeout=5000)


def _near(a: QColor, b: QColor) -> bool:
    return math.dist((a.red(), a.green(), a.blue()), (b.red(), b.green(), b.blue())) < 60


def test_pictures_are_drawn_again_in_a_new_palettes_ink(qtbot):
    model = WatchlistModel()
    model.painters[model.column_index(TITLE)] = sparkline_picture
    model.show_rows(registry_rows(["0020.HK"]), {}, {}, {"0020.HK": (2.0, 1.0, 2.0)})  # flat month: no colour
    index = model.index_for("0020.HK", model.column_index(TITLE))

    def inks() -> set:
        image = index.data(Qt.ItemDataRole.DecorationRole)
        return {QColor(image.pixel(x, y)).rgb() for x in range(image.width()) for y in range(image.height())
                if QColor.fromRgba(image.pixel(x, y)).alpha() == 255}

    assert inks() == {QColor("black").rgb()}
    seen = []
    model.dataChanged.connect(lambda tl, br, *_: seen.append(tl.row()))
    model.set_ink(QColor("#e0e0e0"), 1.0)  # a dark theme's text
    assert inks() == {QColor("#e0e0e0").rgb()} and seen == [0]
    model.set_ink(QColor("#e0e0e0"), 2.0)  # a high-density screen: twice the pixels
    assert index.data(Qt.ItemDataRole.DecorationRole).width() == 2 * PICTURE_SIZE.width()


def test_the_reader_draws_a_batchs_pictures_before_the_gui_writes_them(qtbot, store, make_panel):
    """The 52-week bars and month lines of a quote batch are drawn on the worker (`read`): writing
    the batch on the GUI thread then draws nothing (100 pictures were ~1,000 calls into Qt there)."""
    from briefing.ui import watchlist_columns, watchlist_sparkline

    now = int(time.time())
    symbols = ["9888.HK", "BIDU", "9988.HK", "0700.HK"]
    for s in symbols:
        store.prices.upsert_bars(s, "1d", daily([10.0, 11.0, 10.5, 12.0], end=now), "test")
    store.watchlists.create("Four")
    store.watchlists.add("Four", symbols)
    store.settings.set("ui.last_watchlist", store.watchlists.get("Four").id)
    panel = make_panel()
    drawn_on_gui = []
    for module, name in ((watchlist_columns, "_year_range_picture"), (watchlist_sparkline, "_sparkline_picture")):
        cached = getattr(module, name)
        misses = cached.cache_info().misses

        def gui_misses(cached=cached, misses=misses):
            return cached.cache_info().misses - misses

        drawn_on_gui.append(gui_misses)
    def misses() -> int:
        return sum(f() for f in drawn_on_gui)

    during_writes = []
    show_rows = panel.model.show_rows

    def watched(*args):
        before = misses()
        show_rows(*args)
        during_writes.append(misses() - before)

    panel.model.show_rows = watched
    start = misses()
    with qtbot.waitSignal(panel.refreshed, timeout=10000):
        store.prices.upsert_quotes([Quote(s, 13.0 + i, now, "test", previous_close=12.0, year_low=9.0, year_high=20.0)
                                    for i, s in enumerate(symbols)])
    assert misses() > start  # new pictures were drawn for the batch (on the worker, in `read`) ...
    assert during_writes and during_writes[-1] == 0  # ... and none while the GUI thread wrote the rows
    col = panel.model.column_index("52-week range")
    assert panel.model.index_for("BIDU", col).data(Qt.ItemDataRole.DecorationRole) is not None
