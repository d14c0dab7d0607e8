"""Event lines on the chart: placed with the arrays (on the worker), picked per highlight on the GUI thread."""

from __future__ import annotations

from datetime import date
from textwrap import shorten

from briefing.domain.bar_time import day_ts
from briefing.domain.models import Listing, RegulationEvent
from briefing.ui.chart_data import ChartData, Series, event_marks, event_ts

NY = "America/New_York"
DAYS = [date(2024, 1, 2), date(2024, 6, 3), date(2024, 12, 2)]


def data(*events: RegulationEvent) -> ChartData:
    listing = Listing("BIDU", "XNAS", "USD", NY, company_id="baidu")
    series = Series(listing, [day_ts(d, NY) for d in DAYS], [100.0, 110.0, 90.0], "test")
    return ChartData((series,), events, normalised=False)


def event(id_: str, day: date | None, companies=(), title="A rule on recommendation algorithms and their filing"):
    return RegulationEvent(id_, title, "rule", announced=day, body="CAC", companies=companies)


def test_events_in_the_bars_span_are_placed_once_with_the_arrays():
    ours, theirs = event("ours", date(2024, 3, 1), ("baidu",)), event("theirs", date(2024, 4, 1), ("tencent",))
    general = event("general", date(2024, 5, 1))
    before, undated = event("before", date(2023, 3, 1)), event("undated", None)
    d = data(ours, theirs, general, before, undated)
    marks = d.layout.marks
    assert [(m.event_id, m.concerns) for m in marks] == [("ours", True), ("theirs", False), ("general", True)]
    assert [m.x for m in marks] == [event_ts(e) for e in (ours, theirs, general)]  # daily: x is the UTC second
    assert marks[0].tip.startswith("2024-03-01 · CAC\nA rule on")


def test_only_the_highlighted_line_is_labelled_and_it_shows_whatever_its_companies():
    ours, theirs = event("ours", date(2024, 3, 1), ("baidu",)), event("theirs", date(2024, 4, 1), ("tencent",))
    d = data(ours, theirs)
    assert [(x, hot, label) for x, hot, label, _ in event_marks(d, None)] == [(event_ts(ours), False, "")]
    shown = event_marks(d, "theirs")
    assert [(hot, label) for _, hot, label, _ in shown] == [
        (False, ""), (True, shorten(theirs.title_en, width=36, placeholder="…"))]
    assert event_marks(d, "theirs") == shown  # the same specs: the panel leaves its lines alone


def test_no_marks_without_bars():
    listing = Listing("BIDU", "XNAS", "USD", NY)
    d = ChartData((Series(listing, [], [], "test"),), (event("x", date(2024, 3, 1)),), normalised=False)
    assert d.layout.marks == () and event_marks(d, "x") == ()
