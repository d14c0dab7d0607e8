"""The event-study table: each affected listing's return around the event, raw and vs its benchmark."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from briefing.domain.event_study import WINDOWS, ListingReaction, WindowReturn, percent
from briefing.ui.colors import up_down
from briefing.ui.table_model import RIGHT, Column, RowTableModel


def _window_tip(r: ListingReaction, w: WindowReturn | None) -> str:
    if w is None or w.from_session is None:
        return r.note or "no data"
    tip = (f"{r.symbol}: close {w.to_session} over close {w.from_session} "
           f"(day 0 = {r.day0}, the first {r.exchange} session on or after the announcement)")
    if r.benchmark:
        tip += f"\nvs {r.benchmark}: {percent(w.benchmark)} over the same sessions"
    return tip + (f"\n{r.note}" if r.note else "")


def study_columns() -> list[Column[ListingReaction]]:
    cols: list[Column[ListingReaction]] = [
        Column("Listing", lambda r: r.symbol, tooltip=lambda r: r.note or f"{r.symbol} on {r.exchange}"),
    ]
    for a, b in WINDOWS:
        def raw(r, a=a, b=b):
            return r.window(a, b).raw if r.window(a, b) else None

        def abn(r, a=a, b=b):
            return r.window(a, b).abnormal if r.window(a, b) else None

        cols.append(Column(f"[{a:+d},{b:+d}]", lambda r, f=raw: percent(f(r)), align=RIGHT,
                           tooltip=lambda r, a=a, b=b: _window_tip(r, r.window(a, b)),
                           foreground=lambda r, f=raw: up_down(f(r)), sort_key=lambda r, f=raw: f(r) or 0))
        cols.append(Column("abn.", lambda r, f=abn: percent(f(r)), align=RIGHT,
                           tooltip=lambda r: f"minus {r.benchmark}" if r.benchmark else "no benchmark",
                           foreground=lambda r, f=abn: up_down(f(r)), sort_key=lambda r, f=abn: f(r) or 0))
    return cols


class StudyModel(RowTableModel[ListingReaction]):
    def __init__(self, parent=None) -> None:
        super().__init__(study_columns(), key=lambda r: r.symbol, parent=parent)


def make_study_view(model: StudyModel, parent: QWidget | None = None) -> QTableView:
    view = QTableView(parent)
    view.setObjectName("eventStudyTable")
    view.setModel(model)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(22)
    view.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    view.setAlternatingRowColors(True)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    header.setToolTip("Returns from the close of the session before the event (day -1) to day +1 / +5; "
                      "abn. = minus the benchmark (2800.HK for HK lines, KWEB for US lines)")
    return view
