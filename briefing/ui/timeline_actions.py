"""The regulation timeline's toolbar: add, edit and delete events, promote or dismiss a flagged news
item, import and export events files.

A mixin of `TimelinePanel`: the actions work on its selection (`selected_entry`), its last read
(`data`) and its store, and every write runs on its task runner.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QLabel, QMessageBox, QSizePolicy, QToolBar

from briefing.domain import event_files
from briefing.domain import timeline as tl
from briefing.domain.models import RegulationEvent
from briefing.ui.event_dialog import EventDialog


class TimelineActions:
    """What the timeline's toolbar and double-click do; mixed into `TimelinePanel`."""

    def _build_toolbar(self) -> None:
        """`toolbar`, its actions and its status label."""
        self.toolbar = toolbar = QToolBar(self)
        toolbar.setObjectName("timelineTools")
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.add_action = self._action("Add…", "Add an event of your own", self.add_event)
        self.edit_action = self._action("Edit…", "Edit the selected event", self.edit_selected)
        self.delete_action = self._action("Delete", "Delete the selected event", lambda: self.delete_selected())
        toolbar.addSeparator()
        self.import_action = self._action("Import…", "Import events from a CSV or JSON file", self.ask_import)
        self.export_action = self._action("Export…", "Export the events the filter shows", self.ask_export)
        toolbar.addSeparator()
        self.promote_action = self._action("Promote…", "Make an event of this news item", self.promote_selected)
        self.dismiss_action = self._action("Dismiss", "Not a regulatory event: stop offering it",
                                           self.dismiss_selected)
        self.status = QLabel("", self)
        self.status.setObjectName("timelineStatus")
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        toolbar.addSeparator()
        toolbar.addWidget(self.status)

    def _action(self, text: str, tip: str, slot) -> QAction:
        act = self.toolbar.addAction(text)
        act.setToolTip(tip)
        act.triggered.connect(slot)
        return act

    def _update_buttons(self, entry: tl.TimelineEntry | None) -> None:
        is_event = entry is not None and entry.event is not None
        is_news = entry is not None and entry.is_news
        self.edit_action.setEnabled(is_event)
        self.delete_action.setEnabled(is_event)
        self.promote_action.setEnabled(is_news)
        self.dismiss_action.setEnabled(is_news)

    def _say(self, text: str, tip: str = "") -> None:
        self.status.setText(text)
        self.status.setToolTip(tip)

    def _said(self, text: str, tip: str = "") -> None:
        """A change of the user's is stored: say so and show it at once (store changes alone reload
        the panel at most every `change_reload_ms`)."""
        self._say(text, tip)
        self.reload()

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
        self.runner.run(work, lambda _: self._said(f"Saved {event.id}"), name="save event")

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
        self.runner.run(lambda: self.store.events.delete(e.id), lambda _: self._said(f"Deleted {e.id}"),
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
        self.runner.run(lambda: self.store.events.dismiss_news(news_id), lambda _: self._said("Dismissed"),
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
            self._said(text, "\n".join(str(p) for p in problems))

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
