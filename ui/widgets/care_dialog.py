"""The frame the vault-care dialogs (``ui.dialogs.vault_care_dialogs``) share, and their one way of
running work on the database worker while busy. A base class, not a dialog of its own (so it
lives here, outside ``ui.dialogs``, whose every dialog the dialog walks open).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QDialog, QFormLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from clinician_desk.errors import ClinicianDeskError
from ui.context import UiContext
from ui.i18n import _
from ui.widgets.buttons import dialog_buttons, named_button


class CareDialog(QDialog):
    """What the vault-care dialogs share: an explanation, a form, a busy bar, a message line and
    the OK/Cancel pair (object names ``<name>_progress_bar``, ``<name>_message_label``), and
    ``run``: the work on the database worker while the dialog is busy — the bar shows, the OK
    button and ``inputs`` are disabled, the message says what is happening; afterwards the
    result goes to ``on_done`` or the refusal's message is shown (then ``on_failed``)."""

    def __init__(
        self,
        ctx: UiContext,
        parent: QWidget | None,
        *,
        name: str,
        title: str,
        explain: str,
        ok: tuple[str, str],
        cancel: tuple[str, str],
        buttons: str,
    ) -> None:
        super().__init__(parent)
        self.setObjectName(f"{name}_dialog")
        self.setWindowTitle(title)
        self.ctx = ctx
        self.explain = QLabel(explain)
        self.explain.setWordWrap(True)
        self.form = QFormLayout()
        self.progress = QProgressBar()
        self.progress.setObjectName(f"{name}_progress_bar")
        self.progress.setAccessibleName(_("Working"))
        self.progress.setRange(0, 0)  # busy: the core reports no steps
        self.progress.setVisible(False)
        self.message = QLabel()
        self.message.setObjectName(f"{name}_message_label")
        self.message.setWordWrap(True)
        self.ok_button = named_button(*ok)
        self.cancel_button = named_button(*cancel)
        self.button_box = dialog_buttons(
            buttons, default=self.ok_button, accept=self.ok_button, reject=self.cancel_button
        )
        self.cancel_button.clicked.connect(self.reject)
        self._busy = False

    def compose(self, *middle: QWidget) -> None:
        """Lay out: explanation, form and ``middle`` (in a scrolling form), busy bar, message,
        buttons."""
        from ui.widgets.scrolling_form import ScrollingForm

        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.explain)
        column.addLayout(self.form)
        for widget in middle:
            column.addWidget(widget)
        layout = QVBoxLayout(self)
        # the form scrolls on the smallest screen (200 % on 1366x768); the busy bar, the
        # message and the buttons stay visible below it (docs/visual-system.md)
        layout.addWidget(ScrollingForm(body, f"{self.objectName()[:-7]}_form_scroll_area"), 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addWidget(self.button_box)

    def ok_allowed(self) -> bool:
        """Whether OK may be pressed when not busy (a dialog with rules overrides it)."""
        return True

    def refresh_ok(self) -> None:
        self.ok_button.setEnabled(not self._busy and self.ok_allowed())

    def _set_busy(self, busy: bool, text: str, inputs: tuple[QWidget, ...]) -> None:
        self._busy = busy
        self.progress.setVisible(busy)
        for widget in inputs:
            widget.setEnabled(not busy)
        self.message.setText(text if busy else "")
        self.refresh_ok()

    def run(
        self,
        work: Callable[[Any], Any],
        *,
        task: str,
        busy_text: str,
        inputs: tuple[QWidget, ...],
        on_done: Callable[[Any], None],
        on_failed: Callable[[ClinicianDeskError], None] | None = None,
    ) -> None:
        def done(result: Any) -> None:
            self._set_busy(False, "", inputs)
            on_done(result)

        def failed(exc: ClinicianDeskError) -> None:
            self._set_busy(False, "", inputs)
            self.message.setText(exc.message)
            if on_failed is not None:
                on_failed(exc)

        self._set_busy(True, busy_text, inputs)
        self.ctx.tasks.run_db(work, context=self, on_done=done, on_error=failed, name=task)
