"""Workers' Python-heavy steps take turns (process_tuning.python_lane): panel reads, feed parses,
event studies. A step checks, from another thread, that the lane is held while it runs."""

from __future__ import annotations

import threading

import pytest

from briefing import process_tuning
from briefing.process_tuning import python_lane
from feed_helpers import feed_server, rss, server  # noqa: F401

pytestmark = pytest.mark.timeout(60)


def lane_held_elsewhere() -> bool:
    """True when another thread holds the lane (asked from a fresh thread, which never holds it)."""
    free = []

    def probe():
        if process_tuning._PYTHON_LANE.acquire(blocking=False):
            process_tuning._PYTHON_LANE.release()
            free.append(True)

    t = threading.Thread(target=probe)
    t.start()
    t.join()
    return not free


def test_one_step_at_a_time_and_reentrant():
    assert not lane_held_elsewhere()
    with python_lane():
        assert lane_held_elsewhere()
        with python_lane():  # a laned step calling another on the same thread does not deadlock
            assert lane_held_elsewhere()
        assert lane_held_elsewhere()
    assert not lane_held_elsewhere()


def test_a_second_thread_waits_for_the_first():
    order = []
    inside = threading.Event()
    leave = threading.Event()

    def first():
        with python_lane():
            order.append("first in")
            inside.set()
            leave.wait(10)
            order.append("first out")

    def second():
        inside.wait(10)
        with python_lane():
            order.append("second in")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    inside.wait(10)
    assert lane_held_elsewhere()
    leave.set()
    for t in threads:
        t.join(10)
    assert order == ["first in", "first out", "second in"]


def test_a_panel_reads_in_the_lane(qtbot, store):
    from briefing.services.tasks import TaskRunner
    from briefing.ui.panel import Panel

    seen = []

    class Probe(Panel):
        def read(self):
            seen.append(lane_held_elsewhere())
            return None

        def show_data(self, data) -> None:
            pass

    runner = TaskRunner()
    panel = Probe(store, runner)
    qtbot.addWidget(panel)
    try:
        with qtbot.waitSignal(panel.loaded, timeout=5000):
            panel.reload()
        assert seen == [True]
    finally:
        runner.shutdown()


def test_a_feed_is_parsed_in_the_lane(server, store, monkeypatch):  # noqa: F811
    from briefing.domain.models import Feed
    from briefing.services.news_refresh import NewsRefresher
    from briefing.sources import feeds

    seen = []
    parse = feeds.parse_feed

    def probing_parse(*args, **kwargs):
        seen.append(lane_held_elsewhere())
        return parse(*args, **kwargs)

    monkeypatch.setattr(feeds, "parse_feed", probing_parse)
    server.expect_request("/f").respond_with_data(
        rss([{"title": "Baidu unveils a model", "link": "https://example.com/a", "guid": "a", "date": 1_790_000_000}]),
        content_type="application/rss+xml")
    fid = store.feeds.add(Feed(server.url_for("/f"), "f"))
    refresher = NewsRefresher(store, politeness_s=0, clock=lambda: 1_790_000_000)
    try:
        report = refresher.refresh([store.feeds.get(fid)], force=True)
    finally:
        refresher.close()
    assert [o.outcome for o in report.outcomes] == ["parsed"] and seen == [True]


def test_an_event_study_runs_in_the_lane(monkeypatch):
    from briefing.ui import timeline_panel

    seen = []
    monkeypatch.setattr(timeline_panel.svc, "study", lambda store, event: seen.append(lane_held_elsewhere()))
    timeline_panel._study_in_lane(None, None)
    assert seen == [True]


def test_imports_for_good_run_in_the_lane():
    with process_tuning.loading_for_good():
        assert lane_held_elsewhere()
    assert not lane_held_elsewhere()


def test_a_calendar_is_built_in_the_lane_without_deadlock(monkeypatch):
    """The lane is taken before market_hours' lock: a thread already in the lane (a panel's read,
    an event study) that needs a calendar while another thread builds one never waits in a cycle."""
    from briefing.domain import market_hours

    seen = []
    building = threading.Event()

    def load(code):
        seen.append((code, lane_held_elsewhere()))
        building.set()
        return market_hours._Schedule("UTC", [], [], [], [], [])

    monkeypatch.setattr(market_hours, "_load", load)
    monkeypatch.setattr(market_hours, "_schedules", {})
    in_lane = threading.Event()
    go = threading.Event()

    def reader():  # in the lane first, then asks for a calendar
        with python_lane():
            in_lane.set()
            go.wait(10)
            market_hours.schedule("XTWO")

    def builder():  # asks for another calendar while the reader holds the lane
        in_lane.wait(10)
        go.set()
        market_hours.schedule("XONE")

    threads = [threading.Thread(target=reader, daemon=True), threading.Thread(target=builder, daemon=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert not any(t.is_alive() for t in threads)
    assert sorted(seen) == [("XONE", True), ("XTWO", True)]
