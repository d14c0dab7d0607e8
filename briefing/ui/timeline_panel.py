"""Regulation timeline panel: events and flagged news by year and month, filters, the next dates
in force, and how each affected listing moved around the selected event.

Selecting an event marks it on the chart (`event_selected`). Until the user picks one, the panel
selects the most recent event that has prices around it, so the reaction table is never empty
for no reason. Every store read, write, file and event study runs on the task runner.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QSizePolicy, QSplitter, QTextBrowser, QVBoxLayout, QWidget

from briefing.domain import timeline as tl
from briefing.domain.event_study import EventStudy
from briefing.process_tuning import python_lane
from briefing.services import timeline as svc
from briefing.store import changes as topics
from briefing.store.changes import Change
from briefing.ui.event_study_table import StudyModel, make_study_view
from briefing.ui.panel import Panel
from briefing.ui.timeline_actions import TimelineActions
from briefing.ui.timeline_detail import entry_html
from briefing.ui.timeline_filters import TimelineFilterBar
from briefing.ui.timeline_model import KEY_ROLE, TimelineModel, make_timeline_view

FIRST_STUDY_DELAY_MS = 1500


def _study_in_lane(store, event) -> EventStudy:
    """Worker thread: the study's pandas and calendar work, one Python-heavy step at a time
    (process_tuning.python_lane)."""
    with python_lane():
        return svc.study(store, event)


class TimelinePanel(TimelineActions, Panel):
    event_selected = Signal(object)  # event id, or None: mark it on the charts
    event_activated = Signal(object)  # the user chose this event: mark it and scroll the charts to it
    study_shown = Signal(object)  # the EventStudy now in the table
    topics = (topics.EVENTS, topics.INSTRUMENTS, topics.NEWS)
    change_reload_ms = 1500  # news arrives feed by feed during a refresh (Panel)

    def __init__(self, store, runner, parent=None) -> None:
        super().__init__(store, runner, parent)
        self.data: svc.TimelineData | None = None
        self._rows_ready: tuple[svc.TimelineData, dict] | None = None  # read's data and the rows made for it
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

        self._build_toolbar()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(3)
        layout.addWidget(self.filters)
        layout.addWidget(self.upcoming_label)
        layout.addWidget(self.problems_label)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.toolbar)
        self._update_buttons(None)

    # ----- reading ------------------------------------------------------------------------------------
    def read(self) -> svc.TimelineData:  # worker thread
        data, shown = svc.read_timeline(self.store), self.data
        if data == shown:
            return shown  # compared here: `show_data` then sees the same object
        names = {c.id: c.name_en for c in data.companies}
        self._rows_ready = (data, self.model.prepare(data.entries, data.today, names))  # for this data only
        return data

    def on_store_changed(self, batch: frozenset[Change]) -> None:
        if any(c.topic == topics.SETTINGS and c.key == svc.BENCHMARKS_SETTING for c in batch):
            self._run_study()
        if any(c.topic in self.topics for c in batch):
            self.reload_for_change()
        elif any(c.topic == topics.BARS for c in batch):
            if not self.user_chose:
                self.reload_for_change()  # the event to show first may have prices now
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
        if data is self.data or data == self.data:  # a reload that changed nothing shown: keep the tree as it is
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
        rows = [r for r in self.data.entries if flt.accepts(r)]
        self._programmatic = True
        try:
            ready, self._rows_ready = self._rows_ready, None  # its items go into the model once at most
            prepared = ready[1] if ready is not None and ready[0] is self.data else None
            for group in self.model.set_entries(rows, self.data.today, prepared):  # new groups: the user's folds stay
                self.view.setFirstColumnSpanned(group.row(), group.parent(), True)
                self.view.expand(group)
        finally:
            self._programmatic = False
        target = self.current_key
        if not self.user_chose and self.data.default_event:
            target = self.data.default_event
        if target is None and rows and not self.user_chose:
            target = next((r.key for r in rows if r.event is not None), None)
        self._keep_selection(target)

    def _keep_selection(self, target: str | None) -> None:
        """After an update: select `target` unless the view already shows it (no scrolling then)."""
        current = self.view.currentIndex()
        if target is not None and current.isValid() and current.siblingAtColumn(0).data(KEY_ROLE) == target:
            entry = self.model.entry(current)
            if target != self.current_key or entry != self._current_entry:
                self._select(entry)  # the same row, changed: show what it says now
            return
        if current.isValid():  # the row was removed and the view moved on to a neighbour: not a choice
            self._programmatic = True
            try:
                self.view.selectionModel().clear()
            finally:
                self._programmatic = False
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
        self.runner.run(lambda: _study_in_lane(self.store, event), lambda s, n=self._study_seq: self._show_study(n, s),
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
