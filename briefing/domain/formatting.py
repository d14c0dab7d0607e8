"""How numbers and times read in the panels and the briefing (no Qt, so both share it)."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo


def price(value: float | None, currency: str | None = None) -> str:
    if value is None:
        return "–"
    digits = 3 if abs(value) < 10 else 2
    return f"{value:,.{digits}f}"


def change(value: float | None) -> str:
    return "–" if value is None else f"{value:+,.2f}"


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value:+.2f}%"


def volume(value: int | None) -> str:
    if value is None:
        return "–"
    for unit, size in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(value) >= size:
            return f"{value / size:.2f}{unit}"
    return str(value)


def local_time(ts: int | None, tz: str, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A UTC timestamp shown in the exchange's zone, with the zone's abbreviation."""
    if ts is None:
        return "–"
    when = datetime.fromtimestamp(ts, timezone.utc).astimezone(ZoneInfo(tz))
    return f"{when.strftime(fmt)} {when.tzname()}"


def utc_date(ts: int | None) -> str:
    if ts is None:
        return "undated"
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%d")
