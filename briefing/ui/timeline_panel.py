"""Regulation timeline panel: dated, sourced events, newest first; selecting one marks the charts."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QAbstractItemView, QTableView, QVBoxLayout

from briefing.domain.models import RegulationEvent
from briefing.store import changes as topics
from briefing.ui.panel import Panel
from briefing.ui.table_model import Column, RowTableModel

CATEGORY_NAMES = {
    "china_rule": "China rule",
    "us_action": "US action",
    "company_milestone": "Company milestone",
    "policy_signal": "Policy signal",
    "market_event": "Market event",
}


def _dates(e: RegulationEvent) -> str:
    parts = []
    if e.announced:
        parts.append(e.announced.isoformat())
    if e.effective and e.effective != e.announced:
        parts.append(f"in force {e.effective.isoformat()}")
    return " · ".join(parts)


def _title(e: RegulationEvent) -> str:
    return f"{e.title_en} / {e.title_zh}" if e.title_zh else e.title_en


def event_columns(company_names: dict[str, str]) -> list[Column[RegulationEvent]]:
    return [
        Column("Date", _dates, sort_key=lambda e: e.key_date),
        Column("Event", _title, tooltip=lambda e: f"{e.summary}\n{e.source_url}"),
        Column("Category", lambda e: CATEGORY_NAMES.get(e.category, e.category)),
        Column("Body", lambda e: e.body, tooltip=lambda e: e.body),
        Column("Companies", lambda e: ", ".join(company_names.get(c, c) for c in e.companies)),
    ]


class EventsModel(RowTableModel[RegulationEvent]):
    def __init__(self, parent=None) -> None:
        self.company_names: dict[str, str] = {}
        super().__init__(event_columns(self.company_names), key=lambda e: e.id, parent=parent)


class TimelinePanel(Panel):
    event_selected = Signal(object)  # event id or None
    topics = (topics.EVENTS, topics.INSTRUMENTS)

    def __init__(self, store, runner, parent=None) -> None:
        super().__init__(store, runner, parent)
        self.model = EventsModel(self)
        self.view = QTableView(self)
        self.view.setObjectName("timelineTable")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.selectionModel().currentRowChanged.connect(self._on_current)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.view)

    def read(self):
        names = {c.id: c.name_en for c in self.store.instruments.companies()}
        return names, self.store.events.all()

    def show_data(self, data) -> None:
        names, events = data
        self.model.company_names.clear()
        self.model.company_names.update(names)
        self.model.set_rows(events)
        self.view.resizeColumnToContents(0)
        self.view.setColumnWidth(1, 420)
        self.view.resizeColumnToContents(2)
        self.view.setColumnWidth(3, 180)

    def _on_current(self, current, _previous) -> None:
        self.event_selected.emit(self.model.row(current.row()).id if current.isValid() else None)
