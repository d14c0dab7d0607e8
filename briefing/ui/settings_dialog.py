"""Edit > Settings: a form generated from the declared preferences (briefing/domain/preferences.py).

One editor per option, chosen by its type (check box, spin box, drop-down); each shows the option's
help as a tooltip. OK validates and stores only what changed, and emits `applied` with those values.
The data directory is shown read-only, with a button that opens it; alert rules link to their dialog.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout, QGroupBox, QHBoxLayout,
    QLabel, QLineEdit, QMessageBox, QPushButton, QSpinBox, QVBoxLayout, QWidget,
)

from briefing.domain import preferences as prefs
from briefing.domain.preferences import Option, Preferences


def open_folder(path: Path) -> bool:
    """Open `path` in the desktop's file manager (created first if missing)."""
    try:
        Path(path).mkdir(parents=True, exist_ok=True)
    except OSError:
        pass
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


class SettingsDialog(QDialog):
    """The user's preferences, one editor per declared option."""

    applied = Signal(dict)  # {key: new value} for the options that changed

    def __init__(self, preferences: Preferences, *, data_dir: Path | None = None,
                 watchlists: list[str] = (), open_alerts=None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle("Settings")
        self.preferences = preferences
        self.data_dir = Path(data_dir) if data_dir else None
        self._watchlists = list(watchlists)
        self.editors: dict[str, QWidget] = {}
        layout = QVBoxLayout(self)
        order: list[QWidget] = []
        for section, options in prefs.sections():
            box = QGroupBox(section, self)
            form = QFormLayout(box)
            for opt in options:
                editor = self._editor(opt)
                editor.setObjectName(f"pref:{opt.key}")
                editor.setToolTip(opt.help)
                editor.setAccessibleName(opt.label)
                self.editors[opt.key] = editor
                order.append(editor)
                if isinstance(editor, QCheckBox):
                    form.addRow(editor)
                else:
                    label = QLabel(opt.label + ":", box)
                    label.setBuddy(editor)
                    label.setToolTip(opt.help)
                    form.addRow(label, editor)
            if section == "Alerts" and open_alerts is not None:
                self.alerts_button = QPushButton("News alert &rules…", box)
                self.alerts_button.setToolTip("Which news headlines notify you (keywords and companies)")
                self.alerts_button.clicked.connect(open_alerts)
                form.addRow("", self.alerts_button)
                order.append(self.alerts_button)
            layout.addWidget(box)
        if self.data_dir is not None:
            box = QGroupBox("Data", self)
            row = QHBoxLayout(box)
            self.data_dir_field = QLineEdit(str(self.data_dir), box)
            self.data_dir_field.setReadOnly(True)
            self.data_dir_field.setAccessibleName("Data directory")
            self.data_dir_field.setToolTip("Where the cache lives; start with --data-dir to use another one")
            self.open_data_button = QPushButton("&Open folder", box)
            self.open_data_button.setToolTip("Show the data directory in the file manager")
            self.open_data_button.clicked.connect(lambda: open_folder(self.data_dir))
            row.addWidget(QLabel("Data directory:", box))
            row.addWidget(self.data_dir_field, 1)
            row.addWidget(self.open_data_button)
            layout.addWidget(box)
            order += [self.data_dir_field, self.open_data_button]
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
                                        | QDialogButtonBox.StandardButton.RestoreDefaults, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).clicked.connect(self.restore_defaults)
        layout.addWidget(self.buttons)
        for a, b in zip(order, order[1:]):  # top to bottom, as read
            QWidget.setTabOrder(a, b)
        if order:
            QWidget.setTabOrder(order[-1], self.buttons)
        self.load(preferences.values())

    # ----- editors ------------------------------------------------------------------------------
    def _editor(self, opt: Option) -> QWidget:
        if opt.type is bool:
            return QCheckBox(opt.label, self)
        if opt.type is int:
            w = QSpinBox(self)
            w.setRange(int(opt.minimum if opt.minimum is not None else -10**9),
                       int(opt.maximum if opt.maximum is not None else 10**9))
            w.setSuffix(opt.suffix)
            return w
        if opt.type is float:
            w = QDoubleSpinBox(self)
            w.setDecimals(1)
            w.setRange(opt.minimum if opt.minimum is not None else -1e9, opt.maximum if opt.maximum is not None else 1e9)
            w.setSuffix(opt.suffix)
            return w
        if not opt.choices and opt.key != prefs.DEFAULT_WATCHLIST:
            w = QLineEdit(self)
            w.setPlaceholderText(opt.placeholder)
            return w
        w = QComboBox(self)
        choices = opt.choices
        if opt.key == prefs.DEFAULT_WATCHLIST:
            choices = (("", "The last one shown"),) + tuple((n, n) for n in self._watchlists)
        for value, label in choices:
            w.addItem(label, value)
        return w

    def _set(self, opt: Option, value: Any) -> None:
        w = self.editors[opt.key]
        if isinstance(w, QCheckBox):
            w.setChecked(bool(value))
        elif isinstance(w, (QSpinBox, QDoubleSpinBox)):
            w.setValue(value)
        elif isinstance(w, QLineEdit):
            w.setText(str(value))
        elif isinstance(w, QComboBox):
            i = w.findData(value)
            if i < 0:  # e.g. a watchlist since deleted: keep it visible rather than silently change it
                w.addItem(str(value), value)
                i = w.count() - 1
            w.setCurrentIndex(i)

    def value(self, key: str) -> Any:
        w = self.editors[key]
        if isinstance(w, QCheckBox):
            return w.isChecked()
        if isinstance(w, (QSpinBox, QDoubleSpinBox)):
            return w.value()
        if isinstance(w, QLineEdit):
            return w.text().strip()
        return w.currentData()

    def load(self, values: dict[str, Any]) -> None:
        for opt in prefs.OPTIONS:
            self._set(opt, values.get(opt.key, opt.default))

    def values(self) -> dict[str, Any]:
        return {o.key: self.value(o.key) for o in prefs.OPTIONS}

    def restore_defaults(self) -> None:
        self.load({o.key: o.default for o in prefs.OPTIONS})

    def accept(self) -> None:
        try:
            changed = self.preferences.update(self.values())
        except ValueError as exc:  # the editors' bounds should prevent this; say so rather than lose it
            QMessageBox.warning(self, "Settings", str(exc))
            return
        super().accept()
        if changed:
            self.applied.emit(changed)
