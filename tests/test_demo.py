"""The `--demo` dataset: deterministic, realistic-looking, always labelled, never over real data."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from briefing.domain.demo import generate, session_ts
from briefing.domain.models import Bar
from briefing.domain.registry import load_registry
from briefing.store import Store, StoreError
from briefing.store.demo_seed import seed_demo
from briefing.store.news import NewsFilter

END = date(2026, 11, 25)
HKT = ZoneInfo("Asia/Hong_Kong")
NYC = ZoneInfo("America/New_York")
COMPANY_SYMBOLS = ("9888.HK", "BIDU", "9988.HK", "BABA", "0700.HK", "TCEHY", "0020.HK")
ALL_SYMBOLS = COMPANY_SYMBOLS + ("HKD=X", "KWEB", "2800.HK")
TARGETS = {"9888.HK": 115, "9988.HK": 160, "0700.HK": 620, "0020.HK": 2.0, "2800.HK": 25, "KWEB": 36}


@pytest.fixture(scope="module")
def data():
    return generate(END)


@pytest.fixture
def seeded(store):
    report = seed_demo(store, END)
    return store, report


def _cache_content(store: Store) -> dict:
    """Everything the demo writes, read back through the Store API."""
    return {
        "bars": {(s, i): store.prices.bars(s, i) for s in ALL_SYMBOLS for i in ("1d", "5m")},
        "quotes": store.prices.quotes(),
        "news": [(n.id, n.title, n.url, n.summary, n.published, n.source, n.companies, n.is_demo)
                 for n in store.news.items(NewsFilter(limit=1000))],
        "watchlists": [(w.name, w.pinned, w.symbols) for w in store.watchlists.all()],
    }


# ----- the generator ---------------------------------------------------------------------------
def test_same_end_and_seed_give_the_same_dataset(data):
    assert generate(END) == data
    assert generate(END, seed=7) != data


def test_every_listing_has_about_three_years_of_daily_bars_ending_at_end(data):
    assert set(data.daily) == set(ALL_SYMBOLS)
    for symbol, bars in data.daily.items():
        assert 700 <= len(bars) <= 800, symbol
        assert [b.ts for b in bars] == sorted({b.ts for b in bars}), symbol
        tz = ZoneInfo(load_registry().listing(symbol).timezone)
        assert datetime.fromtimestamp(bars[-1].ts, tz).date() == END, symbol  # END is a session everywhere
        assert bars[0].time.date() <= END - timedelta(days=3 * 365 - 7), symbol


def test_daily_timestamps_are_session_midnight_in_the_exchange_zone(data):
    last_hk = data.daily["0700.HK"][-1]
    assert last_hk.ts == session_ts(END, "Asia/Hong_Kong")
    assert last_hk.time == datetime(2026, 11, 24, 16, 0, tzinfo=timezone.utc)
    assert data.daily["BABA"][-1].time == datetime(2026, 11, 25, 5, 0, tzinfo=timezone.utc)  # EST
    assert data.daily["HKD=X"][-1].time == datetime(2026, 11, 25, tzinfo=timezone.utc)
    for symbol, tz in (("0700.HK", HKT), ("BIDU", NYC), ("TCEHY", NYC)):
        for b in data.daily[symbol]:
            local = b.time.astimezone(tz)
            assert (local.hour, local.minute) == (0, 0) and local.weekday() < 5, (symbol, local)


def test_sessions_follow_the_exchange_calendars(data):
    hk_days = {datetime.fromtimestamp(b.ts, HKT).date() for b in data.daily["0700.HK"]}
    us_days = {datetime.fromtimestamp(b.ts, NYC).date() for b in data.daily["BABA"]}
    assert date(2025, 1, 29) not in hk_days  # Lunar New Year
    assert date(2025, 1, 29) in us_days
    assert date(2025, 11, 27) not in us_days  # Thanksgiving
    assert date(2025, 11, 27) in hk_days
    assert {datetime.fromtimestamp(b.ts, NYC).date() for b in data.daily["TCEHY"]} == us_days


def test_levels_at_the_end_are_near_the_targets(data):
    quotes = {q.symbol: q for q in data.quotes}
    for symbol, target in TARGETS.items():
        assert quotes[symbol].last == pytest.approx(target, rel=0.03), symbol
    assert quotes["BIDU"].last == pytest.approx(115 * 8 / 7.8, rel=0.03)
    assert quotes["BABA"].last == pytest.approx(160 * 8 / 7.8, rel=0.03)
    assert quotes["TCEHY"].last == pytest.approx(620 / 7.8, rel=0.03)


def test_usdhkd_stays_inside_the_peg_band(data):
    for b in data.daily["HKD=X"] + data.intraday["HKD=X"]:
        assert 7.75 <= b.low <= b.high <= 7.85
    assert 7.77 <= data.daily["HKD=X"][-1].close <= 7.83


def _assert_consistent(b: Bar, where: str) -> None:
    assert b.low <= min(b.open, b.close) and max(b.open, b.close) <= b.high, where
    assert b.low > 0, where
    assert b.adj_close == b.close, where


def test_ohlc_are_consistent_and_volumes_plausible(data):
    for symbol in ALL_SYMBOLS:
        for b in data.daily[symbol] + data.intraday[symbol]:
            _assert_consistent(b, f"{symbol} {b.time}")
    median = {s: sorted(b.volume for b in data.daily[s])[len(data.daily[s]) // 2]
              for s in ALL_SYMBOLS if s != "HKD=X"}
    assert 10_000_000 <= median["0700.HK"] <= 99_000_000
    assert 10_000_000 <= median["9988.HK"] <= 99_000_000
    assert 100_000_000 <= median["0020.HK"] <= 999_000_000
    for us in ("BIDU", "BABA", "TCEHY", "KWEB"):
        assert 1_000_000 <= median[us] <= 30_000_000, us


def test_daily_moves_co_move_and_have_stock_like_volatility(data):
    import numpy as np

    def returns(symbol):
        closes = np.array([b.close for b in data.daily[symbol]])
        return np.diff(np.log(closes))

    vols = {s: returns(s).std() for s in ("9888.HK", "9988.HK", "0700.HK", "0020.HK")}
    assert all(0.02 <= v <= 0.04 for s, v in vols.items() if s != "0020.HK"), vols
    assert 0.035 <= vols["0020.HK"] <= 0.06
    assert np.corrcoef(returns("0700.HK"), returns("9988.HK"))[0, 1] > 0.2


def test_intraday_bars_keep_to_session_hours(data):
    for symbol in ALL_SYMBOLS:
        bars = data.intraday[symbol]
        assert bars, symbol
        sessions = {}
        for b in bars:
            assert b.ts % 300 == 0
            if symbol.endswith(".HK"):
                local = b.time.astimezone(HKT)
                minutes = local.hour * 60 + local.minute
                assert 9 * 60 + 30 <= minutes < 12 * 60 or 13 * 60 <= minutes < 16 * 60, local
            elif symbol != "HKD=X":
                local = b.time.astimezone(NYC)
                assert 9 * 60 + 30 <= local.hour * 60 + local.minute < 16 * 60, local
            else:
                local = b.time
            sessions.setdefault(local.date(), []).append(b)
        assert len(sessions) == 5, symbol
        per_day = {len(v) for v in sessions.values()}
        expected = {"HKD=X": 288}.get(symbol, 66 if symbol.endswith(".HK") else 78)
        assert per_day <= {expected, 30, 42}, (symbol, per_day)  # full days, or half days


def test_no_hk_bar_in_the_lunch_break(data):
    for symbol in ("9888.HK", "9988.HK", "0700.HK", "0020.HK", "2800.HK"):
        for b in data.intraday[symbol]:
            assert b.time.astimezone(HKT).hour != 12, (symbol, b.time)


def test_intraday_bars_join_the_daily_bars(data):
    for symbol in ALL_SYMBOLS:
        daily = {b.ts: b for b in data.daily[symbol]}
        tz = HKT if symbol.endswith(".HK") else (ZoneInfo("UTC") if symbol == "HKD=X" else NYC)
        by_day: dict[int, list[Bar]] = {}
        for b in data.intraday[symbol]:
            by_day.setdefault(session_ts(b.time.astimezone(tz).date(), str(tz)), []).append(b)
        assert max(by_day) == data.daily[symbol][-1].ts, symbol
        for ts, bars in by_day.items():
            day = daily[ts]
            assert bars[0].open == day.open, symbol
            assert bars[-1].close == day.close, symbol
            assert day.low <= min(b.low for b in bars) and max(b.high for b in bars) <= day.high, symbol
            if day.volume is not None:
                assert sum(b.volume for b in bars) == day.volume


def test_history_starts_no_earlier_than_the_registry_allows():
    early = generate(date(2022, 6, 30))
    registry = load_registry()
    for symbol, bars in early.daily.items():
        listing = registry.listing(symbol)
        first = max((d for d in (listing.listed_on, listing.history_from) if d), default=None)
        if first:
            assert datetime.fromtimestamp(bars[0].ts, ZoneInfo(listing.timezone)).date() >= first, symbol
    sensetime = early.daily["0020.HK"]
    assert datetime.fromtimestamp(sensetime[0].ts, HKT).date() == date(2021, 12, 30)
    assert datetime.fromtimestamp(early.daily["9888.HK"][0].ts, HKT).date() == date(2021, 3, 23)
    assert len(early.daily["BIDU"]) > len(early.daily["9888.HK"]) + 300


def test_no_sensetime_bar_before_its_listing(data):
    cutoff = session_ts(date(2021, 12, 30), "Asia/Hong_Kong")
    assert all(b.ts >= cutoff for b in data.daily["0020.HK"])


def test_adr_premium_over_hk_line_is_small(data):
    fx = {datetime.fromtimestamp(b.ts, timezone.utc).date(): b.close for b in data.daily["HKD=X"]}
    for adr, hk_symbol, ratio in (("BIDU", "9888.HK", 8), ("BABA", "9988.HK", 8), ("TCEHY", "0700.HK", 1)):
        hk = {datetime.fromtimestamp(b.ts, HKT).date(): b.close for b in data.daily[hk_symbol]}
        compared = 0
        for b in data.daily[adr]:
            day = datetime.fromtimestamp(b.ts, NYC).date()
            if day in hk and day in fx:
                premium = b.close / (ratio * hk[day] / fx[day]) - 1
                assert abs(premium) <= 0.02, (adr, day, premium)
                compared += 1
        assert compared > 600, adr


def test_quotes_come_from_the_last_bars(data):
    registry = load_registry()
    assert [q.symbol for q in data.quotes] == list(data.daily)
    for q in data.quotes:
        bars, five = data.daily[q.symbol], data.intraday[q.symbol]
        assert q.source == "demo"
        assert q.last == bars[-1].close and q.previous_close == bars[-2].close
        assert (q.day_low, q.day_high, q.volume) == (bars[-1].low, bars[-1].high, bars[-1].volume)
        assert q.year_low <= q.last <= q.year_high
        assert q.year_low == min(b.low for b in bars if b.ts > bars[-1].ts - 365 * 86_400)
        assert q.as_of == five[-1].ts + 300
        assert q.currency == registry.listing(q.symbol).currency


def test_news_is_clearly_demo_and_links_to_real_sources(data):
    assert 16 <= len(data.news) <= 24
    assert len({n.id for n in data.news}) == len(data.news)
    assert all(n.id.startswith("demo-news-") for n in data.news)
    company_ids = {c.id for c in load_registry().companies}
    end_noon = datetime.combine(END, datetime.min.time(), timezone.utc) + timedelta(hours=12)
    for n in data.news:
        assert n.title.startswith("[Demo] ")
        assert "demo" in n.summary.lower() and "not real news" in n.summary
        assert n.url.startswith("https://")
        assert n.is_demo and n.source == "Demo feed (not real news)"
        assert n.companies and set(n.companies) <= company_ids
        assert end_noon - timedelta(days=10) <= datetime.fromtimestamp(n.published, timezone.utc) <= end_noon
    chinese = [n for n in data.news if any("\u4e00" <= ch <= "\u9fff" for ch in n.title)]
    assert 4 <= len(chinese) <= len(data.news) - 4
    assert any(n.title == "[Demo] 百度发布文心大模型新版本" for n in data.news)


def test_news_ids_keep_their_titles_across_end_dates(data):
    other = generate(END - timedelta(days=30))
    assert {n.id: n.title for n in other.news} == {n.id: n.title for n in data.news}


def test_watchlists_spec(data):
    assert data.watchlists == [
        ("China AI", True, COMPANY_SYMBOLS),
        ("HK lines", False, ("9888.HK", "9988.HK", "0700.HK", "0020.HK")),
        ("US ADRs", False, ("BIDU", "BABA", "TCEHY")),
    ]


# ----- seeding the cache -----------------------------------------------------------------------
def test_seeding_writes_everything_labelled_demo(seeded, data):
    store, report = seeded
    assert report.seconds < 3.0
    for symbol in ALL_SYMBOLS:
        assert store.prices.bar_sources(symbol) == {"demo"}
        assert store.prices.bars(symbol, "1d") == data.daily[symbol]
        assert store.prices.bars(symbol, "5m") == data.intraday[symbol]
    quotes = store.prices.quotes()
    assert set(quotes) == set(ALL_SYMBOLS)
    assert all(q.source == "demo" for q in quotes.values())
    assert sorted(quotes.values(), key=lambda q: q.symbol) == sorted(data.quotes, key=lambda q: q.symbol)
    news = store.news.items(NewsFilter(limit=1000))
    assert len(news) == len(data.news) == report.news
    assert all(n.is_demo and n.title.startswith("[Demo]") and n.url.startswith("https://") for n in news)
    assert {n.feed_id for n in news} == {report.feed_id}
    feed = next(f for f in store.feeds.all() if f.id == report.feed_id)
    assert feed.title == data.feed_title and not feed.enabled
    assert store.is_demo() and store.settings.get("demo_seeded_for") == "2026-11-25"
    assert report.daily_bars == sum(len(b) for b in data.daily.values())
    assert report.intraday_bars == sum(len(b) for b in data.intraday.values())


def test_seeding_sets_up_the_watchlists(seeded):
    store, report = seeded
    lists = {w.name: w for w in store.watchlists.all()}
    assert lists["China AI"].pinned and lists["China AI"].symbols == COMPANY_SYMBOLS
    assert lists["HK lines"].symbols == ("9888.HK", "9988.HK", "0700.HK", "0020.HK")
    assert lists["US ADRs"].symbols == ("BIDU", "BABA", "TCEHY")
    assert set(report.watchlists_created) == {"HK lines", "US ADRs"}  # "China AI" came from bootstrap
    assert store.watchlists.all()[0].name == "China AI"
    rows = store.watchlists.rows(lists["China AI"].id)
    assert all(r.quote is not None and r.quote.source == "demo" for r in rows)


def test_seeding_an_unprepared_cache_prepares_it(tmp_path):
    with Store.open(tmp_path / "fresh.sqlite3") as store:
        report = seed_demo(store, END)
        assert store.row_counts()["listings"] == len(load_registry().listings)
        assert store.events.all()
        assert report.watchlists_created == ("HK lines", "US ADRs")  # bootstrap made "China AI"
        assert store.watchlists.get("China AI").pinned


def test_two_seeded_caches_hold_identical_content(tmp_path):
    contents = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        with Store.open(tmp_path / name / "cache.sqlite3") as store:
            seed_demo(store, END)
            contents.append(_cache_content(store))
    assert contents[0] == contents[1]


def test_seeding_twice_is_idempotent(seeded):
    store, _ = seeded
    before = store.row_counts()
    content = _cache_content(store)
    seed_demo(store, END)
    assert store.row_counts() == before
    assert _cache_content(store) == content


def test_reseeding_for_another_day_leaves_no_stale_bars(seeded):
    store, _ = seeded
    later = END + timedelta(days=7)
    seed_demo(store, later)
    fresh = generate(later)
    for symbol in ALL_SYMBOLS:
        assert store.prices.bars(symbol, "1d") == fresh.daily[symbol]
        assert store.prices.bars(symbol, "5m") == fresh.intraday[symbol]
    assert store.settings.get("demo_seeded_for") == later.isoformat()


def test_user_flags_on_demo_news_survive_a_reseed(seeded):
    store, _ = seeded
    store.news.set_flags("demo-news-01", read=True, starred=True)
    seed_demo(store, END)
    item = next(n for n in store.news.items(NewsFilter(limit=1000)) if n.id == "demo-news-01")
    assert item.is_read and item.starred


def test_refuses_a_cache_with_real_prices_and_changes_nothing(store):
    real = [Bar(1_764_000_000 + i * 86_400, 600.0, 610.0, 595.0, 605.0 + i, 605.0 + i, 20_000_000) for i in range(3)]
    store.prices.upsert_bars("0700.HK", "1d", real, source="yahoo")
    before_counts = store.row_counts()
    before_bars = store.prices.bars("0700.HK")
    before_settings = (store.settings.get("demo"), store.settings.get("demo_seeded_for"))
    with pytest.raises(StoreError, match="real data"):
        seed_demo(store, END)
    assert store.row_counts() == before_counts
    assert store.prices.bars("0700.HK") == before_bars
    assert store.prices.bar_sources("0700.HK") == {"yahoo"}
    assert (store.settings.get("demo"), store.settings.get("demo_seeded_for")) == before_settings
    assert not store.is_demo()


def test_refuses_a_cache_with_real_quotes_or_news(store, tmp_path):
    from briefing.domain.models import NewsItem, Quote

    store.prices.upsert_quote(Quote("BABA", 160.0, 1_764_000_000, "yahoo"))
    with pytest.raises(StoreError):
        seed_demo(store, END)
    with Store.open(tmp_path / "news.sqlite3") as other:
        other.news.upsert([NewsItem(id="real-1", title="A real headline", url="https://example.com/a")])
        with pytest.raises(StoreError, match="news"):
            seed_demo(other, END)
        assert other.row_counts()["bars"] == 0
