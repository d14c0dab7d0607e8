"""The watchlist follows the preferences "Watchlist at start" and "Show times in"."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from briefing.domain import preferences as prefs
from briefing.domain.models import Quote
from briefing.services.tasks import TaskRunner
from briefing.store.changes import Change
from briefing.ui.watchlist_columns import as_of_text
from briefing.ui.watchlist_panel import WatchlistPanel, opening_list

AT = 1_767_225_600 + 8 * 3600 + 5 * 60  # 2026-01-01 08:05 UTC: 16:05 in Hong Kong, 03:05 in New York
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def make_panel(qtbot, store):
    made = []

    def make():
        runner = TaskRunner()
        panel = WatchlistPanel(store, runner)
        qtbot.addWidget(panel)
        panel.show()
        with qtbot.waitSignal(panel.loaded, timeout=10000):
            panel.reload()
        made.append((panel, runner))
        return panel

    yield make
    for panel, runner in made:
        panel._save_header.stop()
        runner.shutdown()


def test_opening_list_prefers_the_preference_then_the_last_used():
    from briefing.domain.models import Watchlist

    lists = [Watchlist(1, "China AI"), Watchlist(2, "HK lines"), Watchlist(3, "US ADRs")]
    assert opening_list(lists, "", 3) == 3
    assert opening_list(lists, "hk lines", 3) == 2  # names match as the CLI's do, ignoring case
    assert opening_list(lists, "Gone", 3) == 3  # a deleted list: the last used one
    assert opening_list(lists, "", 99) == 1 and opening_list([], "HK lines", None) is None


def test_panel_opens_on_the_default_watchlist_when_set(qtbot, make_panel, store):
    hk = store.watchlists.create("HK lines")
    store.watchlists.add("HK lines", ["9988.HK", "0700.HK"])
    other = store.watchlists.create("Other")
    store.settings.set("ui.last_watchlist", other.id)
    assert make_panel().current_id == other.id  # unset: the last used list, as before
    prefs.Preferences.of(store).set(prefs.DEFAULT_WATCHLIST, "HK lines")
    panel = make_panel()
    assert panel.current_id == hk.id
    assert [r.listing.symbol for r in panel.model.rows()] == ["9988.HK", "0700.HK"]
    assert panel.chooser.currentText() == "HK lines"
    panel.chooser.setCurrentIndex(panel.chooser.findData(other.id))  # choosing another list still works
    panel.chooser.activated.emit(panel.chooser.currentIndex())
    qtbot.waitUntil(lambda: panel.current_id == other.id and panel.model.rowCount() == 0, timeout=5000)


def test_as_of_text_in_exchange_local_or_both_zones():
    assert as_of_text(AT, "Asia/Hong_Kong", "exchange") == "01-01 16:05 HKT"
    assert as_of_text(AT, "Asia/Hong_Kong", "local", BERLIN) == "01-01 09:05 CET"
    assert as_of_text(AT, "Asia/Hong_Kong", "both", BERLIN) == "01-01 16:05 HKT · 09:05 CET"
    assert as_of_text(AT, "America/New_York", "both", ZoneInfo("Asia/Tokyo")) == "01-01 03:05 EST · 17:05 JST"
    assert as_of_text(AT - 8 * 3600, "America/New_York", "both", BERLIN) == "12-31 19:05 EST · 01-01 01:05 CET"
    assert as_of_text(None, "Asia/Hong_Kong", "both") == "–"


def test_as_of_column_follows_the_time_zone_preference(qtbot, make_panel, store, monkeypatch):
    from briefing.ui import watchlist_model

    monkeypatch.setattr(watchlist_model, "as_of_text",  # this machine "is" in Berlin
                        lambda ts, tz, mode="exchange", local_zone=None: as_of_text(ts, tz, mode, local_zone or BERLIN))
    store.prices.upsert_quote(Quote("0700.HK", 500.0, AT, "test", previous_close=490.0))
    panel = make_panel()

    def as_of():
        return panel.model.index_for("0700.HK", panel.model.column_index("As of")).data()

    qtbot.waitUntil(lambda: as_of() == "01-01 16:05 HKT", timeout=5000)  # the default: exchange time
    for mode, shown in (("local", "01-01 09:05 CET"), ("both", "01-01 16:05 HKT · 09:05 CET"),
                        ("exchange", "01-01 16:05 HKT")):
        prefs.Preferences.of(store).set(prefs.TIMEZONE_DISPLAY, mode)
        with qtbot.waitSignal(panel.refreshed, timeout=5000):  # what the window's store signal delivers
            panel.on_store_changed(frozenset({Change("settings", prefs.TIMEZONE_DISPLAY)}))
        assert as_of() == shown
    tip = panel.model.index_for("0700.HK", panel.model.column_index("As of")).data(3)  # ToolTipRole
    assert "09:05 CET" in tip and "source: test" in tip  # the other zone on hover
