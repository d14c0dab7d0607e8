"""Market sessions from exchange_calendars: HKEX with its lunch break, US holidays, USD/HKD, and
bars dated by the exchange's day whatever zone the machine is in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from briefing.domain import market_hours as mh
from briefing.domain.bar_time import day_ts
from briefing.domain.models import Listing

HK, NY = ZoneInfo("Asia/Hong_Kong"), ZoneInfo("America/New_York")


def at(text: str, tz=HK) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=tz).timestamp()


@pytest.mark.parametrize("when, state", [
    ("2025-01-02 08:59", mh.CLOSED), ("2025-01-02 09:10", mh.PRE_OPEN), ("2025-01-02 09:30", mh.OPEN),
    ("2025-01-02 11:59", mh.OPEN), ("2025-01-02 12:00", mh.LUNCH), ("2025-01-02 12:59", mh.LUNCH),
    ("2025-01-02 13:00", mh.OPEN), ("2025-01-02 15:59", mh.OPEN), ("2025-01-02 16:00", mh.CLOSED),
    ("2025-01-04 10:30", mh.CLOSED),  # Saturday
    ("2025-01-29 10:30", mh.HOLIDAY), ("2025-01-31 10:30", mh.HOLIDAY),  # Lunar New Year
    ("2024-12-24 11:00", mh.OPEN), ("2024-12-24 13:30", mh.CLOSED),  # Christmas Eve: morning only
])
def test_hkex_states(when, state):
    assert mh.market_state("9988.HK", at(when)).state == state


def test_hkex_next_change_is_the_end_of_the_break():
    s = mh.market_state("0700.HK", at("2025-01-02 12:10"))
    assert s.label == "Lunch break" and s.next_change == at("2025-01-02 13:00")
    assert mh.market_state("0700.HK", at("2025-01-02 10:00")).next_change == at("2025-01-02 12:00")


@pytest.mark.parametrize("symbol", ["BABA", "BIDU", "TCEHY"])
@pytest.mark.parametrize("when, state", [
    ("2025-07-03 09:00", mh.PRE_OPEN), ("2025-07-03 10:00", mh.OPEN), ("2025-07-04 10:00", mh.HOLIDAY),
    ("2025-07-05 10:00", mh.CLOSED), ("2025-07-07 16:00", mh.CLOSED), ("2025-07-07 15:59", mh.OPEN),
])
def test_us_states(symbol, when, state):
    assert mh.market_state(symbol, at(when, NY)).state == state


def test_fx_trades_on_weekdays():
    assert mh.market_state("HKD=X", at("2025-07-04 10:00", NY)).state == mh.OPEN
    assert mh.market_state("HKD=X", at("2025-07-05 10:00", NY)).state == mh.CLOSED


def test_closes_and_sessions():
    assert mh.last_close("XHKG", at("2025-01-02 12:30")) == at("2024-12-31 12:00")  # New Year's Eve half day
    assert mh.session_close("XHKG", date(2025, 1, 2)) == at("2025-01-02 16:00")
    assert mh.session_close("XHKG", date(2025, 1, 29)) is None
    assert not mh.opened_between("XHKG", at("2025-01-28 16:30"), at("2025-02-02 23:00"))
    assert mh.opened_between("XHKG", at("2025-01-28 16:30"), at("2025-02-03 09:31"))


def test_unknown_symbols_are_guessed_from_their_names():
    assert mh.guess_listing("1398.HK").timezone == "Asia/Hong_Kong"
    assert mh.guess_listing("EURUSD=X").currency == "USD" and mh.guess_listing("HKD=X").kind == "fx"
    assert mh.guess_listing("AAPL").timezone == "America/New_York"
    generic = Listing("SAP.DE", "XETR", "EUR", "Europe/Berlin")
    assert mh.market_state(generic, at("2025-07-07 10:00", ZoneInfo("Europe/Berlin"))).state == mh.OPEN


# ----- the machine's time zone changes nothing ---------------------------------------------------
TZ_SCRIPT = r"""
import json, sys, time, tempfile
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from datetime import date
from yahoo_replay import CHART, ReplayAdapter, chart_route, recorded_routes, replay_session, reset_yfinance, utc
from briefing.domain.bar_time import day_ts, ts_day
from briefing.domain import market_hours as mh
from briefing.sources.csv_prices import read_price_csv
from briefing.sources.yahoo import YahooSource
reset_yfinance(Path(tempfile.mkdtemp()))
shared = Path(sys.argv[2])
routes = recorded_routes(shared)
routes[CHART + "9988.HK"] = chart_route("9988.HK", "XHKG", date(2025, 1, 1), date(2025, 1, 10))
src = YahooSource(replay_session(ReplayAdapter(routes)))
hk = src.history("9988.HK", "1d", day_ts(date(2025, 1, 1), "Asia/Hong_Kong"), utc(2025, 1, 10), tz="Asia/Hong_Kong")
us = src.history("BABA", "1d", utc(2020, 1, 1), utc(2020, 1, 4), tz="America/New_York")
csv_hk = read_price_csv(shared / "prices/georgelikechen_portfolio/9988.HK.csv", tz="Asia/Hong_Kong").bars[:2]
csv_us = read_price_csv(shared / "prices/samanyugoyal2010_ai-stock/TCEHY.csv", tz="America/New_York").bars[:2]
print(json.dumps({
    "tz": time.tzname,
    "hk": [(b.ts, str(ts_day(b.ts, "Asia/Hong_Kong"))) for b in hk.bars],
    "us": [(b.ts, str(ts_day(b.ts, "America/New_York"))) for b in us.bars],
    "csv_hk": [(b.ts, str(ts_day(b.ts, "Asia/Hong_Kong"))) for b in csv_hk],
    "csv_us": [(b.ts, str(ts_day(b.ts, "America/New_York"))) for b in csv_us],
    "lunch": mh.market_state("9988.HK", 1735791000).state,
}))
"""


def test_bars_are_dated_by_the_exchange_day_in_every_machine_time_zone(shared_data, tmp_path):
    if not Path("/usr/share/zoneinfo/America/New_York").exists():
        pytest.skip("the system time-zone database (tzdata) is not installed: TZ=... would be ignored")
    tests_dir = str(Path(__file__).parent)
    results = {}
    for tz in ("America/New_York", "Asia/Hong_Kong", "UTC"):
        env = dict(os.environ, TZ=tz, BRIEFING_DATA_DIR=str(tmp_path / tz.replace("/", "_")))
        proc = subprocess.run([sys.executable, "-c", TZ_SCRIPT, tests_dir, str(shared_data)], env=env,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr[-2000:]
        results[tz] = json.loads(proc.stdout.strip().splitlines()[-1])
    assert len({r["tz"][0] for r in results.values()}) == 3  # the zones really differed
    first = results["UTC"]
    for r in results.values():
        assert {k: v for k, v in r.items() if k != "tz"} == {k: v for k, v in first.items() if k != "tz"}
    assert [d for _, d in first["hk"]][:3] == ["2025-01-02", "2025-01-03", "2025-01-06"]
    assert first["us"] == [[day_ts(date(2020, 1, 2), "America/New_York"), "2020-01-02"]]
    assert [d for _, d in first["csv_hk"]] == ["2020-01-02", "2020-01-03"]
    assert [d for _, d in first["csv_us"]] == ["2023-07-10", "2023-07-11"]
    assert first["lunch"] == "lunch"  # 2025-01-02 12:10 HKT
