"""The chart's date axis: ticks at the exchange zone's year, month and day starts, labels that fit."""

from __future__ import annotations

from datetime import date, datetime

from briefing.domain.bar_time import day_ts, zone
from briefing.ui.chart_axes import date_label, date_ticks

NY = "America/New_York"


def as_dates(values, tz):
    return [datetime.fromtimestamp(v, zone(tz)) for v in values]


def test_ten_years_tick_years_with_half_years_between():
    lo, hi = day_ts(date(2015, 1, 5), NY), day_ts(date(2025, 1, 3), NY)
    (spacing, unit, major), (_, minor_unit, minor) = date_ticks(lo, hi, 800, zone(NY))
    assert unit == ("year", 1) and minor_unit is None
    assert [d.year for d in as_dates(major, NY)] == list(range(2016, 2026))
    assert all((d.month, d.day, d.hour, d.minute) == (1, 1, 0, 0) for d in as_dates(major, NY))  # NY midnight
    assert all((d.month, d.day) == (7, 1) for d in as_dates(minor, NY))
    assert [date_label(d, unit) for d in as_dates(major, NY)][:2] == ["2016", "2017"]


def test_one_year_ticks_months_across_daylight_saving():
    lo, hi = day_ts(date(2024, 6, 18), NY), day_ts(date(2025, 6, 18), NY)
    (_, unit, major), *_ = date_ticks(lo, hi, 800, zone(NY))
    assert unit == ("month", 1)
    ds = as_dates(major, NY)
    assert [(d.month, d.day, d.hour) for d in ds][:3] == [(7, 1, 0), (8, 1, 0), (9, 1, 0)]
    assert all(d.hour == 0 for d in ds)  # midnight in winter and in summer
    assert [date_label(d, unit) for d in ds if d.month in (12, 1)] == ["Dec", "2025"]


def test_narrow_axes_and_odd_ranges_give_fewer_or_no_ticks():
    lo, hi = day_ts(date(2015, 1, 5), NY), day_ts(date(2025, 1, 3), NY)
    (_, unit, _), *_ = date_ticks(lo, hi, 150, zone(NY))
    assert unit[0] == "year" and unit[1] >= 2
    assert date_ticks(hi, lo, 800, zone(NY)) == [] and date_ticks(0, float("nan"), 800, zone(NY)) == []
    (_, unit, days), *_ = date_ticks(lo, lo + 6 * 86400, 800, zone(NY))
    assert unit == ("day", 1) and len(days) == 7
