"""The system print dialog offers no "Print to file" (issue 16, hole 4): such a file was an
unencrypted PDF (0644) that bypassed Export PDF's warning. The dialog's option is off, and a
printer that still points at a file is refused with a pointer to Export PDF — nothing is
written. Before: the option was on and the file was written."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinter


def test_print_dialog_has_no_print_to_file_and_a_file_printer_is_refused(
    qtbot, unlocked_window, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from clinician_desk.reports.handout import render_handout

    page = unlocked_window.print_page
    page.pdf_bytes = render_handout("anxiety", "en")  # a generic handout: no student data
    target = tmp_path / "printed-to-file.pdf"
    seen: list[bool] = []

    def user_picks_print_to_file(dialog: QPrintDialog) -> int:
        seen.append(dialog.testOption(QAbstractPrintDialog.PrintDialogOption.PrintToFile))
        printer = dialog.printer()
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(target))
        return int(QPrintDialog.DialogCode.Accepted.value)

    monkeypatch.setattr(QPrintDialog, "exec", user_picks_print_to_file)
    page.print_document()
    qtbot.wait(500)
    assert seen == [False]
    assert not target.exists()
    assert "Export PDF" in page.message.text()
