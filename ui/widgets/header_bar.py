"""The window's header: whose vault is open, whether it is locked, sync status, and Lock.

Shown above every page (hidden while a student answers a screening in kiosk mode). The profile's
display name comes from the vault's settings (``clinician_desk.services.profile``), read on the
database worker after unlock; until it is set the profile's folder name stands in. The status bar
below the pages never repeats any of this.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from ui.context import UiContext
from ui.i18n import _
from ui.theme import icons
from ui.theme.tokens import HEADER_ICON_SIZE, ICON_SIZE, SPACE_L, SPACE_M, SPACE_S

PROFILE_WIDTH = 240
SYNC_MIN_FOLDED = 120  # the sync line's least width in the folded header (it wraps)


class HeaderBar(QFrame):
    def __init__(self, ctx: UiContext, sync_status: QLabel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("header_bar")
        self.ctx = ctx
        layout = QHBoxLayout(self)
        layout.setContentsMargins(SPACE_L, SPACE_S, SPACE_L, SPACE_S)
        layout.setSpacing(SPACE_M)
        self.logo = QLabel()
        self.logo.setObjectName("header_logo_label")
        from ui.theme.apply import app_icon

        self.logo.setPixmap(app_icon().pixmap(HEADER_ICON_SIZE + 4, HEADER_ICON_SIZE + 4))
        self.logo.setAccessibleName("clinician-desk")
        layout.addWidget(self.logo)
        # Styled by object name (the sheet gives it the section role and the sync line the
        # caption role): set_text_role's re-polish would build every Qt enum at cold start.
        self.app_label = QLabel("clinician-desk")
        self.app_label.setObjectName("header_app_label")
        layout.addWidget(self.app_label)
        layout.addStretch(1)
        self.profile_label = QLabel()
        self.profile_label.setObjectName("header_profile_label")
        self.profile_label.setAccessibleName(_("Signed in as"))
        self.profile_label.setMaximumWidth(PROFILE_WIDTH)  # longer names are elided (tooltip)
        layout.addWidget(self.profile_label)
        self.lock_icon = QLabel()
        self.lock_icon.setObjectName("header_lock_icon_label")
        layout.addWidget(self.lock_icon)
        self.lock_state_label = QLabel()
        self.lock_state_label.setObjectName("header_lock_state_label")
        self.lock_state_label.setAccessibleName(_("Vault state"))
        layout.addWidget(self.lock_state_label)
        self.sync_status = sync_status
        sync_status.setWordWrap(True)  # a long state takes two short lines, never cut
        sync_status.setMaximumWidth(380)
        sync_status.setMinimumWidth(260)
        layout.addWidget(sync_status)
        self.lock_button = QPushButton(_("Lock"))
        self.lock_button.setObjectName("header_lock_button")
        self.lock_button.setAccessibleName(_("Lock the vault"))
        self.lock_button.setToolTip(_("Lock the vault now (Ctrl+L)"))
        icons.attach(self.lock_button, "lock", later=True)  # drawn at unlock (cold start)
        layout.addWidget(self.lock_button)
        self.display_name = ""
        self._drawn = False  # icons drawn yet (at the first unlock)
        self.tool_buttons: list[Any] = []
        self._text_widths: dict[Any, int] = {}
        self.set_locked()

    def set_locked(self) -> None:
        self.display_name = ""
        self.profile_label.setText("")
        self.profile_label.setVisible(False)
        self._lock_state("lock", _("Locked"), later=not self._drawn)
        self.lock_button.setEnabled(False)

    def set_unlocked(self) -> None:
        """After an unlock: show the profile (its folder name until the display name arrives)."""
        self._drawn = True
        icons.redraw(self.lock_button)
        self._lock_state("unlocked", _("Unlocked"))
        self.lock_button.setEnabled(True)
        self._show_name(self.ctx.profile)
        services = self.ctx.services
        if services is None:
            return

        def work(_control: Any) -> str:
            from clinician_desk.services.profile import read_profile

            with services.db.read() as conn:
                return read_profile(conn).display_name

        self.ctx.tasks.run_db(
            work,
            context=self,
            on_done=lambda name: self._show_name(name or self.ctx.profile),
            on_error=lambda _exc: None,  # the folder name stays: nothing the clinician must do
            name="header-profile",
        )

    def _show_name(self, name: str) -> None:
        if not self.ctx.unlocked:
            return
        self.display_name = name
        from PySide6.QtCore import Qt

        metrics = self.profile_label.fontMetrics()
        shown = metrics.elidedText(name, Qt.TextElideMode.ElideRight, PROFILE_WIDTH)
        self.profile_label.setText(shown)
        self.profile_label.setAccessibleDescription(name)
        self.profile_label.setToolTip(
            (name + "\n" if shown != name else "")
            + _("Profile: {name}").format(name=self.ctx.profile)
        )
        self.profile_label.setVisible(bool(name))

    def _lock_state(self, meaning: str, text: str, *, later: bool = False) -> None:
        # Before the first unlock the words say it; the icon (QtSvg, ~30 ms) comes at unlock.
        icons.attach_label(self.lock_icon, meaning, later=later)
        self.lock_state_label.setText(text)

    def resizeEvent(self, event: Any) -> None:
        """When the window is narrow (200 % on a small screen) the action buttons show only
        their icons (their names stay as tooltips and accessible names); Lock keeps its word."""
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        if not self.tool_buttons:  # before the first unlock: nothing to fold
            return
        from PySide6.QtCore import Qt

        full = self._full_width()
        compact = self.width() < full
        style = (
            Qt.ToolButtonStyle.ToolButtonIconOnly
            if compact
            else Qt.ToolButtonStyle.ToolButtonTextBesideIcon
        )
        for button in self.tool_buttons:
            if button.toolButtonStyle() != style:
                button.setToolButtonStyle(style)
        self.app_label.setVisible(not compact)
        self.sync_status.setMaximumWidth(380 if not compact else 200)
        self.sync_status.setMinimumWidth(260 if not compact else SYNC_MIN_FOLDED)

    def minimumSizeHint(self) -> QSize:
        """The folded header's width (``_fit``): the window may shrink to it, and the header folds
        as soon as it gets less than its full width. Without this the unfolded header held the
        window (locked or not) at 724 px where a 1366x768 screen at 200 % leaves 683."""
        hint = super().minimumSizeHint()
        if not self.tool_buttons:  # before the first unlock nothing folds (and it is narrower)
            return hint
        layout = self.layout()
        assert isinstance(layout, QHBoxLayout)
        folded = hint.width()
        if not self.app_label.isHidden():
            folded -= self.app_label.minimumSizeHint().width() + layout.spacing()
        folded -= max(0, self.sync_status.minimumWidth() - SYNC_MIN_FOLDED)
        return QSize(folded, hint.height())

    def _full_width(self) -> int:
        """The header's width with every label and button's text shown."""
        layout = self.layout()
        assert isinstance(layout, QHBoxLayout)
        margins = layout.contentsMargins()
        widgets = [layout.itemAt(i).widget() for i in range(layout.count())]
        shown = [w for w in widgets if (w is not None and not w.isHidden()) or w is self.app_label]
        width = margins.left() + margins.right() + layout.spacing() * max(len(shown) - 1, 0)
        for widget in shown:
            if widget in self.tool_buttons:
                width += self._text_widths.get(widget, widget.sizeHint().width())
            elif widget is self.sync_status:
                width += min(widget.sizeHint().width(), widget.maximumWidth())
            else:
                width += widget.sizeHint().width()
        return width

    def add_actions(self, actions: Any) -> None:
        """Tool buttons for the window's most used actions, before the Lock button."""
        from PySide6.QtWidgets import QToolButton

        layout = self.layout()
        assert isinstance(layout, QHBoxLayout)
        at = layout.indexOf(self.lock_button)
        for act in actions:
            button = QToolButton()
            button.setObjectName(f"header_{act.objectName().removesuffix('_action')}_button")
            button.setDefaultAction(act)
            from PySide6.QtCore import Qt

            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            # The layout may squeeze it to its icon; _fit then hides the words (never cut).
            button.setMinimumWidth(ICON_SIZE + 2 * SPACE_S + 6)
            button.setAccessibleName(act.text().rstrip("…"))
            layout.insertWidget(at, button)
            at += 1
            self.tool_buttons.append(button)
            self._text_widths[button] = button.sizeHint().width()
