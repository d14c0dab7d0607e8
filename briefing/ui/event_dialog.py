"""Add or edit an event (also: a news item being promoted, prefilled). Checks with the same rules
as the bundled file, and says what is wrong before anything is saved."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
    QPlainTextEdit, QVBoxLayout, QWidget,
)

from briefing.domain.event_validation import CATEGORY_LABELS, EventValidationError, event_from_record
from briefing.domain.models import Company, RegulationEvent


class EventDialog(QDialog):
    """`event` is the event to edit (its id is kept) or a draft to start from (id may be empty)."""

    def __init__(self, companies: list[Company], event: RegulationEvent | None = None, *, editing: bool = False,
                 bodies: list[str] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit event" if editing else "New event")
        self.setObjectName("eventDialog")
        self._origin = event.origin if event is not None else "user"  # a promoted news item stays "news"
        self._companies = companies
        self.result_event: RegulationEvent | None = None
        e = event or RegulationEvent(id="", title_en="", category="china_rule")

        self.id_edit = QLineEdit(e.id)
        self.id_edit.setPlaceholderText("made from the date and title when left empty")
        self.id_edit.setReadOnly(editing)
        self.title_en = QLineEdit(e.title_en)
        self.title_zh = QLineEdit(e.title_zh)
        self.title_zh.setPlaceholderText("only where known")
        self.announced = QLineEdit(e.announced.isoformat() if e.announced else "")
        self.announced.setPlaceholderText("YYYY-MM-DD")
        self.effective = QLineEdit(e.effective.isoformat() if e.effective else "")
        self.effective.setPlaceholderText("YYYY-MM-DD (optional)")
        self.category = QComboBox()
        for key, label in CATEGORY_LABELS.items():
            self.category.addItem(label, key)
        self.category.setCurrentIndex(max(0, self.category.findData(e.category)))
        self.body = QComboBox()
        self.body.setEditable(True)
        self.body.addItems(sorted(set(bodies)))
        self.body.setCurrentText(e.body)
        self.company_boxes: dict[str, QCheckBox] = {}
        boxes = QHBoxLayout()
        for c in companies:
            box = QCheckBox(c.name_en)
            box.setChecked(c.id in e.companies)
            self.company_boxes[c.id] = box
            boxes.addWidget(box)
        boxes.addStretch(1)
        self.summary = QPlainTextEdit(e.summary)
        self.summary.setFixedHeight(70)
        self.source = QLineEdit(e.source_url)
        self.source.setPlaceholderText("https://… where the event is stated")
        self.error = QLabel("")
        self.error.setObjectName("eventDialogError")
        self.error.setStyleSheet("color: #d2323c")
        self.error.setWordWrap(True)

        form = QFormLayout()
        form.addRow("Id", self.id_edit)
        form.addRow("Title (English)", self.title_en)
        form.addRow("Title (中文)", self.title_zh)
        form.addRow("Announced", self.announced)
        form.addRow("In force", self.effective)
        form.addRow("Category", self.category)
        form.addRow("Issuing body", self.body)
        form.addRow("Companies", boxes)
        form.addRow("Summary", self.summary)
        form.addRow("Source URL", self.source)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.resize(560, self.sizeHint().height())

    def record(self) -> dict:
        return {
            "id": self.id_edit.text(), "title_en": self.title_en.text(), "title_zh": self.title_zh.text(),
            "announced": self.announced.text(), "effective": self.effective.text(),
            "category": self.category.currentData(), "body": self.body.currentText(),
            "companies": [cid for cid, box in self.company_boxes.items() if box.isChecked()],
            "summary": self.summary.toPlainText(), "source_url": self.source.text(),
        }

    def accept(self) -> None:
        try:
            event = event_from_record(self.record(), companies={c.id for c in self._companies},
                                      origin=self._origin, require_id=False)
        except EventValidationError as exc:
            self.error.setText("Cannot save: " + "; ".join(exc.reasons))
            return
        self.result_event = event
        super().accept()
