"""Panel reads: store changes reload at most every `change_reload_ms`; the user's reloads at once."""

from __future__ import annotations

import threading

import pytest

pytest.importorskip("PySide6")

from briefing.store.changes import Change  # noqa: E402

NEWS = frozenset({Change("news")})


@pytest.fixture
def panel(qtbot, store):
    from briefing.services.tasks import TaskRunner
    from briefing.ui.panel import Panel

    class Counting(Panel):
        topics = ("news",)
        change_reload_ms = 400

        def __init__(self, *args) -> None:
            super().__init__(*args)
            self.reads, self.shown = 0, []
            self.version = 0  # stands for what the store holds
            self.gate = threading.Event()
            self.gate.set()

        def read(self):
            self.gate.wait(5)
            self.reads += 1
            return self.version

        def show_data(self, data) -> None:
            self.shown.append(data)

    runner = TaskRunner()
    p = Counting(store, runner)
    qtbot.addWidget(p)
    yield p
    p.gate.set()
    runner.shutdown()


def test_a_burst_of_changes_is_read_twice_and_the_last_read_sees_the_last_change(qtbot, panel):
    panel.on_store_changed(NEWS)  # idle: read at once
    qtbot.waitUntil(lambda: len(panel.shown) == 1, timeout=5000)
    assert panel.reads == 1
    for _ in range(5):  # a refresh: one feed's news after another
        panel.version += 1
        panel.on_store_changed(NEWS)
    assert panel.reads == 1  # within the interval: waits
    qtbot.waitUntil(lambda: len(panel.shown) == 2, timeout=5000)
    qtbot.wait(600)  # longer than the interval: no read is left to come
    assert panel.reads == 2
    assert panel.shown[-1] == 5  # nothing missed


def test_a_change_while_reading_is_read_after_it(qtbot, panel):
    panel.gate.clear()
    panel.on_store_changed(NEWS)
    qtbot.waitUntil(lambda: panel._reading, timeout=2000)
    panel.on_store_changed(NEWS)
    panel.gate.set()
    qtbot.waitUntil(lambda: len(panel.shown) == 2, timeout=5000)
    assert panel.reads == 2


def test_the_users_reload_does_not_wait(qtbot, panel):
    panel.on_store_changed(NEWS)
    qtbot.waitUntil(lambda: len(panel.shown) == 1, timeout=5000)
    panel.reload()  # a filter changed: within the interval, still read now
    assert panel._reading and not panel._change_timer.isActive()
    qtbot.waitUntil(lambda: len(panel.shown) == 2, timeout=5000)


def test_panels_over_news_throttle_and_the_watchlist_does_not():
    from briefing.ui.news_panel import NewsPanel
    from briefing.ui.timeline_panel import TimelinePanel
    from briefing.ui.watchlist_panel import WatchlistPanel

    assert NewsPanel.change_reload_ms > 0 and TimelinePanel.change_reload_ms > 0
    assert WatchlistPanel.change_reload_ms == 0  # quotes are shown as they come
