"""The unlock screen: profile choice, passphrase, a visible backoff countdown, recovery key.

Unlocking runs ``clinician_desk.vault.unlock_vault`` on the background worker (the key derivation
takes about a second) and emits ``unlocked(profile, key)``. A wrong passphrase shows the vault's
message; ``LockedOutError`` disables the button and counts down ``retry_after_seconds`` on screen
(the vault keeps the real count across restarts). "Use recovery key…" opens the recovery dialog;
"Restore from a backup…" restores a vault that will not open (``ui.care_menu``);
"New profile…" starts the setup wizard for another clinician on a shared laptop. "Show
passphrase" reveals what was typed; a warning appears while Caps Lock seems to be on (a letter
typed upper-case without Shift, or lower-case with it: Qt has no portable Caps Lock query).
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from clinician_desk.errors import ClinicianDeskError, LockedOutError
from ui.context import UiContext
from ui.i18n import _


class UnlockPage(QWidget):
    unlocked = Signal(str, object)
    unlock_started = Signal()
    new_profile_requested = Signal()
    recovery_requested = Signal(str)
    restore_requested = Signal(str)  # a vault that will not open: restore it from a backup

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("unlock_page")
        self.ctx = ctx
        title = QLabel(_("clinician-desk is locked"))
        title.setObjectName("unlock_title_label")
        font = title.font()
        font.setPointSize(font.pointSize() + 8)
        font.setWeight(QFont.Weight.DemiBold)
        title.setFont(font)
        title.setWordWrap(True)  # a narrow window (200 % on a small screen) wraps it, never cuts
        self.profile_combo = QComboBox()
        self.profile_combo.setObjectName("profile_combo_box")
        self.profile_combo.setAccessibleName(_("Profile"))
        self.passphrase_edit = QLineEdit()
        self.passphrase_edit.setObjectName("passphrase_line_edit")
        self.passphrase_edit.setAccessibleName(_("Passphrase"))
        self.passphrase_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.show_check = QCheckBox(_("Show passphrase"))
        self.show_check.setObjectName("show_passphrase_check_box")
        self.show_check.setAccessibleName(_("Show passphrase"))
        self.caps_label = QLabel(_("Caps Lock is on."))
        self.caps_label.setObjectName("caps_lock_warning_label")
        self.caps_label.setVisible(False)
        self.unlock_button = QPushButton(_("Unlock"))
        self.unlock_button.setObjectName("unlock_button")
        self.unlock_button.setAccessibleName(_("Unlock"))
        self.unlock_button.setDefault(True)
        self.message_label = QLabel()
        self.message_label.setObjectName("unlock_message_label")
        self.message_label.setWordWrap(True)
        self.countdown_label = QLabel()
        self.countdown_label.setObjectName("unlock_countdown_label")
        self.recovery_button = QPushButton(_("Use recovery key…"))
        self.recovery_button.setObjectName("use_recovery_key_button")
        self.recovery_button.setAccessibleName(_("Use recovery key"))
        self.restore_button = QPushButton(_("Restore from a backup…"))
        self.restore_button.setObjectName("lock_screen_restore_button")
        self.restore_button.setAccessibleName(_("Restore from a backup"))
        self.new_profile_button = QPushButton(_("New profile…"))
        self.new_profile_button.setObjectName("new_profile_button")
        self.new_profile_button.setAccessibleName(_("New profile"))

        card = QFrame()
        card.setObjectName("unlock_card_frame")
        card.setFrameShape(QFrame.Shape.StyledPanel)
        card.setMaximumWidth(520)
        form = QFormLayout()
        form.addRow(_("Profile"), self.profile_combo)
        form.addRow(_("Passphrase"), self.passphrase_edit)
        form.addRow("", self.show_check)
        form.addRow("", self.caps_label)
        buttons = QHBoxLayout()
        buttons.addWidget(self.recovery_button)
        buttons.addWidget(self.new_profile_button)
        buttons.addStretch(1)
        buttons.addWidget(self.unlock_button)
        inner = QVBoxLayout(card)
        inner.addWidget(title)
        inner.addLayout(form)
        inner.addWidget(self.message_label)
        inner.addWidget(self.countdown_label)
        inner.addLayout(buttons)
        restore_row = QHBoxLayout()  # its own row: four buttons do not fit the card's width
        restore_row.addWidget(self.restore_button)
        restore_row.addStretch(1)
        inner.addLayout(restore_row)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        centred = QHBoxLayout()  # stretches, not Qt.AlignmentFlag: no Qt-namespace enums at start
        centred.addStretch(1)
        centred.addWidget(card, 3)
        centred.addStretch(1)
        outer.addLayout(centred)
        outer.addStretch(2)

        self._retry_at: float | None = None
        self._busy = False
        self._countdown = QTimer(self)
        self._countdown.setInterval(250)
        self._countdown.timeout.connect(self._tick)
        self.unlock_button.clicked.connect(self.try_unlock)
        self.passphrase_edit.returnPressed.connect(self.try_unlock)
        self.recovery_button.clicked.connect(
            lambda: self.recovery_requested.emit(self.profile_combo.currentText())
        )
        self.restore_button.clicked.connect(
            lambda: self.restore_requested.emit(self.profile_combo.currentText())
        )
        self.new_profile_button.clicked.connect(self.new_profile_requested.emit)
        self.show_check.toggled.connect(self._show_passphrase)
        self.passphrase_edit.installEventFilter(self)

    def _show_passphrase(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.passphrase_edit.setEchoMode(mode)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.passphrase_edit and event.type() == QEvent.Type.KeyPress:
            from ui.widgets.passphrase_fields import caps_lock_seems_on

            caps = caps_lock_seems_on(event)  # type: ignore[arg-type]  # a QKeyEvent
            if caps is not None:
                self.caps_label.setVisible(caps)
        return super().eventFilter(watched, event)

    def demo_hint(self, passphrase: str) -> None:
        """The demo vault's passphrase is public (fictional data); show it for re-unlocking."""
        self.countdown_label.setText(_("Demo vault passphrase: {p}").format(p=passphrase))

    def reload_profiles(self, select: str | None = None) -> None:
        profiles = self.ctx.paths.profiles()
        self.profile_combo.clear()
        self.profile_combo.addItems(profiles)
        wanted = select or self.ctx.settings.last_profile()
        if wanted in profiles:
            self.profile_combo.setCurrentText(wanted)
        self.profile_combo.setEnabled(len(profiles) > 1)
        self.passphrase_edit.clear()
        self.message_label.clear()
        self.show_check.setChecked(False)  # hidden again at every lock
        self.caps_label.setVisible(False)
        self.passphrase_edit.setFocus()

    def try_unlock(self) -> None:
        if self._busy or self._retry_at is not None:
            return
        profile = self.profile_combo.currentText()
        passphrase = self.passphrase_edit.text()
        if not profile:
            self.message_label.setText(_("There is no vault on this laptop yet."))
            return
        if not passphrase:
            self.message_label.setText(_("Type your passphrase."))
            return
        self._busy = True
        self.unlock_button.setEnabled(False)
        self.message_label.setText(_("Unlocking…"))
        paths = self.ctx.paths.vault(profile)
        clock = self.ctx.clock

        def work(_control: Any) -> Any:
            from clinician_desk.vault import unlock_vault

            return unlock_vault(paths, passphrase, clock=clock)

        self.ctx.tasks.run_db(
            work,
            context=self,
            on_done=lambda key: self._done(profile, key),
            on_error=self._failed,
            name="unlock",
        )
        # The key derivation now runs on the worker for about a second: the GUI is idle.
        self.unlock_started.emit()

    def _done(self, profile: str, key: Any) -> None:
        self._busy = False
        self.unlock_button.setEnabled(True)
        self.passphrase_edit.clear()
        self.message_label.setText(_("Opening your caseload…"))
        self.ctx.settings.set_last_profile(profile)
        self.unlocked.emit(profile, key)

    def _failed(self, exc: ClinicianDeskError) -> None:
        self._busy = False
        self.unlock_button.setEnabled(True)
        self.passphrase_edit.selectAll()
        self.message_label.setText(exc.message)
        if isinstance(exc, LockedOutError) and exc.retry_after_seconds > 0:
            self.start_countdown(exc.retry_after_seconds)

    def start_countdown(self, seconds: float) -> None:
        self._retry_at = self.ctx.clock.monotonic() + seconds
        self.unlock_button.setEnabled(False)
        self._tick()
        self._countdown.start()

    def _tick(self) -> None:
        if self._retry_at is None:
            return
        left = self._retry_at - self.ctx.clock.monotonic()
        if left <= 0:
            self._retry_at = None
            self._countdown.stop()
            self.countdown_label.clear()
            self.unlock_button.setEnabled(True)
            return
        whole = math.ceil(left)
        self.countdown_label.setText(
            _("You can try again in {m}:{s:02d}.").format(m=whole // 60, s=whole % 60)
        )
