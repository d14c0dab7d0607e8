"""Which session a briefing reports for each market, and what to say when the day had none.

A briefing for a day reports, per market, the last session that had closed by the time it is
written: on a weekend or holiday that is the last session before it (named), before the close it
is the previous session. Calendars come from `briefing.domain.market_hours` (exchange_calendars,
offline); FX trades on weekdays, a market with no calendar on weekdays until 16:00 local.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from briefing.domain import market_hours
from briefing.domain.bar_time import day_ts, zone
from briefing.domain.models import Listing

MARKET_NAMES = {"XHKG": "Hong Kong", "XNYS": "US", "XNAS": "US", market_hours.FX: "FX"}
LOOKBACK_DAYS = 20  # no market here closes for longer (Lunar New Year + a weekend is ~5 days)


def day_text(day: date) -> str:
    return day.strftime("%a %d %b %Y").replace(" 0", " ")


@dataclass(frozen=True)
class Market:
    name: str  # "Hong Kong", "US", "FX", or the exchange code
    code: str  # calendar code (XHKG, XNYS, FX, GENERIC)
    timezone: str


def market_of(listing: Listing) -> Market:
    code = market_hours.calendar_code(listing)
    name = MARKET_NAMES.get(code, listing.exchange or listing.symbol)
    if code == "XNAS":  # US listings share one calendar for the briefing's purposes
        code = "XNYS"
    return Market(name, code, "UTC" if code == market_hours.FX else listing.timezone)


def close_of(market: Market, day: date) -> int | None:
    """UTC seconds at which `day`'s session of `market` closes, None if `day` is no session."""
    if market.code == market_hours.FX:
        return day_ts(day + timedelta(days=1), "UTC") if day.weekday() < 5 else None
    if market.code == market_hours.GENERIC:
        if day.weekday() >= 5:
            return None
        return int(datetime.combine(day, time(16), zone(market.timezone)).timestamp())
    return market_hours.session_close(market.code, day)


def last_closed(market: Market, day: date, now: float) -> date | None:
    """The last session on or before `day` whose close is at or before `now`."""
    for back in range(LOOKBACK_DAYS):
        d = day - timedelta(days=back)
        close = close_of(market, d)
        if close is not None and close <= now:
            return d
    return None


@dataclass(frozen=True)
class SessionChoice:
    market: Market
    day: date  # the day asked for
    session: date | None  # the session reported
    note: str  # "" when `session == day`


def choose(market: Market, day: date, now: float) -> SessionChoice:
    session = last_closed(market, day, now)
    close = close_of(market, day)
    last = day_text(session) if session else "none found"
    if close is None:
        why = "weekend" if day.weekday() >= 5 else "holiday"
        note = (f"{market.name} markets were closed on {day_text(day)} ({why}); figures are from the "
                f"last session, {last}.")
    elif session != day:
        when = datetime.fromtimestamp(close, zone(market.timezone))
        note = (f"The {market.name} session of {day_text(day)} had not closed when this briefing was "
                f"made (it closes at {when:%H:%M} {when.tzname()}); figures are from the last close, {last}.")
    else:
        note = ""
    return SessionChoice(market, day, session, note)


def merged_notes(choices: list[SessionChoice]) -> list[str]:
    """One sentence when every market says the same thing about the same sessions, else one each."""
    notes = [c.note for c in choices if c.note]
    if len(choices) < 2 or len(notes) != len(choices) or len({c.session for c in choices}) != 1:
        return notes
    c = choices[0]
    last = day_text(c.session) if c.session else "none found"
    if all("were closed" in n for n in notes):
        why = "weekend" if c.day.weekday() >= 5 else "holiday"
        return [f"Markets were closed on {day_text(c.day)} ({why}); figures are from the last session, {last}."]
    if not any("were closed" in n for n in notes):
        markets = " and ".join(x.market.name for x in choices)
        return [f"The {markets} sessions of {day_text(c.day)} had not closed when this briefing was made; "
                f"figures are from the last close, {last}."]
    return notes
