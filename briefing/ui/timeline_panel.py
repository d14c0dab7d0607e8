"""Regulation timeline panel: events and flagged news by year and month, filters, the next dates
in force, and how each affected listing moved around the selected event.

Selecting an event marks it on the chart (`event_selected`). Until the user picks one, the panel
selects the most recent event that has prices around it, so the reaction table is never empty
for no reason. Every store read, write, file and event study runs on the task runner.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QFileDialog, QLabel, QMessageBox, QSizePolicy, QSplitter, QTextBrowser, QToolBar, QVBoxLayout, QWidget,
)

from briefing.domain import event_files
from briefing.domain import timeline as tl
from briefing.domain.event_study import EventStudy
from briefing.domain.models import RegulationEvent
from briefing.services import timeline as svc
from briefing.store import changes as topics
from briefing.store.changes import Change
from briefing.ui.event_dialog import EventDialog
from briefing.ui.event_study_table import StudyModel, make_study_view
from briefing.ui.panel import Panel
from briefing.ui.timeline_detail import entry_html
from briefing.ui.timeline_filters import TimelineFilterBar
from briefing.ui.timeline_model import TimelineModel, make_timeline_view

FIRST_STUDY_DELAY_MS = 1500


class TimelinePanel(Panel):
    event_selected = Signal(object)  # event id, or None: mark it on the charts
    event_activated = Signal(object)  # the user chose this event: mark it and scroll the charts to it
    study_shown = Signal(object)  # the EventStudy now in the table
    topics = (topics.EVENTS, topics.INSTRUMENTS, topics.NEWS)

    def __init__(self, store, runner, parent=None) -> None:
        super().__init__(store, runner, parent)
        self.data: svc.TimelineData | None = None
        self.current_key: str | None = None
        self._current_entry: tl.TimelineEntry | None = None
        self.user_chose = False  # once the user selects, the panel stops choosing for them
        self._programmatic = False
        self._study_for: str | None = None
        self._study_seq = 0
        self._first_study_deferred = False
        self.study: EventStudy | None = None
        self._sized = False

        self.filters = TimelineFilterBar(self)
        self.filters.changed.connect(self._refilter)
        self.upcoming_label = QLabel(self)
        self.upcoming_label.setObjectName("timelineUpcoming")
        self.upcoming_label.setStyleSheet("color: #c25400; font-weight: bold")
        self.problems_label = QLabel(self)
        self.problems_label.setObjectName("timelineProblems")
        self.problems_label.setStyleSheet("color: #d2323c")
        self.problems_label.setWordWrap(True)
        for label in (self.upcoming_label, self.problems_label):
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            label.hide()

        self.model = TimelineModel(self)
        self.view = make_timeline_view(self.model, self)
        self.view.selectionModel().currentChanged.connect(self._on_current)
        self.view.doubleClicked.connect(
            lambda _: self.promote_selected() if (e := self.selected_entry()) and e.is_news else self.edit_selected())

        self.detail = QTextBrowser(self)
        self.detail.setObjectName("timelineDetail")
        self.detail.setOpenExternalLinks(True)
        self.detail.setMaximumHeight(110)
        self.study_caption = QLabel("", self)
        self.study_caption.setObjectName("studyCaption")
        self.study_caption.setWordWrap(True)
        self.study_model = StudyModel(self)
        self.study_view = make_study_view(self.study_model, self)
        right = QWidget(self)
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.detail)
        rl.addWidget(self.study_caption)
        rl.addWidget(self.study_view, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.view)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([420, 300])

        self.toolbar = QToolBar(self)
        self.toolbar.setObjectName("timelineTools")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.add_action = self._action("Add…", "Add an event of your own", self.add_event)
        self.edit_action = self._action("Edit…", "Edit the selected event", self.edit_selected)
        self.delete_action = self._action("Delete", "Delete the selected event", lambda: self.delete_selected())
        self.toolbar.addSeparator()
        self.import_action = self._action("Import…", "Import events from a CSV or JSON file", self.ask_import)
        self.export_action = self._action("Export…", "Export the events the filter shows", self.ask_export)
        self.toolbar.addSeparator()
        self.promote_action = self._action("Promote…", "Make an event of this news item", self.promote_selected)
        self.dismiss_action = self._action("Dismiss", "Not a regulatory event: stop offering it",
                                           self.dismiss_selected)
        self.status = QLabel("", self)
        self.status.setObjectName("timelineStatus")
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.toolbar.addSeparator()
        self.toolbar.addWidget(self.status)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(3)
        layout.addWidget(self.filters)
        layout.addWidget(self.upcoming_label)
        layout.addWidget(self.problems_label)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.toolbar)
        self._update_buttons(None)

    def _action(self, text: str, tip: str, slot) -> QAction:
        act = self.toolbar.addAction(text)
        act.setToolTip(tip)
        act.triggered.connect(slot)
        return act

    # ----- reading ------------------------------------------------------------------------------------
    def read(self) -> svc.TimelineData:  # worker thread
        return svc.read_timeline(self.store)

    def on_store_changed(self, batch: frozenset[Change]) -> None:
        if any(c.topic == topics.SETTINGS and c.key == svc.BENCHMARKS_SETTING for c in batch):
            self._run_study()
        if any(c.topic in self.topics for c in batch):
            self.reload()
        elif any(c.topic == topics.BARS for c in batch):
            if not self.user_chose:
                self.reload()  # the event to show first may have prices now
            if self._study_for is not None:  # prices of the shown (or still computing) study changed
                shown = self.study if self.study is not None and self.study.event_id == self._study_for else None
                used = None if shown is None else \
                    {r.symbol for r in shown.reactions} | {r.benchmark for r in shown.reactions}
                # a study with gaps (e.g. benchmark bars not cached yet) may fill in with any new bars
                gaps = shown is not None and any(w.abnormal is None for r in shown.reactions for w in r.windows)
                if used is None or gaps or any(
                        c.topic == topics.BARS and (c.key is None or c.key in used) for c in batch):
                    self._run_study()

    def show_data(self, data: svc.TimelineData) -> None:
        if data == self.data:  # a reload for new bars that changed nothing shown: keep the tree as it is
            return
        self.data = data
        self.model.company_names.clear()
        self.model.company_names.update({c.id: c.name_en for c in data.companies})
        self.filters.set_choices(sorted({e.body for e in data.events if e.body}), list(data.companies))
        soon = tl.upcoming(list(data.events), data.today)
        self.upcoming_label.setText("Next in force: " + " · ".join(
            f"{e.title_en} — {tl.in_force_text(d)}" for e, d in soon))
        self.upcoming_label.setVisible(bool(soon))
        problems = data.file_problems
        self.problems_label.setText(
            f"The bundled events file has {len(problems)} bad row(s), skipped: " + "; ".join(problems[:3])
            + (" …" if len(problems) > 3 else ""))
        self.problems_label.setToolTip("\n".join(problems))
        self.problems_label.setVisible(bool(problems))
        self._refilter()
        if not self._sized:
            self._sized = True
            for col, width in enumerate((118, 92, 320, 110, 130)):
                self.view.setColumnWidth(col, width)

    def _refilter(self) -> None:
        if self.data is None:
            return
        flt = self.filters.value()
        rows = [r for r in tl.entries(list(self.data.events), list(self.data.news)) if flt.accepts(r)]
        keep = self.current_key
        self._programmatic = True
        try:
            self.model.set_entries(rows, self.data.today)
            self.view.expandAll()
            for y in range(self.model.rowCount()):
                year = self.model.index(y, 0)
                self.view.setFirstColumnSpanned(y, self.view.rootIndex(), True)
                for m in range(self.model.rowCount(year)):
                    self.view.setFirstColumnSpanned(m, year, True)
        finally:
            self._programmatic = False
        target = keep
        if not self.user_chose and self.data.default_event:
            target = self.data.default_event
        if target is None and rows and not self.user_chose:
            target = next((r.key for r in rows if r.event is not None), None)
        if target is not None:
            self.select_key(target, by_user=False)

    # ----- selection ----------------------------------------------------------------------------------
    def select_key(self, key: str, *, by_user: bool = True) -> bool:
        """Select an event (id) or a flagged news item ("news:<id>"); False if the filter hides it."""
        index = self.model.index_of(key)
        if not index.isValid():
            return False
        self._programmatic = not by_user
        try:
            self.view.setCurrentIndex(index)
            self.view.scrollTo(index)
        finally:
            self._programmatic = False
        entry = self.model.entry(index)
        if key != self.current_key or entry != self._current_entry:
            self._select(entry)
        return True

    def select_event(self, event_id: str) -> bool:
        return self.select_key(event_id)

    def _on_current(self, current, _previous) -> None:
        if self._programmatic:
            return
        self.user_chose = True
        self._select(self.model.entry(current))

    def _select(self, entry: tl.TimelineEntry | None) -> None:
        self.current_key = entry.key if entry is not None else self.current_key
        self._current_entry = entry
        self._update_buttons(entry)
        if entry is None:
            return
        self.detail.setHtml(entry_html(entry, self.model.company_names, self.model.today))
        if entry.event is not None:
            self.event_selected.emit(entry.event.id)
            if self.user_chose:
                self.event_activated.emit(entry.event.id)
            self._run_study()
        else:
            self.event_selected.emit(None)
            self.study = None
            self._study_for = None
            self.study_model.set_rows([])
            self.study_caption.setText("A news item flagged as regulatory: promote it to an event to study it.")

    def selected_entry(self) -> tl.TimelineEntry | None:
        return self.model.entry(self.view.currentIndex())

    def _update_buttons(self, entry: tl.TimelineEntry | None) -> None:
        is_event = entry is not None and entry.event is not None
        is_news = entry is not None and entry.is_news
        self.edit_action.setEnabled(is_event)
        self.delete_action.setEnabled(is_event)
        self.promote_action.setEnabled(is_news)
        self.dismiss_action.setEnabled(is_news)

    # ----- event study ----------------------------------------------------------------------------------
    def _run_study(self) -> None:
        entry = self.selected_entry()
        if entry is None or entry.event is None:
            return
        if not self._first_study_deferred and not self.user_chose:
            # The study loads pandas and exchange calendars (~1 s of imports, holding the GIL):
            # the first one waits until the window has painted its first frames.
            self._first_study_deferred = True
            QTimer.singleShot(FIRST_STUDY_DELAY_MS, self, self._run_study)
            return
        event = entry.event
        self._study_for = event.id
        self._study_seq += 1
        if self.study is None or self.study.event_id != event.id:
            self.study_caption.setText("Computing the market's reaction…")
        self.runner.run(lambda: svc.study(self.store, event), lambda s, n=self._study_seq: self._show_study(n, s),
                        lambda exc: self.study_caption.setText(f"Could not compute the reaction: {exc}"),
                        name="event study")

    def _show_study(self, seq: int, result: EventStudy) -> None:
        if seq != self._study_seq:
            return  # a newer study (another event, or fresher prices) is on its way
        self.study = result
        self.study_model.set_rows(list(result.reactions))
        hk = sorted({r.benchmark for r in result.reactions if r.benchmark and r.exchange == "XHKG"})
        us = sorted({r.benchmark for r in result.reactions if r.benchmark and r.exchange != "XHKG"})
        bench = " / ".join(x for x in (f"{', '.join(hk)} (HK)" if hk else "", f"{', '.join(us)} (US)" if us else "") if x)
        if not result.reactions:
            self.study_caption.setText("The event names no listed company.")
        else:
            day0 = sorted({str(r.day0) for r in result.reactions if r.day0})
            self.study_caption.setText(
                f"Market reaction · day 0 = first session on/after {result.announced}"
                + (f" ({', '.join(day0)})" if day0 and day0 != [str(result.announced)] else "")
                + (f" · abn. = vs {bench}" if bench else "")
                + (f" · {result.note}" if result.note else ""))
        self.study_view.resizeColumnToContents(0)
        self.study_shown.emit(result)

    # ----- user actions -----------------------------------------------------------------------------------
    def _say(self, text: str, tip: str = "") -> None:
        self.status.setText(text)
        self.status.setToolTip(tip)

    def _dialog(self, event: RegulationEvent | None, editing: bool) -> EventDialog:
        bodies = sorted({e.body for e in self.data.events if e.body}) if self.data else []
        companies = list(self.data.companies) if self.data else []
        return EventDialog(companies, event, editing=editing, bodies=bodies, parent=self)

    def _taken(self) -> set[str]:
        return {e.id for e in self.data.events} if self.data else set()

    def save_from_dialog(self, dialog: EventDialog, news_id: str | None = None) -> None:
        """After the dialog was accepted: give the event an id if needed and save it off the GUI thread."""
        event = dialog.result_event
        if event is None:
            return
        if not event.id:
            event = replace(event, id=event_files.new_id(event, self._taken(), prefix="news" if news_id else "user"))
        if news_id is not None:
            work = lambda: self.store.events.promote_news(news_id, event)  # noqa: E731
        else:
            work = lambda: self.store.events.save(event)  # noqa: E731
        self.user_chose = True
        self.current_key = event.id
        self.runner.run(work, lambda _: self._say(f"Saved {event.id}"), name="save event")

    def add_event(self) -> None:
        dialog = self._dialog(None, editing=False)
        if dialog.exec():
            self.save_from_dialog(dialog)

    def edit_selected(self) -> None:
        entry = self.selected_entry()
        if entry is None or entry.event is None:
            return
        dialog = self._dialog(entry.event, editing=True)
        if dialog.exec():
            self.save_from_dialog(dialog)

    def delete_selected(self, confirm: bool = True) -> None:
        entry = self.selected_entry()
        if entry is None or entry.event is None:
            return
        e = entry.event
        if confirm and QMessageBox.question(self, "Delete event", f"Delete “{e.title_en}”?") \
                != QMessageBox.StandardButton.Yes:
            return
        self.current_key = None
        self.runner.run(lambda: self.store.events.delete(e.id), lambda _: self._say(f"Deleted {e.id}"),
                        name="delete event")

    def promote_selected(self) -> None:
        entry = self.selected_entry()
        if entry is None or entry.candidate is None:
            return
        draft = self.promotion_draft(entry.candidate)
        dialog = self._dialog(draft, editing=False)
        if dialog.exec():
            self.save_from_dialog(dialog, news_id=entry.candidate.item.id)

    def promotion_draft(self, candidate: tl.NewsCandidate) -> RegulationEvent:
        companies = {c.id for c in self.data.companies} if self.data else set()
        return tl.draft_event(candidate, self._taken(), companies)

    def dismiss_selected(self) -> None:
        entry = self.selected_entry()
        if entry is None or entry.candidate is None:
            return
        news_id = entry.candidate.item.id
        self.current_key = None
        self.runner.run(lambda: self.store.events.dismiss_news(news_id), lambda _: self._say("Dismissed"),
                        name="dismiss news")

    def ask_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import events", "", "Events (*.json *.csv)")
        if path:
            self.import_file(path)

    def import_file(self, path: str) -> None:
        known = {c.id for c in self.data.companies} if self.data else set()
        taken = self._taken()

        def work():
            fmt = event_files.format_for(path)
            events, problems = event_files.parse(Path(path).read_text(encoding="utf-8-sig"), fmt,
                                                 companies=known, taken=taken)
            return self.store.events.save_many(events), len(events), problems

        def done(result):
            written, valid, problems = result
            text = f"Imported {written} event(s)" + (f", {valid - written} unchanged" if valid > written else "")
            if problems:
                text += f"; skipped {len(problems)} row(s): {problems[0]}"
            self._say(text, "\n".join(str(p) for p in problems))

        self.runner.run(work, done, lambda exc: self._say(f"Could not import {Path(path).name}: {exc}"),
                        name="import events")

    def ask_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export events", "events.json", "JSON (*.json);;CSV (*.csv)")
        if path:
            self.export_file(path)

    def export_file(self, path: str) -> None:
        events = [r.event for r in self.model.entries() if r.event is not None]

        def work():
            Path(path).write_text(event_files.dump(events, event_files.format_for(path)), encoding="utf-8")
            return len(events)

        self.runner.run(work, lambda n: self._say(f"Exported {n} event(s) to {Path(path).name}"),
                        lambda exc: self._say(f"Could not export: {exc}"), name="export events")
