"""Caseload handoff in the app (docs/design/handoff.md): this vault's handoff fingerprint and
card, and importing a package a colleague sent.

``HandoffDialog`` (File ▸ Caseload handoff…) shows the name, the fingerprint in large digits to
read aloud, and the card to copy and send, also as a QR code (``card_qr``; a colleague's phone
or scanner reads it — this app does not, that needs a camera — and **Save printed card…** writes
the printed card as a PDF); a colleague's card pasted in is kept (its fingerprint
is shown to check) and listed with the other kept colleagues (**Forget colleague** revokes one),
or found in the county's registry with **Find a colleague…**
(``handoff_lookup_dialog``); opening it publishes this laptop's card to the county when it
changed (``registry``); **Confirm a handoff I sent…** takes the package file the colleague
imported and makes its students read-only here. **Import a package…** chooses a file; the package is
checked on the database worker and what it holds is shown (sender, fingerprint, counts) before
**Import** adds it in one step. Refusals from the core (altered, truncated, for someone else,
unknown sender, a school this vault lacks) are shown in the dialog; nothing is half imported.
Exporting starts from the caseload's selection (``handoff_export_dialog``).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from clinician_desk.errors import ClinicianDeskError
from clinician_desk.services.handoff import HandoffService, Imported, Whoami
from ui.context import UiContext
from ui.i18n import _, core_text
from ui.widgets.scrolling_form import ScrollingForm

MAX_PACKAGE = 2 * 1024 * 1024 * 1024
QR_SCALE = 4  # pixels per module of the card's QR code
QR_BORDER = 4  # the quiet zone, in modules


def _counts(done: Imported) -> str:
    return ", ".join(f"{table.replace('_', ' ')}: {n}" for table, n in done.counts.items())


class HandoffDialog(QDialog):
    # Why this laptop's card could not be published when the dialog opened ("" when it was, or
    # had nothing to publish): the main window passes it to the sync scheduler, so the header
    # and the Sync page say it as they do for the rounds' own attempts (decision 0151).
    card_problem_found = Signal(str)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("handoff_dialog")
        self.setWindowTitle(_("Caseload handoff"))
        self.ctx = ctx
        self._data: bytes | None = None
        self._me: Whoami | None = None
        self.name_label = QLabel()
        self.name_label.setObjectName("handoff_name_label")
        explain = QLabel(
            _(
                "Read this fingerprint aloud with your colleague (in person or by phone) and "
                "compare it digit by digit before handing anything off."
            )
        )
        explain.setWordWrap(True)
        self.fingerprint_label = QLabel()
        self.fingerprint_label.setObjectName("handoff_fingerprint_label")
        self.fingerprint_label.setAccessibleName(_("Handoff fingerprint"))
        font = self.fingerprint_label.font()
        font.setPointSize(font.pointSize() + 6)
        self.fingerprint_label.setFont(font)
        card_label = QLabel(_("Your handoff card (send it to colleagues; it holds no secret):"))
        self.card_edit = QLineEdit()
        self.card_edit.setObjectName("handoff_card_line_edit")
        self.card_edit.setReadOnly(True)
        self.card_edit.setAccessibleName(_("Handoff card"))
        card_label.setBuddy(self.card_edit)
        self.qr_label = QLabel()
        self.qr_label.setObjectName("handoff_card_qr_label")
        self.qr_label.setAccessibleName(_("Your handoff card as a QR code"))
        self.qr_label.setToolTip(
            _(
                "A colleague can scan it with a phone or scanner and paste the text it holds; "
                "this app does not read QR codes (that needs a camera)."
            )
        )
        self.save_card_button = QPushButton(_("Save printed card…"))
        self.save_card_button.setObjectName("handoff_save_card_button")
        self.save_card_button.clicked.connect(self.save_card)
        add_label = QLabel(_("Add a colleague's card (paste it here):"))
        self.contact_edit = QLineEdit()
        self.contact_edit.setObjectName("handoff_contact_card_line_edit")
        self.contact_edit.setAccessibleName(_("Colleague's handoff card"))
        add_label.setBuddy(self.contact_edit)
        self.add_contact_button = QPushButton(_("Add colleague"))
        self.add_contact_button.setObjectName("handoff_add_contact_button")
        self.add_contact_button.clicked.connect(self.add_contact)
        kept_label = QLabel(_("Colleagues whose cards are kept:"))
        self.contacts_combo = QComboBox()
        self.contacts_combo.setObjectName("handoff_contacts_combo_box")
        self.contacts_combo.setAccessibleName(_("Kept colleagues"))
        kept_label.setBuddy(self.contacts_combo)
        self.forget_contact_button = QPushButton(_("Forget colleague"))
        self.forget_contact_button.setObjectName("handoff_forget_contact_button")
        self.forget_contact_button.setEnabled(False)
        self.forget_contact_button.clicked.connect(self.forget_contact)
        self.find_button = QPushButton(_("Find a colleague…"))
        self.find_button.setObjectName("handoff_find_colleague_button")
        self.find_button.clicked.connect(self.find_colleague)
        self.confirm_sent_button = QPushButton(_("Confirm a handoff I sent…"))
        self.confirm_sent_button.setObjectName("handoff_confirm_sent_button")
        self.confirm_sent_button.clicked.connect(self.choose_sent_file)
        self.import_button = QPushButton(_("Import a package…"))
        self.import_button.setObjectName("handoff_import_button")
        self.import_button.clicked.connect(self.choose_file)
        self.card_problem_label = QLabel()  # a card that could not be published (said, not fatal)
        self.card_problem_label.setObjectName("handoff_card_problem_label")
        self.card_problem_label.setWordWrap(True)
        self.card_problem_label.hide()
        self.message = QLabel()
        self.message.setObjectName("handoff_message_label")
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Close
        )
        self.confirm_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.confirm_button.setText(_("Import"))
        self.confirm_button.setObjectName("handoff_confirm_import_button")
        self.confirm_button.setEnabled(False)
        self.buttons.accepted.connect(self.import_now)
        self.buttons.rejected.connect(self.reject)
        body = QVBoxLayout()
        for widget in (
            self.name_label,
            explain,
            self.fingerprint_label,
            card_label,
            self.card_edit,
            self.qr_label,
            self.card_problem_label,
            self.save_card_button,
            add_label,
            self.contact_edit,
            self.add_contact_button,
            kept_label,
            self.contacts_combo,
            self.forget_contact_button,
            self.find_button,
            self.import_button,
            self.confirm_sent_button,
        ):
            body.addWidget(widget)
        layout = QVBoxLayout(self)
        # A short screen scrolls the form; the message and the buttons stay in view.
        layout.addWidget(ScrollingForm(body, "handoff_form_scroll_area"), 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.resize(620, max(320, self.sizeHint().height()))
        self._load()

    def _service(self) -> HandoffService:
        return HandoffService(self.ctx.require_services().db)

    def _load(self) -> None:
        service = self._service()
        self.ctx.tasks.run_db(
            lambda _c: service.whoami(),
            context=self,
            on_done=self._show_identity,
            on_error=self._failed,
            name="handoff-whoami",
        )

    def _show_identity(self, me: Whoami) -> None:
        self.name_label.setText(_("Handoff identity of {name}").format(name=me.name))
        self.fingerprint_label.setText(me.fingerprint)
        self.card_edit.setText(me.card)
        self._me = me
        from clinician_desk.services.handoff.card_qr import card_png

        qr = QPixmap()
        qr.loadFromData(card_png(me.card, scale=QR_SCALE))
        self.qr_label.setPixmap(qr)
        self._publish_card()
        self._load_contacts()

    def _load_contacts(self) -> None:
        service = self._service()
        self.ctx.tasks.run_db(
            lambda _c: service.contacts(),
            context=self,
            on_done=self._show_contacts,
            on_error=self._failed,
            name="handoff-contacts",
        )

    def _show_contacts(self, rows: list[tuple[str, str, str]]) -> None:
        self.contacts_combo.clear()
        for fingerprint, name, _added in rows:
            self.contacts_combo.addItem(f"{name} — {fingerprint}", fingerprint)
        self.forget_contact_button.setEnabled(bool(rows))

    def forget_contact(self) -> None:
        """Revoke the chosen colleague's card: no longer a recipient nor a known sender here
        (audited in the core); it can be added again after checking its fingerprint."""
        fingerprint = self.contacts_combo.currentData()
        if not fingerprint:
            return
        service = self._service()
        self.forget_contact_button.setEnabled(False)
        self.ctx.tasks.run_db(
            lambda _c: service.forget_contact(str(fingerprint)),
            context=self,
            on_done=self._contact_forgotten,
            on_error=self._failed,
            name="handoff-forget-contact",
        )

    def _contact_forgotten(self, gone: tuple[str, str]) -> None:
        fingerprint, name = gone
        self.message.setText(
            _(
                "Forgot {name} ({fingerprint}): their card is no longer a recipient here. Add it "
                "again, after checking the fingerprint, to hand off to them."
            ).format(name=name, fingerprint=fingerprint)
        )
        self._load_contacts()

    def save_card(self) -> None:
        """The printed card (name, fingerprint, QR, text) as a PDF where the clinician chooses;
        made in memory on the database worker, written once."""
        me = self._me
        if me is None:
            return
        path, _filter = QFileDialog.getSaveFileName(
            self, _("Save printed card"), "handoff-card.pdf", "PDF (*.pdf)"
        )
        if not path:
            return

        def work(_c: Any) -> str:
            from clinician_desk.services.handoff.card_qr import card_pdf

            Path(path).write_bytes(card_pdf(me.name, me.fingerprint, me.card))
            return path

        self.ctx.tasks.run_db(
            work,
            context=self,
            on_done=lambda p: self.message.setText(
                _("Printed card saved to {path}.").format(path=p)
            ),
            on_error=self._failed,
            name="handoff-save-card",
        )

    def _publish_card(self) -> None:
        """An enrolled laptop publishes its card to the county's registry when it changed
        (``ui.handoff_publish``). Never fatal (the rounds publish too), but not silent: a
        problem is said in the dialog and announced by ``card_problem_found``."""
        from ui.handoff_publish import publish_card

        def finished(problem: str, _published: bool) -> None:
            self.card_problem_found.emit(problem)
            if problem:
                self.card_problem_label.setText(
                    _(
                        "Your handoff card is not yet published in the county's list of "
                        "colleagues: {why} Colleagues can still add it from the text or the "
                        "printed card above; the next sync tries again."
                    ).format(why=core_text(problem))
                )
            self.card_problem_label.setVisible(bool(problem))

        publish_card(self.ctx, self, finished)

    def add_contact(self) -> None:
        card = self.contact_edit.text().strip()
        if not card:
            return
        service = self._service()
        self.ctx.tasks.run_db(
            lambda _c: service.add_contact(card),
            context=self,
            on_done=self._contact_added,
            on_error=self._failed,
            name="handoff-add-contact",
        )

    def _contact_added(self, colleague: Any) -> None:
        self.contact_edit.clear()
        self._load_contacts()
        self.message.setText(
            _(
                "Kept {name}, fingerprint {fingerprint}. Check this fingerprint with them before "
                "handing anything off."
            ).format(name=colleague.name, fingerprint=colleague.fingerprint)
        )

    def find_colleague(self) -> None:
        """Look a colleague up in the county's registry (``handoff_lookup_dialog``)."""
        from ui.dialogs.handoff_lookup_dialog import HandoffLookupDialog

        lookup = HandoffLookupDialog(self.ctx, self)
        lookup.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        lookup.open()

    def choose_sent_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, _("Handoff package"))
        if path:
            self.confirm_sent(Path(path))

    def confirm_sent(self, path: Path) -> None:
        """The colleague imported this package: its students become read-only here."""
        service = self._service()

        def work(_c: Any) -> list[int]:
            return service.confirm(hashlib.sha256(path.read_bytes()).hexdigest())

        self.ctx.tasks.run_db(
            work,
            context=self,
            on_done=self._confirmed,
            on_error=self._failed,
            name="handoff-confirm",
        )

    def _confirmed(self, students: list[int]) -> None:
        if not students:
            self.message.setText(_("This handoff was already confirmed; nothing changed."))
            return
        self.message.setText(
            _(
                "Handoff confirmed: {n} student(s) are now read-only here and kept until their "
                "retention date."
            ).format(n=len(students))
        )

    def choose_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, _("Handoff package"))
        if path:
            self.check_file(Path(path))

    def check_file(self, path: Path) -> None:
        """Read and check a package on the database worker; show what it holds."""
        service = self._service()
        self.confirm_button.setEnabled(False)
        self.message.setText(_("Checking the package…"))

        def work(_c: Any) -> tuple[bytes, Imported]:
            if path.stat().st_size > MAX_PACKAGE:
                raise ClinicianDeskError(_("This file is too large to be a handoff package."))
            data = path.read_bytes()
            return data, service.inspect(data)

        self.ctx.tasks.run_db(
            work, context=self, on_done=self._checked, on_error=self._failed, name="handoff-check"
        )

    def _checked(self, result: tuple[bytes, Imported]) -> None:
        self._data, done = result
        self.message.setText(
            _("From {sender} ({fingerprint}), made {day}: {counts}. Import it?").format(
                sender=done.sender,
                fingerprint=done.sender_fingerprint,
                day=done.made_at[:10],
                counts=_counts(done),
            )
        )
        self.confirm_button.setEnabled(True)

    def import_now(self) -> None:
        if self._data is None:
            return
        service, data = self._service(), self._data
        self.confirm_button.setEnabled(False)
        self.ctx.tasks.run_db(
            lambda _c: service.import_package(data),
            context=self,
            on_done=self._imported,
            on_error=self._failed,
            name="handoff-import",
        )

    def _imported(self, done: Imported) -> None:
        self._data = None
        if done.already:
            self.message.setText(_("This package was already imported; nothing changed."))
            return
        self.message.setText(
            _("Imported {n} student(s). Tell the sender, so they can confirm the handoff.").format(
                n=len(done.student_ids)
            )
        )

    def _failed(self, exc: ClinicianDeskError) -> None:
        self.message.setText(exc.message)
