"""Managing watchlists in the panel: create, rename, delete, pin, add by name or code, remove."""

from __future__ import annotations

import pytest

from briefing.domain.symbol_lookup import SymbolLookupError, lookup, normalise_code
from briefing.services.tasks import TaskRunner
from briefing.ui.store_signals import StoreSignals
from briefing.ui.watchlist_panel import WatchlistPanel


@pytest.fixture
def panel(qtbot, store):
    runner = TaskRunner()
    p = WatchlistPanel(store, runner)
    signals = StoreSignals(store, p)
    signals.changed.connect(p.on_store_changed)
    qtbot.addWidget(p)
    p.show()
    with qtbot.waitSignal(p.loaded, timeout=10000):
        p.reload()
    yield p
    signals.changed.disconnect(p.on_store_changed)  # nothing starts after the runner stops
    p._save_header.stop()
    runner.shutdown()


def act(qtbot, panel, fn, *args, settle=True) -> str:
    """Run an action, wait for its result message (and, if it changed the store, the reload)."""
    with qtbot.waitSignal(panel.actions.done, timeout=5000) as blocker:
        fn(*args)
    if settle:
        qtbot.waitUntil(lambda: not panel._reading, timeout=5000)
        with qtbot.waitSignal(panel.refreshed, timeout=5000):
            panel.reload()
    return blocker.args[0]


def symbols(panel) -> list[str]:
    return [r.listing.symbol for r in panel.model.rows()]


def test_lookup_by_code_symbol_and_names(store):
    listings, companies = store.instruments.listings(), store.instruments.companies()
    assert normalise_code("700") == "0700.HK" and normalise_code("9988.hk") == "9988.HK"
    assert lookup("700", listings, companies) == ["0700.HK"]
    assert lookup("baba", listings, companies) == ["BABA"]
    assert set(lookup("百度", listings, companies)) == {"9888.HK", "BIDU"}
    assert set(lookup("Alibaba", listings, companies)) >= {"9988.HK", "BABA"}
    with pytest.raises(SymbolLookupError, match="unknown"):
        lookup("NOPE", listings, companies)


def test_create_rename_pin_and_delete(qtbot, panel, store):
    store.watchlists.create("Other")  # unpinned, and before the new list in the user's order
    msg = act(qtbot, panel, panel.actions.create_list, "Chips")
    assert msg == "created 'Chips'"
    current = next(w for w in panel._lists if w.id == panel.current_id)
    assert current.name == "Chips" and panel.model.rowCount() == 0
    assert "already exists" in act(qtbot, panel, panel.actions.create_list, "Chips", settle=False)
    act(qtbot, panel, panel.actions.rename_list, "Semis")
    assert [w.name for w in store.watchlists.all()].count("Semis") == 1
    act(qtbot, panel, panel.actions.toggle_pin)
    names = [w.name for w in store.watchlists.all()]
    assert names.index("Semis") < names.index("Other")  # pinned lists first
    assert "★ Semis" in [panel.chooser.itemText(i) for i in range(panel.chooser.count())]
    act(qtbot, panel, panel.actions.delete_list)
    assert "Semis" not in [w.name for w in store.watchlists.all()]
    assert panel.current_id in {w.id for w in store.watchlists.all()}


def test_add_by_name_duplicate_and_unknown_then_remove(qtbot, panel, store, tmp_path):
    from yahoo_replay import NOT_FOUND_CHART, ReplayAdapter, Reply, replay_session, reset_yfinance

    from briefing.sources.yahoo import YahooSource

    reset_yfinance(tmp_path / "yfinance-cache")  # ZZZZ goes to a replayed Yahoo that does not know it
    panel.actions.set_price_source(YahooSource(replay_session(ReplayAdapter(
        default=lambda request: Reply(404, NOT_FOUND_CHART)))))
    act(qtbot, panel, panel.actions.create_list, "Mine")
    assert act(qtbot, panel, panel.actions.add_symbol, "腾讯").startswith("added")
    assert "0700.HK" in symbols(panel)
    before = symbols(panel)
    assert "nothing added" in act(qtbot, panel, panel.actions.add_symbol, "0700", settle=False)
    assert "unknown" in act(qtbot, panel, panel.actions.add_symbol, "ZZZZ", settle=False)
    assert panel.actions.message.isVisible()
    assert symbols(panel) == before
    assert panel.select_symbol("0700.HK") and panel.selected_symbols() == ["0700.HK"]
    act(qtbot, panel, panel.actions.remove_selected)
    assert "0700.HK" not in symbols(panel)
    assert "0700.HK" not in store.watchlists.get("Mine").symbols


def test_opens_on_the_last_used_list(qtbot, panel, store):
    act(qtbot, panel, panel.actions.create_list, "Later")
    wid = panel.current_id
    runner = TaskRunner()
    again = WatchlistPanel(store, runner)
    qtbot.addWidget(again)
    with qtbot.waitSignal(again.loaded, timeout=10000):
        again.reload()
    assert again.current_id == wid
    again._save_header.stop()
    runner.shutdown()


def test_drag_reorder_moves_companies_with_their_listings(qtbot, panel, store, qtmodeltester):
    from PySide6.QtCore import QModelIndex, Qt

    model = panel.model
    qtmodeltester.check(model)
    companies = [n.key for n in model.nodes()]
    assert companies == ["company:baidu", "company:alibaba", "company:tencent", "0020.HK"]
    data = model.mimeData([model.index(0, 0), model.index(0, 1)])
    with qtbot.waitSignal(panel.actions.done, timeout=5000):  # drop Baidu below Tencent (the third row)
        panel.proxy.dropMimeData(data, Qt.DropAction.MoveAction, 3, 0, QModelIndex())
    expected = ["9988.HK", "BABA", "0700.HK", "TCEHY", "9888.HK", "BIDU", "0020.HK"]
    assert list(store.watchlists.get("China AI").symbols) == expected
    qtbot.waitUntil(lambda: symbols(panel) == expected, timeout=5000)
    assert [n.key for n in model.nodes()] == ["company:alibaba", "company:tencent", "company:baidu", "0020.HK"]
    data = model.mimeData([model.index(3, 0)])
    with qtbot.waitSignal(panel.actions.done, timeout=5000):  # and SenseTime onto the first row
        model.dropMimeData(data, Qt.DropAction.MoveAction, -1, -1, model.index(0, 0))
    assert list(store.watchlists.get("China AI").symbols) == expected[-1:] + expected[:-1]
    qtbot.waitUntil(lambda: model.nodes()[0].key == "0020.HK", timeout=5000)
    assert not model.flags(model.index(0, 0, model.index(1, 0))) & Qt.ItemFlag.ItemIsDragEnabled  # a line stays


def test_cli_move_reorders_like_a_drag(capsys, tmp_path):
    import json

    from briefing.cli import main

    d = str(tmp_path / "data")
    assert main(["watchlist", "create", "Order", "9988.HK", "0700.HK", "0020.HK", "--data-dir", d]) == 0
    assert main(["watchlist", "move", "Order", "0020.hk", "1", "--data-dir", d]) == 0
    capsys.readouterr()
    assert main(["watchlist", "list", "--json", "--data-dir", d]) == 0
    lists = json.loads(capsys.readouterr().out)
    assert next(w for w in lists if w["name"] == "Order")["symbols"] == ["0020.HK", "9988.HK", "0700.HK"]
