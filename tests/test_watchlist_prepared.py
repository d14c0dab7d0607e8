"""The watchlist's cells are made on the reader's worker (`WatchlistModel.prepare`): the GUI thread
only writes them, and the tree holds what it would have made itself."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

from PySide6.QtCore import Qt

from briefing.domain.models import Quote
from briefing.ui import watchlist_model
from briefing.ui.table_model import CELL_ROLES
from briefing.ui.watchlist_panel import WatchlistModel
from test_watchlist_tree import make_panel, many_rows, quote  # noqa: F401 - make_panel: a fixture

ROLES = (*CELL_ROLES, int(Qt.ItemDataRole.DecorationRole))


def everything(model) -> list:
    """Every role of every cell, lines under their company included."""
    out = []

    def walk(parent):
        for r in range(model.rowCount(parent)):
            out.append([tuple(_plain(model.index(r, c, parent).data(role)) for role in ROLES)
                        for c in range(model.columnCount())])
            walk(model.index(r, 0, parent))

    walk(model.index(-1, -1))
    return out


def _plain(value):
    """Pictures compared by their pixels, not by object."""
    return value.toImage() if hasattr(value, "toImage") else value.bits().tobytes() if hasattr(value, "bits") else value


def prepared_on_a_worker(model, rows, *values):
    out = []
    t = threading.Thread(target=lambda: out.append(model.prepare(rows, *values)))
    t.start()
    t.join(10)
    return out[0]


def test_cells_made_on_a_worker_are_the_cells_the_model_makes(qtbot):
    rows = many_rows(8, 6)
    market = {r.listing.symbol: ("open", "") for r in rows[::2]}
    market[rows[1].listing.symbol] = ("closed", "stale since 10:00 (no answer)")
    values = (market, {}, {rows[0].listing.symbol: (1.0, 2.0, 1.5)}, True, "local")
    here, there = WatchlistModel(), WatchlistModel()
    for m in (here, there):
        m.set_red_up(True)
        m.set_time_zone("local")
    here.show_rows(rows, *values[:3])
    there.show_rows(rows, *values[:3], prepared_on_a_worker(there, rows, *values))
    assert everything(there) == everything(here)
    moved = [replace(r, quote=quote(r.listing.symbol, 50.0 + i)) if i % 3 == 0 else r for i, r in enumerate(rows)]
    here.show_rows(moved, *values[:3])
    there.show_rows(moved, *values[:3], prepared_on_a_worker(there, moved, *values))
    assert everything(there) == everything(here)


def test_a_quote_batch_makes_no_cell_on_the_gui_thread(qtbot, store, make_panel, monkeypatch):
    symbols = ["9888.HK", "BIDU", "9988.HK", "0700.HK"]
    store.watchlists.create("Four")
    store.watchlists.add("Four", symbols)
    store.settings.set("ui.last_watchlist", store.watchlists.get("Four").id)
    panel = make_panel()
    gui = threading.get_ident()
    made_on = []
    price = watchlist_model.fmt.price
    monkeypatch.setattr(watchlist_model.fmt, "price", lambda v: made_on.append(threading.get_ident()) or price(v))
    with qtbot.waitSignal(panel.refreshed, timeout=10000):
        store.prices.upsert_quotes([Quote(s, 13.0 + i, int(time.time()), "test", previous_close=12.0)
                                    for i, s in enumerate(symbols)])
    assert made_on and gui not in made_on  # the Last column's text: made on the worker only
    assert panel.model.index_for("BIDU", panel.model.column_index("Last")).data() == "14.00"


def test_cells_made_from_another_row_are_not_used(qtbot):
    rows = many_rows(2, 2)
    model = WatchlistModel()
    values = ({}, {}, {}, False, "exchange")
    stale = prepared_on_a_worker(model, rows, *values)
    newer = [replace(r, quote=quote(r.listing.symbol, 77.0)) for r in rows]  # equal symbols, other rows
    model.show_rows(newer, *values[:3], stale)
    assert model.index_for(rows[-1].listing.symbol, model.column_index("Last")).data() == "77.00"


def test_rows_written_in_later_turns_use_the_workers_cells_too(qtbot, monkeypatch):
    rows = many_rows(30, 20)  # 50 top-level rows: written over several turns (WRITE_CHUNK)
    model = WatchlistModel()
    model.show_rows(rows, {}, {}, {})
    moved = [replace(r, quote=quote(r.listing.symbol, 60.0 + i)) for i, r in enumerate(rows)]
    prepared = prepared_on_a_worker(model, moved, {}, {}, {}, False, "exchange")
    made_on = []
    price = watchlist_model.fmt.price
    monkeypatch.setattr(watchlist_model.fmt, "price", lambda v: made_on.append(threading.get_ident()) or price(v))
    model.show_rows(moved, {}, {}, {}, prepared)
    assert model.writing
    qtbot.waitUntil(lambda: not model.writing, timeout=5000)
    assert made_on == []  # no cell made on this (the GUI) thread, in any turn
    assert model.index_for(moved[-1].listing.symbol, model.column_index("Last")).data() == f"{60.0 + 79:.2f}"
