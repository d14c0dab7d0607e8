"""The watchlist tree: companies expand to their HK and US lines, updated in place, sorted, dragged."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from PySide6.QtCore import QModelIndex, Qt

from briefing.domain.models import Company, Listing, Quote, WatchlistRow
from briefing.domain.registry import load_registry
from briefing.services.tasks import TaskRunner
from briefing.ui.store_signals import StoreSignals
from briefing.ui.watchlist_panel import WatchlistModel, WatchlistPanel
from briefing.domain.watchlist_groups import group_rows, primary_line
from briefing.ui.watchlist_tree import WRITE_CHUNK


def registry_rows(symbols=None, quotes=None) -> list[WatchlistRow]:
    reg = load_registry()
    companies = {c.id: c for c in reg.companies}
    listings = [l for l in reg.listings if l.company_id] if symbols is None else [reg.listing(s) for s in symbols]
    return [WatchlistRow(l, companies.get(l.company_id), (quotes or {}).get(l.symbol), i)
            for i, l in enumerate(listings)]


def quote(symbol: str, last: float, at: int | None = None) -> Quote:
    return Quote(symbol, last, at or int(time.time()), "test", previous_close=last - 1)


def many_rows(n_companies: int = 60, n_single: int = 80, price: float = 10.0) -> list[WatchlistRow]:
    """200 listings: 60 companies with an HK line and a US ADR each, and 80 single listings."""
    rows = []
    for i in range(n_companies):
        c = Company(f"co{i}", f"Company {i}", f"公司{i}")
        for sym, ex, kind in ((f"{1000 + i:04d}.HK", "XHKG", "ordinary"), (f"ADR{i}", "XNYS", "adr")):
            listing = Listing(sym, ex, "HKD" if ex == "XHKG" else "USD",
                              "Asia/Hong_Kong" if ex == "XHKG" else "America/New_York", company_id=c.id, kind=kind)
            rows.append(WatchlistRow(listing, c, quote(sym, price + i, 1_700_000_000), len(rows)))
    for j in range(n_single):
        listing = Listing(f"S{j}", "XNAS", "USD", "America/New_York", name_en=f"Single {j}")
        rows.append(WatchlistRow(listing, None, quote(listing.symbol, price + j, 1_700_000_000), len(rows)))
    return rows


class Recorder:
    """Counts a model's structural signals and collects the rows it said changed."""

    def __init__(self, model) -> None:
        self.structural: list[str] = []
        self.changed: list[tuple] = []
        for name in ("modelReset", "layoutChanged", "rowsRemoved", "rowsInserted", "rowsMoved"):
            getattr(model, name).connect(lambda *a, n=name: self.structural.append(n))
        model.dataChanged.connect(lambda tl, br, *_: self.changed.append(
            (tl.parent().row() if tl.parent().isValid() else None, tl.row(), br.row())))


def test_companies_gather_their_lines_in_list_order():
    rows = registry_rows(["BIDU", "0020.HK", "9888.HK", "BABA"])
    nodes = group_rows(rows)
    assert [n.key for n in nodes] == ["company:baidu", "0020.HK", "BABA"]
    assert nodes[0].symbols == ["BIDU", "9888.HK"] and nodes[0].row.listing.symbol == "9888.HK"  # HK is primary
    assert nodes[1].lines == () and nodes[2].lines == ()  # one line of a company: a row of its own
    assert primary_line(registry_rows(["BABA"])).listing.symbol == "BABA"


def test_model_checks_with_and_without_children(qtmodeltester):
    model = WatchlistModel()
    qtmodeltester.check(model)  # empty
    model.set_rows(registry_rows(["0020.HK", "KWEB"] if load_registry().listing("KWEB") else ["0020.HK"]))
    qtmodeltester.check(model)  # only top-level rows
    model.set_rows(registry_rows())
    qtmodeltester.check(model)  # companies with their lines
    assert model.rowCount() == 4 and [model.rowCount(model.index(i, 0)) for i in range(4)] == [2, 2, 2, 0]
    baidu = model.index(0, 0)
    assert baidu.data() == "Baidu / 百度"
    assert model.index(1, 0, baidu).data() == "US ADR" and model.index(1, 1, baidu).data() == "BIDU"
    assert model.index(0, 1).data() == "9888.HK"  # the company row shows its HK line's numbers


def test_a_quote_change_signals_only_its_rows_and_keeps_the_selection(qtbot):
    rows = registry_rows(quotes={"9888.HK": quote("9888.HK", 100.0, 1_700_000_000),
                                 "BIDU": quote("BIDU", 120.0, 1_700_000_000)})
    panel_model = WatchlistModel()
    from PySide6.QtCore import QItemSelectionModel

    panel_model.set_rows(rows)
    selection = QItemSelectionModel(panel_model)
    bidu = panel_model.index_for("BIDU")
    selection.select(bidu, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
    seen = Recorder(panel_model)
    panel_model.set_rows([replace(r, quote=quote("BIDU", 121.5, 1_700_000_060)) if r.listing.symbol == "BIDU" else r
                          for r in rows])
    assert seen.structural == []
    assert seen.changed == [(0, 1, 1)]  # BIDU's row under Baidu, nothing else
    assert panel_model.index_for("BIDU", panel_model.column_index("Last")).data() == "121.50"
    assert selection.isRowSelected(1, bidu.parent()) and len(selection.selectedRows()) == 1
    seen.changed.clear()
    rows = panel_model.rows()
    panel_model.set_rows([replace(r, quote=quote("9888.HK", 99.0)) if r.listing.symbol == "9888.HK" else r
                          for r in rows])
    assert seen.structural == [] and seen.changed == [(None, 0, 0), (0, 0, 0)]  # the company row and its HK line


def test_a_batch_of_quotes_for_200_symbols_updates_in_place(qtbot, qtmodeltester):
    checked = WatchlistModel()
    checked.set_rows(many_rows())
    qtmodeltester.check(checked)  # not left watching the update below: it re-walks the tree per signal
    model = WatchlistModel()
    model.set_rows(many_rows())
    assert model.rowCount() == 140 and len(model.rows()) == 200
    seen = Recorder(model)
    model.set_rows(many_rows(price=11.0))
    # the first WRITE_CHUNK top-level rows now, the others in the next turns of the event loop
    assert model.writing and model.index_for("S0", model.column_index("Last")).data() == "10.00"
    qtbot.waitUntil(lambda: not model.writing, timeout=5000)
    assert seen.structural == []
    # one signal spans each chunk of top-level rows, and one per company spans its two lines: a
    # signal per row cost the GUI thread a wait for the GIL each while workers ran Python
    chunks = [(None, i, min(i + WRITE_CHUNK, 140) - 1) for i in range(0, 140, WRITE_CHUNK)]
    assert sorted(seen.changed, key=str) == sorted(chunks + [(i, 0, 1) for i in range(60)], key=str)
    assert model.index_for("S0", model.column_index("Last")).data() == "11.00"


def test_a_big_change_is_written_a_chunk_per_turn_and_a_newer_one_wins(qtbot):
    model = WatchlistModel()
    model.set_rows(many_rows())
    last = model.column_index("Last")
    before = [model.index(i, last).data() for i in range(140)]
    model.set_rows(many_rows(price=11.0))
    first = [i for i in range(140) if model.index(i, last).data() != before[i]]
    assert first == list(range(WRITE_CHUNK))  # this turn's share
    model.set_rows(many_rows(price=12.0))  # the next batch, before the rest was written
    qtbot.waitUntil(lambda: not model.writing, timeout=5000)
    fresh = WatchlistModel()
    fresh.set_rows(many_rows(price=12.0))
    for r in many_rows():
        assert model.index_for(r.listing.symbol, last).data() == fresh.index_for(r.listing.symbol, last).data()


@pytest.fixture
def make_panel(qtbot, store):
    made = []

    def make():
        runner = TaskRunner()
        panel = WatchlistPanel(store, runner)
        signals = StoreSignals(store, panel)
        signals.changed.connect(panel.on_store_changed)
        qtbot.addWidget(panel)
        panel.resize(900, 400)
        panel.show()
        with qtbot.waitSignal(panel.loaded, timeout=10000):
            panel.reload()
        made.append((panel, runner, signals))
        return panel

    yield make
    for panel, runner, signals in made:
        signals.changed.disconnect(panel.on_store_changed)
        panel._save_header.stop()
        runner.shutdown()


def test_200_symbols_in_a_panel_take_a_quote_batch_without_a_reset(qtbot, make_panel, store):
    rows = many_rows()
    store.instruments.upsert([r.company for r in rows[::2] if r.company], [r.listing for r in rows])
    store.watchlists.create("Big")
    store.watchlists.add("Big", [r.listing.symbol for r in rows])
    store.settings.set("ui.last_watchlist", store.watchlists.get("Big").id)
    panel = make_panel()
    qtbot.waitUntil(lambda: len(panel.model.rows()) == 200, timeout=5000)
    assert panel.select_symbol("ADR7")
    panel.view.verticalScrollBar().setValue(panel.view.verticalScrollBar().maximum() // 2)
    scrolled = panel.view.verticalScrollBar().value()
    seen = Recorder(panel.model)
    with qtbot.waitSignal(panel.refreshed, timeout=10000):
        store.prices.upsert_quotes([quote(r.listing.symbol, 50.0 + i) for i, r in enumerate(rows)])
    qtbot.waitUntil(lambda: panel.model.index_for("S79", 3).data() == "249.00", timeout=5000)
    qtbot.waitUntil(lambda: not panel.model.writing, timeout=5000)
    assert seen.structural == [] and (None, 0, WRITE_CHUNK - 1) in seen.changed
    assert len(seen.changed) <= 140 // WRITE_CHUNK + 1 + 60
    assert panel.selected_symbols() == ["ADR7"]
    assert panel.view.verticalScrollBar().value() == scrolled


def test_company_rows_chart_their_primary_line_listing_rows_their_symbol(qtbot, make_panel):
    panel = make_panel()
    qtbot.waitUntil(lambda: panel.selected_symbols() != [], timeout=5000)
    assert panel.selected_symbols() == ["9888.HK"]  # the first row, Baidu, selected at start: its HK line
    with qtbot.waitSignal(panel.symbols_selected, timeout=2000) as blocker:
        assert panel.select_symbol("BIDU")
    assert blocker.args == [["BIDU"]]
    proxy, sel = panel.proxy, panel.view.selectionModel()
    alibaba = proxy.index(1, 0)
    for child in (proxy.index(0, 0, alibaba), proxy.index(1, 0, alibaba)):
        sel.select(child, sel.SelectionFlag.Select | sel.SelectionFlag.Rows)
    assert panel.selected_symbols() == ["BIDU", "9988.HK", "BABA"]  # compare lines: select them
    sel.select(alibaba, sel.SelectionFlag.Select | sel.SelectionFlag.Rows)  # its company row adds nothing new
    assert panel.selected_symbols() == ["BIDU", "9988.HK", "BABA"]


def test_sorting_orders_companies_and_lines_within_them(qtbot, make_panel, store):
    store.prices.upsert_quotes([quote(s, p) for s, p in {"9888.HK": 100, "BIDU": 110, "9988.HK": 150, "BABA": 160,
                                                          "0700.HK": 500, "TCEHY": 60, "0020.HK": 2}.items()])
    panel = make_panel()
    qtbot.waitUntil(lambda: panel.model.index_for("0020.HK", 3).data() == "2.000", timeout=5000)
    panel.view.sortByColumn(panel.model.column_index("Last"), Qt.SortOrder.DescendingOrder)
    proxy = panel.proxy
    tops = [proxy.index(r, 1).data() for r in range(proxy.rowCount())]
    assert tops == ["0700.HK", "9988.HK", "9888.HK", "0020.HK"]  # by each company's HK price
    baidu = proxy.index(2, 0)
    assert [proxy.index(r, 1, baidu).data() for r in range(proxy.rowCount(baidu))] == ["BIDU", "9888.HK"]


def test_companies_open_expanded_and_a_folded_one_stays_folded(qtbot, make_panel, store):
    panel = make_panel()
    proxy = panel.proxy
    assert all(panel.view.isExpanded(proxy.index(r, 0)) for r in range(3))
    panel.view.collapse(proxy.index(1, 0))  # Alibaba
    store.watchlists.add("China AI", ["KWEB"])  # a new row: the rows are inserted, the fold kept
    qtbot.waitUntil(lambda: panel.model.rowCount() == 5, timeout=5000)
    assert not panel.view.isExpanded(proxy.index(1, 0)) and panel.view.isExpanded(proxy.index(0, 0))
    store.watchlists.remove("China AI", ["TCEHY"])  # Tencent becomes one row: reset, folds kept by company
    qtbot.waitUntil(lambda: [n.key for n in panel.model.nodes()][2] == "0700.HK", timeout=5000)
    assert not panel.view.isExpanded(proxy.index(1, 0)) and panel.view.isExpanded(proxy.index(0, 0))


def test_drop_between_lines_lands_after_their_company(qtbot, make_panel, store):
    panel = make_panel()
    model = panel.model
    data = model.mimeData([model.index(3, 0)])  # SenseTime
    with qtbot.waitSignal(panel.actions.done, timeout=5000):  # dropped between Baidu's two lines
        model.dropMimeData(data, Qt.DropAction.MoveAction, 1, 0, model.index(0, 0))
    assert list(store.watchlists.get("China AI").symbols)[:3] == ["9888.HK", "BIDU", "0020.HK"]
    seen = []
    model.reorder_requested.connect(seen.append)
    assert not model.dropMimeData(model.mimeData([model.index(0, 0)]), Qt.DropAction.MoveAction, 0, 0, QModelIndex())
    assert seen == []  # dropped where it was: nothing to write


def test_a_line_joining_its_company_keeps_the_selection(qtbot, make_panel, store):
    store.watchlists.create("Mine")
    store.watchlists.add("Mine", ["BIDU", "0020.HK"])
    store.settings.set("ui.last_watchlist", store.watchlists.get("Mine").id)
    panel = make_panel()
    assert [n.key for n in panel.model.nodes()] == ["BIDU", "0020.HK"]  # one line: a row of its own
    assert panel.select_symbol("BIDU")
    seen = Recorder(panel.model)
    store.watchlists.add("Mine", ["9888.HK"])  # Baidu now has two lines: one company row
    qtbot.waitUntil(lambda: [n.key for n in panel.model.nodes()] == ["company:baidu", "0020.HK"], timeout=5000)
    assert "modelReset" in seen.structural
    assert panel.selected_symbols() == ["BIDU"]  # selected again, now under its company
    assert panel.view.isExpanded(panel.proxy.index(0, 0))


def _cells(model) -> list:
    out = []
    for i in range(model.rowCount()):
        top = model.index(i, 0)
        out.append([model.index(i, c).data() for c in range(model.columnCount())])
        for j in range(model.rowCount(top)):
            out.append([model.index(j, c, top).data() for c in range(model.columnCount())])
    return out


def test_updates_in_place_show_what_a_fresh_model_shows():
    """The fast path (same listings, new quotes) must end where regrouping from scratch ends."""
    import random

    rng = random.Random(7)
    rows = many_rows(n_companies=6, n_single=5)
    model = WatchlistModel()
    model.set_rows(rows)
    seen = Recorder(model)
    for _ in range(60):
        k = rng.randrange(len(rows))
        r = rows[k]
        rows[k] = replace(r, quote=quote(r.listing.symbol, round(rng.uniform(1, 500), 2), 1_700_000_000))
        model.set_rows(list(rows))
    fresh = WatchlistModel()
    fresh.set_rows(rows)
    assert seen.structural == []
    assert _cells(model) == _cells(fresh)


def test_a_folded_company_stays_folded_after_a_restart(qtbot, make_panel, store):
    from briefing.ui.watchlist_panel import FOLDED_KEY

    panel = make_panel()
    panel.view.collapse(panel.proxy.index(1, 0))  # Alibaba, by the user
    qtbot.waitUntil(lambda: store.settings.get(FOLDED_KEY) == ["company:alibaba"], timeout=5000)
    panel.view.expand(panel.proxy.index(0, 0))  # already open: nothing new to remember
    again = make_panel()  # the next start, on the same cache
    folded = [again.view.isExpanded(again.proxy.index(r, 0)) for r in range(3)]
    assert folded == [True, False, True]
    again.view.expand(again.proxy.index(1, 0))
    qtbot.waitUntil(lambda: store.settings.get(FOLDED_KEY) == [], timeout=5000)


def test_a_damaged_fold_setting_opens_every_company(qtbot, make_panel, store):
    from briefing.ui.watchlist_panel import FOLDED_KEY

    store.settings.set(FOLDED_KEY, "company:alibaba")  # not a list: ignored, nothing raised
    panel = make_panel()
    assert all(panel.view.isExpanded(panel.proxy.index(r, 0)) for r in range(3))


def test_sorting_puts_rows_without_a_value_last_and_compares_numbers_as_numbers(qtbot, make_panel, store):
    store.prices.upsert_quotes([Quote("9888.HK", 9, 1_700_000_000, "test", volume=3_000_000_000),
                                Quote("9988.HK", 10.5, 1_700_000_000, "test", volume=7),
                                Quote("0700.HK", 10, 1_700_000_000, "test", volume=2**40)])
    panel = make_panel()  # SenseTime has no quote
    qtbot.waitUntil(lambda: panel.model.index_for("0700.HK", 3).data() == "10.00", timeout=5000)
    proxy = panel.proxy
    for title, order, expected in (
            ("Last", Qt.SortOrder.AscendingOrder, ["9888.HK", "0700.HK", "9988.HK", "0020.HK"]),
            ("Last", Qt.SortOrder.DescendingOrder, ["0020.HK", "9988.HK", "0700.HK", "9888.HK"]),
            ("Volume", Qt.SortOrder.AscendingOrder, ["9988.HK", "9888.HK", "0700.HK", "0020.HK"])):
        panel.view.sortByColumn(panel.model.column_index(title), order)
        assert [proxy.index(r, 1).data() for r in range(proxy.rowCount())] == expected, (title, order)
