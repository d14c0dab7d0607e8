"""The timeline tree in Qt items: painting calls no Python, and a reload changes only what changed
(rows in and out, cells rewritten), matching a tree built fresh from the same entries."""

from __future__ import annotations

import sys
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QModelIndex, Qt

from briefing.domain import registry
from briefing.domain import timeline as tl
from briefing.domain.models import NewsItem, RegulationEvent
from briefing.domain.regulatory_news import RegulatoryVerdict, classify
from briefing.ui.timeline_model import ENTRY_ROLE, KEY_ROLE, TimelineModel, make_timeline_view
from test_timeline_panel import panel  # noqa: F401 - a fixture: the panel as the window wires it

TODAY = date(2025, 8, 20)
VERDICT = RegulatoryVerdict(True, 3, ("CAC",), ("draft rules",), "china_rule")


def event(key: str, day: date | None, title: str = "", effective: date | None = None) -> tl.TimelineEntry:
    e = RegulationEvent(key, title or f"Rule {key}", "china_rule", announced=day, effective=effective,
                        body="CAC", companies=("tencent",))
    return tl.TimelineEntry(key, e.key_date, event=e)


def news(nid: str, day: date | None, title: str = "") -> tl.TimelineEntry:
    ts = None if day is None else int(datetime(day.year, day.month, day.day, 8, tzinfo=timezone.utc).timestamp())
    c = tl.NewsCandidate(NewsItem(nid, title or f"CAC drafts rules {nid}", published=ts), VERDICT)
    return tl.TimelineEntry(f"news:{nid}", c.day, candidate=c)


def ordered(rows: list[tl.TimelineEntry]) -> list[tl.TimelineEntry]:
    return sorted(rows, key=lambda r: (r.day is not None, r.day or date.min, r.key), reverse=True)


ROLES = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, KEY_ROLE)


def dump(model, parent=QModelIndex()) -> list:
    """Every row: its cells' texts, tooltips, keys, colours and fonts, then its children."""
    out = []
    for r in range(model.rowCount(parent)):
        cells = []
        for c in range(model.columnCount(parent)):
            i = model.index(r, c, parent)
            fg, font = i.data(Qt.ItemDataRole.ForegroundRole), i.data(Qt.ItemDataRole.FontRole)
            cells.append(tuple(i.data(role) for role in ROLES) + (
                fg.color().name() if fg is not None and hasattr(fg, "color") else fg and fg.name(),
                None if font is None else (font.bold(), font.italic()), int(model.flags(i).value)))
        out.append((tuple(cells), dump(model, model.index(r, 0, parent))))
    return out


def fresh(entries, today=TODAY, names=None) -> TimelineModel:
    m = TimelineModel()
    m.company_names.update(names or {})
    m.set_entries(entries, today)
    return m


def record(model) -> list[tuple]:
    seen: list[tuple] = []
    for name in ("rowsInserted", "rowsRemoved", "modelReset", "dataChanged", "layoutChanged", "rowsMoved"):
        getattr(model, name).connect(lambda *a, n=name: seen.append((n, *a)))
    return seen


def base() -> list[tl.TimelineEntry]:
    return ordered([event("a", date(2025, 7, 14)), event("b", date(2025, 7, 26)), event("c", date(2024, 3, 1)),
                    event("soon", date(2025, 8, 1), effective=date(2025, 9, 1)),
                    news("n1", date(2025, 7, 20)), news("n0", None)])


def test_painting_the_view_calls_no_python(qtbot):
    events = list(registry.load_curated_events())
    items = [tl.NewsCandidate(NewsItem(f"x{i}", f"CAC issues draft rules {i}", published=1_760_000_000 + i * 86400),
                              classify("CAC issues draft rules")) for i in range(30)]
    model = TimelineModel()
    model.set_entries(tl.entries(events, items), TODAY)
    view = make_timeline_view(model)
    qtbot.addWidget(view)
    view.resize(900, 700)
    view.show()
    view.expandAll()
    qtbot.waitExposed(view)
    qtbot.waitUntil(lambda: view.indexAt(view.viewport().rect().center()).isValid())  # rows laid out
    # The test's offscreen window may not be exposed, and then repaint() paints nothing: grab()
    # runs the same paintEvent into a pixmap. The first paint creates some PySide enum types, once.
    view.viewport().grab()
    entered: list[str] = []

    def hook(frame, what, _arg):
        if what == "call":
            entered.append(f"{frame.f_code.co_filename}:{frame.f_code.co_name}")

    sys.setprofile(hook)
    try:
        picture = view.viewport().grab()
    finally:
        sys.setprofile(None)
    assert not picture.isNull()
    ours = [f for f in entered if "timeline_model.py" in f or "timeline_panel.py" in f]
    assert ours == [], f"{len(ours)} calls into Python while painting, e.g. {sorted(set(ours))[:5]}"


def test_a_fresh_tree_groups_counts_and_styles():
    m = fresh(base())
    years = [m.index(i, 0).data() for i in range(m.rowCount())]
    assert years == ["2025  (4)", "2024  (1)", "Undated  (1)"]
    y2025 = m.index(0, 0)
    assert [m.index(i, 0, y2025).data() for i in range(m.rowCount(y2025))] == ["August 2025  (1)", "July 2025  (3)"]
    soon = m.index_of("soon")
    assert soon.siblingAtColumn(1).data() == "in force in 12 days"
    assert soon.siblingAtColumn(1).data(Qt.ItemDataRole.FontRole).bold()
    assert m.index_of("news:n1").siblingAtColumn(2).data(Qt.ItemDataRole.FontRole).italic()
    assert m.entry(soon).key == "soon" and soon.data(ENTRY_ROLE).key == "soon"
    assert m.entry(y2025) is None and not m.index_of("nope").isValid()
    flags = m.flags(soon)
    assert flags & Qt.ItemFlag.ItemIsSelectable and not flags & Qt.ItemFlag.ItemIsEditable


def test_one_new_item_inserts_one_row_and_keeps_the_selection(qtbot):
    m = fresh(base())
    view = make_timeline_view(m)
    qtbot.addWidget(view)
    view.show()
    view.expandAll()
    view.setCurrentIndex(m.index_of("c"))
    seen = record(m)
    m.set_entries(ordered(base() + [news("n2", date(2025, 7, 28))]), TODAY)
    assert [s[0] for s in seen if s[0] != "dataChanged"] == ["rowsInserted"]
    assert {(s[1].data(), s[2].data()) for s in seen if s[0] == "dataChanged"} == {  # the counts only
        ("2025  (5)", "2025  (5)"), ("July 2025  (4)", "July 2025  (4)")}
    assert m.index_of("news:n2").row() == 0  # newest in July
    assert view.currentIndex().data(KEY_ROLE) == "c"
    assert view.selectionModel().isSelected(m.index_of("c"))


def test_an_unchanged_update_signals_nothing():
    m = fresh(base())
    seen = record(m)
    m.set_entries(base(), TODAY)  # equal entries, new objects
    assert seen == []


def test_a_removed_entry_takes_its_emptied_month_and_year_with_it():
    m = fresh(base())
    seen = record(m)
    m.set_entries([r for r in base() if r.key != "c"], TODAY)  # the only entry of 2024
    assert [s[0] for s in seen] == ["rowsRemoved", "rowsRemoved", "rowsRemoved"]  # the entry, March, 2024
    assert [m.index(i, 0).data() for i in range(m.rowCount())] == ["2025  (4)", "Undated  (1)"]
    m.set_entries([r for r in base() if r.key not in ("c", "soon")], TODAY)
    y2025 = m.index(0, 0)
    assert y2025.data() == "2025  (3)" and m.rowCount(y2025) == 1
    assert dump(m) == dump(fresh([r for r in base() if r.key not in ("c", "soon")]))


def test_a_changed_entry_rewrites_its_cells_only():
    m = fresh(base())
    seen = record(m)
    rows = [event("b", date(2025, 7, 26), title="Renamed") if r.key == "b" else r for r in base()]
    m.set_entries(rows, TODAY)
    assert [s[0] for s in seen] == ["dataChanged"]
    b = m.index_of("b")
    assert seen[0][1] == b and seen[0][2] == b.siblingAtColumn(5)
    assert b.siblingAtColumn(2).data() == "Renamed" and m.entry(b).title == "Renamed"


def test_a_new_day_rewrites_the_days_until_in_force():
    m = fresh(base())
    seen = record(m)
    m.set_entries(base(), TODAY + timedelta(days=11))
    assert m.index_of("soon").siblingAtColumn(1).data() == "in force tomorrow"
    assert [s[0] for s in seen] == ["dataChanged"]
    m.set_entries(base(), date(2025, 9, 2))
    cell = m.index_of("soon").siblingAtColumn(1)
    assert cell.data() == "2025-09-01" and cell.data(Qt.ItemDataRole.FontRole) is None
    assert dump(m) == dump(fresh(base(), date(2025, 9, 2)))


def test_a_company_name_rewrites_the_companies_cell():
    m = fresh(base())
    m.company_names["tencent"] = "Tencent"
    m.set_entries(base(), TODAY)
    assert m.index_of("a").siblingAtColumn(5).data() == "Tencent"


def test_the_updated_tree_passes_the_model_tester(qtmodeltester):
    m = fresh(base())
    m.set_entries(ordered(base()[2:] + [news("n5", date(2023, 1, 5))]), TODAY)
    qtmodeltester.check(m)


POOL = ([event(f"e{i}", date(2024, 1, 1) + timedelta(days=37 * i), effective=date(2025, 8, 1) + timedelta(days=9 * i))
         for i in range(12)]
        + [news(f"n{i}", date(2024, 11, 1) + timedelta(days=23 * i) if i % 4 else None) for i in range(10)])


@st.composite
def updates(draw):
    """A sequence of reloads: some entries of the pool, some renamed or moved to another day."""
    steps = []
    for _ in range(draw(st.integers(1, 6))):
        rows = []
        for e in POOL:
            if not draw(st.booleans()):
                continue
            change = draw(st.sampled_from(["same", "same", "rename", "move"]))
            if change == "rename":
                e = event(e.key, e.day, title=f"{e.key} renamed") if e.event else news(e.key[5:], e.day, "CAC again")
            elif change == "move" and e.event is not None:
                e = event(e.key, (e.day or TODAY) + timedelta(days=draw(st.integers(-60, 60))))
            rows.append(e)
        steps.append((ordered(rows), TODAY + timedelta(days=draw(st.integers(0, 40)))))
    return steps


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=updates())
def test_updates_end_where_a_fresh_build_starts(qapp, steps):
    m = TimelineModel()
    for rows, today in steps:
        m.set_entries(rows, today)
        assert dump(m) == dump(fresh(rows, today))
        assert [r.key for r in m.entries()] == [r.key for r in rows]
        for r in rows:
            assert m.index_of(r.key).data(KEY_ROLE) == r.key


@pytest.mark.parametrize("keys", [["a", "b"], []])
def test_index_of_follows_rows_that_moved(keys):
    m = fresh(base())
    m.set_entries(ordered([news("n9", date(2025, 7, 30))] + [r for r in base() if r.key not in keys]), TODAY)
    for r in m.entries():
        assert m.entry(m.index_of(r.key)) == r


def test_news_arriving_keeps_the_users_row_and_folds(qtbot, panel, store):
    assert panel.select_key("cn-cybersecurity-law-2017")
    assert panel.user_chose
    y2017 = panel.model.index_of("cn-cybersecurity-law-2017").parent().parent()
    panel.view.collapse(y2017)
    seen = record(panel.model)
    published = int(datetime(2026, 3, 2, 8, tzinfo=timezone.utc).timestamp())
    store.news.upsert([NewsItem("n1", "Cyberspace Administration publishes draft measures for AI agents",
                                url="https://e.org/1", published=published)])
    qtbot.waitUntil(lambda: panel.model.index_of("news:n1").isValid(), timeout=10000)
    assert [s[0] for s in seen if s[0] != "dataChanged"] == ["rowsInserted"]
    assert panel.view.currentIndex().data(KEY_ROLE) == "cn-cybersecurity-law-2017"
    assert panel.selected_entry().key == panel.current_key == "cn-cybersecurity-law-2017"
    assert panel.view.selectionModel().isSelected(panel.view.currentIndex())
    assert not panel.view.isExpanded(y2017)  # the user's fold stays
    month = panel.model.index_of("news:n1").parent()
    assert month.data() == "March 2026  (1)"  # a new month row: opened and spanned
    assert panel.view.isExpanded(month) and panel.view.isFirstColumnSpanned(month.row(), month.parent())

    assert panel.select_key("news:n1")
    panel.dismiss_selected()
    qtbot.waitUntil(lambda: not panel.model.index_of("news:n1").isValid(), timeout=10000)
    assert panel.selected_entry() is None and not panel.view.selectionModel().hasSelection()


def test_rows_made_on_a_worker_are_the_rows_shown(qtbot):
    """`prepare` (a worker's) makes the rows `set_entries` would: the same tree, with its items."""
    import threading

    rows = ordered([event("a", TODAY - timedelta(days=3), effective=TODAY + timedelta(days=5)),
                    event("b", date(2024, 5, 2)), news("n1", TODAY - timedelta(days=1)), news("n2", None)])
    names = {"tencent": "Tencent"}
    m = TimelineModel()
    m.company_names.update(names)
    made = {}
    worker = threading.Thread(target=lambda: made.update(m.prepare(rows, TODAY, names)))
    worker.start()
    worker.join()
    assert set(made) == {r.key for r in rows}
    m.set_entries(rows, TODAY, made)
    assert dump(m) == dump(fresh(rows, names=names))
    assert all(m.index_of(key).model() is m and made[key][1][0].index() == m.index_of(key) for key in made)
    assert m.known_keys == {r.key for r in rows}
    assert m.prepare(rows, TODAY, names) == {}  # nothing left to make


def test_rows_made_with_other_names_are_not_used(qtbot):
    rows = ordered([event("a", TODAY - timedelta(days=3))])
    m = TimelineModel()
    m.company_names.update({"tencent": "Tencent"})
    made = m.prepare(rows, TODAY, {"tencent": "Tencent Holdings"})
    m.set_entries(rows, TODAY, made)
    assert made["a"][1][0].model() is None  # its items stayed out of the model
    assert dump(m) == dump(fresh(rows, names={"tencent": "Tencent"}))
