"""The recovery key on screen and on paper, the same in the setup wizard and in Vault ▸ New
recovery key…: a large monospace label nobody can select (so it is not copied to the clipboard by
accident), and printing to a printer only — a print-to-file destination is refused, because a
file holding the key would open the vault for whoever finds it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QTextDocument
from PySide6.QtWidgets import QLabel, QWidget

from ui.i18n import _


def recovery_key_label(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setAccessibleName(_("Recovery key"))
    font = QFont("monospace")
    font.setStyleHint(QFont.StyleHint.Monospace)
    font.setPointSize(14)
    label.setFont(font)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
    return label


def recovery_document(key: str) -> QTextDocument:
    """The page that is printed: a title, a line of advice and the key."""
    doc = QTextDocument()
    doc.setHtml(
        "<h2>clinician-desk — {title}</h2><p>{body}</p>"
        "<pre style='font-size:16pt'>{key}</pre>".format(
            title=_("recovery key"),
            body=_("Keep this page somewhere safe, away from the laptop."),
            key=key,
        )
    )
    return doc


def print_recovery_key(parent: QWidget, key: str, dialog_name: str) -> str:
    """Ask the system print dialog and print the key; returns why nothing was printed when the
    destination is a file (empty when printed or cancelled)."""
    from PySide6.QtPrintSupport import QPrintDialog, QPrinter

    from ui.print_job import prints_to_file, system_print_dialog

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    dialog = system_print_dialog(printer, parent, dialog_name)
    if dialog.exec() != QPrintDialog.DialogCode.Accepted:
        return ""
    if prints_to_file(printer):
        return _("The recovery key is printed on paper only, never to a file.")
    recovery_document(key).print_(printer)
    return ""
