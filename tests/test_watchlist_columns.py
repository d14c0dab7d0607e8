"""Watchlist extras: day range, 52-week bar, HK-vs-ADR premium, columns shown/hidden and remembered."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt

from briefing.domain.models import Quote
from briefing.services.tasks import TaskRunner
from briefing.ui.watchlist_columns import HEADER_KEY, year_position
from briefing.ui.watchlist_panel import WatchlistPanel


@pytest.fixture
def make_panel(qtbot, store):
    runners, panels = [], []

    def make():
        runner = TaskRunner()
        runners.append(runner)
        panel = WatchlistPanel(store, runner)
        panels.append(panel)
        qtbot.addWidget(panel)
        panel.resize(900, 300)
        panel.show()
        with qtbot.waitSignal(panel.loaded, timeout=10000):
            panel.reload()
        return panel

    yield make
    for p in panels:
        p._save_header.stop()  # no write after the runner stops
    for r in runners:
        r.shutdown()


def cell(panel, key: str, title: str):
    """The cell of a listing row (a symbol) or of a company row ("company:<id>")."""
    return panel.model.index_for(key, panel.model.column_index(title))


def test_year_position():
    q = Quote("X", 15.0, 0, "t", year_low=10.0, year_high=20.0)
    assert year_position(q) == 0.5
    assert year_position(Quote("X", 25.0, 0, "t", year_low=10.0, year_high=20.0)) == 1.0
    assert year_position(Quote("X", 15.0, 0, "t")) is None


def test_day_and_year_ranges_shown_and_drawn(qtbot, make_panel, store, qtmodeltester):
    store.prices.upsert_quote(Quote("0700.HK", 500.0, int(time.time()), "test", previous_close=490.0,
                                    day_low=488.0, day_high=505.5, year_low=300.0, year_high=700.0))
    panel = make_panel()
    qtbot.waitUntil(lambda: cell(panel, "0700.HK", "Day range").data() != "–", timeout=5000)
    assert cell(panel, "0700.HK", "Day range").data() == "488.00 – 505.50"
    year = cell(panel, "0700.HK", "52-week range")
    assert year.data() == "" and year.data(Qt.ItemDataRole.ToolTipRole) == "300.00 – 700.00"  # drawn as a bar
    assert not year.data(Qt.ItemDataRole.DecorationRole).isNull()
    assert cell(panel, "0020.HK", "52-week range").data() == "–"  # no range: said in words
    qtmodeltester.check(panel.model)
    img = panel.view.viewport().grab().toImage()  # the delegate paints without error
    assert not img.isNull()


def test_premium_for_dual_listed_rows_only(qtbot, make_panel, store):
    from briefing.store.demo_seed import seed_demo

    seed_demo(store)
    panel = make_panel()
    qtbot.waitUntil(lambda: cell(panel, "company:alibaba", "HK/ADR prem.").data() != "", timeout=5000)
    assert "%" in cell(panel, "company:alibaba", "HK/ADR prem.").data()  # on the company row
    assert cell(panel, "BABA", "HK/ADR prem.").data() == cell(panel, "9988.HK", "HK/ADR prem.").data() == ""
    assert cell(panel, "0020.HK", "HK/ADR prem.").data() == ""
    assert "vs" in cell(panel, "company:alibaba", "HK/ADR prem.").data(Qt.ItemDataRole.ToolTipRole)
    us_only = store.watchlists.get("US ADRs")  # one line of a dual-listed company: a row of its own
    panel.current_id = us_only.id
    with qtbot.waitSignal(panel.refreshed, timeout=5000):
        panel.reload()
    qtbot.waitUntil(lambda: "%" in cell(panel, "BABA", "HK/ADR prem.").data(), timeout=5000)


def test_hidden_columns_widths_and_sort_are_remembered(qtbot, make_panel, store):
    panel = make_panel()
    header = panel.view.header()
    vol = panel.model.column_index("Volume")
    header.setSectionHidden(vol, True)
    header.resizeSection(1, 123)
    panel.view.sortByColumn(panel.model.column_index("% Change"), Qt.SortOrder.DescendingOrder)
    with qtbot.waitSignal(panel.runner.idle, timeout=5000):
        panel.save_header()
    assert store.settings.get(HEADER_KEY)
    again = make_panel()
    h2 = again.view.header()
    assert h2.isSectionHidden(vol) and h2.sectionSize(1) == 123
    assert h2.sortIndicatorSection() == panel.model.column_index("% Change")
    assert not h2.isSectionHidden(0)


def test_up_down_colours_follow_the_setting(qtbot, make_panel, store):
    from briefing.ui.colors import GREEN, RED

    store.prices.upsert_quote(Quote("9988.HK", 160.0, int(time.time()), "test", previous_close=150.0))
    panel = make_panel()
    qtbot.waitUntil(lambda: cell(panel, "9988.HK", "Change").data(Qt.ItemDataRole.ForegroundRole) is not None,
                    timeout=5000)
    assert cell(panel, "9988.HK", "Change").data(Qt.ItemDataRole.ForegroundRole) == GREEN
    from briefing.store.changes import Change

    store.settings.set("ui.up_colours", "red-up")
    with qtbot.waitSignal(panel.refreshed, timeout=5000):  # what the window's store signal delivers
        panel.on_store_changed(frozenset({Change("settings", "ui.up_colours")}))
    assert cell(panel, "9988.HK", "Change").data(Qt.ItemDataRole.ForegroundRole) == RED
    assert cell(panel, "9988.HK", "% Change").data(Qt.ItemDataRole.ForegroundRole) == RED


def test_the_year_bar_moves_by_whole_pixels_and_is_drawn_once_per_place():
    from PySide6.QtGui import QColor

    from briefing.ui.watchlist_columns import year_range_picture
    from briefing.ui.watchlist_tree import PICTURE_SIZE

    ink = QColor("black")
    a, b = year_range_picture(0.5, ink, PICTURE_SIZE), year_range_picture(0.5001, ink, PICTURE_SIZE)
    assert a is b  # the same pixel: the same picture, not drawn again
    low, high = year_range_picture(0.0, ink, PICTURE_SIZE), year_range_picture(1.0, ink, PICTURE_SIZE)

    def tick_x(image) -> float:
        xs = [x for x in range(image.width()) for y in range(image.height()) if QColor(image.pixel(x, y)) == ink]
        return sum(xs) / len(xs)

    assert tick_x(low) < tick_x(a) < tick_x(high)
    assert year_range_picture(None, ink, PICTURE_SIZE) is None
