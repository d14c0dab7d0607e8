"""Compare mode on intraday ranges: HK and US listings on one gap-free merged index."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from briefing.domain.bar_time import zone
from briefing.domain.models import Bar

HK, NY = "Asia/Hong_Kong", "America/New_York"
DAYS = [date(2025, 3, 3) + timedelta(days=i) for i in range(12) if (date(2025, 3, 3) + timedelta(days=i)).weekday() < 5]


def session(day: date, tz: str, parts, base: float) -> list[Bar]:
    """5-minute bars of one session, `parts` as ((start minute, end minute), ...) in the zone `tz`."""
    bars = []
    for start, end in parts:
        for m in range(start, end, 5):
            t = datetime(day.year, day.month, day.day, m // 60, m % 60, tzinfo=zone(tz))
            p = base + (m % 97) / 10
            bars.append(Bar(int(t.timestamp()), p, p + 0.5, p - 0.5, p + 0.1, None, 1000))
    return bars


HKEX = ((9 * 60 + 30, 12 * 60), (13 * 60, 16 * 60))  # with the lunch break
NYSE = ((9 * 60 + 30, 16 * 60),)


@pytest.fixture
def hk_and_us(store):
    hk = [b for i, d in enumerate(DAYS) for b in session(d, HK, HKEX, 80 + i)]
    us = [b for i, d in enumerate(DAYS) for b in session(d, NY, NYSE, 90 - i)]
    store.prices.upsert_bars("9988.HK", "5m", hk, "t")
    store.prices.upsert_bars("BABA", "5m", us, "t")
    return store


def show(qtbot, chart, symbols, code):
    chart.range = code
    chart.symbols = []
    with qtbot.waitSignal(chart.refreshed, timeout=5000):
        chart.set_symbols(symbols)


def expected_pct(store, symbol: str, tz: str, sessions: int) -> pd.Series:
    """An independent computation: the last n sessions (exchange-zone dates), % from their first close."""
    cols = store.prices.columns(symbol, "5m")
    idx = pd.to_datetime(pd.Series(cols["ts"]), unit="s", utc=True).dt.tz_convert(tz)
    df = pd.DataFrame({"close": cols["close"], "ts": cols["ts"], "day": idx.dt.date})
    keep = sorted(df["day"].unique())[-sessions:]
    df = df[df["day"].isin(keep)]
    return pd.Series(((df["close"] / df["close"].iloc[0]) - 1).to_numpy() * 100, index=df["ts"].to_numpy())


@pytest.mark.parametrize("code, sessions", [("5D", 5), ("1D", 1)])
def test_intraday_compare_sits_on_a_gap_free_merged_index(qtbot, chart, hk_and_us, code, sessions):
    show(qtbot, chart, ["9988.HK", "BABA"], code)
    data = chart._data
    assert data.normalised and data.indexed
    axis = data.layout.axis_ts
    xs_all = []
    for i, (sym, tz) in enumerate((("9988.HK", HK), ("BABA", NY))):
        want = expected_pct(hk_and_us, sym, tz, sessions)
        x, y = chart._curves[i].getData()
        assert list(y) == pytest.approx(list(want.to_numpy()))
        assert [int(axis[int(k)]) for k in x] == list(want.index)  # each point at its own bar's time
        xs_all += list(x)
    positions = np.unique(xs_all)
    assert list(positions) == list(range(len(axis)))  # every position holds a bar: no empty nights
    assert np.all(np.diff(positions) == 1)
    assert np.all(np.diff(axis) > 0)
    hk_first = datetime.fromtimestamp(int(axis[0]), zone(HK))
    assert (hk_first.date(), hk_first.hour, hk_first.minute) == (DAYS[-sessions], 9, 30)  # HK opens first
    us_last = datetime.fromtimestamp(int(axis[-1]), zone(NY))
    assert (us_last.date(), us_last.hour, us_last.minute) == (DAYS[-1], 15, 55)  # New York's last bar ends it
    # labels in one zone, the first symbol's
    assert chart.axis.tickStrings([0], 1, 10) == [DAYS[-sessions].strftime("%d %b 09:30")]
    opens = chart.axis.index_marks()[0]  # the HK and the New York opens, in HK time
    us_open = datetime(DAYS[-1].year, DAYS[-1].month, DAYS[-1].day, 9, 30, tzinfo=zone(NY)).astimezone(zone(HK))
    assert len(opens) == 2 * sessions
    assert chart.axis.tickStrings([opens[-1]], 1, 10) == [us_open.strftime("%d %b %H:%M")]


def test_compare_lines_break_where_their_market_is_closed(qtbot, chart, hk_and_us):
    show(qtbot, chart, ["9988.HK", "BABA"], "5D")
    hk = chart._data.layout.traces[0]
    breaks = np.flatnonzero(~hk.connect[:-1])
    assert len(breaks) == 4  # between the 5 sessions, not at lunch
    assert all(hk.x[b + 1] - hk.x[b] > 1 for b in breaks)  # New York's bars lie between


def test_compare_readout_gives_each_series_at_that_moment(qtbot, chart, hk_and_us):
    show(qtbot, chart, ["9988.HK", "BABA"], "5D")
    data = chart._data
    hk_x, hk_y = chart._curves[0].getData()
    us_x, us_y = chart._curves[1].getData()
    x = hk_x[-1]  # the last HK bar: BABA's latest is the US session before
    text = chart.show_readout_at(x)
    j = int(np.searchsorted(us_x, x)) - 1
    assert f"9988.HK {hk_y[-1]:+.2f}%" in text and f"BABA {us_y[j]:+.2f}%" in text
    assert datetime.fromtimestamp(int(data.layout.axis_ts[int(x)]), zone(HK)).strftime("%Y-%m-%d %H:%M") in text
    assert "BABA" not in chart.show_readout_at(0)  # before BABA's first bar: nothing to show for it


def test_a_series_without_a_usable_start_is_left_out_not_misdrawn():
    from briefing.domain.models import Listing
    from briefing.ui.chart_data import ChartData, Series

    hk = session(DAYS[0], HK, HKEX, 80)
    ts = [b.ts for b in hk]
    good = Series(Listing("9988.HK", "XHKG", "HKD", HK), ts, [b.close for b in hk], "t")
    zero = Series(Listing("0020.HK", "XHKG", "HKD", HK), ts, [0.0] + [1.0] * (len(ts) - 1), "t")
    for code in ("5D", "1Y"):
        lay = ChartData((good, zero), (), normalised=True, range=code).layout
        assert len(lay.traces[0].x) == len(ts) and len(lay.traces[1].x) == len(lay.traces[1].y) == 0
