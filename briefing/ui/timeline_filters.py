"""The timeline's filter bar: text, category, issuing body, company and a date range."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import QComboBox, QDateEdit, QHBoxLayout, QLabel, QLineEdit, QToolBar, QWidget

from briefing.domain.event_validation import CATEGORY_LABELS
from briefing.domain.models import Company
from briefing.domain.timeline import NEWS_CATEGORY, NEWS_LABEL, TimelineFilter

ANY_DATE = QDate(1990, 1, 1)  # shown as "any": QDateEdit has no empty state


def _date_edit(tip: str) -> QDateEdit:
    edit = QDateEdit()
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setMinimumDate(ANY_DATE)
    edit.setSpecialValueText("any")
    edit.setDate(ANY_DATE)
    edit.setToolTip(tip)
    return edit


class TimelineFilterBar(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = QLineEdit()
        self.text.setPlaceholderText("Search events (English or 中文)…")
        self.text.setClearButtonEnabled(True)
        self.category = QComboBox()
        self.category.addItem("All categories", "")
        for key, label in CATEGORY_LABELS.items():
            self.category.addItem(label, key)
        self.category.addItem(NEWS_LABEL, NEWS_CATEGORY)
        self.body = QComboBox()
        self.body.addItem("All bodies", "")
        self.company = QComboBox()
        self.company.addItem("All companies", "")
        self.since = _date_edit("Only events on or after this date")
        self.until = _date_edit("Only events on or before this date")
        # A tool bar: what does not fit folds into its » menu, so the panel can be narrow.
        bar = QToolBar(self)
        bar.setObjectName("timelineFilters")
        bar.addWidget(self.text)
        for combo in (self.category, self.body, self.company):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)
            bar.addWidget(combo)
        for label, edit in (("from", self.since), ("to", self.until)):
            holder = QWidget(self)
            pair = QHBoxLayout(holder)
            pair.setContentsMargins(4, 0, 0, 0)
            pair.addWidget(QLabel(label))
            pair.addWidget(edit)
            bar.addWidget(holder)
        self.text.setMinimumWidth(150)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(bar)
        self.text.textChanged.connect(self.changed)
        for combo in (self.category, self.body, self.company):
            combo.currentIndexChanged.connect(self.changed)
        self.since.dateChanged.connect(self.changed)
        self.until.dateChanged.connect(self.changed)

    def set_choices(self, bodies: list[str], companies: list[Company]) -> None:
        """Refill the body and company lists, keeping what is chosen."""
        for combo, items in ((self.body, [(b, b) for b in bodies]),
                             (self.company, [(c.name_en, c.id) for c in companies])):
            current = combo.currentData()
            if [combo.itemData(i) for i in range(1, combo.count())] == [v for _, v in items]:
                continue
            combo.blockSignals(True)
            while combo.count() > 1:
                combo.removeItem(1)
            for text, value in items:
                combo.addItem(text, value)
            combo.setCurrentIndex(max(0, combo.findData(current)))
            combo.blockSignals(False)

    @staticmethod
    def _day(edit: QDateEdit) -> date | None:
        d = edit.date()
        return None if d == ANY_DATE else date(d.year(), d.month(), d.day())

    def value(self) -> TimelineFilter:
        return TimelineFilter(
            category=self.category.currentData() or "", body=self.body.currentData() or "",
            company=self.company.currentData() or "", since=self._day(self.since), until=self._day(self.until),
            text=self.text.text().strip(),
        )

    def set_value(self, flt: TimelineFilter) -> None:
        """For tests and for a saved view."""
        self.text.setText(flt.text)
        for combo, v in ((self.category, flt.category), (self.body, flt.body), (self.company, flt.company)):
            combo.setCurrentIndex(max(0, combo.findData(v)))
        for edit, d in ((self.since, flt.since), (self.until, flt.until)):
            edit.setDate(QDate(d.year, d.month, d.day) if d else ANY_DATE)
