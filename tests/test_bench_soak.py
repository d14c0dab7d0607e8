"""bench/soak.py, tiny: the real app (a subprocess, offscreen) fed by the loopback replays for a few
seconds; the table has every metric with a number and the Yahoo requests stayed within the budget.

Loopback only (the app's Yahoo traffic goes to the replay server through BRIEFING_YAHOO_REPLAY, the
feeds are on 127.0.0.1, the default feeds are removed before the app starts). Nothing here asserts
on how long anything took.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"


def _load_soak():
    spec = importlib.util.spec_from_file_location("bench_soak", BENCH / "soak.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_soak"] = module
    spec.loader.exec_module(module)
    return module


NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_soak_smoke(tmp_path):
    soak = _load_soak()
    lines: list[str] = []
    r = soak.run_soak(0.25, 3, 2, 500, rpm=60, data_dir=tmp_path / "profile", log=lines.append)

    assert r["exit_code"] == 0, r["stderr_tail"]
    assert r["probe_final"], "the app did not quit through its event loop"
    text = soak.table(r)
    rows = soak.rows(r)
    assert [m for m, *_ in rows] == [line.split("|")[1].strip() for line in text.splitlines()[2:]]
    for metric, measured, _goal, _ok in rows:
        for part in re.split(r"\s*(?:/|->)\s*", measured):  # "a / b" and "start -> end" cells
            assert NUMBER.match(part), f"{metric}: {measured!r} is not a number"
    assert r["requests"] > 0
    assert r["requests"] <= r["budget"]
    assert r["max_per_minute"] <= r["rpm"]
    assert r["feed_fetches"] > 0
    assert r["news_end"] >= r["news_start"] == 500


def test_stall_watch_splits_the_stall_log_by_phase(tmp_path):
    """The app's stall log read as the soak reads it: per phase, from the per-second worst and the list."""
    import json

    soak = _load_soak()
    log = tmp_path / "stall.json"
    t0 = 1000.0

    def write(per_second, worst, over):
        log.write_text(json.dumps({"started_unix": t0, "per_second_max_ms": per_second, "worst": worst,
                                   "over_stall": over, "final": False}))

    watch = soak.StallWatch(log)
    write([[0, 700.0], [1, 20.0]], [{"at_s": 0.2, "ms": 700.0}], 1)
    watch.read(None)
    write([[1, 20.0], [2, 30.0], [3, 80.0], [4, 12.0]], [{"at_s": 0.2, "ms": 700.0}, {"at_s": 3.5, "ms": 80.0}], 2)
    watch.read(t0 + 2.5)  # the first Yahoo request: steady from here
    assert watch.max_ms("start-up") == 700.0
    assert watch.max_ms("steady") == 80.0
    assert watch.over() == {"start-up": 1, "steady": 1}
    worst = watch.worst([{"since_unix": t0 + 3.49, "busy_ms": 90.0, "gui": ["x.py:1 f"], "others": {}}], started=t0)
    assert [(w["phase"], w["sample"] is not None) for w in worst] == [("start-up", False), ("steady", True)]


def test_soak_symbols_follow_the_open_markets():
    """Polled all run: HK and/or New York when open, currency pairs when neither is (weekdays)."""
    from datetime import datetime, timezone

    sup = _load_soak().sup
    utc = lambda *a: datetime(*a, tzinfo=timezone.utc).timestamp()  # noqa: E731
    hk, states = sup.soak_symbols(3, utc(2026, 11, 26, 2, 0))  # Thursday, HK morning session
    assert hk == ["1000.HK", "1001.HK", "1002.HK"] and states["XHKG"] == "open"
    both, _ = sup.soak_symbols(6, utc(2026, 11, 25, 15, 0))  # Wednesday, New York open, HK closed
    assert both == ["SOAKAA", "SOAKAB", "SOAKAC", "SOAKAD", "SOAKAE", "SOAKAF"]
    fx, states = sup.soak_symbols(2, utc(2026, 11, 26, 9, 0))  # HK closed, New York on holiday
    assert fx == ["SOAKAA=X", "SOAKAB=X"] and states == {"XHKG": "closed", "XNYS": "holiday", "FX": "open"}
    assert sup._listing("SOAKAA=X").kind == "fx"
    weekend, _ = sup.soak_symbols(1, utc(2026, 11, 28, 9, 0))
    assert weekend == ["1000.HK"]
