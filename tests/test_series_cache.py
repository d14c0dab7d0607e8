"""The in-memory series cache under `Prices.columns`: it serves what SQLite holds, nothing older.

Hits must equal a fresh read for any range; every write of bars (upsert, the demo seed's delete,
another process) must be seen by the next read; a read racing a write must not leave its stale
result cached; the bound evicts the least recently used series.
"""

from __future__ import annotations

import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefing.domain.models import DEMO_SOURCE, Bar
from briefing.store import Store
from briefing.store.series_cache import Series, SeriesCache

DAY = 86_400
T0 = 1_600_000_000
WAIT = 10.0  # seconds: an upper bound for what happens at once, never a timing assertion


def daily(n: int, first: int = T0, close: float = 100.0, step: int = DAY) -> list[Bar]:
    """`n` bars, some with NULLs (open, adj close, volume) as CSV imports leave them."""
    return [Bar(first + i * step, None if i % 7 == 3 else close + i, close + i + 1, close + i - 1,
                close + i + 0.5, None if i % 5 == 1 else close + i + 0.25, None if i % 4 == 2 else 1000 + i)
            for i in range(n)]


def hits(store: Store) -> int:
    return store.prices.cache.hits


# ----- hits equal SQLite ----------------------------------------------------------------------
def test_a_hit_returns_what_a_fresh_read_of_sqlite_returns(store):
    store.prices.upsert_bars("BABA", "1d", daily(300), "yahoo")
    first = store.prices.columns("BABA", "1d")
    before = hits(store)
    again = store.prices.columns("BABA", "1d")
    assert hits(store) == before + 1
    assert again == first == store.prices.read_columns("BABA", "1d")
    assert list(again) == ["ts", "open", "high", "low", "close", "adj_close", "volume"]
    assert all(isinstance(v, tuple) for v in again.values())
    assert None in again["open"] and None in again["volume"]  # NULLs come back as None


def test_a_range_inside_the_cached_one_is_a_hit_with_half_open_bounds(store):
    store.prices.upsert_bars("BABA", "1d", daily(100), "yahoo")
    store.prices.columns("BABA", "1d", T0)  # from the first bar on
    before = hits(store)
    got = store.prices.columns("BABA", "1d", T0 + 10 * DAY, T0 + 20 * DAY)
    assert hits(store) == before + 1
    assert got["ts"][0] == T0 + 10 * DAY  # start is included
    assert got["ts"][-1] == T0 + 19 * DAY  # end is not
    assert got == store.prices.read_columns("BABA", "1d", T0 + 10 * DAY, T0 + 20 * DAY)
    assert store.prices.columns("BABA", "1d", T0 + 20 * DAY, T0 + 20 * DAY) == {k: () for k in got}


def test_a_ranged_read_caches_that_range_not_the_whole_series(store):
    """A day of 1-minute bars must not load the years held (the docstring of SeriesCache)."""
    store.prices.upsert_bars("BABA", "1m", daily(5000, step=60), "yahoo")
    store.prices.columns("BABA", "1m", T0 + 100 * 60, T0 + 490 * 60)
    held = store.prices.cache.peek(("BABA", "1m"))
    assert held.rows == 390 and (held.lo, held.hi) == (T0 + 100 * 60, T0 + 490 * 60)


def test_an_overlapping_read_widens_the_cached_range_to_the_union(store):
    store.prices.upsert_bars("BABA", "1d", daily(100), "yahoo")
    store.prices.columns("BABA", "1d", T0 + 50 * DAY)
    got = store.prices.columns("BABA", "1d", T0 + 10 * DAY, T0 + 60 * DAY)
    assert got == store.prices.read_columns("BABA", "1d", T0 + 10 * DAY, T0 + 60 * DAY)
    held = store.prices.cache.peek(("BABA", "1d"))
    assert held.lo == T0 + 10 * DAY and held.rows == 90
    before = hits(store)
    store.prices.columns("BABA", "1d", T0 + 55 * DAY)
    assert hits(store) == before + 1


BOUNDS = st.one_of(st.none(), st.integers(T0 - 5 * DAY, T0 + 70 * DAY),
                   st.integers(-5, 70).map(lambda i: T0 + i * DAY))  # often exactly a bar's time


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(reads=st.lists(st.tuples(st.sampled_from(["1d", "5m"]), BOUNDS, BOUNDS), min_size=1, max_size=6))
def test_any_ranges_equal_the_uncached_query(store, reads):
    """Examples share the store, so the cache goes into each with what earlier ones left."""
    if store.prices.bar_span("BABA", "1d") is None:
        store.prices.upsert_bars("BABA", "1d", daily(60), "yahoo")
        store.prices.upsert_bars("BABA", "5m", daily(60, step=DAY + 300), "yahoo")
    for interval, start, end in reads:
        expected = store.prices.read_columns("BABA", interval, -(2**62) if start is None else start,
                                             2**62 if end is None else end)
        assert store.prices.columns("BABA", interval, start, end) == expected


# ----- writes are seen ------------------------------------------------------------------------
def test_an_upsert_is_seen_by_the_next_read(store):
    store.prices.upsert_bars("BABA", "1d", daily(10), "yahoo")
    store.prices.columns("BABA", "1d")
    store.prices.upsert_bars("BABA", "1d", [Bar(T0 + 10 * DAY, 1, 2, 0.5, 1.5, 1.5, 7),
                                            Bar(T0, 9, 9, 9, 9, 9, 9)], "yahoo")  # a new bar, a changed one
    got = store.prices.columns("BABA", "1d")
    assert got == store.prices.read_columns("BABA", "1d")
    assert got["ts"][-1] == T0 + 10 * DAY and got["close"][0] == 9


def test_an_upsert_drops_the_cached_series_of_that_symbol_only(store):
    for symbol in ("BABA", "BIDU"):
        store.prices.upsert_bars(symbol, "1d", daily(10), "yahoo")
        store.prices.columns(symbol, "1d")
    store.prices.upsert_bars("BABA", "1d", daily(1, first=T0 + 30 * DAY), "yahoo")
    assert store.prices.cache.keys() == [("BIDU", "1d")]


def test_a_write_by_another_process_is_seen(store):
    """The CLI writing while the app runs: no change listener of this process hears it."""
    store.prices.upsert_bars("BABA", "1d", daily(10), "yahoo")
    store.prices.columns("BABA", "1d")
    other = Store.open(store.path)
    try:
        other.prices.upsert_bars("BABA", "1d", [Bar(T0, 9, 9, 9, 9, 9, 9)], "csv")
    finally:
        other.close()
    assert store.prices.cache.peek(("BABA", "1d")) is not None  # still held, but out of date
    assert store.prices.columns("BABA", "1d")["close"][0] == 9


def test_a_read_racing_a_write_does_not_leave_its_stale_result_cached(store, monkeypatch):
    """The reader is paused between its SQLite read and putting the result in the cache, while a
    write commits: the read may return the old bars (it began first) but must not keep them."""
    store.prices.upsert_bars("BABA", "1d", daily(10), "yahoo")
    cache = store.prices.cache
    read_done, go = threading.Event(), threading.Event()
    put = cache.put

    def paused_put(ticket, series):
        if threading.current_thread().name == "reader":
            read_done.set()
            assert go.wait(WAIT)
        return put(ticket, series)

    monkeypatch.setattr(cache, "put", paused_put)
    got = {}
    reader = threading.Thread(target=lambda: got.update(store.prices.columns("BABA", "1d")), name="reader")
    reader.start()
    assert read_done.wait(WAIT)
    store.prices.upsert_bars("BABA", "1d", [Bar(T0 + 10 * DAY, 1, 2, 0.5, 1.5, 1.5, 7)], "yahoo")
    go.set()
    reader.join(WAIT)
    assert len(got["ts"]) == 10  # read before the write committed
    assert cache.peek(("BABA", "1d")) is None  # ...so not kept
    assert len(store.prices.columns("BABA", "1d")["ts"]) == 11


def test_readers_and_a_writer_at_once_leave_the_cache_equal_to_sqlite(store):
    store.prices.upsert_bars("BABA", "1d", daily(50), "yahoo")
    stop = threading.Event()
    errors = []

    def read_loop(i: int) -> None:
        try:
            while not stop.is_set():
                cols = store.prices.columns("BABA", "1d", T0 + i * DAY)
                assert cols["ts"] == tuple(sorted(cols["ts"]))
        except Exception as exc:  # reported below
            errors.append(exc)

    readers = [threading.Thread(target=read_loop, args=(i,)) for i in range(4)]
    for t in readers:
        t.start()
    for k in range(40):
        store.prices.upsert_bars("BABA", "1d", [Bar(T0 + (50 + k) * DAY, k, k, k, k, k, k)], "yahoo")
    stop.set()
    for t in readers:
        t.join(WAIT)
    assert not errors
    for i in range(4):
        assert store.prices.columns("BABA", "1d", T0 + i * DAY) == \
            store.prices.read_columns("BABA", "1d", T0 + i * DAY)
    assert store.prices.columns("BABA", "1d")["ts"][-1] == T0 + 89 * DAY


def test_the_demo_seed_delete_is_seen(store):
    """Reseeding deletes every demo bar, also of a symbol the new dataset does not have."""
    from briefing.store.demo_seed import seed_demo

    store.prices.upsert_bars("ZZZZ", "1d", daily(10), DEMO_SOURCE)
    assert len(store.prices.columns("ZZZZ", "1d")["ts"]) == 10
    seed_demo(store)
    assert store.prices.cache.peek(("ZZZZ", "1d")) is None
    assert store.prices.columns("ZZZZ", "1d")["ts"] == ()


# ----- the bound ------------------------------------------------------------------------------
def test_the_bound_evicts_the_least_recently_used(store):
    store.prices.cache.max_rows = 25
    for symbol in ("A", "B", "C"):
        store.prices.upsert_bars(symbol, "1d", daily(10), "yahoo")
    store.prices.columns("A", "1d")
    store.prices.columns("B", "1d")
    store.prices.columns("A", "1d")  # a hit: A is now the most recently used
    store.prices.columns("C", "1d")
    assert store.prices.cache.keys() == [("A", "1d"), ("C", "1d")]
    assert store.prices.cache.rows == 20
    store.prices.upsert_bars("D", "1d", daily(30), "yahoo")
    assert len(store.prices.columns("D", "1d")["ts"]) == 30  # larger than the bound: not kept,
    assert store.prices.cache.keys() == [("A", "1d"), ("C", "1d")]  # nor evicting the others


def test_the_cache_alone_refuses_a_put_under_an_old_ticket():
    cache = SeriesCache(max_rows=100)
    series = Series.of(1, 0, 10, ((1, 2), (1.0, 2.0)))
    old = cache.ticket(("A", "1d"))
    cache.invalidate("A")
    assert not cache.put(old, series)
    assert cache.put(cache.ticket(("A", "1d")), series)
    everything = cache.ticket(("B", "1d"))
    cache.invalidate()
    assert cache.keys() == [] and not cache.put(everything, series)


@pytest.mark.parametrize("ts", [(1, 2.5), (1, "x")])
def test_a_series_whose_times_are_not_integers_is_not_cached(ts):
    assert Series.of(1, 0, 10, (ts, (1.0, 2.0))) is None
