"""The HK-vs-ADR premium: the formula, and which two prices it compares (never simultaneous ones)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from briefing.domain.bar_time import day_ts
from briefing.domain.models import Bar, Quote
from briefing.domain.premium import AdrPremium, adr_premium, default_close_time, hk_vs_adr
from briefing.domain.registry import load_registry

HK, NY = ZoneInfo("Asia/Hong_Kong"), ZoneInfo("America/New_York")


def at(text: str, tz=HK) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=tz).timestamp()


def test_premium_formula():
    # BABA at 100 USD; 8 HK shares at 97.5 HKD / 7.8 = 100 USD: no premium
    assert adr_premium(100.0, 97.5, 8, 7.8) == pytest.approx(0.0)
    assert adr_premium(101.0, 97.5, 8, 7.8) == pytest.approx(0.01)
    with pytest.raises(ValueError):
        adr_premium(100.0, 0.0, 8, 7.8)


def test_premium_pairs_the_last_hk_close_with_the_following_us_session():
    reg = load_registry()
    hk, adr = reg.listing("9988.HK"), reg.listing("BABA")
    hk_tz, us_tz = "Asia/Hong_Kong", "America/New_York"
    hk_bars = [Bar(day_ts(date(2025, 1, d), hk_tz), None, None, None, c) for d, c in ((2, 97.5), (3, 99.0), (6, 98.0))]
    adr_bars = [Bar(day_ts(date(2025, 1, d), us_tz), None, None, None, c) for d, c in ((2, 101.0), (3, 100.0))]
    fx = [Bar(day_ts(date(2025, 1, d), "UTC"), None, None, None, 7.8) for d in (2, 3, 6)]
    # Monday 6 Jan, 20:00 HKT: HK has closed, the US Monday session has not opened yet
    p = hk_vs_adr(hk, adr, hk_bars, adr_bars, fx, now=at("2025-01-06 20:00"), close_time=default_close_time)
    assert isinstance(p, AdrPremium)
    assert p.hk_close == 99.0 and p.adr_price == 100.0  # Friday 3 Jan HK close vs the US Friday session
    assert p.hk_time == at("2025-01-03 16:00") and p.adr_time == at("2025-01-03 16:00", NY)
    assert p.value == pytest.approx(100.0 / (8 * 99.0 / 7.8) - 1)
    label = p.label()
    assert "HK close 2025-01-03 16:00 HKT" in label and "US close 2025-01-03 16:00 EST" in label
    # during the US Monday session a live ADR quote follows Monday's HK close
    live = Quote("BABA", 99.5, int(at("2025-01-06 11:00", NY)), "yahoo")
    p = hk_vs_adr(hk, adr, hk_bars, adr_bars, 7.8, now=at("2025-01-06 11:05", NY), close_time=default_close_time,
                  adr_quote=live)
    assert p.live and p.hk_close == 98.0 and p.adr_price == 99.5 and "US last" in p.label()


def test_no_premium_without_a_following_us_price():
    reg = load_registry()
    hk_bars = [Bar(day_ts(date(2025, 1, 6), "Asia/Hong_Kong"), None, None, None, 98.0)]
    assert hk_vs_adr(reg.listing("9988.HK"), reg.listing("BABA"), hk_bars, [], 7.8, now=at("2025-01-06 20:00"),
                     close_time=default_close_time) is None
