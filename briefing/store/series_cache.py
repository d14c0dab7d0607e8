"""Recently read bar series kept in memory above SQLite: re-opening a chart is a memory lookup.

Correctness rests on two checks, so a cached series is never served once the stored one changed:

* every write of bars bumps that series' stored version (`bar_versions`) in its own transaction,
  and a hit is served only when the version read at lookup time equals the cached one: this also
  catches writes by another process (the CLI while the app runs), which no in-process hook sees;
* in this process, the store's change listener calls `invalidate` after each commit of bars, and
  `put` refuses a series read under an older `ticket` (taken before the read began): a reader that
  raced a write never leaves its stale result behind.

Columns are kept as the tuples SQLite's rows were zipped into and handed out as slices of them
(tuples and their numbers are immutable, so callers share them safely; a whole-series read copies
nothing). Packing them into `array`s would take a quarter of the memory, but every read would
then make a new object per value: 1.1-1.5 ms instead of ~0.4 ms to re-open 10 years of daily bars
in bench/prices.py, 35x instead of >100x faster than fetching them. The bound, `max_rows`
(~16 MB by default, at ~240 bytes a row), holds ~70,000 rows: 28 symbols of 10 years of daily
bars, or 50 of 5 years.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

COLUMNS = ("ts", "open", "high", "low", "close", "adj_close", "volume")
ROW_BYTES = 7 * 8 + 5 * 24 + 2 * 32  # a pointer per column, 5 float and 2 int objects
DEFAULT_MAX_ROWS = 16 * 2**20 // ROW_BYTES
Key = tuple[str, str]  # (symbol, interval)


@dataclass(frozen=True)
class Series:
    """All stored bars of one series with lo <= ts < hi, as read at stored `version`."""

    version: int
    lo: int
    hi: int
    columns: tuple[tuple, ...]  # as read: ts (ascending integers, what `slice` bisects), open ... volume

    @classmethod
    def of(cls, version: int, lo: int, hi: int, columns: Sequence[tuple]) -> Series | None:
        """None when some ts is not an integer (only a hand-edited cache could hold one)."""
        if set(map(type, columns[0])) - {int}:
            return None
        return cls(version, lo, hi, tuple(columns))

    @property
    def rows(self) -> int:
        return len(self.columns[0])

    def covers(self, lo: int, hi: int) -> bool:
        return self.lo <= lo and hi <= self.hi

    def slice(self, lo: int, hi: int) -> dict[str, tuple]:
        """The bars with lo <= ts < hi (a range this series covers), column by column."""
        ts = self.columns[0]
        i, j = bisect_left(ts, lo), bisect_left(ts, hi)
        return {name: col[i:j] for name, col in zip(COLUMNS, self.columns)}  # the whole: no copy


@dataclass(frozen=True)
class Ticket:
    """The generations a read started under: `put` refuses it once a write of its key committed."""

    key: Key
    epoch: int
    generation: int


class SeriesCache:
    """A bounded LRU of `Series` by (symbol, interval); thread-safe.

    Holds what was read, with the range it was read for, rather than loading the whole series on
    a first ranged read: a one-day look at 1-minute bars must not load years of them, while the
    ranges a chart asks for (1Y, 5Y, 10Y, max: all up to the latest bar) nest, so the widest one
    read serves the others. A read that overlaps the cached range is widened to their union (see
    `read_range`), so the entry grows rather than flip between two ranges.
    """

    def __init__(self, max_rows: int = DEFAULT_MAX_ROWS) -> None:
        self.max_rows = max_rows
        self._lock = threading.Lock()
        self._entries: OrderedDict[Key, Series] = OrderedDict()  # least recently used first
        self._rows = 0
        self._epoch = 0  # bumped by invalidate(None)
        self._generations: dict[str, int] = {}  # symbol -> writes committed (in this process)
        self.hits = 0
        self.misses = 0

    # ----- reading --------------------------------------------------------------------------
    def ticket(self, key: Key) -> Ticket:
        """Take before reading SQLite for `key`; hand to `put` with what was read."""
        with self._lock:
            return Ticket(key, self._epoch, self._generations.get(key[0], 0))

    def get(self, key: Key, lo: int, hi: int, version: int) -> Series | None:
        """The series if it covers [lo, hi) at stored `version` (read just now), else None."""
        with self._lock:
            series = self._entries.get(key)
            if series is None or series.version != version or not series.covers(lo, hi):
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
        return series

    def read_range(self, key: Key, lo: int, hi: int) -> tuple[int, int]:
        """What to read on a miss for [lo, hi): the union with the cached range if they touch."""
        with self._lock:
            series = self._entries.get(key)
        if series is not None and lo <= series.hi and series.lo <= hi:
            return min(lo, series.lo), max(hi, series.hi)
        return lo, hi

    def put(self, ticket: Ticket, series: Series) -> bool:
        """Keep `series` unless a write of its key committed since `ticket` (it may be stale) or
        it alone exceeds the bound; evicts the least recently used to stay within `max_rows`."""
        key = ticket.key
        with self._lock:
            if ticket.epoch != self._epoch or ticket.generation != self._generations.get(key[0], 0):
                return False
            if series.rows > self.max_rows:
                return False
            old = self._entries.pop(key, None)
            if old is not None:
                self._rows -= old.rows
                if old.version > series.version:  # another process wrote between the two reads
                    series = old
            self._entries[key] = series
            self._rows += series.rows
            while self._rows > self.max_rows:
                _, evicted = self._entries.popitem(last=False)
                self._rows -= evicted.rows
            return self._entries.get(key) is series

    # ----- writing --------------------------------------------------------------------------
    def invalidate(self, symbol: str | None = None) -> None:
        """Forget `symbol`'s series (every interval), or all with None; call after a commit."""
        with self._lock:
            if symbol is None:
                self._epoch += 1
                self._entries.clear()
                self._rows = 0
                return
            self._generations[symbol] = self._generations.get(symbol, 0) + 1
            for key in [k for k in self._entries if k[0] == symbol]:
                self._rows -= self._entries.pop(key).rows

    # ----- for tests and benchmarks ---------------------------------------------------------
    def peek(self, key: Key) -> Series | None:
        """The held series, without counting a use."""
        with self._lock:
            return self._entries.get(key)

    @property
    def rows(self) -> int:
        with self._lock:
            return self._rows

    def keys(self) -> list[Key]:
        """Held keys, least recently used first."""
        with self._lock:
            return list(self._entries)
