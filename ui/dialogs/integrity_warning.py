"""The warning shown right after unlock when the vault found damage that does not stop work.

``services.warnings`` (built at unlock by ``bootstrap.build_services``) names a damaged key slot
(recovery key, county escrow, passphrase) or committed changes missing from the database, each
with what to do. The box is non-modal: the caseload is usable behind it, nothing is blocked,
and locking closes it like any other dialog. The messages hold file names, never student data.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from ui.i18n import _, core_text


def show_integrity_warnings(parent: QWidget, warnings: Sequence[str]) -> QMessageBox | None:
    """Open a non-modal warning listing ``warnings``; None when there is nothing to show."""
    if not warnings:
        return None
    box = QMessageBox(
        QMessageBox.Icon.Warning,
        _("Your vault needs attention"),
        _("The vault is open, but something needs to be repaired now:"),
        QMessageBox.StandardButton.Ok,
        parent,
    )
    box.setObjectName("integrity_warning_message_box")
    box.setInformativeText("\n\n".join(core_text(w) for w in warnings))
    ok = box.button(QMessageBox.StandardButton.Ok)
    ok.setObjectName("integrity_warning_ok_button")
    ok.setAccessibleName(_("OK"))
    box.setWindowModality(Qt.WindowModality.NonModal)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # not kept once closed
    box.show()
    return box
