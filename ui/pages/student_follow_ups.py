"""The student page's open safety follow-ups: a red panel at the top with "Record…".

A critical screening result opens a safety follow-up that must be recorded; if the app locked
before it was (the forced dialog closes, its typing kept as an encrypted form draft), this panel
is where the clinician finishes it. It lists ``services.screenings.open_follow_ups`` (loaded on
the database worker with the page) and is hidden when there are none. "Record safety
follow-up…" (Ctrl+Shift+F anywhere on the student page, double-click or Enter on a row) opens:

* for a critical administration, the same ``SafetyWorkflowDialog`` with its critical items,
  which offers back the draft kept at lock; if the follow-up was already recorded but the
  administration left open, the action just closes it;
* for a flag without an administration (opened by the clinician), ``CloseSafetyFlagDialog``,
  which records what was done and closes the flag.

When one is recorded the panel emits ``follow_up_closed`` and the page reloads (the caseload
reloads its flags whenever it is shown).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from clinician_desk.errors import ClinicianDeskError
from ui.i18n import _
from ui.models.rows_model import ROW_ROLE, RowsTableModel
from ui.theme.apply import set_semantic
from ui.times import opened_text
from ui.widgets.tables import configure_table

SHORTCUT = "Ctrl+Shift+F"


def what_text(row: Any) -> str:
    if row.screening_id is None:
        return _("Safety concern (no screening)")
    day = row.administered_on.isoformat() if row.administered_on else ""
    return _("{instrument} screening of {day}").format(instrument=row.instrument, day=day)


def details_text(row: Any) -> str:
    if row.screening_id is None:
        return str(row.reason)
    if row.follow_up_recorded:
        return _("Follow-up recorded; the screening still needs closing.")
    items = "; ".join(
        _("Item {item}: {reason}").format(item=c.item, reason=c.reason) for c in row.critical
    )
    return items or str(row.reason)


def subtitle_of(row: Any, student_name: str) -> str:
    return f"{student_name} — {what_text(row)}" if student_name else what_text(row)


class OpenFollowUpsPanel(QFrame):
    follow_up_closed = Signal()

    def __init__(self, page: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.page = page
        self.setObjectName("open_follow_ups_frame")
        self.title = QLabel("⚠ " + _("Open safety follow-up — record it"))
        self.title.setObjectName("open_follow_ups_label")
        set_semantic(self.title, "risk")
        self.model = RowsTableModel(
            [
                (_("Opened"), opened_text),
                (_("What"), what_text),
                (_("Details"), details_text),
            ],
            self,
        )
        self.view = configure_table(
            QTableView(), "open_follow_ups_table_view", _("Open safety follow-ups")
        )
        self.view.setModel(self.model)
        self.view.setWordWrap(True)  # the critical items read in full, not cut off
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.message = QLabel()
        self.message.setObjectName("open_follow_ups_message_label")
        self.message.setWordWrap(True)
        set_semantic(self.message, "risk")
        self.message.setVisible(False)
        self.action = QAction(_("Record safety follow-up…"), page)
        self.action.setObjectName("record_open_follow_up_action")
        self.action.setShortcut(QKeySequence(SHORTCUT))
        self.action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.action.triggered.connect(lambda _checked=False: self.record())
        page.addAction(self.action)
        self.button = QPushButton(self.action.text())
        self.button.setObjectName("record_open_follow_up_button")
        self.button.setAccessibleName(_("Record safety follow-up"))
        self.button.setToolTip(self.action.shortcut().toString())
        self.button.clicked.connect(lambda _checked=False: self.action.trigger())
        self.action.enabledChanged.connect(self.button.setEnabled)
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.button)
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(self.view)
        layout.addWidget(self.message)
        self.view.doubleClicked.connect(lambda _index: self.record())
        self.view.activated.connect(lambda _index: self.record())
        self.set_rows(())

    # -- rows ----------------------------------------------------------------------------------
    def set_rows(self, rows: Sequence[Any]) -> None:
        self.model.set_rows(rows)
        self.message.clear()
        self.message.setVisible(False)
        self.setVisible(bool(rows))
        self.action.setEnabled(bool(rows))
        if rows:
            self.view.resizeRowsToContents()
            self.view.selectRow(0)
            self._fit_height()
            # Arriving from the caseload (Enter on the flagged student), the keyboard lands on
            # the open follow-up, so Enter again records it; never taken from a text field.
            focused = QApplication.focusWidget()
            if focused is None or not focused.isVisible() or isinstance(focused, QAbstractItemView):
                self.view.setFocus(Qt.FocusReason.OtherFocusReason)

    def _fit_height(self) -> None:
        """As tall as the rows (up to four), so the page below keeps its room."""
        shown = min(self.model.rowCount(), 4)
        rows = sum(self.view.rowHeight(i) for i in range(shown))
        header = self.view.horizontalHeader().sizeHint().height()
        self.view.setFixedHeight(rows + header + 2 * self.view.frameWidth() + 2)
        self.setFixedHeight(self.sizeHint().height())

    def clear(self) -> None:
        self.set_rows(())

    def rows(self) -> list[Any]:
        return [self.model.row_at(i) for i in range(self.model.rowCount())]

    def current(self) -> Any:
        index = self.view.currentIndex()
        if index.isValid():
            return index.data(ROW_ROLE)
        return self.model.row_at(0) if self.model.rowCount() else None

    # -- recording -----------------------------------------------------------------------------
    def record(self) -> None:
        row = self.current()
        student_id = self.page.student_id
        # the page whose name the header shows (its tables may still be loading, issue 23)
        if row is None or student_id is None or self.page.shown_page is None:
            return
        if row.screening_id is None:
            self._close_flag(row, student_id)
        elif row.follow_up_recorded:
            self._close_screening(row.screening_id)
        else:
            self._open_workflow(row, student_id)

    def _open_workflow(self, row: Any, student_id: Any) -> None:
        from ui.dialogs.safety_workflow_dialog import SafetyWorkflowDialog

        name = self.page.shown_page.student.display_name
        dialog = SafetyWorkflowDialog(
            self.page.ctx,
            student_id,
            row.screening_id,
            row,
            self.page,
            subtitle=subtitle_of(row, name),
            dismissible=True,
        )
        dialog.recorded.connect(self._closed)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def _close_flag(self, row: Any, student_id: Any) -> None:
        from ui.dialogs.safety_flag_dialog import CloseSafetyFlagDialog

        dialog = CloseSafetyFlagDialog(self.page.ctx, student_id, row, self.page)
        dialog.flag_closed.connect(self._closed)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def _close_screening(self, screening_id: int) -> None:
        services = self.page.ctx.require_services()
        self._say(_("Saving…"))
        self.page.ctx.tasks.run_db(
            lambda _c: services.screenings.close(screening_id),
            context=self,
            on_done=lambda _r: self._closed(),
            on_error=self._failed,
            name="close-screening",
        )

    def _failed(self, exc: ClinicianDeskError) -> None:
        self._say(exc.message)

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))
        self.setFixedHeight(self.sizeHint().height())

    def _closed(self) -> None:
        self.follow_up_closed.emit()
