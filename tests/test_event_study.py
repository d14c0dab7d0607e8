"""The event study against an independent pandas computation on real prices (shared/data).

Alibaba's record antitrust fine was announced on Saturday 2021-04-10: on the Hong Kong calendar
day 0 is Monday 2021-04-12, day -1 is Friday 2021-04-09. The independent computation below uses
only the CSV's own trading days (the first row on or after the date is day 0), not the exchange
calendar the code uses, so the two agree only if both are right and the data has no gaps there.
"""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

import pytest

from briefing.domain import event_study as es
from briefing.domain.models import Bar, Listing, RegulationEvent

HK = "Asia/Hong_Kong"
BABA_HK = Listing("9988.HK", "XHKG", "HKD", HK, company_id="alibaba")
TENCENT_HK = Listing("0700.HK", "XHKG", "HKD", HK, company_id="tencent")


def load_bars(path: Path) -> list[Bar]:
    """Our own small reader for the georgelikechen files: `2021-04-09 00:00:00+08:00` dates."""
    out = []
    with path.open(newline="") as f:
        for r in csv.DictReader(f):
            ts = int(datetime.fromisoformat(r["Date"]).timestamp())  # 00:00 HKT = the project's bar ts
            out.append(Bar(ts, float(r["Open"]), float(r["High"]), float(r["Low"]), float(r["Close"]),
                           volume=int(float(r["Volume"]))))
    return out


def pandas_window_return(path: Path, day: date, start: int, end: int) -> float:
    import pandas as pd

    frame = pd.read_csv(path)
    frame["day"] = pd.to_datetime(frame["Date"].str.slice(0, 10)).dt.date
    closes = frame.set_index("day")["Close"]
    days = list(closes.index)
    zero = next(i for i, d in enumerate(days) if d >= day)
    return closes.iloc[zero + end] / closes.iloc[zero + start] - 1.0


@pytest.fixture
def prices(shared_data) -> Path:
    folder = shared_data / "prices" / "georgelikechen_portfolio"
    if not (folder / "9988.HK.csv").exists():
        pytest.skip("9988.HK.csv not in the shared data")
    return folder


def event(day: date, **kw) -> RegulationEvent:
    return RegulationEvent(id=kw.pop("id", "e"), title_en="t", category="china_rule", announced=day,
                           companies=kw.pop("companies", ("alibaba",)), **kw)


@pytest.mark.parametrize("day, day0", [
    (date(2021, 4, 10), date(2021, 4, 12)),  # Saturday: the antitrust fine
    (date(2021, 4, 11), date(2021, 4, 12)),  # Sunday
    (date(2021, 4, 5), date(2021, 4, 7)),  # Easter Monday, then the Ching Ming holiday: Wednesday
    (date(2021, 4, 8), date(2021, 4, 8)),  # an ordinary Thursday
])
def test_returns_equal_an_independent_pandas_computation(prices, day, day0):
    path = prices / "9988.HK.csv"
    bars = load_bars(path)
    study = es.study_event(event(day), [BABA_HK], {"9988.HK": bars})
    (reaction,) = study.reactions
    assert reaction.day0 == day0
    for start, end in es.WINDOWS:
        w = reaction.window(start, end)
        assert w.raw == pytest.approx(pandas_window_return(path, day, start, end), rel=1e-12, abs=1e-12)
        assert w.benchmark is None and w.abnormal is None  # no benchmark given: not 0


def test_the_antitrust_fine_weekend_in_numbers(prices):
    bars = load_bars(prices / "9988.HK.csv")
    (r,) = es.study_event(event(date(2021, 4, 10)), [BABA_HK], {"9988.HK": bars}).reactions
    w1, w5 = r.window(-1, 1), r.window(-1, 5)
    assert (w1.from_session, w1.to_session) == (date(2021, 4, 9), date(2021, 4, 13))
    assert w5.to_session == date(2021, 4, 19)
    assert w1.raw == pytest.approx(232.41253662109375 / 217.2638702392578 - 1)  # about +7.0%
    assert es.percent(w1.raw) == "+7.0%"


def test_abnormal_return_subtracts_a_configured_benchmark(prices):
    """2800.HK is not in the shared data: Tencent stands in as the configured HK benchmark."""
    baba, tencent = load_bars(prices / "9988.HK.csv"), load_bars(prices / "0700.HK.csv")
    day = date(2021, 4, 10)
    study = es.study_event(event(day), [BABA_HK], {"9988.HK": baba, "0700.HK": tencent}, {"HK": TENCENT_HK})
    (r,) = study.reactions
    assert r.benchmark == "0700.HK"
    for start, end in es.WINDOWS:
        own = pandas_window_return(prices / "9988.HK.csv", day, start, end)
        bench = pandas_window_return(prices / "0700.HK.csv", day, start, end)
        assert r.window(start, end).abnormal == pytest.approx(own - bench, abs=1e-12)


def test_no_price_data_is_no_data_not_zero(prices):
    bars = load_bars(prices / "9988.HK.csv")  # starts 2020-01-02
    (r,) = es.study_event(event(date(2019, 10, 7)), [BABA_HK], {"9988.HK": bars}).reactions
    assert all(w.raw is None and w.abnormal is None for w in r.windows)
    assert "no price data" in r.note
    assert es.percent(r.window(-1, 1).raw) == "no data"


def test_a_window_reaching_past_the_last_bar_is_no_data(prices):
    bars = load_bars(prices / "9988.HK.csv")  # ends 2025-05-22 (a Thursday)
    (r,) = es.study_event(event(date(2025, 5, 20)), [BABA_HK], {"9988.HK": bars}).reactions
    assert r.window(-1, 1).raw is not None  # 2025-05-19 .. 2025-05-21
    assert r.window(-1, 5).raw is None  # needs 2025-05-27


def test_us_lines_use_their_own_calendar():
    """BABA on XNYS: 2021-04-02 (Good Friday) is closed in New York too; 2021-04-05 is open there."""
    baba_us = Listing("BABA", "XNYS", "USD", "America/New_York", company_id="alibaba")
    (r,) = es.study_event(event(date(2021, 4, 5)), [baba_us], {}).reactions
    assert r.day0 == date(2021, 4, 5)  # a Hong Kong holiday, a New York session
    (r,) = es.study_event(event(date(2021, 4, 2)), [baba_us], {}).reactions
    assert r.day0 == date(2021, 4, 5) and r.window(-1, 1).from_session == date(2021, 4, 1)
    assert r.note  # no bars given: no data


def test_an_event_with_only_an_effective_date_says_so():
    e = RegulationEvent(id="x", title_en="t", category="china_rule", effective=date(2021, 9, 1), companies=("alibaba",))
    study = es.study_event(e, [BABA_HK], {})
    assert study.announced == date(2021, 9, 1) and "effective" in study.note


def test_study_through_the_cache_with_imported_csv_bars(prices, store):
    """The service reads the bars from the cache: the same numbers as the direct computation."""
    from briefing.services.timeline import study

    store.prices.upsert_bars("9988.HK", "1d", load_bars(prices / "9988.HK.csv"), source="csv")
    store.prices.upsert_bars("0700.HK", "1d", load_bars(prices / "0700.HK.csv"), source="csv")
    store.settings.set("event_study.benchmarks", {"HK": "0700.HK"})
    result = study(store, "cn-samr-alibaba-antitrust-fine-2021")
    by_symbol = {r.symbol: r for r in result.reactions}
    assert set(by_symbol) == {"9988.HK", "BABA"}
    hk = by_symbol["9988.HK"]
    assert hk.benchmark == "0700.HK"
    own = pandas_window_return(prices / "9988.HK.csv", date(2021, 4, 10), -1, 1)
    bench = pandas_window_return(prices / "0700.HK.csv", date(2021, 4, 10), -1, 1)
    assert hk.window(-1, 1).raw == pytest.approx(own) and hk.window(-1, 1).abnormal == pytest.approx(own - bench)
    us = by_symbol["BABA"]  # no BABA or KWEB bars in the cache
    assert us.benchmark == "KWEB" and us.window(-1, 1).raw is None and us.note
