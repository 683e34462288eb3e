"""Keep an open dialog's unsaved form as an encrypted form draft, so locking loses nothing.

:class:`DialogDraft` is attached to a dialog with a draft key (``"referral:<student id>"``). It
reads and writes the dialog's input widgets *by objectName* — every input in this app has one
ending in its type (``_line_edit``, ``_plain_text_edit``, ``_combo_box``, ``_date_edit``,
``_date_time_edit``, ``_check_box``, ``_radio_button``, ``_spin_box``) — as a small JSON-able
mapping, and stores it only through ``services.record.save_form_draft`` (the encrypted
``form_drafts`` table, the note editor's mechanism): no QSettings, no temp file, no log.

Guarantees:

* **Debounced autosave**: 1.5 s after the last change, the form is saved on the database worker
  — but only while it differs from what the dialog opened with (its *baseline*); a form edited
  back to its baseline drops the draft.
* **Lock**: ``close_open_dialogs`` ends a dialog with ``done(Rejected)`` while the services
  still exist; the ``finished`` signal then saves the draft at once, queued on the FIFO worker
  *before* the services close.
* **Explicit cancel** (Cancel, Close, Escape, the window's close button — all ``reject()``) and
  **save** (``accept()`` or :meth:`saved`) discard the draft.
* **Restore**: :meth:`offer_restore` loads the draft on the worker; if one exists, a bar at the
  top of the dialog asks "Restore what you were typing before the app locked?" and the
  clinician restores or discards it. Nothing is restored without that click.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QDate, QDateTime, QObject, QTimer
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from ui.context import UiContext
from ui.i18n import _

AUTOSAVE_MS = 1500
_SUFFIXES = (
    "_line_edit",
    "_plain_text_edit",
    "_combo_box",
    "_date_edit",
    "_date_time_edit",
    "_check_box",
    "_radio_button",
    "_spin_box",
)


def _inputs(root: QWidget) -> dict[str, QWidget]:
    """The dialog's named input widgets (Qt's internal children have no such names)."""
    found: dict[str, QWidget] = {}
    for widget in root.findChildren(QWidget):
        name = widget.objectName()
        if name.endswith(_SUFFIXES) and name not in found:
            found[name] = widget
    return found


def _value(widget: QWidget) -> Any:
    if isinstance(widget, QPlainTextEdit):
        return widget.toPlainText()
    if isinstance(widget, QLineEdit):
        return widget.text()
    if isinstance(widget, QComboBox):
        data = widget.currentData()
        return {"data": data if isinstance(data, str | int) else None, "text": widget.currentText()}
    if isinstance(widget, QDateEdit):
        return widget.date().toString("yyyy-MM-dd")
    if isinstance(widget, QDateTimeEdit):
        return int(widget.dateTime().toSecsSinceEpoch())
    if isinstance(widget, QAbstractButton):
        return widget.isChecked()
    if isinstance(widget, QSpinBox):
        return widget.value()
    return None


def _apply(widget: QWidget, value: Any) -> None:
    if isinstance(widget, QPlainTextEdit) and isinstance(value, str):
        widget.setPlainText(value)
    elif isinstance(widget, QLineEdit) and isinstance(value, str):
        widget.setText(value)
    elif isinstance(widget, QComboBox) and isinstance(value, dict):
        if widget.isEditable():
            widget.setEditText(str(value.get("text", "")))
            return
        data = value.get("data")
        index = widget.findData(data) if data is not None else -1
        if index < 0:
            index = widget.findText(str(value.get("text", "")))
        if index >= 0:
            widget.setCurrentIndex(index)
    elif isinstance(widget, QDateEdit) and isinstance(value, str):
        day = QDate.fromString(value, "yyyy-MM-dd")
        if day.isValid():
            widget.setDate(day)
    elif isinstance(widget, QDateTimeEdit) and isinstance(value, int):
        widget.setDateTime(QDateTime.fromSecsSinceEpoch(value))
    elif isinstance(widget, QAbstractButton) and isinstance(value, bool):
        widget.setChecked(value)
    elif isinstance(widget, QSpinBox) and isinstance(value, int):
        widget.setValue(value)


def _connect_changes(widget: QWidget, slot: Callable[[], None]) -> None:
    if isinstance(widget, QPlainTextEdit | QLineEdit):
        widget.textChanged.connect(slot)
    elif isinstance(widget, QComboBox):
        widget.currentIndexChanged.connect(slot)
        widget.editTextChanged.connect(slot)
    elif isinstance(widget, QDateTimeEdit):  # QDateEdit is one too
        widget.dateTimeChanged.connect(slot)
    elif isinstance(widget, QAbstractButton):
        widget.toggled.connect(slot)
    elif isinstance(widget, QSpinBox):
        widget.valueChanged.connect(slot)


class DialogDraft(QObject):
    """The encrypted form draft of one dialog (see the module doc for the guarantees)."""

    def __init__(self, dialog: QDialog, ctx: UiContext, key: str) -> None:
        super().__init__(dialog)
        self.setObjectName("dialog_draft")
        self.dialog = dialog
        self.ctx = ctx
        self.key = key
        self._cancelled = False
        self._closed = False
        self._widgets = _inputs(dialog)
        self.baseline = self.state()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(AUTOSAVE_MS)
        self._timer.timeout.connect(self.save_now)
        for widget in self._widgets.values():
            _connect_changes(widget, self._changed)
        dialog.finished.connect(self._finished)
        self.bar = QFrame()
        self.bar.setObjectName("restore_draft_frame")
        self.bar_label = QLabel(_("Restore what you were typing before the app locked?"))
        self.bar_label.setObjectName("restore_draft_label")
        self.bar_label.setWordWrap(True)
        self.restore_button = QPushButton(_("Restore"))
        self.restore_button.setObjectName("restore_draft_button")
        self.restore_button.setAccessibleName(_("Restore what you were typing"))
        self.discard_button = QPushButton(_("Discard"))
        self.discard_button.setObjectName("discard_draft_button")
        self.discard_button.setAccessibleName(_("Discard what you were typing"))
        row = QHBoxLayout(self.bar)
        row.addWidget(self.bar_label, 1)
        row.addWidget(self.restore_button)
        row.addWidget(self.discard_button)
        self.bar.setVisible(False)
        self._pending: dict[str, Any] | None = None
        self.restore_button.clicked.connect(self.restore)
        self.discard_button.clicked.connect(self._discard_clicked)

    # -- state ---------------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        return {name: _value(widget) for name, widget in self._widgets.items()}

    def dirty(self) -> bool:
        return self.state() != self.baseline

    def _changed(self, *_args: Any) -> None:
        if not self._closed:
            self._timer.start()

    # -- saving and discarding -----------------------------------------------------------------
    def save_now(self) -> None:
        """Submit the form to the encrypted draft (or drop the draft if nothing differs)."""
        self._timer.stop()
        services = self.ctx.services
        if services is None:
            return
        if not self.dirty():
            if self._pending is None:  # an offered draft stays until restored or discarded
                self.discard()
            return
        key, payload = self.key, self.state()
        self.ctx.tasks.run_db(
            lambda _c: services.record.save_form_draft(key, payload),
            context=self,
            name="save-dialog-draft",
        )

    def discard(self) -> None:
        """Drop the draft (after a save or an explicit cancel)."""
        self._timer.stop()
        self._pending = None
        self.bar.setVisible(False)
        services = self.ctx.services
        if services is None:
            return
        key = self.key
        self.ctx.tasks.run_db(
            lambda _c: services.record.discard_form_draft(key),
            context=self,
            name="discard-dialog-draft",
        )

    def saved(self) -> None:
        """The dialog saved its form (and stays open): what is shown is the new baseline."""
        self.baseline = self.state()
        self.discard()

    def cancelled(self) -> None:
        """Call from the dialog's ``reject()``: an explicit cancel, not a lock."""
        self._cancelled = True

    def _finished(self, code: int) -> None:
        self._closed = True
        if self._cancelled or code == QDialog.DialogCode.Accepted.value:
            self.discard()
        else:  # ended by done(Rejected) without reject(): the app is locking
            self.save_now()

    # -- restoring -----------------------------------------------------------------------------
    def offer_restore(self) -> None:
        """Look for a draft on the worker; show the restore bar if there is one."""
        services = self.ctx.services
        if services is None:
            return
        key = self.key
        self.ctx.tasks.run_db(
            lambda _c: services.record.load_form_draft(key),
            context=self,
            on_done=self._loaded,
            name="load-dialog-draft",
        )

    def _loaded(self, data: Any) -> None:
        if not data or self._closed or data == self.state():
            return
        self._pending = dict(data)
        self.bar.setVisible(True)

    def restore(self) -> None:
        data, self._pending = self._pending, None
        self.bar.setVisible(False)
        if data is None:
            return
        for name, value in data.items():
            widget = self._widgets.get(name)
            if widget is not None:
                _apply(widget, value)
        self.save_now()

    def _discard_clicked(self) -> None:
        self.discard()
