"""Daily (or weekly) bars from the CSV files users really have, the second `PriceSource`.

Dialects: the classic Yahoo download (`Date,Open,High,Low,Close,Adj Close,Volume`), yfinance's
`to_csv` (tz-aware datetimes, Dividends / Stock Splits, `Repaired?`), Nasdaq's (`Close/Last`,
`$` prices, newest first, M/D/Y dates), other column orders and names, `;` or tab separators,
D/M/Y when the file proves it (a day above 12), `Jan 02, 2020`. A bad row (no date, empty or
non-positive prices, negative volume, a date seen before) is reported with its line number and
skipped; every other row is kept, with its dividends and splits. Weekly files stay weekly.
No pandas here: the importer is checked against an independent pandas read of the same files.
"""

from __future__ import annotations

import csv
import io
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from briefing.domain.bar_time import day_ts, ts_day, zone
from briefing.domain.models import Bar, Quote
from briefing.domain.price_state import CorporateAction
from briefing.sources import errors
from briefing.sources.base import PriceHistory

COLUMN_NAMES = {  # normalised header -> field
    "date": "date", "datetime": "date", "time": "date", "timestamp": "date", "day": "date", "日期": "date",
    "交易日期": "date", "open": "open", "开盘": "open", "开盘价": "open", "開盤價": "open",
    "high": "high", "最高": "high", "最高价": "high", "最高價": "high",
    "low": "low", "最低": "low", "最低价": "low", "最低價": "low",
    "close": "close", "closelast": "close", "last": "close", "price": "close", "closeprice": "close",
    "收盘": "close", "收盘价": "close", "收盤價": "close", "收市价": "close",
    "adjclose": "adj_close", "adjustedclose": "adj_close", "adjclosing": "adj_close",
    "volume": "volume", "vol": "volume", "成交量": "volume",
    "dividends": "dividends", "dividend": "dividends", "stocksplits": "splits", "splits": "splits",
    "split": "splits",
}
EMPTY = {"", "null", "nan", "none", "-", "n/a", "na"}
_MONTHS = "%b %d, %Y", "%b %d %Y", "%d-%b-%Y", "%d %b %Y", "%d-%b-%y", "%B %d, %Y"
_SUFFIX = {"k": 1e3, "m": 1e6, "b": 1e9}


@dataclass(frozen=True)
class BadRow:
    line: int  # 1-based line in the file (the header is line 1 in most files)
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass(frozen=True)
class CsvPrices:
    """What a file held: bars (oldest first), actions, the interval it is in, and what was skipped."""

    bars: tuple[Bar, ...]
    actions: tuple[CorporateAction, ...]
    interval: str  # 1d | 1wk
    bad_rows: tuple[BadRow, ...]
    columns: dict[str, str]  # field -> header as written
    notes: tuple[str, ...] = field(default=())


class CsvFormatError(ValueError):
    """The file is not a price CSV we can read at all (no date or close column, monthly bars...)."""


def _norm(header: str) -> str:
    return re.sub(r"[\s_.*\-/()]", "", header.strip().strip('"').lower()).replace("closelast", "closelast")


def _number(text: str, *, decimal_comma: bool = False) -> float | None:
    t = text.strip().strip('"').replace("$", "").replace("HK", "").replace("\u00a0", "").strip()
    if t.lower() in EMPTY:
        return None
    mult = 1.0
    if t and t[-1].lower() in _SUFFIX and t[:-1].replace(",", "").replace(".", "").isdigit():
        mult, t = _SUFFIX[t[-1].lower()], t[:-1]
    t = t.replace(",", ".") if decimal_comma else t.replace(",", "")
    return float(t) * mult  # ValueError for garbage: the caller reports the row


class _DateReader:
    """Parses one file's dates; the slash order (M/D or D/M) is decided once for the whole file."""

    def __init__(self, values: Sequence[str], tz: str) -> None:
        self.tz = tz
        slashed = [v.strip().split(" ")[0].split("/") for v in values if re.match(r"^\d{1,2}/\d{1,2}/\d{2,4}", v.strip())]
        self.day_first = any(int(p[0]) > 12 for p in slashed)

    def day(self, text: str) -> date:
        t = text.strip().strip('"')
        if re.match(r"^\d{4}-\d{2}-\d{2}", t):
            if len(t) == 10:
                return date.fromisoformat(t)
            when = datetime.fromisoformat(t.replace("Z", "+00:00"))
            return when.astimezone(zone(self.tz)).date() if when.tzinfo else when.date()
        m = re.match(r"^(\d{1,4})[/.](\d{1,2})[/.](\d{1,4})", t)
        if m:
            a, b, c = (int(x) for x in m.groups())
            if a > 31:
                return date(a, b, c)  # 2020/01/02
            year = c + 2000 if c < 100 else c
            if "." in t[:6]:
                return date(year, b, a)  # 02.01.2020 is European D.M.Y
            return date(year, b, a) if self.day_first else date(year, a, b)
        if re.match(r"^\d{8}$", t):
            return date(int(t[:4]), int(t[4:6]), int(t[6:]))
        for fmt in _MONTHS:
            try:
                return datetime.strptime(t, fmt).date()
            except ValueError:
                continue
        raise ValueError(f"unreadable date {t!r}")


def _decode(raw: bytes) -> str:
    for enc in ("utf-8-sig", "gb18030", "latin-1"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def read_price_csv(source: str | Path | bytes, *, tz: str, history_from: date | None = None) -> CsvPrices:
    """Parse a price CSV into bars dated by `bar_time` in `tz`; raises `CsvFormatError` if unusable."""
    raw = source if isinstance(source, bytes) else Path(source).read_bytes()
    text = _decode(raw)
    sample = text[:4096]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    header_at = next((i for i, r in enumerate(rows) if any(COLUMN_NAMES.get(_norm(c)) == "date" for c in r)), None)
    if header_at is None:
        raise CsvFormatError("no date column (expected a header such as Date,Open,High,Low,Close,Volume)")
    header = rows[header_at]
    index: dict[str, int] = {}
    for i, name in enumerate(header):
        f = COLUMN_NAMES.get(_norm(name))
        if f is None and _norm(name).startswith("adjclose"):
            f = "adj_close"
        if f is not None and f not in index:
            index[f] = i
    if "close" not in index:
        raise CsvFormatError(f"no close column in header {','.join(header)!r}")
    decimal_comma = delimiter == ";" and bool(re.search(r"\d,\d", sample)) and not re.search(r"\d\.\d", sample)
    body = [(n + 1, r) for n, r in enumerate(rows) if n > header_at and any(c.strip() for c in r)]
    dates = _DateReader([r[index["date"]] for _, r in body if len(r) > index["date"]], tz)

    bad: list[BadRow] = []
    parsed: list[tuple[int, date, Bar, float | None, float | None]] = []
    first_line: dict[date, int] = {}
    before_floor = 0
    for line, r in body:
        if len(r) < len(header) and len(r) <= max(index.values()):
            bad.append(BadRow(line, f"expected {len(header)} fields, found {len(r)}"))
            continue
        try:
            day = dates.day(r[index["date"]])
        except (ValueError, OverflowError) as exc:
            bad.append(BadRow(line, str(exc)))
            continue
        try:
            values = {f: _number(r[i], decimal_comma=decimal_comma) for f, i in index.items() if f != "date"}
        except ValueError:
            bad.append(BadRow(line, "a value is not a number"))
            continue
        close = values.get("close")
        if close is None:
            bad.append(BadRow(line, "empty prices"))
            continue
        prices = [values.get(k) for k in ("open", "high", "low", "close", "adj_close")]
        if any(p is not None and p <= 0 for p in prices):
            bad.append(BadRow(line, "a price is zero or negative"))
            continue
        vol = values.get("volume")
        if vol is not None and vol < 0:
            bad.append(BadRow(line, f"negative volume ({vol:g})"))
            continue
        if day in first_line:
            bad.append(BadRow(line, f"duplicate date {day.isoformat()} (first on line {first_line[day]})"))
            continue
        first_line[day] = line
        if history_from is not None and day < history_from:
            before_floor += 1
            continue
        bar = Bar(day_ts(day, tz), values.get("open"), values.get("high"), values.get("low"), close,
                  values.get("adj_close"), None if vol is None else int(round(vol)))
        parsed.append((bar.ts, day, bar, values.get("dividends"), values.get("splits")))

    parsed.sort(key=lambda p: p[0])
    notes = []
    if before_floor:
        notes.append(f"{before_floor} rows before {history_from.isoformat()} skipped: that history belongs "
                     "to another company that used the same code")
    actions = tuple(
        [CorporateAction(ts, "dividend", d) for ts, _, _, d, _ in parsed if d]
        + [CorporateAction(ts, "split", s) for ts, _, _, _, s in parsed if s])
    return CsvPrices(tuple(p[2] for p in parsed), actions, _interval([p[1] for p in parsed]), tuple(bad),
                     {f: header[i] for f, i in index.items()}, tuple(notes))


def _interval(days: list[date]) -> str:
    if len(days) < 3:
        return "1d"
    gap = statistics.median((b - a).days for a, b in zip(days, days[1:]))
    if gap >= 25:
        raise CsvFormatError("monthly bars are not supported (daily or weekly only)")
    return "1wk" if gap >= 5 else "1d"


class CsvPriceSource:
    """A `PriceSource` over one file: its bars, filtered to the range asked for."""

    name = "csv"

    def __init__(self, path: str | Path, symbol: str, *, tz: str, history_from: date | None = None) -> None:
        self.path = Path(path)
        self.symbol = symbol
        self._data = read_price_csv(self.path, tz=tz, history_from=history_from)

    @property
    def data(self) -> CsvPrices:
        return self._data

    def history(self, symbol: str, interval: str, start: int, end: int, *, tz: str = "") -> PriceHistory:
        if symbol != self.symbol:
            raise errors.UnknownSymbol(f"{self.path.name} holds {self.symbol}", symbol=symbol)
        if interval != self._data.interval:
            raise errors.NoData(f"{self.path.name} holds {self._data.interval} bars", symbol=symbol)
        bars = tuple(b for b in self._data.bars if start <= b.ts < end)
        if not bars:
            raise errors.NoData(symbol=symbol)
        actions = tuple(a for a in self._data.actions if start <= a.ts < end)
        return PriceHistory(symbol, interval, bars, actions, notes=tuple(str(b) for b in self._data.bad_rows))

    def quotes(self, symbols: Sequence[str]) -> dict[str, Quote | Exception]:
        return {s: errors.NoData("a CSV file has no live quotes", symbol=s) for s in symbols}

    def span_days(self, tz: str) -> tuple[date, date] | None:
        bars = self._data.bars
        return (ts_day(bars[0].ts, tz), ts_day(bars[-1].ts, tz)) if bars else None
