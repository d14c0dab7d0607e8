"""Is this market open now? Sessions, lunch breaks and holidays from `exchange_calendars`.

The scheduler asks this many times a minute and the watchlist shows it, so each calendar is loaded
once (lazily: ~0.3 s with pandas, never on the first-paint path) into plain sorted lists, and a
question costs a bisect. XHKG has its 12:00-13:00 lunch break and half days; US ADRs (XNAS, XNYS
and OTC, which trades in NYSE hours) share the XNYS calendar; USD/HKD trades around the clock on
weekdays. A symbol whose exchange we do not know gets weekday 09:30-16:00 in its own zone.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from briefing.domain.bar_time import day_ts, zone
from briefing.domain.models import Listing
from briefing.process_tuning import python_lane

PRE_OPEN, OPEN, LUNCH, CLOSED, HOLIDAY = "pre-open", "open", "lunch", "closed", "holiday"
LABELS = {PRE_OPEN: "Pre-open", OPEN: "Open", LUNCH: "Lunch break", CLOSED: "Closed", HOLIDAY: "Holiday"}

FX, GENERIC = "FX", "GENERIC"
CALENDAR_OF_EXCHANGE = {"XHKG": "XHKG", "XNYS": "XNYS", "XNAS": "XNAS", "OTC": "XNYS", "US": "XNYS", "FX": FX}
# How long before the open the market counts as "pre-open": HKEX's pre-opening session, US pre-market.
PRE_OPEN_S = {"XHKG": 30 * 60, "XNYS": int(5.5 * 3600), "XNAS": int(5.5 * 3600)}


@dataclass(frozen=True)
class MarketState:
    """One market at one moment: its state, and when that state next changes (UTC s)."""

    state: str
    calendar: str
    timezone: str
    next_change: int | None = None

    @property
    def label(self) -> str:
        return LABELS[self.state]

    @property
    def is_open(self) -> bool:
        return self.state == OPEN


@dataclass(frozen=True)
class _Schedule:
    """Sessions of one calendar as sorted UTC seconds; a session without a break has -1 there."""

    timezone: str
    days: list[int]  # session date ordinals
    opens: list[int]
    break_starts: list[int]
    break_ends: list[int]
    closes: list[int]


# One range for every use of a calendar: the event study reaches back to 2000 (event_study.py
# reads its sessions from here, so each exchange's calendar is built once, ~0.3 s, not twice).
CALENDAR_START, CALENDAR_YEARS_AHEAD = date(2000, 1, 1), 3

_schedules: dict[str, _Schedule] = {}
_lock = threading.Lock()


def calendar_code(listing: Listing | None) -> str:
    """The calendar that governs a listing: XHKG, XNYS, XNAS, FX or GENERIC."""
    if listing is None:
        return GENERIC
    if listing.kind == "fx" or listing.exchange == FX:
        return FX
    return CALENDAR_OF_EXCHANGE.get(listing.exchange, GENERIC)


def _load(code: str) -> _Schedule:
    import warnings

    import exchange_calendars as xcals

    with warnings.catch_warnings():  # exchange_calendars trips pandas deprecation warnings
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        end = date(date.today().year + CALENDAR_YEARS_AHEAD, 12, 31)
        cal = xcals.get_calendar(code, start=CALENDAR_START.isoformat(), end=end.isoformat())
        sched = cal.schedule

    def seconds(col: str) -> list[int]:
        values = sched[col]
        out = values.dt.tz_convert(None).to_numpy().astype("datetime64[s]").astype("int64")
        out[values.isna().to_numpy()] = -1
        return out.tolist()

    days = (sched.index.to_numpy().astype("datetime64[D]").astype("int64") + date(1970, 1, 1).toordinal()).tolist()
    return _Schedule(str(cal.tz), days, seconds("open"), seconds("break_start"), seconds("break_end"),
                     seconds("close"))


def schedule(code: str) -> _Schedule:
    """The cached schedule of an exchange calendar (loads it on first use: call off the GUI thread).
    Built in the python lane (imports and ~0.3 s of pandas: one such step at a time, see
    process_tuning), which is taken before this module's lock, as everywhere."""
    found = _schedules.get(code)
    if found is None:
        with python_lane(), _lock:
            found = _schedules.get(code)
            if found is None:
                found = _schedules[code] = _load(code)
    return found


WATCHED_CALENDARS = ("XHKG", "XNYS", "XNAS")  # the exchanges of the watched listings (OTC: XNYS)


def all_loaded(codes=WATCHED_CALENDARS) -> bool:
    return all(is_loaded(c) for c in codes)


def preload(codes=WATCHED_CALENDARS) -> None:
    for code in codes:
        if code not in (FX, GENERIC):
            schedule(code)


def is_loaded(code: str) -> bool:
    return code in (FX, GENERIC) or code in _schedules


def market_state(listing: Listing | str, now: float) -> MarketState:
    """pre-open / open / lunch / closed / holiday for `listing` (or a symbol) at UTC `now`."""
    if isinstance(listing, str):
        listing = guess_listing(listing)
    code = calendar_code(listing)
    if code == FX:
        return _fx_state(now)
    if code == GENERIC:
        return _generic_state(listing.timezone, now)
    return _exchange_state(code, schedule(code), now)


def _exchange_state(code: str, s: _Schedule, now: float) -> MarketState:
    i = bisect_right(s.closes, now)  # the first session not yet closed
    if i >= len(s.closes):
        return MarketState(CLOSED, code, s.timezone)
    o, bs, be, c = s.opens[i], s.break_starts[i], s.break_ends[i], s.closes[i]
    if now >= o:
        if bs >= 0 and bs <= now < be:
            return MarketState(LUNCH, code, s.timezone, be)
        return MarketState(OPEN, code, s.timezone, bs if bs >= 0 and now < bs else c)
    today = datetime.fromtimestamp(now, zone(s.timezone)).date()
    pre = PRE_OPEN_S.get(code, 0)
    if s.days[i] == today.toordinal() and now >= o - pre:
        return MarketState(PRE_OPEN, code, s.timezone, o)
    nxt = o - pre if now < o - pre else o
    if today.weekday() < 5 and s.days[i] != today.toordinal() and (
            i == 0 or s.days[i - 1] != today.toordinal()):
        midnight = day_ts(today + timedelta(days=1), s.timezone)
        return MarketState(HOLIDAY, code, s.timezone, min(nxt, midnight))
    return MarketState(CLOSED, code, s.timezone, nxt)


def _fx_state(now: float) -> MarketState:
    """USD/HKD: quoted around the clock, Monday to Friday (UTC)."""
    day = datetime.fromtimestamp(now, timezone.utc).date()
    monday = day - timedelta(days=day.weekday())
    if day.weekday() < 5:
        return MarketState(OPEN, FX, "UTC", day_ts(monday + timedelta(days=5), "UTC"))
    return MarketState(CLOSED, FX, "UTC", day_ts(monday + timedelta(days=7), "UTC"))


def _generic_state(tz: str, now: float) -> MarketState:
    local = datetime.fromtimestamp(now, zone(tz))
    day = local.date()
    o = int(datetime.combine(day, time(9, 30), zone(tz)).timestamp())
    c = int(datetime.combine(day, time(16, 0), zone(tz)).timestamp())
    if day.weekday() < 5 and o <= now < c:
        return MarketState(OPEN, GENERIC, tz, c)
    if day.weekday() < 5 and now < o:
        return MarketState(CLOSED, GENERIC, tz, o)
    return MarketState(CLOSED, GENERIC, tz)


# ----- sessions, for "has a close happened since?" and the premium's timestamps -----------------
def last_close(code: str, now: float) -> int | None:
    """UTC seconds of the most recent session close at or before `now` (None if unknown)."""
    if code == FX:
        day = datetime.fromtimestamp(now, timezone.utc).date()
        while day.weekday() >= 5 or day_ts(day + timedelta(days=1), "UTC") > now:
            day -= timedelta(days=1)
        return day_ts(day + timedelta(days=1), "UTC")
    if code == GENERIC:
        return None
    s = schedule(code)
    i = bisect_right(s.closes, now)
    return s.closes[i - 1] if i > 0 else None


def session_close(code: str, day: date) -> int | None:
    """UTC seconds at which the session of `day` closed (or closes); None if it is no session."""
    if code in (FX, GENERIC):
        return None
    s = schedule(code)
    i = bisect_left(s.days, day.toordinal())
    return s.closes[i] if i < len(s.days) and s.days[i] == day.toordinal() else None


def session_open(code: str, day: date) -> int | None:
    if code in (FX, GENERIC):
        return None
    s = schedule(code)
    i = bisect_left(s.days, day.toordinal())
    return s.opens[i] if i < len(s.days) and s.days[i] == day.toordinal() else None


def opened_between(code: str, start: float, end: float) -> bool:
    """Did any session trade between `start` and `end`? (Is there anything new to fetch?)"""
    if code == FX:
        return True
    if code == GENERIC:
        return end - start > 0
    s = schedule(code)
    i = bisect_right(s.closes, start)  # first session still open at `start`
    return i < len(s.opens) and s.opens[i] < end


# ----- listings the registry does not know ------------------------------------------------------
def guess_listing(symbol: str) -> Listing:
    """A listing for a symbol outside the registry, from Yahoo's naming: `.HK`, `=X`, else US."""
    from briefing.domain.registry import load_registry

    known = load_registry().listing(symbol)
    if known is not None:
        return known
    if symbol.endswith(".HK"):
        return Listing(symbol, "XHKG", "HKD", "Asia/Hong_Kong", name_en=symbol)
    if symbol.endswith("=X"):
        quote = symbol[3:6] if len(symbol) == 8 else symbol[:3]  # EURUSD=X: USD; HKD=X (USD->HKD): HKD
        return Listing(symbol, FX, quote, "UTC", name_en=symbol, kind="fx")
    if "." not in symbol and symbol.replace("-", "").isalnum():
        return Listing(symbol, "US", "USD", "America/New_York", name_en=symbol)
    return Listing(symbol, "", "", "UTC", name_en=symbol)
