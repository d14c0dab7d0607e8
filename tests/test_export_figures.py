"""The briefing's figures against an independent pandas computation, and its fault cases:
closed markets, unfinished sessions, partial data, an empty watchlist, no news, no events."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from briefing.domain.models import Bar
from test_export_helpers import GOLDEN_DAY, GOLDEN_NOW, build, demo_cache_file, demo_store  # noqa: F401

HKT = ZoneInfo("Asia/Hong_Kong")


def frame(store, symbol: str, tz: str) -> pd.DataFrame:
    bars = store.prices.bars(symbol, "1d")
    df = pd.DataFrame([(b.ts, b.close, b.high, b.low, b.volume) for b in bars],
                      columns=["ts", "close", "high", "low", "volume"])
    df.index = pd.to_datetime(df.pop("ts"), unit="s", utc=True).dt.tz_convert(tz).dt.date
    return df


def expected_row(store, symbol: str, tz: str, session: date) -> dict:
    df = frame(store, symbol, tz)
    df = df[df.index <= session]
    close = df["close"]
    month = close[close.index < session.replace(day=1)]
    year = close[close.index < date(session.year, 1, 1)]
    prior_avg = df["volume"].shift(1).rolling(20).mean()
    window = df[df.index > session - timedelta(days=365)]
    low, high = window["low"].min(), window["high"].max()
    return {
        "close": close.iloc[-1],
        "change_1d": close.pct_change(1).iloc[-1] * 100,
        "change_5d": close.pct_change(5).iloc[-1] * 100,
        "change_mtd": (close.iloc[-1] / month.iloc[-1] - 1) * 100,
        "change_ytd": (close.iloc[-1] / year.iloc[-1] - 1) * 100,
        "volume_avg20": prior_avg.iloc[-1],
        "volume_ratio": df["volume"].iloc[-1] / prior_avg.iloc[-1],
        "low_52w": low, "high_52w": high,
        "position_52w": (close.iloc[-1] - low) / (high - low) * 100,
    }


def test_table_figures_equal_an_independent_pandas_computation(demo_store):
    b = build(demo_store)
    assert [r.symbol for r in b.rows] == ["9888.HK", "BIDU", "9988.HK", "BABA", "0700.HK", "TCEHY", "0020.HK"]
    for row in b.rows:
        tz = "Asia/Hong_Kong" if row.symbol.endswith(".HK") else "America/New_York"
        assert row.session == GOLDEN_DAY and row.missing == (), row
        want = expected_row(demo_store, row.symbol, tz, GOLDEN_DAY)
        for field, value in want.items():
            assert getattr(row, field) == pytest.approx(value, rel=1e-9, abs=1e-9), (row.symbol, field)


def test_premium_equals_adr_over_hk_close_converted_at_usdhkd(demo_store):
    b = build(demo_store)
    fx = frame(demo_store, "HKD=X", "UTC")["close"]
    for adr, hk, ratio in (("BIDU", "9888.HK", 8), ("BABA", "9988.HK", 8), ("TCEHY", "0700.HK", 1)):
        us_close = frame(demo_store, adr, "America/New_York")["close"][GOLDEN_DAY]
        hk_close = frame(demo_store, hk, "Asia/Hong_Kong")["close"][GOLDEN_DAY]
        want = (us_close / (ratio * hk_close / fx[GOLDEN_DAY]) - 1) * 100
        row = next(r for r in b.rows if r.symbol == adr)
        assert row.premium == pytest.approx(want, rel=1e-9)
        assert "HK close 2026-01-15" in row.premium_note and "US close 2026-01-15" in row.premium_note
    assert all(r.premium is None for r in b.rows if r.kind != "adr")
    assert len(b.premiums) == 3


def test_header_names_freshness_sources_and_demo(demo_store):
    h = build(demo_store).header
    assert h.demo and h.data_state == "Demo data"
    assert h.generated_text == "2026-01-16 08:00 HKT (UTC+08:00)"
    assert h.freshness == "16:00 HKT Thu 15 Jan 2026 (Hong Kong) · 16:00 EST Thu 15 Jan 2026 (US)"
    assert h.watchlist == "China AI" and h.notices == ()
    assert any("not real" in s for s in h.sources)


def test_weekend_says_markets_were_closed_and_uses_the_last_session(demo_store):
    b = build(demo_store, day=date(2026, 1, 10))  # a Saturday
    assert b.header.notices == (
        "Markets were closed on Sat 10 Jan 2026 (weekend); figures are from the last session, Fri 9 Jan 2026.",)
    assert {r.session for r in b.rows} == {date(2026, 1, 9)}
    assert all(r.missing == () for r in b.rows)


def test_a_holiday_in_one_market_only(demo_store):
    b = build(demo_store, day=date(2025, 10, 1))  # National Day: Hong Kong closed, New York open
    assert b.header.notices == ("Hong Kong markets were closed on Wed 1 Oct 2025 (holiday); figures are from "
                                "the last session, Tue 30 Sep 2025.",)
    sessions = {r.symbol: r.session for r in b.rows}
    assert sessions["9988.HK"] == date(2025, 9, 30) and sessions["BABA"] == date(2025, 10, 1)


def test_before_the_close_the_last_close_is_used(demo_store):
    b = build(demo_store, day=GOLDEN_DAY, now=datetime(2026, 1, 15, 10, 0, tzinfo=HKT))
    assert b.header.notices == ("The Hong Kong and US sessions of Thu 15 Jan 2026 had not closed when this "
                                "briefing was made; figures are from the last close, Wed 14 Jan 2026.",)
    assert {r.session for r in b.rows} == {date(2026, 1, 14)}


def test_a_future_day_is_refused(demo_store):
    from briefing.export.build import ExportError

    with pytest.raises(ExportError, match="2026-01-17 is in the future"):
        build(demo_store, day=date(2026, 1, 17))


def test_partial_data_rows_say_what_is_missing(store):
    tz = ZoneInfo("Asia/Hong_Kong")
    days = [date(2026, 1, 12), date(2026, 1, 13), date(2026, 1, 14)]
    bars = [Bar(int(datetime.combine(d, datetime.min.time(), tz).timestamp()), 2.0, 2.1, 1.9, 2.0 + i / 10, 2.0, None)
            for i, d in enumerate(days)]
    store.prices.upsert_bars("0020.HK", "1d", bars, source="test")
    store.watchlists.create("Partial")
    store.watchlists.add("Partial", ["0020.HK", "BABA"])
    b = build(store, watchlist="Partial")
    sensetime, baba = b.rows
    assert sensetime.close == pytest.approx(2.2) and sensetime.change_1d == pytest.approx((2.2 / 2.1 - 1) * 100)
    missing = " | ".join(sensetime.missing)
    for words in ("no close for 15 Jan 2026 in the cache (latest 14 Jan 2026)", "5-day change", "month-to-date",
                  "year-to-date", "volume", "52-week range covers only 12 Jan 2026 onwards"):
        assert words in missing
    assert baba.close is None and baba.missing[0] == "no prices in the cache"
    assert any("premium" in m for m in baba.missing) or baba.premium is None
    from briefing.export import writers
    from test_export_helpers import fake_charts

    page = writers.html(b, fake_charts(b))
    assert "0020.HK: missing no close for 15 Jan 2026" in page and "BABA: missing no prices in the cache" in page


def test_empty_watchlist_no_news_no_events_say_so(store):
    from briefing.export import writers
    from test_export_helpers import fake_charts

    store.watchlists.create("Empty", pinned=True)
    b = build(store, day=date(2024, 6, 14), now=datetime(2024, 6, 15, 8, 0, tzinfo=HKT), watchlist="Empty")
    assert b.empty_watchlist and b.rows == () and b.charts == () and b.news == ()
    assert b.regulation.recent == () and b.regulation.upcoming == ()
    page = writers.html(b, fake_charts(b))
    for words in ("The watchlist “Empty” is empty", "No charts: the watchlist is empty.",
                  "No prices: the watchlist has no listings",
                  "No companies in this watchlist, so no company news.",
                  "No regulation events in the timeline for these days.",
                  "No regulation events scheduled in the timeline for the next 30 days.",
                  "No recent events to measure."):
        assert words in page
    md = writers.markdown(b, {})
    assert "is empty" in md and "No recent events to measure." in md
    assert writers.csv_text(b).count("\n") == 1  # the header only


def test_no_prices_at_all_is_a_notice(store):
    b = build(store)
    assert b.rows and all(r.close is None for r in b.rows)
    assert any("no prices" in n for n in b.header.notices)
    assert all(c.spec.is_empty for c in b.charts)


def test_news_is_per_company_deduped_newest_first_and_capped(demo_store):
    from briefing.domain.models import NewsItem

    t0 = int(datetime(2026, 1, 15, 12, 0, tzinfo=HKT).timestamp())
    demo_store.news.upsert([
        NewsItem("t1", "Tencent item one", "https://example.com/1", published=t0 + 60, source="Wire A",
                 companies=("tencent",)),
        NewsItem("t2", "Tencent item one", "https://example.com/1b", published=t0 + 120, source="Wire B",
                 companies=("tencent",)),  # the same story again
        NewsItem("t3", "Tencent item two", "https://example.com/2", published=t0 + 180, source="Wire A",
                 companies=("tencent", "alibaba")),
        NewsItem("t4", "Tencent item three", "https://example.com/3", published=t0 + 240, source="Wire A",
                 companies=("tencent",)),
        NewsItem("t5", "Too old for this briefing", "https://example.com/4", published=t0 - 5 * 86400,
                 source="Wire A", companies=("tencent",)),
    ])
    b = build(demo_store, news_per_company=2)
    tencent = next(n for n in b.news if n.company_id == "tencent")
    assert [e.title for e in tencent.entries] == ["Tencent item three", "Tencent item one"]
    assert tencent.more == 1
    assert all(e.published_text.endswith("HKT") for e in tencent.entries)
    assert b.news_window_text.startswith("News since the previous briefing, Thu 15 Jan 09:00 HKT, to Fri 16 Jan 08:00 HKT")
    assert [n.company_id for n in b.news] == ["baidu", "alibaba", "tencent", "sensetime"]


def test_regulation_lists_recent_and_upcoming_and_event_study(demo_store):
    b = build(demo_store)
    reg = b.regulation
    assert [e.event_id for e in reg.recent] == ["us-bis-advanced-computing-license-review-2026"]
    assert reg.recent[0].dates_text == "announced Tue 13 Jan 2026 · in force Thu 15 Jan 2026"
    assert reg.recent_from == date(2026, 1, 9) and reg.upcoming_to == date(2026, 2, 14)
    symbols = [x.symbol for x in reg.reactions]
    assert symbols == ["9888.HK", "BIDU", "9988.HK", "BABA", "0700.HK", "TCEHY"]
    one = reg.reactions[0]
    assert one.day0 == date(2026, 1, 13) and one.benchmark == "2800.HK"
    first, second = one.windows
    assert first.label == "[-1,+1]" and first.complete
    closes = frame(demo_store, "9888.HK", "Asia/Hong_Kong")["close"]
    bench = frame(demo_store, "2800.HK", "Asia/Hong_Kong")["close"]
    change = (closes[date(2026, 1, 14)] / closes[date(2026, 1, 12)] - 1) * 100
    bench_change = (bench[date(2026, 1, 14)] / bench[date(2026, 1, 12)] - 1) * 100
    assert first.change == pytest.approx(change) and first.abnormal == pytest.approx(change - bench_change)
    assert second.label == "[-1,+5]" and not second.complete  # ends after the briefing's session


def test_an_event_a_month_ahead_is_upcoming(demo_store):
    b = build(demo_store, day=date(2025, 12, 19), now=datetime(2025, 12, 20, 8, tzinfo=HKT))
    upcoming = {e.event_id: e for e in b.regulation.upcoming}
    assert upcoming["cn-cybersecurity-law-amendment-2026"].dates_text == (
        "announced Tue 28 Oct 2025 · takes effect Thu 1 Jan 2026")
    assert upcoming["cn-cybersecurity-law-amendment-2026"].when == date(2026, 1, 1)


def test_charts_cover_one_and_six_months_with_event_markers(demo_store):
    b = build(demo_store)
    assert [c.key for c in b.company_charts] == ["company-baidu", "company-alibaba", "company-tencent",
                                                 "company-sensetime"]
    baidu = b.company_charts[0]
    assert [l.label for l in baidu.spec.lines] == ["9888.HK", "BIDU"]
    assert all(l.ys[0] == 0 for l in baidu.spec.lines)
    assert [m.label for m in baidu.spec.markers] == ["1"] and baidu.spec.watermark == "DEMO DATA"
    compare = b.compare_chart
    assert [l.label for l in compare.spec.lines] == ["9888.HK", "9988.HK", "0700.HK", "0020.HK"]
    assert len(compare.spec.markers) == len(compare.events) >= 5
    first = datetime.fromtimestamp(compare.spec.lines[0].xs[0]).date()
    assert date(2025, 7, 14) <= first <= date(2025, 7, 17)


def test_only_web_links_become_links(demo_store):
    from briefing.domain.models import NewsItem
    from briefing.export import writers
    from test_export_helpers import fake_charts

    t0 = int(datetime(2026, 1, 15, 12, 0, tzinfo=HKT).timestamp())
    demo_store.news.upsert([NewsItem("evil", "Baidu <b>item</b> with a script link", "javascript:alert(1)",
                                     published=t0, source="Odd feed", companies=("baidu",))])
    b = build(demo_store)
    page = writers.html(b, fake_charts(b))
    assert "javascript:" not in page and "Baidu &lt;b&gt;item&lt;/b&gt; with a script link" in page
    md = writers.markdown(b, {})
    assert "javascript:" not in md and "Baidu \\<b\\>item\\</b\\> with a script link" in md
