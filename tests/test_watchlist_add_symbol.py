"""Adding by typing: registry names and codes at once; other symbols checked with (a replayed) Yahoo,
in a worker for the panel, inline for the CLI; nothing added when Yahoo says no or cannot answer."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
import requests
from yahoo_replay import CHART, NOT_FOUND_CHART, ReplayAdapter, Reply, chart_route, replay_session, reset_yfinance

from briefing.cli import main
from briefing.domain.symbol_lookup import NotInRegistry, SymbolLookupError, looks_like_symbol
from briefing.services import price_refresh
from briefing.services.symbol_check import SymbolNotChecked, symbols_for
from briefing.sources.yahoo import YahooSource


@pytest.fixture(autouse=True)
def yf_cache(tmp_path):
    reset_yfinance(tmp_path / "yfinance-cache")


@pytest.fixture
def yahoo():
    """Yahoo as a replay: AAPL is a Nasdaq stock, every other symbol is unknown (404)."""
    today = date.today()
    adapter = ReplayAdapter({CHART + "AAPL": chart_route("AAPL", "XNAS", today - timedelta(days=400), today)},
                            default=lambda request: Reply(404, NOT_FOUND_CHART))
    adapter.source = YahooSource(replay_session(adapter))
    return adapter


def refuse(exc: Exception):
    def answer(request):
        raise exc

    return answer


def test_what_could_be_a_symbol():
    assert all(map(looks_like_symbol, ["AAPL", "BRK-B", "1810.HK", "EURUSD=X", "^HSI"]))
    assert not any(map(looks_like_symbol, ["PINDUODUO", "拼多多", "JD COM", ""]))


def test_registry_names_and_codes_need_no_request(store, yahoo):
    assert symbols_for(store, "阿里巴巴", yahoo.source) == ["9988.HK", "BABA"]
    assert symbols_for(store, "700", yahoo.source) == ["0700.HK"]
    with pytest.raises(NotInRegistry, match="unknown symbol or company 'Pinduoduo'"):
        symbols_for(store, "Pinduoduo", yahoo.source)  # a name, not a code: nothing to ask Yahoo
    assert yahoo.count() == 0


def test_a_symbol_yahoo_knows_is_recorded_with_its_listing_and_bars(store, yahoo):
    assert store.instruments.listing("AAPL") is None
    assert symbols_for(store, "aapl", yahoo.source) == ["AAPL"]
    listing = store.instruments.listing("AAPL")
    assert (listing.exchange, listing.currency, listing.timezone) == ("XNAS", "USD", "America/New_York")
    assert listing.name_en == "AAPL Ltd"  # what Yahoo calls it
    assert len(store.prices.columns("AAPL", "1d", 0, None)["ts"]) > 200  # its chart is ready too
    sent = yahoo.count()
    assert symbols_for(store, "AAPL", yahoo.source) == ["AAPL"] and yahoo.count() == sent  # now in the registry


def test_a_symbol_yahoo_does_not_know_is_refused(store, yahoo):
    with pytest.raises(SymbolLookupError, match="unknown symbol ZZZZ: Yahoo Finance does not know it"):
        symbols_for(store, "zzzz", yahoo.source)
    assert store.instruments.listing("ZZZZ") is None


@pytest.mark.parametrize("reply, words", [
    (refuse(requests.ConnectionError("no route to host")), "offline"),
    (refuse(requests.Timeout("read timed out")), "did not answer in time"),
    (Reply(429, b"Too Many Requests", {"Retry-After": "60"}), "rate limited"),
])
def test_when_yahoo_cannot_answer_nothing_is_added_and_the_message_says_so(store, yahoo, reply, words):
    yahoo.routes[CHART + "AAPL"] = reply
    with pytest.raises(SymbolNotChecked, match=f"AAPL .*could not be checked .*{words}.*nothing added"):
        symbols_for(store, "AAPL", yahoo.source)
    assert store.instruments.listing("AAPL") is None


def test_no_source_demo_profile_and_unchecked_adds(store, yahoo):
    with pytest.raises(SymbolNotChecked, match=r"could not be checked with Yahoo Finance \(offline\)"):
        symbols_for(store, "AAPL", None)
    store.settings.set("demo", True)
    with pytest.raises(SymbolNotChecked, match="demo profile"):
        symbols_for(store, "AAPL", yahoo.source)
    store.settings.set("demo", False)
    assert symbols_for(store, "1810.hk", None, check=False) == ["1810.HK"]  # the user's call: guessed listing
    assert store.instruments.listing("1810.HK").timezone == "Asia/Hong_Kong"
    assert yahoo.count() == 0


# ----- the panel: the check runs in a worker ---------------------------------------------------------
@pytest.fixture
def panel(qtbot, store):
    from briefing.services.tasks import TaskRunner
    from briefing.ui.store_signals import StoreSignals
    from briefing.ui.watchlist_panel import WatchlistPanel

    runner = TaskRunner()
    p = WatchlistPanel(store, runner)
    signals = StoreSignals(store, p)
    signals.changed.connect(p.on_store_changed)
    qtbot.addWidget(p)
    p.show()
    with qtbot.waitSignal(p.loaded, timeout=10000):
        p.reload()
    yield p
    signals.changed.disconnect(p.on_store_changed)
    p._save_header.stop()
    runner.shutdown()


def test_panel_checks_an_unknown_symbol_off_the_gui_thread_then_adds_it(qtbot, panel, store, yahoo):
    import threading

    threads = []
    history = yahoo.source.history
    yahoo.source.history = lambda *a, **k: (threads.append(threading.current_thread()), history(*a, **k))[1]
    made = []
    panel.actions.set_price_source(lambda: made.append(threading.current_thread()) or yahoo.source)
    with qtbot.waitSignal(panel.actions.done, timeout=15000) as done:
        panel.actions.add_symbol("aapl")
        assert panel.actions.message.text() == "checking AAPL with Yahoo Finance…"
    assert done.args == ["added AAPL"]
    assert threads and threading.main_thread() not in threads + made
    qtbot.waitUntil(lambda: "AAPL" in [r.listing.symbol for r in panel.model.rows()], timeout=5000)
    assert panel.model.index_for("AAPL").data() == "AAPL Ltd"  # a row of its own, named as Yahoo names it


def test_panel_adds_nothing_when_yahoo_is_unreachable_or_not_given(qtbot, panel, store, yahoo):
    yahoo.routes[CHART + "AAPL"] = refuse(requests.ConnectionError("no route to host"))
    panel.actions.set_price_source(yahoo.source)
    before = list(store.watchlists.get("China AI").symbols)
    with qtbot.waitSignal(panel.actions.done, timeout=15000) as done:
        panel.actions.add_symbol("AAPL")
    assert "could not be checked" in done.args[0] and "nothing added" in done.args[0]
    panel.actions.set_price_source(None)  # --offline, or the demo profile
    with qtbot.waitSignal(panel.actions.done, timeout=5000) as done:
        panel.actions.add_symbol("MSFT")
    assert "could not be checked" in done.args[0] and panel.actions.message.isVisible()
    assert list(store.watchlists.get("China AI").symbols) == before


# ----- the CLI: the same check, inline; --no-check for offline use -----------------------------------
def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_add_checks_unknown_symbols_and_accepts_names(capsys, tmp_path, yahoo, monkeypatch):
    monkeypatch.setattr(price_refresh, "yahoo_source_for", lambda paths, store: yahoo.source)
    d = str(tmp_path / "profile")
    code, out, _ = run(capsys, "watchlist", "add", "China AI", "aapl", "--json", "--data-dir", d)
    assert code == 0 and json.loads(out)["symbols"][-1] == "AAPL"
    code, out, _ = run(capsys, "watchlist", "create", "Mixed", "腾讯", "0020", "--json", "--data-dir", d)
    assert code == 0 and json.loads(out)["symbols"] == ["0700.HK", "TCEHY", "0020.HK"]
    code, _, err = run(capsys, "watchlist", "add", "Mixed", "ZZZZ", "--data-dir", d)
    assert code == 1 and "unknown symbol ZZZZ" in err and err.count("\n") == 1


def test_cli_add_when_yahoo_cannot_answer_and_with_no_check(capsys, tmp_path, yahoo, monkeypatch):
    monkeypatch.setattr(price_refresh, "yahoo_source_for", lambda paths, store: yahoo.source)
    yahoo.routes[CHART + "AAPL"] = refuse(requests.ConnectionError("no route to host"))
    d = str(tmp_path / "profile")
    code, _, err = run(capsys, "watchlist", "add", "China AI", "AAPL", "--data-dir", d)
    assert code == 1 and "could not be checked" in err and "--no-check" in err
    sent = yahoo.count()
    code, _, err = run(capsys, "--offline", "watchlist", "add", "China AI", "AAPL", "--data-dir", d)
    assert code == 1 and "(offline)" in err and yahoo.count() == sent  # --offline never asks
    code, out, _ = run(capsys, "watchlist", "add", "China AI", "AAPL", "--no-check", "--json", "--data-dir", d)
    assert code == 0 and "AAPL" in json.loads(out)["symbols"] and yahoo.count() == sent
    code, _, err = run(capsys, "watchlist", "add", "No such list", "AAPL", "--data-dir", d)
    assert code == 1 and "no watchlist named" in err and yahoo.count() == sent  # refused before any fetch
