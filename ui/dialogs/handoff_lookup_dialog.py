"""Find a colleague's handoff card in the county's registry (docs/design/handoff.md, "Finding a
colleague"): Caseload handoff ▸ **Find a colleague…**.

The name and/or school go to the county (a signed lookup on the network pool); each card found
is listed with its name, credential, schools and its fingerprint **computed on this laptop**.
The registry is a phone book, not proof of who is who: **Save as contact** is enabled only
once the clinician ticks that the colleague read this fingerprint aloud and it matched; then
the card is kept like a pasted one (``HandoffService.add_contact``, audited).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from clinician_desk.errors import ClinicianDeskError
from clinician_desk.services.handoff import HandoffService, registry
from ui.context import UiContext
from ui.i18n import _


class HandoffLookupDialog(QDialog):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("handoff_lookup_dialog")
        self.setWindowTitle(_("Find a colleague"))
        self.ctx = ctx
        self.found: list[registry.FoundCard] = []
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("handoff_lookup_name_line_edit")
        self.school_edit = QLineEdit()
        self.school_edit.setObjectName("handoff_lookup_school_line_edit")
        self.school_edit.setPlaceholderText(_("14-digit CDS code (optional)"))
        form = QFormLayout()
        form.addRow(_("Name:"), self.name_edit)
        form.addRow(_("School:"), self.school_edit)
        self.search_button = QPushButton(_("Search the county's list"))
        self.search_button.setObjectName("handoff_lookup_search_button")
        self.search_button.clicked.connect(self.search)
        self.results = QListWidget()
        self.results.setObjectName("handoff_lookup_results_list")
        self.results.setAccessibleName(_("Colleagues found"))
        self.results.currentRowChanged.connect(self._update)
        trust = QLabel(
            _(
                "The fingerprint is what you trust, not this list: call or meet the colleague, "
                "ask them to read their fingerprint aloud (Caseload handoff shows it) and "
                "compare it digit by digit with the one shown here."
            )
        )
        trust.setWordWrap(True)
        self.read_aloud = QCheckBox(_("They read this fingerprint aloud to me and it matches"))
        self.read_aloud.setObjectName("handoff_lookup_read_aloud_check_box")
        self.read_aloud.toggled.connect(self._update)
        self.message = QLabel()
        self.message.setObjectName("handoff_lookup_message_label")
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText(_("Save as contact"))
        self.save_button.setObjectName("handoff_lookup_save_button")
        self.save_button.setEnabled(False)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        for widget in (
            self.search_button,
            self.results,
            trust,
            self.read_aloud,
            self.message,
            self.buttons,
        ):
            layout.addWidget(widget)
        self.resize(640, 420)

    def _selected(self) -> registry.FoundCard | None:
        row = self.results.currentRow()
        return self.found[row] if 0 <= row < len(self.found) else None

    def _update(self, *_args: Any) -> None:
        self.save_button.setEnabled(self._selected() is not None and self.read_aloud.isChecked())

    def search(self) -> None:
        services = self.ctx.require_services()
        db, clock, factory = services.db, services.clock, services.sync.client_factory
        name, school = self.name_edit.text(), self.school_edit.text()
        self.search_button.setEnabled(False)
        self.message.setText(_("Asking the county server…"))

        def ask(device: Any) -> None:
            self.ctx.tasks.run_network(
                lambda _c: registry.search(device, clock, factory, name=name, school=school),
                context=self,
                on_done=self._show,
                on_error=self._failed,
                name="handoff-lookup-search",
            )

        self.ctx.tasks.run_db(
            lambda _c: registry.lookup_device(db),
            context=self,
            on_done=ask,
            on_error=self._failed,
            name="handoff-lookup-device",
        )

    def _show(self, found: list[registry.FoundCard]) -> None:
        self.search_button.setEnabled(True)
        self.found = found
        self.read_aloud.setChecked(False)
        self.results.clear()
        for card in found:
            credential = f", {card.credential}" if card.credential else ""
            self.results.addItem(
                _("{name}{credential} — schools {schools} — fingerprint {fingerprint}").format(
                    name=card.name,
                    credential=credential,
                    schools=", ".join(card.schools),
                    fingerprint=card.fingerprint,
                )
            )
        self.message.setText(
            _("No colleague's card matches.") if not found else _("Choose a colleague.")
        )
        self._update()

    def save(self) -> None:
        card = self._selected()
        if card is None or not self.read_aloud.isChecked():
            return
        service = HandoffService(self.ctx.require_services().db)
        text = card.card
        self.save_button.setEnabled(False)
        self.ctx.tasks.run_db(
            lambda _c: service.add_contact(text),
            context=self,
            on_done=self._saved,
            on_error=self._failed,
            name="handoff-lookup-save",
        )

    def _saved(self, colleague: Any) -> None:
        self.message.setText(
            _("Kept {name}, fingerprint {fingerprint}.").format(
                name=colleague.name, fingerprint=colleague.fingerprint
            )
        )
        self.read_aloud.setChecked(False)

    def _failed(self, exc: ClinicianDeskError) -> None:
        self.search_button.setEnabled(True)
        self.message.setText(exc.message)
        self._update()
