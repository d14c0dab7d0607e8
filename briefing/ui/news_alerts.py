"""Alerts in the window: the rules dialog, and the notifier that shows matching new items."""

from __future__ import annotations

from PySide6.QtCore import QObject, QStringListModel, Signal
from PySide6.QtWidgets import (
    QComboBox, QDialog, QHBoxLayout, QLabel, QLineEdit, QListView, QPushButton, QStackedWidget, QSystemTrayIcon,
    QVBoxLayout,
)

from briefing.domain.alerts import AlertRule
from briefing.services.news_alerts import AlertBatch, load_rules, save_rules


class AlertNotifier(QObject):
    """A tray notification for new matching items; the status bar where there is no tray."""

    notified = Signal(str, str)  # title, body

    def __init__(self, window) -> None:
        super().__init__(window)
        self._window = window
        self._tray: QSystemTrayIcon | None = None
        self.last: tuple[str, str] | None = None

    def notify(self, batch: AlertBatch, company_names: dict[str, str]) -> None:
        if not batch:
            return
        self.show(*batch.message(company_names))

    def show(self, title: str, body: str) -> None:
        """A notification in the tray (the status bar where there is none); price alerts use it too."""
        self.last = (title, body)
        if QSystemTrayIcon.isSystemTrayAvailable():
            if self._tray is None:
                self._tray = QSystemTrayIcon(self._window.windowIcon(), self)
                self._tray.setToolTip(self._window.windowTitle())
            self._tray.show()
            self._tray.showMessage(title, body, QSystemTrayIcon.MessageIcon.Information, 10_000)
        else:
            self._window.statusBar().showMessage(f"{title}: {body.splitlines()[0] if body else ''}", 30_000)
        self.notified.emit(title, body)


class AlertsDialog(QDialog):
    """The list of rules; a rule is a company or a keyword. Saved at once (off the GUI thread)."""

    def __init__(self, store, runner, company_names: dict[str, str], parent=None) -> None:
        super().__init__(parent)
        self.store, self.runner, self.names = store, runner, company_names
        self.setWindowTitle("News alerts")
        self.rules: list[AlertRule] = []
        self.list_model = QStringListModel(self)
        self.view = QListView(self)
        self.view.setModel(self.list_model)
        self.kind = QComboBox(self)
        self.kind.addItem("Company", "company")
        self.kind.addItem("Keyword", "keyword")
        self.company = QComboBox(self)
        for cid, name in sorted(company_names.items(), key=lambda kv: kv[1]):
            self.company.addItem(name, cid)
        self.keyword = QLineEdit(self)
        self.keyword.setPlaceholderText("a word or phrase, e.g. export controls / 芯片")
        self.value_stack = QStackedWidget(self)
        self.value_stack.addWidget(self.company)
        self.value_stack.addWidget(self.keyword)
        self.kind.currentIndexChanged.connect(self.value_stack.setCurrentIndex)
        add, remove = QPushButton("Add", self), QPushButton("Remove", self)
        add.clicked.connect(self.add_current)
        remove.clicked.connect(self.remove_selected)
        close = QPushButton("Close", self)
        close.clicked.connect(self.accept)
        row = QHBoxLayout()
        row.addWidget(self.kind)
        row.addWidget(self.value_stack, 1)
        row.addWidget(add)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Notify me when a new item mentions:", self))
        layout.addWidget(self.view, 1)
        layout.addLayout(row)
        buttons = QHBoxLayout()
        buttons.addWidget(remove)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.resize(460, 360)
        self.runner.run(lambda: load_rules(self.store), self._show, name="alert rules")

    def _label(self, rule: AlertRule) -> str:
        return f"Company: {self.names.get(rule.value, rule.value)}" if rule.kind == "company" else \
            f"Keyword: {rule.value}"

    def _show(self, rules: list[AlertRule]) -> None:
        self.rules = list(rules)
        self.list_model.setStringList([self._label(r) for r in self.rules])

    def _save(self, rules: list[AlertRule]) -> None:
        self._show(rules)
        self.runner.run(lambda: save_rules(self.store, rules), name="save alert rules")

    def add_rule(self, rule: AlertRule) -> None:
        if rule not in self.rules:
            self._save([*self.rules, rule])

    def add_current(self) -> None:
        kind = self.kind.currentData()
        value = self.company.currentData() if kind == "company" else self.keyword.text().strip()
        if value:
            self.add_rule(AlertRule(kind, value))
            self.keyword.clear()

    def remove_selected(self) -> None:
        rows = {i.row() for i in self.view.selectionModel().selectedIndexes()}
        if rows:
            self._save([r for i, r in enumerate(self.rules) if i not in rows])
